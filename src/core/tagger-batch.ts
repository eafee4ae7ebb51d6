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
