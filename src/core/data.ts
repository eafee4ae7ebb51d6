/**
 * From sentences to training data: hold out a validation part (chosen by the
 * RNG), build the vocabulary from the training part only, encode both.
 */
import { DataError } from './errors.js';
import type { Rng } from './rng.js';
import { countTokens, encodeCorpus, type EncodedCorpus, type SentenceMode, type TokenizerConfig } from './tokenize.js';
import { buildVocab, type Vocab, type VocabOptions } from './vocab.js';

export interface Split {
  train: string[];
  val: string[];
}

/**
 * Hold out about `fraction` of the sentences, picked at random. In 'file'
 * mode (one sentence: the whole text) the last `fraction` of the text is held
 * out instead, cut at a line break when there is one near the cut. A split
 * that would leave either side empty holds out nothing.
 */
export function splitTrainVal(sentences: readonly string[], fraction: number, rng: Rng, mode: SentenceMode): Split {
  if (fraction <= 0 || sentences.length === 0) return { train: [...sentences], val: [] };
  if (mode === 'file') {
    const text = sentences.join('\n');
    let cut = Math.floor(text.length * (1 - fraction));
    const nl = text.lastIndexOf('\n', cut);
    if (nl > cut * 0.9) cut = nl + 1;
    // never cut a surrogate pair in half
    const c = text.charCodeAt(cut);
    if (c >= 0xdc00 && c <= 0xdfff) cut++;
    const train = text.slice(0, cut);
    const val = text.slice(cut);
    return train.trim() && val.trim() ? { train: [train], val: [val] } : { train: [text], val: [] };
  }
  const S = sentences.length;
  const nVal = Math.round(S * fraction);
  if (nVal < 1 || nVal >= S) return { train: [...sentences], val: [] };
  // a stream of lines: the last lines, so that both parts stay streams of consecutive lines
  if (mode === 'stream') return { train: sentences.slice(0, S - nVal), val: sentences.slice(S - nVal) };
  const held = new Uint8Array(S);
  // partial Fisher–Yates: the first nVal of a random permutation
  const idx = new Int32Array(S); // (S,) a plain loop: Int32Array.from with a callback costs ~1 µs per sentence
  for (let i = 0; i < S; i++) idx[i] = i;
  for (let i = 0; i < nVal; i++) {
    const j = i + rng.int(S - i);
    const t = idx[i]!; idx[i] = idx[j]!; idx[j] = t;
    held[idx[i]!] = 1;
  }
  const train: string[] = [], val: string[] = [];
  sentences.forEach((s, i) => (held[i] ? val : train).push(s));
  return { train, val };
}

export interface PreparedData {
  vocab: Vocab;
  /** Count of each vocabulary id in the training part (0 for the specials). */
  counts: number[];
  /** Distinct tokens in the training part, and how many of them map to <UNK>. */
  distinct: number;
  dropped: number;
  train: EncodedCorpus;
  val: EncodedCorpus | null;
}

export function prepareData(split: Split, tok: TokenizerConfig, vocabOpts: VocabOptions): PreparedData {
  if (split.train.length === 0) throw new DataError('the corpus has no text to train on (it is empty or only blank lines)', 'give a file with at least one non-blank line');
  const tokenCounts = countTokens(split.train, tok);
  const { vocab, distinct, dropped } = buildVocab(tokenCounts, vocabOpts);
  const counts = vocab.tokens.map((t, i) => (i < 2 ? 0 : tokenCounts.get(t) ?? 0));
  return { vocab, counts, distinct, dropped, ...encodeSplit(split, vocab, tok) };
}

/** Encode both parts with a given vocabulary (a resumed run keeps its checkpoint's). */
export function encodeSplit(split: Split, vocab: Vocab, tok: TokenizerConfig): { train: EncodedCorpus; val: EncodedCorpus | null } {
  return {
    train: encodeCorpus(split.train, vocab, tok),
    val: split.val.length ? encodeCorpus(split.val, vocab, tok) : null,
  };
}
