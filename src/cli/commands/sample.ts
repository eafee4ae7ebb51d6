/**
 * rnnlm sample MODEL (or -m MODEL): draw sentences from the model, one per line on
 * stdout, each ending at <EOS>, a stop string or the length cap; optionally
 * primed; or the K most likely by beam search. The sampling is the api's
 * (src/api/sample.ts); this file parses and prints.
 *
 * Output: by default one sample per line (a newline inside a sample printed
 * as a space, so that a line is a sample); --raw prints each sample's text as
 * it is followed by a separator (default a blank line: "\n\n"; --separator
 * TEXT, taken literally; -0/--null a NUL byte), for multi-line samples;
 * --json one object per line.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { OptionError } from '../../api/index.js';
import { extendSampleOptions, parseWith } from '../../api/options.js';
import { samplingLanes, startSampling, type SampleSpelling } from '../../api/sample.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Host } from '../host.js';
import { checkPathArgument, checkTextArgument, readCheckpoint } from '../input.js';
import { jsonLine, shown } from '../format.js';
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
  raw: z.boolean().default(false),
  separator: z.string().min(1, { error: 'must not be empty: samples would run together (use -0 for a NUL after each)' }).optional(),
  null: z.boolean().default(false),
  quiet: z.boolean().default(false),
  color: z.boolean().default(true),
});

/** `n` → --number (commander's name for -n), the rest as usual. */
const sampleFlag = (key: string): string => (key === 'n' ? '--number' : flagName(key));

/** What --raw writes after each sample unless --separator or --null says otherwise: a blank line. */
export const RAW_SEPARATOR = '\n\n';

/** --stop may be given again and again. */
const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

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
    .option('--top-p <p>', 'nucleus: draw only from the fewest most likely tokens whose probability sums to p, 0 < p ≤ 1, after --top-k (default: 1)')
    .option('--min-length <n>', '<EOS> cannot be drawn before n tokens after the prime (default: 0)')
    .option('--stop <text>', 'end a sample as soon as its text ends with this text, which is kept; may be given again (default: none)', collect)
    .option('--beam <k>', 'beam search: the k most likely sentences and their log P, best first, deterministic; no -n, -t, --top-k, --top-p, --greedy, --novel')
    .option('--novel', 'only samples that are not copies of training sentences (needs a model that keeps them; at most 10·n + 100 draws)')
    .option('--greedy', 'always take the most likely token')
    .option('--allow-unk', 'allow <UNK> in the output')
    .option('--json', 'one JSON object per sample (NDJSON): text, prime, tokens, end, logProb (natural log of the drawn tokens under the model\'s own distribution: temperature 1, nothing cut; <EOS> included when drawn), copy, seed, index')
    .option('--raw', 'print each sample as it is, newlines kept, followed by a separator (default: a blank line)')
    .option('--separator <text>', 'with --raw: written after each sample, taken literally (implies --raw)')
    .option('-0, --null', 'with --raw: a NUL byte after each sample (implies --raw)')
    .option('-q, --quiet', 'no warnings on stderr')
    .option('--no-color', 'no colour in messages')
    .addHelpText('after', `
Examples:
  rnnlm sample names.json -n 5
  rnnlm sample -m model.json --prime "Cats average 15" -n 3 --temperature 0.8
  rnnlm sample model.json --seed 7 --top-k 5 | head -1
  rnnlm sample names.json --top-p 0.9 --min-length 4 --novel
  rnnlm sample names.json --beam 5 --json
  rnnlm sample shakespeare.json --raw --stop $'\\n\\n' --max-length 500
  rnnlm sample shakespeare.json -n 100 -0 | xargs -0 -n 1 echo`)
    .action((model: string | undefined, raw: Record<string, unknown>) => run((host) => runSample(host, {
      ...raw, model: modelArgument(model, raw['model'], { command: 'sample', what: 'model', needed: 'the checkpoint to sample from', example: 'model.json' }),
    })));
}

export async function runSample(host: Host, raw: Record<string, unknown>): Promise<number> {
  const { number, ...rest } = raw;
  // the library sees the --stop texts as one list, and would describe it ("got an array of 1"): the empty text is named here
  if (Array.isArray(rest['stop']) && rest['stop'].includes('')) {
    throw new UsageError('--stop must not be empty text (got "")', "give the text a sample ends with, e.g. --stop '.'; see 'rnnlm sample --help'");
  }
  let opts;
  try {
    opts = parseWith(sampleOptionsSchema, { ...rest, n: number }, sampleFlag, "see 'rnnlm sample --help'");
  } catch (err) {
    if (err instanceof OptionError) throw new UsageError(err.message, err.hint);
    throw err;
  }
  checkPathArgument(opts.model, 'model path');
  checkTextArgument(opts.prime, '--prime text');
  for (const stop of opts.stop) checkTextArgument(stop, '--stop text');
  checkTextArgument(opts.separator, '--separator text');
  if (opts.separator !== undefined && opts.null) throw new UsageError('--separator and --null both say what follows a sample', 'give one of them');
  const rawOut = opts.raw || opts.null || opts.separator !== undefined;
  if (opts.json && rawOut) {
    const which = opts.null ? '--null' : opts.separator !== undefined ? '--separator' : '--raw';
    throw new UsageError(`--json and ${which} are two output formats`, 'give one of them (--json keeps newlines too, as \\n inside the text)');
  }
  const separator = opts.null ? '\0' : opts.separator ?? RAW_SEPARATOR;
  const style = makeStyle(host, !opts.color);
  const ck = await readCheckpoint(host, opts.model);
  const beam = opts.beam !== undefined;
  const seedUsed = opts.seed ?? host.randomSeed();
  const platform = host.platform();
  const n = beam ? opts.n : opts.n ?? 10;
  // many samples: side by side on every core (the same samples as on one)
  const lanes = await samplingLanes(platform, ck, n ?? 10, beam);
  try {
    const run = startSampling(platform, ck, {
      n, temperature: opts.temperature, topK: opts.topK, prime: opts.prime, maxLength: opts.maxLength,
      seed: seedUsed, greedy: opts.greedy, allowUnk: opts.allowUnk, topP: opts.topP, minLength: opts.minLength, stop: opts.stop,
      beam: opts.beam, novel: opts.novel,
    }, CLI_SPELLING, lanes ?? undefined);
    // the model reads unknown characters or words of the prime as <UNK>; the samples show them as given
    const { unknown } = run.prime;
    if (unknown.length && !opts.quiet) {
      host.stderr.write(style.yellow(`warning: not in the model's vocabulary, read as <UNK>: ${unknown.slice(0, 10).map((u) => shown(JSON.stringify(u))).join(', ')}${unknown.length > 10 ? ', …' : ''}`) + '\n');
    }
    let printed = 0;
    for (let i = 0; !host.stdout.closed; i++) {
      const s = run.next();
      if (s === null) break;
      printed++;
      if (opts.json) {
        host.stdout.write(jsonLine({
          text: s.text, prime: run.prime.shown, tokens: s.tokens, end: s.end, logProb: s.logProb, copy: s.copy, seed: beam ? null : seedUsed, index: i,
        }) + '\n');
      } else if (rawOut) {
        host.stdout.write(s.text + separator);
      } else {
        host.stdout.write(s.text.replace(/\n/g, ' ') + '\n');
      }
      // now and then let the platform deliver a stream error (a reader that went away)
      if (i % 256 === 255) await platform.pause();
    }
    if (!opts.quiet && !host.stdout.closed) {
      if (run.maxDraws !== null && printed < run.count) {
        host.stderr.write(style.yellow(`warning: only ${plural(printed, 'new sample')} of ${run.count} in ${plural(run.drawn, 'draw')} (the cap, 10 per sample asked + 100): the others copied training sentences`) + '\n');
      } else if (!opts.json && !opts.novel && run.copies > 0) {
        host.stderr.write(`note: ${run.copies} of ${plural(run.drawn, 'sample')} ${run.copies === 1 ? 'copies a training sentence' : 'copy training sentences'}${beam ? '' : ' (--novel draws only new ones)'}\n`);
      }
    }
    return ExitCode.ok;
  } finally {
    await lanes?.close();
  }
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The options were checked above with the command line's spelling; the api checks them again the same way. */
const CLI_SPELLING: SampleSpelling = { name: sampleFlag, hint: "see 'rnnlm sample --help'" };
