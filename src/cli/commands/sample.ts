/**
 * rnnlm sample MODEL (or -m MODEL): draw sentences from the model, one per line on
 * stdout, each ending at <EOS> or the length cap; optionally primed. The
 * sampling is the api's (src/api/sample.ts); this file parses and prints.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { OptionError } from '../../api/index.js';
import { extendSampleOptions, parseWith } from '../../api/options.js';
import { startSampling, type SampleSpelling } from '../../api/sample.js';
import { NOT_UTF8_HINT } from '../../api/text.js';
import { wasInvalidUtf8 } from '../argv.js';
import { InputError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Host } from '../host.js';
import { readCheckpoint } from '../input.js';
import { shown } from '../format.js';
import { flagName } from '../options.js';
import { modelArgument } from '../model-argument.js';
import { makeStyle } from '../style.js';

/**
 * The library's sampling options (src/api/options.ts, shared with sample())
 * plus what only the command line has. `n` is -n/--number.
 */
export const sampleOptionsSchema = extendSampleOptions({
  model: z.string().min(1, { error: 'must not be empty: give the checkpoint to sample from, e.g. rnnlm sample model.json' }),
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
  color: z.boolean().default(true),
});

/** `n` → --number (commander's name for -n), the rest as usual. */
const sampleFlag = (key: string): string => (key === 'n' ? '--number' : flagName(key));

export function registerSample(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('sample')
    .description('generate text from a model, one sample per line')
    .argument('[model]', 'checkpoint written by rnnlm train (required: here or with -m)')
    .option('-m, --model <file>', 'the same as the model argument')
    .option('-n, --number <n>', 'how many samples (default: 10)')
    .option('-t, --temperature <t>', 'softmax temperature > 0: lower is safer, higher is wilder (default: 1)')
    .option('--top-k <k>', 'draw only from the k most likely tokens, 0 = all (default: 0)')
    .option('-p, --prime <text>', 'start every sample with this text; the output includes it (default: none)')
    .option('--max-length <n>', 'most tokens per sample after the prime (default: 200 characters, 50 words)')
    .option('--seed <n>', 'random seed: same seed and model, same output (default: random)')
    .option('--greedy', 'always take the most likely token')
    .option('--allow-unk', 'allow <UNK> in the output')
    .option('--json', 'one JSON object per sample (NDJSON)')
    .option('-q, --quiet', 'no warnings on stderr')
    .option('--no-color', 'no colour in messages')
    .addHelpText('after', `
Examples:
  rnnlm sample names.json -n 5
  rnnlm sample -m model.json --prime "Cats average 15" -n 3 --temperature 0.8
  rnnlm sample model.json --seed 7 --top-k 5 | head -1`)
    .action((model: string | undefined, raw: Record<string, unknown>) => run((host) => runSample(host, {
      ...raw, model: modelArgument(model, raw['model'], { command: 'sample', what: 'model', needed: 'the checkpoint to sample from', example: 'model.json' }),
    })));
}

export async function runSample(host: Host, raw: Record<string, unknown>): Promise<number> {
  const { number, ...rest } = raw;
  let opts;
  try {
    opts = parseWith(sampleOptionsSchema, { ...rest, n: number }, sampleFlag, "see 'rnnlm sample --help'");
  } catch (err) {
    if (err instanceof OptionError) throw new UsageError(err.message, err.hint);
    throw err;
  }
  if (wasInvalidUtf8(opts.prime)) throw new InputError('--prime is not valid UTF-8 text', NOT_UTF8_HINT);
  const style = makeStyle(host, !opts.color);
  const ck = await readCheckpoint(host, opts.model);
  const seedUsed = opts.seed ?? host.randomSeed();
  const platform = host.platform();
  const run = startSampling(platform, ck, {
    n: opts.n ?? 10, temperature: opts.temperature, topK: opts.topK, prime: opts.prime, maxLength: opts.maxLength,
    seed: seedUsed, greedy: opts.greedy, allowUnk: opts.allowUnk,
  }, CLI_SPELLING);
  // the model reads unknown characters or words of the prime as <UNK>; the samples show them as given
  const { unknown } = run.prime;
  if (unknown.length && !opts.quiet) {
    host.stderr.write(style.yellow(`warning: not in the model's vocabulary, read as <UNK>: ${unknown.slice(0, 10).map((u) => shown(JSON.stringify(u))).join(', ')}${unknown.length > 10 ? ', …' : ''}`) + '\n');
  }
  for (let i = 0; !host.stdout.closed; i++) {
    const s = run.next();
    if (s === null) break;
    if (opts.json) {
      host.stdout.write(JSON.stringify({ text: s.text, prime: run.prime.shown, tokens: s.tokens, end: s.end, seed: seedUsed, index: i }) + '\n');
    } else {
      host.stdout.write(s.text.replace(/\n/g, ' ') + '\n');
    }
    // now and then let the platform deliver a stream error (a reader that went away)
    if (i % 256 === 255) await platform.pause();
  }
  return ExitCode.ok;
}

/** The options were checked above with the command line's spelling; the api checks them again the same way. */
const CLI_SPELLING: SampleSpelling = { name: sampleFlag, hint: "see 'rnnlm sample --help'" };
