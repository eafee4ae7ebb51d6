/**
 * Cutting an encoded corpus into training windows of T steps for B batch slots.
 *
 * Input at step t is the previous token (y<t-1>; −1 is the zero input of a
 * sentence's first step) and the target is y<t>; targets of −1 are padding.
 *
 * Two ways to read a corpus:
 * - sentences: each batch holds B sentences (similar lengths grouped, order
 *   shuffled by the epoch seed); a sentence longer than T is processed in
 *   several windows with the state carried (truncated BPTT); the state is
 *   reset when a new batch starts.
 * - stream: the token stream (sentences one after another, EOS between them)
 *   is cut into B contiguous lanes read in windows of T with the state
 *   carried across the whole epoch (char-rnn / torch-rnn style).
 */
import type { EncodedCorpus } from './tokenize.js';
import { createRng, shuffle } from './rng.js';

export type ReadMode = 'sentences' | 'stream';

export interface Window {
  /** (T, B) time-major previous-token ids, −1 = zero input */
  readonly inputs: Int32Array;
  /** (T, B) time-major target ids, −1 = padding */
  readonly targets: Int32Array;
  /** steps in this window (≤ the maximum T) */
  T: number;
  /** true: reset the state of every slot before this window; false: carry it */
  reset: boolean;
  /** unmasked targets in the window */
  tokens: number;
  /** sentences mode: the sentence index in each batch slot (fewer than B in a last, short batch) */
  batch: Int32Array;
  /** position in the sentences (or lanes) of the window's first step */
  start: number;
}

export interface EpochPlan {
  /** Number of windows (= optimizer steps) in the epoch. */
  readonly windows: number;
  /** Tokens (targets) in the epoch. */
  readonly tokens: number;
  /** Windows in order; the yielded Window object is reused: copy what you keep. */
  iterate(): Generator<Window>;
}

function sentenceLength(c: EncodedCorpus, s: number): number {
  return c.starts[s + 1]! - c.starts[s]!;
}

/**
 * The order of sentences in batches for one epoch: shuffled by `seed`, then
 * sorted by length within chunks of 50·B so that a batch wastes little on
 * padding, then the batches shuffled again. seed null = corpus order (evaluation).
 */
export function batchOrder(c: EncodedCorpus, B: number, seed: number | null, into?: Int32Array): Int32Array[] {
  const S = c.starts.length - 1;
  // `into`, when long enough: a caller planning chunk after chunk (a scorer) allocates no array per call
  const order = into !== undefined && into.length >= S ? into.subarray(0, S) : new Int32Array(S);
  for (let i = 0; i < S; i++) order[i] = i;
  if (seed === null) return chunk(order, B);
  const rng = createRng(seed);
  shuffle(order, rng);
  const span = 50 * B;
  for (let i = 0; i < S; i += span) {
    const part = order.subarray(i, Math.min(S, i + span));
    const sorted = Array.from(part).sort((a, b) => sentenceLength(c, a) - sentenceLength(c, b) || a - b);
    part.set(sorted);
  }
  const batches = chunk(order, B);
  shuffle(batches, rng);
  return batches;
}

function chunk(order: Int32Array, B: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (let i = 0; i < order.length; i += B) out.push(order.subarray(i, Math.min(order.length, i + B)));
  return out;
}

/** The window sentencePlan fills, for (T, B): make one to pass to plan after plan. */
export function planWindow(B: number, T: number): Window {
  return { inputs: new Int32Array(T * B), targets: new Int32Array(T * B), T, reset: true, tokens: 0, batch: new Int32Array(0), start: 0 };
}

/**
 * The windows of `batches` (from batchOrder), a batch of sentences at a time.
 * `w`: the window to fill (planWindow(B, T)); a caller planning chunk after
 * chunk passes the same one (no arrays per plan).
 */
export function sentencePlan(c: EncodedCorpus, batches: readonly Int32Array[], B: number, T: number, w: Window = planWindow(B, T)): EpochPlan {
  let windows = 0;
  let tokens = 0;
  for (const batch of batches) {
    let max = 0;
    for (const s of batch) {
      const n = sentenceLength(c, s);
      tokens += n;
      if (n > max) max = n;
    }
    windows += Math.ceil(max / T);
  }
  function* iterate(): Generator<Window> {
    for (const batch of batches) {
      w.batch = batch;
      let max = 0;
      for (const s of batch) max = Math.max(max, sentenceLength(c, s));
      for (let start = 0; start < max; start += T) {
        w.T = Math.min(T, max - start);
        w.reset = start === 0;
        w.start = start;
        w.tokens = 0;
        w.inputs.fill(-1);
        w.targets.fill(-1);
        for (let b = 0; b < batch.length; b++) {
          const s = batch[b]!;
          const s0 = c.starts[s]!;
          const n = sentenceLength(c, s);
          for (let t = 0; t < w.T; t++) {
            const pos = start + t;
            if (pos >= n) break;
            w.targets[t * B + b] = c.ids[s0 + pos]!;
            w.inputs[t * B + b] = pos === 0 ? -1 : c.ids[s0 + pos - 1]!;
            w.tokens++;
          }
        }
        yield w;
      }
    }
  }
  return { windows, tokens, iterate };
}

/**
 * B contiguous lanes of the token stream, windows of T, state carried through
 * the epoch; each lane's first step reads the zero input, as a sentence's does.
 */
export function streamPlan(c: EncodedCorpus, B: number, T: number): EpochPlan {
  const N = c.ids.length;
  const lane = Math.floor(N / B);
  const windows = Math.ceil(lane / T);
  const w: Window = { inputs: new Int32Array(T * B), targets: new Int32Array(T * B), T, reset: true, tokens: 0, batch: new Int32Array(0), start: 0 };
  function* iterate(): Generator<Window> {
    for (let start = 0; start < lane; start += T) {
      w.T = Math.min(T, lane - start);
      w.start = start;
      w.reset = start === 0;
      w.tokens = w.T * B;
      for (let b = 0; b < B; b++) {
        const base = b * lane + start;
        for (let t = 0; t < w.T; t++) {
          const pos = base + t;
          w.targets[t * B + b] = c.ids[pos]!;
          // every lane starts as a sentence starts: a zero state reads the zero input (x<1> = 0), not the token
          // before the lane's first one — a model almost never sees a zero state with a real input, and some
          // do not recover from it for thousands of steps (a Shakespeare LSTM: 5.2 nats/char on such a lane)
          w.inputs[t * B + b] = start === 0 && t === 0 ? -1 : c.ids[pos - 1]!;
        }
      }
      yield w;
    }
  }
  return { windows, tokens: lane * B, iterate };
}

/** The plan for one epoch: shuffled by `seed` (sentences), or corpus order when seed is null. */
export function epochPlan(c: EncodedCorpus, mode: ReadMode, B: number, T: number, seed: number | null): EpochPlan {
  return mode === 'stream' ? streamPlan(c, B, T) : sentencePlan(c, batchOrder(c, B, seed), B, T);
}
