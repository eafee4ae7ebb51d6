/**
 * From labelled text to what the tagger's core reads: the sentences of a
 * CoNLL-U or plain CoNLL text (conll.ts) with their label column, the
 * vocabularies (words, chars, labels) built from the training sentences, and
 * each sentence as ids. Pure: the command line and the library both call it.
 *
 *   words   <UNK> at id 0, then every word seen at least minCount times in
 *           the training data (lowercased first with `lowercase`), sorted by
 *           code point; any other word is read as <UNK>.
 *   chars   <UNK> at id 0, then every character (code point) of the
 *           training words as written (never lowercased: capitals tell
 *           names), sorted. A word longer than maxWordChars is read as its
 *           first ⌊n/2⌋ and its last ⌈n/2⌉ characters (n = maxWordChars):
 *           prefixes and suffixes are what tell a word's class.
 *   labels  every label of the training data, sorted by code point.
 */
import type { TagVocab, TaggerCheckpoint } from '../checkpoint/tagger-codec.js';
import { TAG_UNK_TOKEN, tagVocab } from '../checkpoint/tagger-codec.js';
import { OptionError } from '../core/errors.js';
import { TAG_UNK, UNKNOWN_LABEL, type EncodedTagSentence } from '../core/tagger-train.js';
import { compareCodePoints } from '../core/vocab.js';
import { checkString } from './checks.js';
import { describeValue } from './options.js';
import { createSentenceReader, type TagFormat, type TaggedSentence, type TagReadStats } from './conll.js';

export interface LabelledText {
  format: TagFormat;
  /** The label column as the reader took it: a CoNLL-U name or number, a plain column number. */
  label: string | number;
  sentences: TaggedSentence[];
  stats: TagReadStats;
}

/** A column given as text that is a number ("2", "-1") is that number. */
export function columnValue(label: string | number): string | number {
  if (typeof label !== 'string' && typeof label !== 'number') {
    throw new OptionError(`columnValue()'s label must be a column name or number (got ${describeValue(label)})`, "a CoNLL-U column name ('upos') or number, as text or number ('2', 2, -1)");
  }
  return typeof label === 'string' && /^-?\d+$/.test(label.trim()) ? Number(label.trim()) : label;
}

/** The label column a format reads by default: upos for CoNLL-U, the last column for plain CoNLL. */
export function defaultColumn(format: TagFormat): string | number {
  if (format !== 'conllu' && format !== 'conll') throw new OptionError(`defaultColumn()'s format must be 'conllu' or 'conll' (got ${describeValue(format)})`, 'the format of the text, e.g. as detectFormat() tells it');
  return format === 'conllu' ? 'upos' : -1;
}

/**
 * The labelled sentences of `text` (labels null: unlabelled, every label '').
 * A bad label column is an OptionError naming the option (`name('label')`);
 * bad data a DataError naming `source` and the line.
 */
export function readLabelled(
  text: string, format: TagFormat | 'auto', label: string | number | null | undefined, source: string,
  name: (key: string) => string = (k) => k, keepLines = false,
): LabelledText {
  checkString(text, "readLabelled()'s text", 'pass the text of a CoNLL-U file, or of word TAB label lines');
  checkString(source, "readLabelled()'s source", 'what the text is, in messages (a file name)');
  let sentences: TaggedSentence[], stats: TagReadStats;
  try {
    const reader = createSentenceReader({ format, label: label === undefined || label === null ? label : columnValue(label), name: source, keepLines });
    sentences = reader.push(text);
    for (const s of reader.end()) sentences.push(s);
    stats = reader.stats();
  } catch (err) {
    // the label column fits the format only once it is known (auto): said of the option either way
    if (err instanceof OptionError) throw new OptionError(`${name('label')}: ${err.message}`, err.hint);
    throw err;
  }
  return { format: stats.format, label: label === null ? '' : columnValue(label ?? defaultColumn(stats.format)), sentences, stats };
}

/** CoNLL-U writes an unspecified field as '_': such a label is no label (not learned, not scored); in plain CoNLL it is a label. */
export function missingLabel(format: TagFormat): string | null {
  return format === 'conllu' ? '_' : null;
}

export interface TagVocabs {
  words: TagVocab;
  chars: TagVocab | null;
  labels: string[];
  /** Distinct words (after lowercasing) below minCount, read as <UNK>. */
  rareWords: number;
}

/** The vocabularies of the training sentences (see the top of this file). */
export function buildTagVocabs(sentences: readonly TaggedSentence[], o: { lowercase: boolean; minCount: number; chars: boolean; missing?: string | null }): TagVocabs {
  const wordCounts = new Map<string, number>();
  const charSet = new Set<string>();
  const labelSet = new Set<string>();
  for (const s of sentences) {
    for (const w of s.words) {
      const key = o.lowercase ? w.toLowerCase() : w;
      wordCounts.set(key, (wordCounts.get(key) ?? 0) + 1);
      if (o.chars) for (const c of w) charSet.add(c);
    }
    for (const l of s.labels) if (l !== o.missing) labelSet.add(l);
  }
  // a word spelled "<UNK>" is read as the unknown word: never a regular entry
  wordCounts.delete(TAG_UNK_TOKEN);
  const kept = [...wordCounts].filter(([, n]) => n >= o.minCount).map(([w]) => w).sort(compareCodePoints);
  const words = tagVocab([TAG_UNK_TOKEN, ...kept], [0, ...kept.map((w) => wordCounts.get(w)!)]);
  const chars = o.chars ? tagVocab([TAG_UNK_TOKEN, ...[...charSet].sort(compareCodePoints)]) : null;
  return { words, chars, labels: [...labelSet].sort(compareCodePoints), rareWords: wordCounts.size - kept.length };
}

/** The characters of `word` the char BiRNN reads: all of them, or the first ⌊n/2⌋ and the last ⌈n/2⌉ of a longer one. */
export function wordChars(word: string, maxChars: number): string[] {
  const cs = Array.from(word);
  if (cs.length <= maxChars) return cs;
  const head = Math.floor(maxChars / 2);
  return [...cs.slice(0, head), ...cs.slice(cs.length - (maxChars - head))];
}

/** What encoding needs of a tagger (its checkpoint, or a run's vocabularies before it has one). */
export type Encoding = Pick<TaggerCheckpoint, 'words' | 'chars' | 'tokenizer'>;

/** A sentence's words as ids (and its labels, when a label index is given: a label the index lacks is UNKNOWN_LABEL). */
export function encodeTagSentence(words: readonly string[], enc: Encoding, labels?: { index: ReadonlyMap<string, number>; of: readonly string[]; missing?: string | null }): EncodedTagSentence {
  const wordIds = new Int32Array(words.length);
  const chars: Int32Array[] | null = enc.chars ? [] : null;
  words.forEach((w, t) => {
    wordIds[t] = enc.words.index.get(enc.tokenizer.lowercase ? w.toLowerCase() : w) ?? TAG_UNK;
    if (chars) chars.push(Int32Array.from(wordChars(w, enc.tokenizer.maxWordChars), (c) => enc.chars!.index.get(c) ?? TAG_UNK));
  });
  const ids = labels ? Int32Array.from(labels.of, (l) => (l === labels.missing ? -1 : labels.index.get(l) ?? UNKNOWN_LABEL)) : null;
  return { words: wordIds, chars, labels: ids };
}

/** Words of the sentences that are <UNK> to the vocabulary, and all words. */
export function unknownWords(sentences: readonly EncodedTagSentence[]): { unknown: number; words: number } {
  let unknown = 0, words = 0;
  for (const s of sentences) {
    words += s.words.length;
    for (const id of s.words) if (id === TAG_UNK) unknown++;
  }
  return { unknown, words };
}
