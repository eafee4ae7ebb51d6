/**
 * The tagger's input: a batch of B sentences padded to T words, time-major
 * like the language model's windows, with each sentence's length, and (for a
 * model with a character-level word representation) each word's characters.
 *
 *   words   (T·B)       words[t·B + b] = word id of word t of sentence b
 *   lengths (B)         n_b, 0 ≤ n_b ≤ T; everything at t ≥ n_b is padding
 *   labels  (T·B)       label id of word t of sentence b; −1 = no label (padding, or a word to skip)
 *   chars   ids (T·B, C)   row t·B + b: the char ids of word t of sentence b, then padding
 *           lengths (T·B)  the number of chars of that word (0 … C)
 *
 * Whatever sits in a padding position (past n_b, or past a word's char
 * length) is never read: −1 by convention. Ids are checked against the
 * model's vocabulary sizes by the forward pass (a ShapeError: map unknown
 * words and chars to their vocabulary's <UNK> first).
 */
import { ShapeError } from './errors.js';

export interface TaggerChars {
  /** C: the row width of `ids` (at least the longest word of the batch). */
  readonly width: number;
  /** (T·B, C) char ids; row t·B + b = word t of sentence b. */
  readonly ids: Int32Array;
  /** (T·B) chars of each word, 0 ≤ length ≤ C. */
  readonly lengths: Int32Array;
}

export interface TaggerBatch {
  /** Time steps: the longest sentence (at least 1). */
  readonly T: number;
  /** Sentences. */
  readonly B: number;
  /** (T·B) word ids, time-major. */
  readonly words: Int32Array;
  /** (B) sentence lengths. */
  readonly lengths: Int32Array;
  /** The words' characters, or null (a model without the char representation). */
  readonly chars: TaggerChars | null;
}

/** One sentence, already encoded to ids. */
export interface TaggedSentence {
  /** Word ids, one per word. */
  readonly words: ArrayLike<number>;
  /** Label ids, one per word (−1: no label); absent: no labels (prediction). */
  readonly labels?: ArrayLike<number>;
  /** Char ids of each word (as many arrays as words); needed when the model has the char representation. */
  readonly chars?: readonly ArrayLike<number>[];
}

/**
 * Lays sentences out as a batch (sentence i in slot i) and its labels
 * (T·B, −1 where there is none). The batch has chars when the first
 * sentence has them; then every sentence must.
 */
export function makeTaggerBatch(sentences: readonly TaggedSentence[]): TaggerBatch & { readonly labels: Int32Array } {
  const B = sentences.length;
  if (B < 1) throw new ShapeError('a batch needs at least one sentence');
  const T = Math.max(1, ...sentences.map((s) => s.words.length));
  const withChars = sentences[0]!.chars !== undefined;
  const words = new Int32Array(T * B).fill(-1);
  const labels = new Int32Array(T * B).fill(-1);
  const lengths = new Int32Array(B);
  let width = 1;
  sentences.forEach((s, b) => {
    const n = s.words.length;
    lengths[b] = n;
    if (s.labels && s.labels.length !== n) throw new ShapeError(`sentence ${b} has ${n} words and ${s.labels.length} labels`);
    if ((s.chars !== undefined) !== withChars) throw new ShapeError(`sentence ${b} ${withChars ? 'has no' : 'has'} chars, sentence 0 ${withChars ? 'has' : 'has none'}`);
    if (s.chars && s.chars.length !== n) throw new ShapeError(`sentence ${b} has ${n} words and chars for ${s.chars.length}`);
    for (let t = 0; t < n; t++) {
      words[t * B + b] = s.words[t]!;
      if (s.labels) labels[t * B + b] = s.labels[t]!;
      if (s.chars) width = Math.max(width, s.chars[t]!.length);
    }
  });
  let chars: TaggerChars | null = null;
  if (withChars) {
    const ids = new Int32Array(T * B * width).fill(-1);
    const charLengths = new Int32Array(T * B);
    sentences.forEach((s, b) => {
      s.chars!.forEach((w, t) => {
        const r = t * B + b;
        charLengths[r] = w.length;
        for (let i = 0; i < w.length; i++) ids[r * width + i] = w[i]!;
      });
    });
    chars = { width, ids, lengths: charLengths };
  }
  return { T, B, words, lengths, chars, labels };
}

/**
 * The words that count in the loss: real (t < n_b) and labelled (≥ 0) — the
 * `count` the loss will report, known before the forward (for the mean:
 * taggerBackward(…, scale = 1 / count)).
 */
export function labelledCount(batch: TaggerBatch, labels: Int32Array): number {
  let n = 0;
  for (let b = 0; b < batch.B; b++) for (let t = 0; t < batch.lengths[b]!; t++) if (labels[t * batch.B + b]! >= 0) n++;
  return n;
}

/**
 * Slots [b0, b1) of a batch as a batch of their own (the same T and char
 * width), copied into `into` when it is large enough (a thread's share of a
 * batch, made without allocating), with their labels.
 */
export function sliceTaggerBatch(
  batch: TaggerBatch, labels: Int32Array, b0: number, b1: number,
  into?: { words: Int32Array; labels: Int32Array; lengths: Int32Array; charIds: Int32Array; charLengths: Int32Array },
): TaggerBatch & { labels: Int32Array } {
  const { T, B } = batch;
  if (!(Number.isInteger(b0) && Number.isInteger(b1) && 0 <= b0 && b0 < b1 && b1 <= B)) throw new ShapeError(`slots ${b0}…${b1} are not a part of a batch of ${B}`);
  const n = b1 - b0, TB = T * n;
  const C = batch.chars ? batch.chars.width : 0;
  const fits = (a: Int32Array | undefined, k: number): a is Int32Array => a !== undefined && a.length >= k;
  const words = fits(into?.words, TB) ? into!.words.subarray(0, TB) : new Int32Array(TB);
  const lab = fits(into?.labels, TB) ? into!.labels.subarray(0, TB) : new Int32Array(TB);
  const lengths = fits(into?.lengths, n) ? into!.lengths.subarray(0, n) : new Int32Array(n);
  lengths.set(batch.lengths.subarray(b0, b1));
  for (let t = 0; t < T; t++) {
    words.set(batch.words.subarray(t * B + b0, t * B + b1), t * n);
    lab.set(labels.subarray(t * B + b0, t * B + b1), t * n);
  }
  let chars: TaggerChars | null = null;
  if (batch.chars) {
    const ids = fits(into?.charIds, TB * C) ? into!.charIds.subarray(0, TB * C) : new Int32Array(TB * C);
    const cl = fits(into?.charLengths, TB) ? into!.charLengths.subarray(0, TB) : new Int32Array(TB);
    for (let t = 0; t < T; t++) {
      ids.set(batch.chars.ids.subarray((t * B + b0) * C, (t * B + b1) * C), t * n * C);
      cl.set(batch.chars.lengths.subarray(t * B + b0, t * B + b1), t * n);
    }
    chars = { width: C, ids, lengths: cl };
  }
  return { T, B: n, words, lengths, chars, labels: lab };
}
