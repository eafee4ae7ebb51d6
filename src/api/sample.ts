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
import { DataError, OptionError } from '../core/errors.js';
import type { Model } from '../core/model.js';
import { streamRng } from '../core/rng.js';
import { PRIME_WINDOW, SAMPLE_LANES, beamSearch, sampleLanes } from '../core/sample.js';
import { decode } from '../core/tokenize.js';
import { workspaceLanes, type Lanes, type ThreadLanes } from '../core/lanes.js';
import { createWorkspace, type Workspace } from '../core/workspace.js';
import { checkCheckpoint, checkPlatform } from './checks.js';
import { inSentenceSet } from './novelty.js';
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
  /** Nucleus: 0 < p ≤ 1, applied after topK (default 1: all tokens). */
  topP?: number;
  /** <EOS> cannot be drawn before this many tokens after the prime (default 0). */
  minLength?: number;
  /** A sample ends as soon as its text ends with one of these; the stop text is kept (default: none). */
  stop?: string | string[];
  /** Beam search: the `beam` most likely sentences, best first, deterministic (no n, temperature, topK, topP, greedy or novel with it). */
  beam?: number;
  /** Keep drawing until n samples that are not copies of training sentences, at most 10·n + 100 draws (the model must keep its training-sentence set). */
  novel?: boolean;
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
  /** Why it ended: <EOS> drawn, maxLength reached, or its text ended with a stop string. */
  end: 'eos' | 'length' | 'stop';
  /**
   * log P of the drawn tokens given the prime (natural log), under the
   * model's own distribution (temperature 1, nothing cut by topK, topP or
   * minLength), <EOS> included when it ended the sample.
   */
  logProb: number;
  /**
   * Whether the sample (prime and tokens, ended by <EOS>) is one of the
   * training sentences; null when the model does not keep their set.
   */
  copy: boolean | null;
}

export interface Sampling {
  /** The prime as read: its ids, the tokens the model does not know (for a warning), and how samples show it. */
  readonly prime: Prime;
  readonly seed: number;
  /** How many samples `next` gives in all. */
  readonly count: number;
  /** Most tokens per sample after the prime. */
  readonly maxLength: number;
  /** Samples drawn so far (with `novel`, the copies skipped included). */
  readonly drawn: number;
  /** Of those, how many were copies of a training sentence (0 when the model keeps no set). */
  readonly copies: number;
  /** With `novel`: the most samples drawn in all (10·n + 100); null otherwise. */
  readonly maxDraws: number | null;
  /** The next sample, or null after `count` of them (or, with `novel`, when maxDraws is reached). */
  next(): Sample | null;
}

/**
 * The checkpoint's training-sentence set (sorted 64-bit hashes, see
 * novelty.ts), or null when it has none (a model from before the set was
 * kept, or a model-only file written without it).
 */
export function trainSentencesOf(ck: Checkpoint): Uint32Array | null {
  checkCheckpoint(ck, "trainSentencesOf()'s model");
  return ck.trainSentences ?? null;
}

/** Workspaces kept per model: one sampler at a time uses it (sampling is synchronous). */
const workspaces = new WeakMap<Model, Workspace>();
/**
 * One-step workspaces kept per model and batch width, for the lanes of
 * sampling and of beam search: exactly the width asked for, so that the
 * matrix products group their rows the same way every time.
 */
const laneWorkspaces = new WeakMap<Model, Map<number, Workspace>>();
function lanesWorkspace(model: Model, lanes: number): Workspace {
  let byWidth = laneWorkspaces.get(model);
  if (!byWidth) laneWorkspaces.set(model, (byWidth = new Map()));
  let ws = byWidth.get(lanes);
  if (!ws) byWidth.set(lanes, (ws = createWorkspace(model, 1, lanes)));
  return ws;
}

/** Draws allowed with `novel`: 10 per sample asked, plus 100. */
export const novelDraws = (n: number): number => 10 * n + 100;

/**
 * Start drawing samples from the checkpoint's model with the options of
 * `rnnlm sample` (checked by the shared schema; anything wrong is one
 * OptionError, spelt by `spelling`, before any work). The model computes on
 * its own backend on this thread, or on the `lanes` given (samplingLanes:
 * the same samples, on several threads); the platform is the door's usual
 * first argument.
 */
export function startSampling(platform: Platform, ck: Checkpoint, options: SampleOptionsInput = {}, spelling: SampleSpelling = LIBRARY,
  lanes?: Lanes): Sampling {
  checkPlatform(platform, "startSampling()'s platform");
  checkCheckpoint(ck, "sample()'s model");
  const opts = parseWith(sampleOptionsSchema, options, spelling.name, spelling.hint, { ...spelling, numbersAsNumbers: spelling === LIBRARY });
  const maxLength = opts.maxLength ?? (ck.tokenizer.level === 'char' ? 200 : 50);
  if (opts.minLength > maxLength) {
    throw new OptionError(`${spelling.name('minLength')} (${opts.minLength}) is more than ${spelling.name('maxLength')} (${maxLength}): no sample could end at <EOS>`,
      `lower ${spelling.name('minLength')}, or raise ${spelling.name('maxLength')}`);
  }
  if (opts.beam !== undefined) {
    // beam search ranks by the model's own log P: nothing to draw, so nothing of the drawing applies
    const clash = ([['n', opts.n !== undefined], ['temperature', opts.temperature !== 1], ['topK', opts.topK !== 0], ['topP', opts.topP !== 1],
      ['greedy', opts.greedy], ['novel', opts.novel]] as const).find(([, given]) => given);
    if (clash) {
      throw new OptionError(`${spelling.name(clash[0])} goes with drawing samples, not with ${spelling.name('beam')}`,
        `beam search returns the ${spelling.name('beam')} most likely sentences by the model's own log P, deterministically: drop one of the two`);
    }
  }
  const trainSet = trainSentencesOf(ck);
  if (opts.novel && trainSet === null) {
    // a stream model never keeps them, so retraining cannot help it; a line or paragraph model lacks them when its corpus was too large or its rnnlm older
    const mode = ck.tokenizer.sentence;
    throw new DataError(`${spelling.name('novel')}: this model does not keep its training sentences, so copies cannot be told`,
      mode === 'file' || mode === 'stream'
        ? `a model trained with ${spelling.name('sentence')} ${mode} reads its text as one stream and keeps no sentences to compare with: drop ${spelling.name('novel')}`
        : `its corpus had more than 1,000,000 sentences, or an older rnnlm wrote it: train it again with this version on fewer sentences (the checkpoint then keeps them), or drop ${spelling.name('novel')}`);
  }
  // the model reads unknown characters or words of the prime as <UNK>; the samples show them as given
  const prime = primeOf(opts.prime, ck.vocab, ck.tokenizer);
  let ws = workspaces.get(ck.model);
  if (!ws) workspaces.set(ck.model, (ws = createWorkspace(ck.model, PRIME_WINDOW, 1)));
  const stopAt = stopChecker(opts.stop, prime, ck);
  const isCopy = (ids: readonly number[], end: Sample['end']): boolean | null => {
    if (trainSet === null) return null;
    // a sample that is a training sentence is a copy however it ended (cut at the length cap or a stop string too)
    void end;
    const all = new Int32Array(prime.ids.length + ids.length);
    all.set(prime.ids);
    all.set(ids, prime.ids.length);
    return inSentenceSet(trainSet, all);
  };
  const seed = opts.seed ?? 1;
  let drawn = 0, copies = 0;
  if (opts.beam !== undefined) {
    const found = beamSearch(ck.model, { prime: prime.ids, maxLength, beam: opts.beam, allowUnk: opts.allowUnk, minLength: opts.minLength, stopAt: stopAt ?? undefined }, ws, lanesWorkspace(ck.model, opts.beam));
    const samples: Sample[] = found.map((r) => ({ text: prime.text(r.ids), tokens: r.ids.length, end: r.end, logProb: r.logProb, copy: isCopy(r.ids, r.end) }));
    let i = 0;
    return {
      prime, seed, count: samples.length, maxLength, maxDraws: null,
      get drawn() { return i; },
      get copies() { return samples.slice(0, i).filter((s) => s.copy === true).length; },
      next() { return i < samples.length ? samples[i++]! : null; },
    };
  }
  const count = opts.n ?? 1;
  const maxDraws = opts.novel ? novelDraws(count) : null;
  // sample i draws from stream i of the seed, in whichever lane: the same samples for any -n
  const draws = sampleLanes(ck.model, {
    prime: prime.ids, maxLength, temperature: opts.temperature, topK: opts.topK, greedy: opts.greedy, allowUnk: opts.allowUnk,
    topP: opts.topP, minLength: opts.minLength, stopAt: stopAt ?? undefined,
  }, maxDraws ?? count, (i) => streamRng(seed, i), lanes ?? workspaceLanes(ck.model, lanesWorkspace(ck.model, SAMPLE_LANES)), ws);
  let made = 0;
  const drawOne = (): Sample | null => {
    const r = draws.next();
    if (r.done) return null;
    drawn++;
    const { ids, end, logProb } = r.value;
    const copy = isCopy(ids, end);
    if (copy) copies++;
    return { text: prime.text(ids), tokens: ids.length, end, logProb, copy };
  };
  return {
    prime, seed, count, maxLength, maxDraws,
    get drawn() { return drawn; },
    get copies() { return copies; },
    next() {
      if (made >= count) return null;
      for (;;) {
        const s = drawOne();
        if (s === null) return null; // --novel's draws are used up
        if (opts.novel && s.copy) continue;
        made++;
        return s;
      }
    },
  };
}

/** Fewest samples for which sampling starts threads: below, starting them costs more than they save. */
export const THREADED_SAMPLES = 64;

/**
 * Lanes for drawing `n` samples on the platform's threads (SAMPLE_LANES per
 * thread, so the samples are those of one thread, bit for bit), or null when
 * one thread will do: few samples, one core, or beam search. The caller
 * passes them to startSampling and closes them when done.
 */
export async function samplingLanes(platform: Platform, ck: Checkpoint, n: number, beam: boolean): Promise<ThreadLanes | null> {
  const threads = Math.min(platform.threads, Math.ceil(n / SAMPLE_LANES));
  if (beam || n < THREADED_SAMPLES || threads <= 1 || !platform.lanes) return null;
  return platform.lanes(ck.model, SAMPLE_LANES, threads);
}

/**
 * Whether generated ids make the sample's text end with one of the stop
 * strings (null when there are none). Only the tail is decoded: every token
 * shows at least one UTF-16 unit and the spacing between two words depends on
 * those two alone, so the last L units of the text (L: the longest stop
 * string) are those of the last L + 1 tokens decoded alone; shorter samples
 * are decoded whole, with the prime.
 */
function stopChecker(stops: readonly string[], prime: Prime, ck: Checkpoint): ((ids: readonly number[]) => boolean) | null {
  if (stops.length === 0) return null;
  const m = Math.max(...stops.map((s) => s.length)) + 1;
  return (ids) => {
    const tail = ids.length < m ? prime.text(ids) : decode(ids.slice(ids.length - m), ck.vocab, ck.tokenizer);
    return stops.some((s) => tail.endsWith(s));
  };
}

/** The most samples sample() returns in its array (startSampling draws any number, one at a time). */
export const SAMPLES_IN_AN_ARRAY = 100_000;

/**
 * Draw sentences, as `rnnlm sample` prints them: each starts with the prime
 * as given (a character or word the model does not know is read as <UNK>
 * but shown as written), then the tokens drawn until <EOS> or maxLength.
 * At most SAMPLES_IN_AN_ARRAY of them.
 */
export function sample(platform: Platform, ck: Checkpoint, options: SampleOptionsInput = {}): string[] {
  checkPlatform(platform, "sample()'s platform");
  const run = startSampling(platform, ck, options);
  // every sample is kept until the end: a count that would not fit in memory is refused, not run out of memory on
  // the count as startSampling read and checked it (options.n is not read again: a getter could give another value)
  const n = run.count;
  if (n > SAMPLES_IN_AN_ARRAY) {
    throw new OptionError(`sample() returns its samples in one array: options.n is at most ${SAMPLES_IN_AN_ARRAY.toLocaleString('en-US')} (got ${n})`,
      "draw more one at a time with startSampling() from 'rnnlm/api' (its next() gives each sample; nothing is kept), as rnnlm sample does");
  }
  const out: string[] = [];
  for (let s = run.next(); s !== null; s = run.next()) out.push(s.text);
  return out;
}
