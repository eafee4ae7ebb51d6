/**
 * Using a trained tagger: tagPredict (words in, labels and the label
 * distribution of every word out) and tagEvaluate (a gold-labelled text in:
 * token accuracy, the confusion table, and conlleval's entity precision,
 * recall and F1 when the labels are chunk labels). Platform-neutral and
 * synchronous; the buffers of a tagger are made once and kept with it, so
 * calling again and again takes no more memory.
 */
import { z } from 'zod';
import type { TaggerCheckpoint } from '../checkpoint/tagger-codec.js';
import { DataError, OptionError, OutOfMemoryError } from '../core/errors.js';
import type { Tagger } from '../core/tagger.js';
import { createTaggerWorkspacePool, predictAll, type EncodedTagSentence, type TaggerWorkspacePool } from '../core/tagger-train.js';
import { describeValue, parseWith } from './options.js';
import { checkPlatform, checkString, checkTagger } from './checks.js';
import type { Platform } from './platform.js';
import { detectFormat, type TagFormat } from './conll.js';
import { conlleval, confusionTable, isChunkLabelSet, tokenAccuracy, type ConfusionTable, type ConllevalResult, type TokenAccuracy } from './tag-metrics.js';
import { defaultColumn, encodeTagSentence, missingLabel, readLabelled, unknownWords } from './tag-data.js';
import { WORDS_PER_SENTENCE } from './tag-train.js';
import { tagReadOptionsSchema, tagReadOptionsShape, type TagReadOptionsInput } from './tag-options.js';
import { textFromBytes } from './text.js';

/** Rows and columns of tagEvaluate's confusion table: the most frequent labels, the rest folded into one (UPOS has 17; lemmas are thousands). */
export const CONFUSION_LABELS = 40;

export interface TagPrediction {
  words: string[];
  /** The most probable label of each word. */
  labels: string[];
  /** Its probability. */
  probs: number[];
  /** (n, K) P(label k) of word i at i·K + k, k in the order of the tagger's `labels`. */
  distribution: Float64Array;
}

/** The pool of workspaces of each tagger (by its batch size), made on first use. */
const pools = new WeakMap<Tagger, Map<number, TaggerWorkspacePool>>();

function poolOf(tagger: TaggerCheckpoint, batch: number): TaggerWorkspacePool {
  let byBatch = pools.get(tagger.tagger);
  if (!byBatch) pools.set(tagger.tagger, (byBatch = new Map()));
  let pool = byBatch.get(batch);
  if (!pool) byBatch.set(batch, (pool = createTaggerWorkspacePool(tagger.tagger, batch, WORDS_PER_SENTENCE * batch, tagger.tokenizer.maxWordChars)));
  return pool;
}

/** The encoded sentences' predictions, in their order, batch by batch (sentences of similar length together). */
function predictEncoded(tagger: TaggerCheckpoint, sentences: readonly EncodedTagSentence[], batch: number, withProbs: boolean) {
  try {
    return predictAll(tagger.tagger, poolOf(tagger, batch), sentences, batch, WORDS_PER_SENTENCE * batch, withProbs);
  } catch (e) {
    // the memory hint of training (--hidden, --layers, --bptt) names nothing tagging has: what fills the memory
    // here is the longest sentence, which a bidirectional tagger reads whole
    if (!(e instanceof OutOfMemoryError)) throw e;
    let longest = 0;
    for (const s of sentences) longest = Math.max(longest, s.words.length);
    throw new OutOfMemoryError(e.message,
      `tag shorter sentences (the longest here has ${longest.toLocaleString('en-US')} words, and a tagger reads each sentence whole: split it), or fewer at a time (--batch)`);
  }
}

/**
 * The labels of each sentence's words (a sentence: an array of words, as a
 * pre-tokenized input or a line split on whitespace gives them), with the
 * chosen label's probability and every label's. A word outside the
 * vocabulary is read as <UNK> (and by its characters, when the tagger has
 * them). `options.batch`: sentences per forward pass (64).
 */
export function tagPredict(platform: Platform, tagger: TaggerCheckpoint, sentences: readonly (readonly string[])[], options: { batch?: number } = {}): TagPrediction[] {
  checkPlatform(platform, "tagPredict()'s platform");
  checkTagger(tagger, "tagPredict()'s tagger");
  if (!Array.isArray(sentences) || !sentences.every((s) => Array.isArray(s) && s.every((w) => typeof w === 'string' && w !== ''))) {
    throw new OptionError(`tagPredict()'s sentences must be an array of sentences, each an array of non-empty words (got ${describeValue(sentences)})`, "e.g. [['Harry', 'Potter', 'met', 'Hermione']], or a line split on whitespace: line.split(/\\s+/)");
  }
  const { batch } = parseWith(tagReadOptionsSchema.pick({ batch: true }), options, (k) => k, 'tagPredict() takes { batch }', { what: "tagPredict()'s options", numbersAsNumbers: true });
  const K = tagger.labels.length;
  const predicted = predictEncoded(tagger, sentences.map((s) => encodeTagSentence(s, tagger)), batch, true);
  return predicted.map((p, i) => {
    const labels = Array.from(p.labels, (id) => tagger.labels[id]!);
    const probs = Array.from(p.labels, (id, t) => p.probs![t * K + id]!);
    return { words: [...sentences[i]!], labels, probs, distribution: p.probs! };
  });
}

export interface TagEvaluation {
  format: TagFormat;
  /** The gold label column read. */
  label: string | number;
  sentences: number;
  words: number;
  /** Gold words <UNK> to the word vocabulary. */
  unknownWords: number;
  /** Token accuracy over every word that has a gold label (in CoNLL-U a '_' label is none: the word is not scored, here or below). */
  accuracy: TokenAccuracy;
  /** Token accuracy over the words <UNK> to the vocabulary (what the chars are for). */
  unknownAccuracy: TokenAccuracy;
  confusion: ConfusionTable;
  /** conlleval's report when the labels (gold and the tagger's) are chunk labels (BIO, BIOES), else null. */
  conlleval: ConllevalResult | null;
  /** Gold labels the tagger does not have (always errors). */
  unknownLabels: string[];
  /** The predicted labels, sentence by sentence. */
  predicted: string[][];
}

/** tagEvaluate()'s options: how the gold text is read, and its name in messages. */
const tagEvaluateOptionsSchema = z.strictObject({
  ...tagReadOptionsShape,
  name: z.string({ error: 'must be text (the name of the gold data in messages, e.g. its file name)' }).default('the gold data'),
});

/**
 * Tag a gold-labelled text (CoNLL-U or plain CoNLL; its label column by
 * default the one the tagger was trained on, when the format is the same)
 * and score the predictions.
 */
export function tagEvaluate(platform: Platform, tagger: TaggerCheckpoint, gold: string | Uint8Array, options: TagReadOptionsInput & { name?: string } = {}): TagEvaluation {
  checkPlatform(platform, "tagEvaluate()'s platform");
  checkTagger(tagger, "tagEvaluate()'s tagger");
  const { name, ...o } = parseWith(tagEvaluateOptionsSchema, options, (k) => k, "tagEvaluate() takes { format, label, batch, name }", { what: "tagEvaluate()'s options", numbersAsNumbers: true });
  if (typeof gold !== 'string' && !(gold instanceof Uint8Array)) throw new OptionError(`tagEvaluate()'s gold text must be a string or bytes (got ${describeValue(gold)})`, 'pass the text of a CoNLL-U or word TAB label file');
  const text = typeof gold === 'string' ? gold : textFromBytes(gold, name);
  return evaluateText(tagger, text, o.format, o.label, o.batch, name, (k) => k);
}

/** The label column to read in `format` when none is given: the tagger's own in its format, else the format's default. */
export function columnFor(tagger: TaggerCheckpoint, format: TagFormat): string | number {
  checkTagger(tagger, "columnFor()'s tagger");
  if (format !== 'conllu' && format !== 'conll') throw new OptionError(`columnFor()'s format must be 'conllu' or 'conll' (got ${describeValue(format)})`, 'detectFormat(text) tells which a text is');
  return format === tagger.data.format ? tagger.data.label : defaultColumn(format);
}

/** tagEvaluate on text; `name` says what it is in messages, `flag` spells the options (--label on the command line). */
export function evaluateText(
  tagger: TaggerCheckpoint, text: string, format: 'auto' | TagFormat, label: string | number | undefined, batch: number, name: string, flag: (k: string) => string,
): TagEvaluation {
  checkTagger(tagger, "evaluateText()'s tagger");
  checkString(text, "evaluateText()'s text", 'pass the text of a CoNLL-U or word TAB label file (tagEvaluate() also takes bytes)');
  checkString(name, "evaluateText()'s name", 'the name of the gold data in messages, e.g. its file name');
  if (typeof flag !== 'function') throw new OptionError(`evaluateText()'s flag must be a function (got ${describeValue(flag)})`, 'how an option is spelt in messages, e.g. (k) => k');
  // format, label and batch as tagEvaluate() takes them in its options
  ({ format, label, batch } = parseWith(tagReadOptionsSchema, { format, label, batch }, (k) => `evaluateText()'s ${k}`, 'evaluateText(tagger, text, format, label, batch, name, flag)', { what: "evaluateText()'s arguments", numbersAsNumbers: true }));
  // the column: the one given, or (once the format is known) the tagger's own when the format is its format
  const wanted = format === 'auto' ? detectFormat(text.slice(0, 1 << 16)) : format;
  const read = readLabelled(text, wanted, label ?? columnFor(tagger, wanted), name, flag);
  if (read.sentences.length === 0) throw new DataError(`${name} has no labelled sentences`, 'give CoNLL-U, or one "word TAB label" line per word with a blank line between sentences');
  const index = new Map(tagger.labels.map((l, i) => [l, i]));
  const encoded = read.sentences.map((s) => encodeTagSentence(s.words, tagger, { index, of: s.labels, missing: missingLabel(read.format) }));
  const predictedIds = predictEncoded(tagger, encoded, batch, false);
  const predicted = predictedIds.map((p) => Array.from(p.labels, (id) => tagger.labels[id]!));
  // a word without a gold label ('_' in CoNLL-U) is not scored, as tag train's dev accuracy does not score it
  const missing = missingLabel(read.format);
  const scored = (labels: readonly string[], i: number) => labels.filter((_, t) => read.sentences[i]!.labels[t] !== missing);
  const goldLabels = read.sentences.map((s, i) => scored(s.labels, i));
  // nothing to score: an accuracy "0 of 0" would read as a result (tag train refuses such a column too)
  if (missing !== null && goldLabels.every((g) => g.length === 0)) {
    throw new DataError(`the ${JSON.stringify(read.label)} column of ${name} holds no labels: every word's is "${missing}" (unspecified in CoNLL-U)`, `choose a column that has them with ${flag('label')}, e.g. xpos or deprel`);
  }
  const predictedScored = predicted.map(scored);
  const unknown = unknownWords(encoded);
  // accuracy on the words the vocabulary lacks
  let uc = 0, ut = 0;
  encoded.forEach((s, i) => s.words.forEach((id, t) => {
    const gold = read.sentences[i]!.labels[t];
    if (id !== 0 || gold === missing) return;
    ut++;
    if (gold === predicted[i]![t]) uc++;
  }));
  const unknownLabels = [...new Set(goldLabels.flat().filter((l) => !index.has(l)))];
  const chunks = isChunkLabelSet(new Set([...tagger.labels, ...goldLabels.flat()]));
  return {
    format: read.format, label: read.label, sentences: read.sentences.length, words: read.stats.words, unknownWords: unknown.unknown,
    accuracy: tokenAccuracy(goldLabels, predictedScored), unknownAccuracy: { correct: uc, total: ut, accuracy: ut > 0 ? uc / ut : 0 },
    confusion: confusionTable(goldLabels, predictedScored, undefined, CONFUSION_LABELS), conlleval: chunks ? conlleval(goldLabels, predictedScored) : null,
    unknownLabels, predicted,
  };
}
