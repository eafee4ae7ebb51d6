/**
 * The library's doors to functions rnnlm itself calls unchecked, per token or
 * per sentence, in its own loops (scoring with an n-gram, encoding a tagger's
 * sentences, rescoring), or that live below the api (checkpoint/, core/):
 * each checks its arguments, so that a wrong value is one OptionError naming
 * the argument rather than a TypeError from inside or a NaN, then calls the
 * unchecked function. rnnlm/api exports these; rnnlm's own code imports the
 * unchecked ones from their modules.
 */
import { firstInvalidUtf8 as firstInvalid } from '../checkpoint/json-bytes.js';
import type { Backend } from '../core/backend.js';
import { OptionError } from '../core/errors.js';
import type { EncodedTagSentence } from '../core/tagger-train.js';
import { fastestBackend as fastest } from '../core/wasm/fastest.js';
import { isNgramModel, mixLogProb as mix, ngramSentenceLogProbs as sentenceLogProbs, ngramWord as word, type NgramModel } from './arpa.js';
import { checkNumber, checkString, checkStrings, checkWhole, isObject } from './checks.js';
import { combinedScore as combined } from './nbest.js';
import { describeValue } from './options.js';
import { encodeTagSentence as encodeSentence, wordChars as chars, type Encoding } from './tag-data.js';

/** See arpa.ts: the n-gram word for one of rnnlm's tokens. */
export function ngramWord(token: string, level: 'char' | 'word'): string {
  checkString(token, "ngramWord()'s token", "one token of the model's tokenization, e.g. 'cat' or 'c'");
  if (level !== 'char' && level !== 'word') throw new OptionError(`ngramWord()'s level must be 'char' or 'word' (got ${describeValue(level)})`, "the model's tokenizer level: ck.tokenizer.level");
  return word(token, level);
}

/** See arpa.ts: natural-log P of each n-gram word of a sentence, then of its end. */
export function ngramSentenceLogProbs(model: NgramModel, words: readonly string[]): { logProbs: Float64Array; oov: number } {
  if (!isNgramModel(model)) throw new OptionError(`ngramSentenceLogProbs()'s model must be an n-gram model from parseArpa() (got ${describeValue(model)})`, 'pass parseArpa(text)');
  checkStrings(words, "ngramSentenceLogProbs()'s words", "the sentence's n-gram words (ngramWord of each token), without <s> and </s>");
  return sentenceLogProbs(model, words);
}

/** See arpa.ts: log(λ·e^a + (1−λ)·e^b). */
export function mixLogProb(a: number, b: number, lambda: number): number {
  const hint = 'two natural-log probabilities (−Infinity for P = 0) and the weight of the first, from 0 to 1';
  checkNumber(a, "mixLogProb()'s a", hint);
  checkNumber(b, "mixLogProb()'s b", hint);
  if (typeof lambda !== 'number' || !(lambda >= 0 && lambda <= 1)) throw new OptionError(`mixLogProb()'s lambda must be a number from 0 to 1 (got ${describeValue(lambda)})`, hint);
  return mix(a, b, lambda);
}

/** See tag-data.ts: the characters of a word the char BiRNN reads. */
export function wordChars(word: string, maxChars: number): string[] {
  checkString(word, "wordChars()'s word", "one word, e.g. 'Hermione'");
  checkWhole(maxChars, "wordChars()'s maxChars", "the tagger's tokenizer.maxWordChars, e.g. 20", 1);
  return chars(word, maxChars);
}

/** See tag-data.ts: a sentence's words (and labels) as a tagger's ids. */
export function encodeTagSentence(
  words: readonly string[], enc: Encoding, labels?: { index: ReadonlyMap<string, number>; of: readonly string[]; missing?: string | null },
): EncodedTagSentence {
  checkStrings(words, "encodeTagSentence()'s words", "the sentence's words, e.g. ['the', 'cat']");
  checkEncoding(enc);
  if (labels !== undefined) {
    const hint = "{ index: a Map from label to id, of: the sentence's labels, one per word, missing: the label that is none (or null) }";
    if (!isObject(labels) || !(labels.index instanceof Map)) throw new OptionError(`encodeTagSentence()'s labels must be { index, of } with index a Map (got ${describeValue(labels)})`, hint);
    checkStrings(labels.of, "encodeTagSentence()'s labels.of", hint);
    if (labels.of.length !== words.length) throw new OptionError(`encodeTagSentence()'s labels.of has ${labels.of.length} labels for ${words.length} words`, hint);
    if (labels.missing !== undefined && labels.missing !== null) checkString(labels.missing, "encodeTagSentence()'s labels.missing", hint);
  }
  return encodeSentence(words, enc, labels);
}

/** What encodeTagSentence needs of a tagger: its words' and chars' vocabularies and its tokenizer settings. */
function checkEncoding(enc: unknown): asserts enc is Encoding {
  const what = "encodeTagSentence()'s tagger", hint = 'pass a tagger as loadTagger() or tagTrain() return it';
  const refuse = (why: string): never => { throw new OptionError(`${what} must be a tagger (${why})`, hint); };
  if (!isObject(enc)) refuse(`got ${describeValue(enc)}`);
  const e = enc as Record<string, unknown>;
  const vocab = (v: unknown) => isObject(v) && v['index'] instanceof Map;
  if (!vocab(e['words'])) refuse('its words are missing or are not a vocabulary');
  if (e['chars'] !== null && !vocab(e['chars'])) refuse('its chars are neither null nor a vocabulary');
  const tok = e['tokenizer'];
  if (!isObject(tok) || typeof tok['lowercase'] !== 'boolean' || typeof tok['maxWordChars'] !== 'number' || !Number.isInteger(tok['maxWordChars']) || tok['maxWordChars'] < 1) {
    refuse('its tokenizer settings are missing or damaged');
  }
}

/** See nbest.ts: Σ weights[k]·scores[k] + lmWeight·lm. */
export function combinedScore(scores: readonly number[], weights: readonly number[], lm: number, lmWeight: number): number {
  const hint = "a hypothesis' scores, their weights (a missing one is 1), its LM score and the LM's weight, all numbers";
  for (const [v, name] of [[scores, 'scores'], [weights, 'weights']] as const) {
    if (!Array.isArray(v)) throw new OptionError(`combinedScore()'s ${name} must be an array of numbers (got ${describeValue(v)})`, hint);
    // every score, holes included (forEach skips them: scores new Array(3) summed to NaN); a weight left out is 1
    for (let k = 0; k < v.length; k++) if (name === 'scores' || v[k] !== undefined) checkNumber(v[k], `combinedScore()'s ${name}[${k}]`, hint);
  }
  checkNumber(lm, "combinedScore()'s lm", hint);
  checkNumber(lmWeight, "combinedScore()'s lmWeight", hint);
  return combined(scores, weights, lm, lmWeight);
}

/** Offset of the first byte of b[from..) that starts no valid UTF-8 sequence, or −1. */
export function firstInvalidUtf8(b: Uint8Array, from = 0): number {
  const hint = "the bytes to look at (a Uint8Array or Buffer) and the offset to start from (0: the start)";
  if (!(b instanceof Uint8Array)) throw new OptionError(`firstInvalidUtf8()'s bytes must be a Uint8Array (got ${describeValue(b)})`, hint);
  checkWhole(from, "firstInvalidUtf8()'s from", hint);
  return firstInvalid(b, from);
}

/**
 * The fastest backend this runtime has (see core/wasm/fastest.ts);
 * `fixedBytes`, a byte count, the size of a memory that is not shared where
 * only shared memory is missing (used only there: a count past 4 GiB is refused
 * then, by the kernels).
 */
export function fastestBackend(fixedBytes?: number): Backend {
  if (fixedBytes !== undefined) checkWhole(fixedBytes, "fastestBackend()'s fixedBytes", 'a byte count, e.g. 256 * 2 ** 20, or nothing');
  return fastest(fixedBytes);
}
