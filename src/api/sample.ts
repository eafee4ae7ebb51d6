/**
 * Sampling, for `rnnlm sample`, the library's sample() and the samples
 * `rnnlm train` shows at the end: the options checked by the one shared
 * schema, the prime read (an unknown character or word is <UNK> for the
 * model but shown as written), the workspace kept per model (buffers in the
 * WebAssembly memory are never freed, so sampling again and again must not
 * make new ones), and the samples drawn one at a time, so that a caller can
 * stream them and stop whenever it likes.
 */
import type { Checkpoint } from '../checkpoint/codec.js';
import type { Model } from '../core/model.js';
import { createRng } from '../core/rng.js';
import { PRIME_WINDOW, createSampler } from '../core/sample.js';
import { createWorkspace, type Workspace } from '../core/workspace.js';
import { checkCheckpoint } from './checks.js';
import { parseWith, sampleOptionsSchema, type ParseNaming } from './options.js';
import type { Platform } from './platform.js';
import { primeOf, type Prime } from './text.js';

export type { Prime } from './text.js';

/** sample()'s options: those of `rnnlm sample`, in camelCase, `n` for -n/--number (see sampleOptionsShape for the ranges). */
export interface SampleOptionsInput {
  /** How many samples, 1 to 10^9 (default 1). */
  n?: number;
  /** Greater than 0, at most 100 (default 1). */
  temperature?: number;
  /** 0 = all tokens (default). */
  topK?: number;
  /** Every sample starts with this text, shown as given even where the model does not know it. */
  prime?: string;
  /** Most tokens after the prime (default 200 characters / 50 words). */
  maxLength?: number;
  /** Default 1: the same seed and model give the same samples. */
  seed?: number;
  greedy?: boolean;
  allowUnk?: boolean;
}

/** How the options are spelt in messages: `temperature` in code, `--temperature` on the command line. */
export interface SampleSpelling extends ParseNaming {
  name(key: string): string;
  hint: string;
}

const LIBRARY: SampleSpelling = {
  name: (k) => k, hint: "sample() takes the options of 'rnnlm sample --help', in camelCase (n for --number)",
  what: 'the options of sample()', aliases: { number: 'n' },
};

export interface Sample {
  /** The prime as given, then the drawn tokens, decoded together (word spacing right at the seam). */
  text: string;
  /** Tokens drawn after the prime (<EOS> not counted). */
  tokens: number;
  /** Why it ended: <EOS> drawn, or maxLength reached. */
  end: 'eos' | 'length';
}

export interface Sampling {
  /** The prime as read: its ids, the tokens the model does not know (for a warning), and how samples show it. */
  readonly prime: Prime;
  readonly seed: number;
  /** How many samples `next` gives in all. */
  readonly count: number;
  /** Most tokens per sample after the prime. */
  readonly maxLength: number;
  /** The next sample, or null after `count` of them. */
  next(): Sample | null;
}

/** Workspaces kept per model: one sampler at a time uses it (sampling is synchronous). */
const workspaces = new WeakMap<Model, Workspace>();

/**
 * Start drawing samples from the checkpoint's model with the options of
 * `rnnlm sample` (checked by the shared schema; anything wrong is one
 * OptionError, spelt by `spelling`, before any work). The model computes on
 * its own backend on this thread; the platform is the door's usual first
 * argument (a batched sampler would take its engine).
 */
export function startSampling(_platform: Platform, ck: Checkpoint, options: SampleOptionsInput = {}, spelling: SampleSpelling = LIBRARY): Sampling {
  checkCheckpoint(ck, "sample()'s model");
  const opts = parseWith(sampleOptionsSchema, options, spelling.name, spelling.hint, { ...spelling, numbersAsNumbers: spelling === LIBRARY });
  // the model reads unknown characters or words of the prime as <UNK>; the samples show them as given
  const prime = primeOf(opts.prime, ck.vocab, ck.tokenizer);
  const maxLength = opts.maxLength ?? (ck.tokenizer.level === 'char' ? 200 : 50);
  let ws = workspaces.get(ck.model);
  if (!ws) workspaces.set(ck.model, (ws = createWorkspace(ck.model, PRIME_WINDOW, 1)));
  const sampler = createSampler(ck.model, {
    prime: prime.ids, maxLength, temperature: opts.temperature, topK: opts.topK, greedy: opts.greedy, allowUnk: opts.allowUnk,
  }, ws);
  const seed = opts.seed ?? 1;
  const rng = createRng(seed);
  const count = opts.n ?? 1;
  let made = 0;
  return {
    prime, seed, count, maxLength,
    next() {
      if (made >= count) return null;
      made++;
      const gen = sampler.sample(rng);
      const ids: number[] = [];
      let r = gen.next();
      while (!r.done) { ids.push(r.value); r = gen.next(); }
      return { text: prime.text(ids), tokens: ids.length, end: r.value };
    },
  };
}

/**
 * Draw sentences, as `rnnlm sample` prints them: each starts with the prime
 * as given (a character or word the model does not know is read as <UNK>
 * but shown as written), then the tokens drawn until <EOS> or maxLength.
 */
export function sample(platform: Platform, ck: Checkpoint, options: SampleOptionsInput = {}): string[] {
  const run = startSampling(platform, ck, options);
  const out: string[] = [];
  for (let s = run.next(); s !== null; s = run.next()) out.push(s.text);
  return out;
}
