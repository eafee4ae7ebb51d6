/**
 * rnnlm sample -m MODEL: draw sentences from the model, one per line on
 * stdout, each ending at <EOS> or the length cap; optionally primed.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { createRng } from '../../core/rng.js';
import { createSampler } from '../../core/sample.js';
import { decode, encode, normalizeText, type TokenizerConfig } from '../../core/tokenize.js';
import { ExitCode } from '../exit-codes.js';
import type { Host } from '../host.js';
import { readCheckpoint } from '../input.js';
import { int, parseOptions, real, seed } from '../options.js';
import { makeStyle } from '../style.js';

export const sampleOptionsSchema = z.object({
  model: z.string({ error: 'is required: the checkpoint to sample from (e.g. -m model.json)' }).min(1),
  number: int(1, 1_000_000_000).default(10),
  temperature: real(0, 100, { min: true }).default(1),
  topK: int(0, 10_000_000).default(0),
  prime: z.string().default(''),
  maxLength: int(1, 10_000_000).optional(),
  seed: seed.optional(),
  greedy: z.boolean().default(false),
  allowUnk: z.boolean().default(false),
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
  color: z.boolean().default(true),
});

export function registerSample(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('sample')
    .description('generate text from a model, one sample per line')
    .requiredOption('-m, --model <file>', 'checkpoint written by rnnlm train')
    .option('-n, --number <n>', 'how many samples', '10')
    .option('-t, --temperature <t>', 'softmax temperature > 0: lower is safer, higher is wilder', '1')
    .option('--top-k <k>', 'draw only from the k most likely tokens (0 = all)', '0')
    .option('-p, --prime <text>', 'start every sample with this text (the output includes it)', '')
    .option('--max-length <n>', 'most tokens per sample after the prime (default 200 chars / 50 words)')
    .option('--seed <n>', 'random seed: same seed and model, same output (default: random)')
    .option('--greedy', 'always take the most likely token')
    .option('--allow-unk', 'allow <UNK> in the output')
    .option('--json', 'one JSON object per sample (NDJSON)')
    .option('-q, --quiet', 'no warnings on stderr')
    .option('--no-color', 'no colour in messages')
    .addHelpText('after', `
Examples:
  rnnlm sample -m names.json -n 5
  rnnlm sample -m model.json --prime "Cats average 15" -n 3 --temperature 0.8
  rnnlm sample -m model.json --seed 7 --top-k 5 | head -1`)
    .action((raw: Record<string, unknown>) => run((host) => runSample(host, raw)));
}

export async function runSample(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(sampleOptionsSchema, raw, 'sample');
  const style = makeStyle(host, !opts.color);
  const ck = await readCheckpoint(host, opts.model);
  const tok: TokenizerConfig = { level: ck.tokenizer.level, lowercase: ck.tokenizer.lowercase, unkToken: ck.tokenizer.unkToken };
  const prime = normalizeText(opts.prime);
  const { ids: primeIds, unknown } = encode(prime, ck.vocab, tok);
  if (unknown.length && !opts.quiet) {
    host.stderr.write(style.yellow(`warning: not in the model's vocabulary, read as <UNK>: ${unknown.slice(0, 10).map((u) => JSON.stringify(u)).join(', ')}${unknown.length > 10 ? ', …' : ''}`) + '\n');
  }
  const seedUsed = opts.seed ?? host.randomSeed();
  const rng = createRng(seedUsed);
  const maxLength = opts.maxLength ?? (tok.level === 'char' ? 200 : 50);
  const sampleOpts = { prime: primeIds, maxLength, temperature: opts.temperature, topK: opts.topK, greedy: opts.greedy, allowUnk: opts.allowUnk };
  const primeText = decode(primeIds, ck.vocab, tok);
  const sampler = createSampler(ck.model, sampleOpts);
  for (let i = 0; i < opts.number && !host.stdout.closed; i++) {
    const gen = sampler.sample(rng);
    const ids: number[] = [];
    let r = gen.next();
    while (!r.done) { ids.push(r.value); r = gen.next(); }
    // decode prime and continuation together so word spacing is right at the seam
    const text = primeIds.length ? decode([...primeIds, ...ids], ck.vocab, tok) : decode(ids, ck.vocab, tok);
    if (opts.json) {
      host.stdout.write(JSON.stringify({ text, prime: primeText, tokens: ids.length, end: r.value, seed: seedUsed, index: i }) + '\n');
    } else {
      host.stdout.write(text.replace(/\n/g, ' ') + '\n');
    }
    // now and then let the event loop deliver a stream error (a reader that went away), whatever the platform
    if (i % 256 === 255) await new Promise<void>((done) => setImmediate(done));
  }
  return ExitCode.ok;
}
