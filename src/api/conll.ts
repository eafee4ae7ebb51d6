/**
 * Labelled sentences for the tagger (`rnnlm tag`): reading the two column
 * formats taggers are trained and scored on, and writing predictions back in
 * the same shapes. Pure: no I/O.
 *
 * CoNLL-U (Universal Dependencies, https://universaldependencies.org/format.html):
 *
 *   # sent_id = s1                       comments start with '#'; `sent_id` and
 *   # text = I don't know.               `text` are kept with the sentence
 *   1     I      I     PRON  PRP  …      a word: 10 tab-separated columns,
 *   2-3   don't  _     _     _    …      ID FORM LEMMA UPOS XPOS FEATS HEAD
 *   2     do     do    AUX   VBP  …      DEPREL DEPS MISC; the word is FORM,
 *   3     n't    not   PART  RB   …      the label a column chosen by name
 *   4     know   know  VERB  VB   …      (upos by default) or number (2–10)
 *   4.1   know   …                       a multiword token (2-3) is skipped
 *                                        (its words are the integer lines that
 *   (blank line ends the sentence)       follow it), as is an empty node (4.1)
 *
 *   Word IDs must count 1, 2, 3, … in each sentence; a line that does not have
 *   10 tab-separated columns, an ID that is none of the three kinds, a word ID
 *   out of sequence (typically a missing blank line) or an empty FORM or label
 *   column is refused with its line number.
 *
 * Plain CoNLL (CoNLL-2000/2003, conlleval's input): one token per line, the
 *   token first, then one or more columns, separated by tabs (a line holding a
 *   tab is split at tabs only, so a token may contain spaces) or by spaces; a
 *   blank line between sentences. The label is a column chosen by number: 1-based
 *   (2 = the second column), or negative from the end (−1, the last column, is
 *   the default; −2 the gold column of a conlleval file `token … gold guess`).
 *   Every line must have as many columns as the first (conlleval's rule).
 *   `-DOCSTART-` lines (CoNLL-2003's document separators) are skipped. There
 *   are no comments: a line starting with '#' is a token ('#').
 *
 * Both: a BOM at the start, CRLF or lone CR line ends, a last line without a line end, a
 * last sentence without a blank line after it and several blank lines in a row
 * (or lines of spaces) are all read as expected. Errors are DataErrors, one
 * line, `<name> line <n>: <problem>`, with a hint naming the fix.
 *
 * Reading comes in three shapes: parseConllu / parseConll / parseTagged (a
 * whole text), createSentenceReader (push chunks of text as they arrive, get
 * the sentences completed so far: a large file is never held twice) and
 * readSentences (an async generator over chunks).
 */
import { DataError, OptionError, ShapeError } from '../core/errors.js';
import { textLines } from '../core/tokenize.js';
import { checkString, checkStrings, checkWhole, isObject } from './checks.js';
import { describeValue, isPlainObject, readPlain } from './options.js';

export type TagFormat = 'conllu' | 'conll';

/** The ten CoNLL-U columns, in order (column number = index + 1). */
export const CONLLU_COLUMNS = ['id', 'form', 'lemma', 'upos', 'xpos', 'feats', 'head', 'deprel', 'deps', 'misc'] as const;
export type ConlluColumnName = (typeof CONLLU_COLUMNS)[number];

export interface TaggedSentence {
  /** The words (CoNLL-U: FORM of the integer-ID lines; plain: the first column). */
  words: string[];
  /** One label per word; '' for every word when read without a label column (label: null). */
  labels: string[];
  /** CoNLL-U `# sent_id = …`. */
  id?: string;
  /** CoNLL-U `# text = …`. */
  text?: string;
  /** 1-based line number of the sentence's first line (its first comment or token line). */
  line: number;
  /** With keepLines: the sentence's lines as read (comments included, no line ends), for formatConllu. */
  lines?: string[];
  /**
   * With keepLines: the lines before this sentence that belong to none (a
   * second blank line, `-DOCSTART-`, a comment block or a multiword line with
   * no words), as read, so that a writer can give the text back whole.
   */
  before?: string[];
}

export interface TagReadOptions {
  /** 'conllu', 'conll', or undefined/'auto': decided from the first token line (see detectFormat). */
  format?: TagFormat | 'auto';
  /**
   * The label column. CoNLL-U: a column name (CONLLU_COLUMNS, any case) or
   * number 2–10; default 'upos'. Plain: a column number ≥ 2, or negative
   * from the end; default −1 (the last). null: no labels (every label '').
   */
  label?: string | number | null;
  /** What the text is, in messages (a file name); default 'the input'. */
  name?: string;
  /** Keep each sentence's lines (TaggedSentence.lines), to write predictions into them. */
  keepLines?: boolean;
}

/** What a reading skipped and kept, for a summary line. */
export interface TagReadStats {
  format: TagFormat;
  sentences: number;
  words: number;
  /** CoNLL-U multiword token lines (ID a-b), skipped. */
  multiwordTokens: number;
  /** CoNLL-U empty nodes (ID a.b), skipped. */
  emptyNodes: number;
  /** Plain `-DOCSTART-` lines, skipped. */
  documentStarts: number;
}

export interface TaggedText {
  format: TagFormat;
  sentences: TaggedSentence[];
  stats: TagReadStats;
}

export interface SentenceReader {
  /** Read a chunk of the text (any size, any cut); returns the sentences completed by it. */
  push(chunk: string): TaggedSentence[];
  /** The text is over: returns the last sentences (one without a blank line after it). */
  end(): TaggedSentence[];
  /** Counts so far (the format is 'conllu' until it is decided). */
  stats(): TagReadStats;
  /** With keepLines, after end(): the lines after the last sentence that belong to none (as TaggedSentence.before). */
  rest(): string[];
}

const CONLLU_HINT = 'CoNLL-U has 10 tab-separated columns per word (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC, _ for none) and a blank line after each sentence';
const CONLL_HINT = "give one 'token label' line per token (tab or spaces between the columns) and a blank line between sentences";
const ID_WORD = /^[1-9]\d*$/;
const ID_RANGE = /^[1-9]\d*-[1-9]\d*$/;
const ID_EMPTY = /^\d+\.[1-9]\d*$/;

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

/**
 * The 0-based index of a CoNLL-U label column given by name (any case) or
 * number 2–10. OptionError for anything else (ID cannot be a label).
 */
export function conlluColumnIndex(column: string | number): number {
  const names = CONLLU_COLUMNS.join(', ');
  if (typeof column !== 'string' && typeof column !== 'number') {
    throw new OptionError(`conlluColumnIndex()'s column must be a column name or number (got ${describeValue(column)})`, `give a column number from 2 to 10 or a name: ${names}`);
  }
  if (typeof column === 'number') {
    if (Number.isInteger(column) && column >= 2 && column <= 10) return column - 1;
    throw new OptionError(`CoNLL-U label column ${column} does not exist`, `give a column number from 2 to 10 or a name: ${names}`);
  }
  if (/^\d+$/.test(column)) return conlluColumnIndex(Number(column));
  const i = (CONLLU_COLUMNS as readonly string[]).indexOf(column.toLowerCase());
  if (i < 0) throw new OptionError(`${JSON.stringify(clip(column))} is not a CoNLL-U column`, `give one of ${names}, or a column number from 2 to 10`);
  if (i === 0) throw new OptionError('the ID column cannot be the label', `give one of ${CONLLU_COLUMNS.slice(1).join(', ')}`);
  return i;
}

/** A plain-format label column: a number ≥ 2 or negative (from the end); OptionError otherwise. */
function conllColumn(column: string | number): number {
  const n = typeof column === 'number' ? column : /^-?\d+$/.test(column) ? Number(column) : NaN;
  if (Number.isInteger(n) && (n >= 2 || n < 0)) return n;
  if (Number.isNaN(n)) throw new OptionError(`a plain CoNLL file has no column named ${JSON.stringify(clip(String(column)))}`, 'give the label column by number: 2 for the second, -1 for the last (the default)');
  throw new OptionError(`plain CoNLL label column ${n} is ${n === 1 ? 'the token column' : 'not a column'}`, 'give the label column by number: 2 for the second, -1 for the last (the default)');
}

/**
 * Whether a token line (not blank, not a comment) is read as CoNLL-U: it has
 * 10 tab-separated columns (as `rnnlm tag --help` says). Its ID is then
 * checked by the CoNLL-U reader, which names a bad one with its line: a
 * malformed CoNLL-U file is refused, not read as plain CoNLL (where a
 * prediction would land on its MISC column).
 */
function isConlluLine(line: string): boolean {
  return line.split('\t').length === 10;
}

/**
 * The format of a text (or of its first few kilobytes), from its first
 * line that is neither blank nor a '#' comment: CoNLL-U when that line has
 * 10 tab-separated columns, plain CoNLL otherwise
 * (also for a text without such a line). A head of the text will do, as
 * long as it holds the first token line whole.
 */
export function detectFormat(text: string): TagFormat {
  checkString(text, "detectFormat()'s text", 'pass the text (or its first kilobytes) of a CoNLL-U or word TAB label file');
  for (const l of textLines(text)) {
    if (l.trim() === '' || l.startsWith('#')) continue;
    return isConlluLine(l) ? 'conllu' : 'conll';
  }
  return 'conll';
}

/** Splits plain-format fields: at tabs when the line holds one (spaces around them dropped), else at runs of spaces. */
export function plainFields(line: string): string[] {
  checkString(line, "plainFields()'s line", 'pass one line of a plain CoNLL file');
  const t = line.replace(/^[ \t]+|[ \t]+$/g, '');
  return t.includes('\t') ? t.split(/ *\t[ \t]*/) : t.split(/ +/);
}

interface LineParser {
  line(text: string, n: number): void;
  finish(): void;
}

function conlluParser(o: { column: number | null; name: string; keep: boolean }, stats: TagReadStats, emit: (s: TaggedSentence) => void, loose: string[]): LineParser {
  const columnName = o.column === null ? '' : CONLLU_COLUMNS[o.column]!.toUpperCase();
  let words: string[] = [], labels: string[] = [], lines: string[] = [];
  let id: string | undefined, text: string | undefined, first = 0;
  const fail = (n: number, problem: string, hint = CONLLU_HINT): never => {
    throw new DataError(`${o.name} line ${n}: ${problem}`, hint);
  };
  const flush = () => {
    if (words.length) {
      const s: TaggedSentence = { words, labels, line: first };
      if (id !== undefined) s.id = id;
      if (text !== undefined) s.text = text;
      if (o.keep) {
        s.lines = lines;
        s.before = loose.splice(0);
      }
      emit(s);
      stats.sentences++;
      stats.words += words.length;
    } else if (o.keep) loose.push(...lines); // comments or multiword lines with no word: nobody's, kept as read
    words = []; labels = []; lines = []; id = undefined; text = undefined; first = 0;
  };
  return {
    line(l, n) {
      if (l.trim() === '') {
        // the blank line that ends a sentence is its separator; any other is kept as read
        if (o.keep && words.length === 0) {
          flush();
          loose.push(l);
          return;
        }
        return flush();
      }
      if (first === 0) first = n;
      if (o.keep) lines.push(l);
      if (l.startsWith('#')) {
        const m = /^#\s*(sent_id|text)\s*=\s?(.*)$/.exec(l);
        if (m) {
          const value = m[2]!.trim();
          if (m[1] === 'sent_id') id = value; else text = value;
        }
        return;
      }
      const f = l.split('\t');
      if (f.length !== 10) {
        const spaced = f.length === 1 && l.trim().split(/\s+/).length >= 10;
        fail(n, spaced ? 'the columns are separated by spaces; CoNLL-U separates them with tabs'
          : `${f.length} tab-separated column${f.length === 1 ? '' : 's'} where CoNLL-U has 10`);
      }
      const wid = f[0]!;
      if (ID_WORD.test(wid)) {
        const want = words.length + 1;
        if (Number(wid) !== want) {
          fail(n, `word ID ${wid} where ${want} was expected (word IDs count 1, 2, 3, … in each sentence)`,
            wid === '1' ? 'end each sentence with a blank line' : CONLLU_HINT);
        }
        const form = f[1]!;
        if (form === '') fail(n, 'the FORM column (2) is empty', 'write the word in column 2');
        let label = '';
        if (o.column !== null) {
          label = f[o.column]!;
          if (label === '') fail(n, `the ${columnName} column (${o.column + 1}) is empty`, 'write _ for a missing value');
        }
        words.push(form);
        labels.push(label);
      } else if (ID_RANGE.test(wid)) {
        stats.multiwordTokens++;
      } else if (ID_EMPTY.test(wid)) {
        stats.emptyNodes++;
      } else {
        fail(n, `ID ${JSON.stringify(clip(wid))} is not a word number (1, 2, …), a multiword token range (3-4) or an empty node (5.1)`);
      }
    },
    finish: flush,
  };
}

function conllParser(o: { column: number | null; name: string; keep: boolean }, stats: TagReadStats, emit: (s: TaggedSentence) => void, loose: string[]): LineParser {
  let words: string[] = [], labels: string[] = [], lines: string[] = [];
  let first = 0, width = -1, widthLine = 0;
  const fail = (n: number, problem: string, hint = CONLL_HINT): never => {
    throw new DataError(`${o.name} line ${n}: ${problem}`, hint);
  };
  const flush = () => {
    if (words.length) {
      const s: TaggedSentence = { words, labels, line: first };
      if (o.keep) {
        s.lines = lines;
        s.before = loose.splice(0);
      }
      emit(s);
      stats.sentences++;
      stats.words += words.length;
    }
    words = []; labels = []; lines = []; first = 0;
  };
  return {
    line(l, n) {
      if (l.trim() === '') {
        if (o.keep && words.length === 0) loose.push(l); // not a sentence's separator: kept as read
        return flush();
      }
      const f = plainFields(l);
      if (f[0] === '-DOCSTART-') {
        flush();
        stats.documentStarts++;
        if (o.keep) loose.push(l);
        return;
      }
      if (width < 0) {
        width = f.length;
        widthLine = n;
      } else if (f.length !== width) {
        fail(n, `${f.length} column${f.length === 1 ? '' : 's'} where line ${widthLine} has ${width}`,
          'give every token line the same columns (in a space-separated file a token cannot hold a space: separate the columns with tabs)');
      }
      let label = '';
      if (o.column !== null) {
        const at = o.column > 0 ? o.column - 1 : f.length + o.column;
        if (f.length === 1) fail(n, `a token (${JSON.stringify(clip(f[0]!))}) and no label column`, `${CONLL_HINT}, or read the file without labels`);
        if (at <= 0 || at >= f.length) fail(n, `no label column ${o.column} (the line has ${f.length} columns, the token first)`, 'give the label column by number: 2 for the second, -1 for the last');
        label = f[at]!;
      }
      if (first === 0) first = n;
      if (o.keep) lines.push(l);
      words.push(f[0]!);
      labels.push(label);
    },
    finish: flush,
  };
}

/**
 * An incremental reader: push chunks of text as they come (cut anywhere,
 * even inside a CRLF or a character pair), get the sentences each completes.
 * With format 'auto' (the default) the format is decided at the first token
 * line (the lines before it are held until then). Option errors
 * (OptionError) are thrown here, data errors (DataError) by push/end.
 */
export function createSentenceReader(options: TagReadOptions = {}): SentenceReader {
  options = checkReadOptions(options, 'createSentenceReader');
  const name = options.name ?? 'the input';
  const keep = options.keepLines ?? false;
  const wanted = options.format ?? 'auto';
  if (wanted !== 'auto' && wanted !== 'conllu' && wanted !== 'conll') {
    throw new OptionError(`unknown tagged-data format ${JSON.stringify(clip(String(wanted)))}`, 'give conllu, conll or auto');
  }
  const columnFor = (format: TagFormat): number | null => {
    const label = options.label;
    if (label === null) return null;
    if (format === 'conllu') return conlluColumnIndex(label ?? 'upos');
    return conllColumn(label ?? -1);
  };
  // check the label option against the format(s) it may be used with, before any data
  if (wanted !== 'auto') columnFor(wanted);
  else if (typeof options.label === 'number' || (typeof options.label === 'string' && /^-?\d+$/.test(options.label))) {
    // a number fits both formats when it is 2–10; a negative one only plain CoNLL
    conllColumn(options.label);
  } else if (typeof options.label === 'string') conlluColumnIndex(options.label);

  const stats: TagReadStats = { format: wanted === 'auto' ? 'conllu' : wanted, sentences: 0, words: 0, multiwordTokens: 0, emptyNodes: 0, documentStarts: 0 };
  const out: TaggedSentence[] = [];
  const emit = (s: TaggedSentence) => { out.push(s); };
  /** With keepLines: lines that belong to no sentence, waiting for the next one (or for rest()). */
  const loose: string[] = [];
  let parser: LineParser | null = null;
  const pending: [string, number][] = [];
  const start = (format: TagFormat) => {
    stats.format = format;
    parser = (format === 'conllu' ? conlluParser : conllParser)({ column: columnFor(format), name, keep }, stats, emit, loose);
    for (const [l, n] of pending) parser.line(l, n);
    pending.length = 0;
  };
  if (wanted !== 'auto') start(wanted);

  let buffer = '';
  let atStart = true;
  let lineNo = 0;
  /** The last chunk ended with a CR, which ended its line at once: an LF starting the next chunk is that line end's second half. */
  let skipLf = false;
  const take = (l: string) => {
    lineNo++;
    if (l.endsWith('\r')) l = l.slice(0, -1);
    if (parser) return parser.line(l, lineNo);
    pending.push([l, lineNo]);
    if (l.trim() !== '' && !l.startsWith('#')) start(isConlluLine(l) ? 'conllu' : 'conll');
  };
  const drain = () => out.splice(0, out.length);
  return {
    push(chunk) {
      checkString(chunk, "a sentence reader's push()'s chunk", 'push the text as strings, e.g. decoded with a TextDecoder (stream: true)');
      if (atStart) {
        if (chunk === '') return [];
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
        atStart = false;
      }
      if (chunk === '') return drain();
      if (skipLf && chunk.charCodeAt(0) === 0x0a) chunk = chunk.slice(1);
      skipLf = false;
      buffer += chunk;
      // LF, CRLF or a lone CR (old Mac files) ends a line, as normalizeText reads a corpus
      const ends = /\r\n|\r|\n/g;
      let from = 0;
      for (let m = ends.exec(buffer); m !== null; m = ends.exec(buffer)) {
        take(buffer.slice(from, m.index));
        from = m.index + m[0].length;
        if (m[0] === '\r' && from === buffer.length) skipLf = true;
      }
      buffer = buffer.slice(from);
      return drain();
    },
    end() {
      if (buffer !== '') take(buffer);
      buffer = '';
      // only comments and blank lines: CoNLL-U with no sentence
      if (!parser) start('conllu');
      parser!.finish();
      return drain();
    },
    stats: () => ({ ...stats }),
    rest: () => loose.splice(0),
  };
}

const TAG_TEXT = 'pass the text of a CoNLL-U file, or of word TAB label lines';

/** The options of the readers: an object ({} or nothing for the defaults), its name a string. */
function checkReadOptions<T>(given: T, fn: string): T {
  const options: unknown = readPlain(given, `${fn}()'s options`, 'its options: format, label, name, keepLines; or nothing');
  if (!isPlainObject(options)) throw new OptionError(`${fn}()'s options must be an object such as { format: 'conllu' } (got ${describeValue(options)})`, 'its options: format, label, name, keepLines; or nothing');
  if (options['name'] !== undefined) checkString(options['name'], `${fn}()'s name`, 'what the text is, in messages (a file name)');
  return options as T;
}

/** The sentences of a whole text, its format detected unless options.format says it. */
export function parseTagged(text: string, options: TagReadOptions = {}): TaggedText {
  checkString(text, "parseTagged()'s text", TAG_TEXT);
  options = checkReadOptions(options, 'parseTagged');
  const reader = createSentenceReader(options);
  const sentences = reader.push(text);
  for (const s of reader.end()) sentences.push(s);
  const stats = reader.stats();
  return { format: stats.format, sentences, stats };
}

/** The sentences of a CoNLL-U text; the label column by name or number (default upos). */
export function parseConllu(text: string, options: Omit<TagReadOptions, 'format'> = {}): TaggedText {
  checkString(text, "parseConllu()'s text", TAG_TEXT);
  options = checkReadOptions(options, 'parseConllu');
  return parseTagged(text, { ...options, format: 'conllu' });
}

/** The sentences of a plain CoNLL text (token first, label column by number, default the last). */
export function parseConll(text: string, options: Omit<TagReadOptions, 'format'> = {}): TaggedText {
  checkString(text, "parseConll()'s text", TAG_TEXT);
  options = checkReadOptions(options, 'parseConll');
  return parseTagged(text, { ...options, format: 'conll' });
}

/**
 * The sentences of a text that arrives in chunks (a file stream set to
 * UTF-8, a fetch body through TextDecoderStream, an array of strings), one
 * at a time, as soon as each is complete.
 */
export async function* readSentences(chunks: AsyncIterable<string> | Iterable<string>, options: TagReadOptions = {}): AsyncGenerator<TaggedSentence, TagReadStats> {
  const iterable = (x: unknown) => typeof x === 'object' && x !== null && (Symbol.asyncIterator in x || Symbol.iterator in x);
  if (!iterable(chunks)) {
    throw new OptionError(`readSentences()'s chunks must be an iterable or async iterable of strings (got ${describeValue(chunks)})`, 'e.g. a file stream set to UTF-8, or an array of strings');
  }
  const reader = createSentenceReader(options);
  for await (const chunk of chunks) yield* reader.push(chunk);
  yield* reader.end();
  return reader.stats();
}

// ——— writing ———

function checkField(value: string, what: string, separator?: string): void {
  if (value === '' || value.includes('\n') || value.includes('\r') || value.includes('\t') || (separator !== undefined && value.includes(separator))) {
    const problem = value === '' ? 'is empty' : `contains ${value.includes('\t') ? 'a tab' : value.includes('\n') || value.includes('\r') ? 'a line break' : 'the column separator'}`;
    throw new DataError(`cannot write ${what} ${JSON.stringify(clip(value))}: it ${problem}`, 'labels and words written in column formats must be non-empty, on one line, without tabs (or spaces, with a space separator)');
  }
}

/**
 * A sentence in CoNLL-U with `labels` in column `column` (name or number
 * 2–10, default upos), ending with its blank line. With `sentence.lines`
 * (read with keepLines) those lines are written as read, the label column
 * of each word line replaced (comments, multiword tokens and empty nodes
 * unchanged). Without them: `# sent_id`/`# text` comments when known, then
 * one line per word, `_` in the other columns.
 */
export function formatConllu(sentence: { words: readonly string[]; lines?: readonly string[]; id?: string; text?: string }, labels: readonly string[], column: string | number = 'upos'): string {
  const hint = 'pass a sentence as the readers return it (its words; its lines when read with keepLines), then its labels, one per word';
  if (!isObject(sentence) || Array.isArray(sentence)) throw new OptionError(`formatConllu()'s sentence must be an object with its words (got ${describeValue(sentence)})`, hint);
  checkStrings(sentence.words, "formatConllu()'s sentence.words", hint);
  if (sentence.lines !== undefined) checkStrings(sentence.lines, "formatConllu()'s sentence.lines", hint);
  for (const k of ['id', 'text'] as const) if (sentence[k] !== undefined) checkString(sentence[k], `formatConllu()'s sentence.${k}`, hint);
  checkStrings(labels, "formatConllu()'s labels", hint);
  if (typeof column !== 'string' && typeof column !== 'number') {
    throw new OptionError(`formatConllu()'s column must be a column name or number (got ${describeValue(column)})`, `give a column number from 2 to 10 or a name: ${CONLLU_COLUMNS.join(', ')}`);
  }
  const col = conlluColumnIndex(column);
  if (labels.length !== sentence.words.length) throw new ShapeError(`formatConllu: ${labels.length} labels for ${sentence.words.length} words`);
  labels.forEach((l, i) => checkField(l, `the label of word ${i + 1}`));
  let out = '';
  if (sentence.lines) {
    let w = 0;
    for (const line of sentence.lines) {
      if (line.startsWith('#') || line.trim() === '') { out += `${line}\n`; continue; }
      const f = line.split('\t');
      if (f.length === 10 && ID_WORD.test(f[0]!)) {
        if (w >= labels.length) throw new ShapeError(`formatConllu: the sentence's lines hold more words than its ${labels.length}`);
        f[col] = labels[w++]!;
        out += `${f.join('\t')}\n`;
      } else out += `${line}\n`;
    }
    if (w !== labels.length) throw new ShapeError(`formatConllu: the sentence's lines hold ${w} words, not ${labels.length}`);
    return `${out}\n`;
  }
  if (sentence.id !== undefined) out += `# sent_id = ${sentence.id}\n`;
  if (sentence.text !== undefined) out += `# text = ${sentence.text}\n`;
  sentence.words.forEach((word, i) => {
    checkField(word, `word ${i + 1}`);
    const f: string[] = [String(i + 1), word, '_', '_', '_', '_', '_', '_', '_', '_'];
    f[col] = labels[i]!;
    out += `${f.join('\t')}\n`;
  });
  return `${out}\n`;
}

/**
 * A sentence in the plain column format: per word `word<sep>col1<sep>col2…`
 * (columns[k][i] the k-th column of word i: [labels] for `token TAB label`,
 * [gold, guessed] for conlleval's input, with separator ' '), then a blank
 * line. A field that is empty or holds a tab, a line break or the separator
 * is a DataError (the file could not be read back).
 */
export function formatConll(words: readonly string[], columns: readonly (readonly string[])[], separator = '\t'): string {
  const hint = "pass a sentence's words, then its columns, e.g. formatConll(['the', 'cat'], [['DET', 'NOUN']])";
  checkStrings(words, "formatConll()'s words", hint);
  if (!Array.isArray(columns)) throw new OptionError(`formatConll()'s columns must be an array of columns, each an array of strings (got ${describeValue(columns)})`, hint);
  columns.forEach((c, k) => checkStrings(c, `formatConll()'s columns[${k}]`, hint));
  if (typeof separator !== 'string' || separator === '') throw new OptionError(`formatConll()'s separator must be a non-empty string (got ${describeValue(separator)})`, "'\\t' (the default) or ' '");
  for (const c of columns) if (c.length !== words.length) throw new ShapeError(`formatConll: a column of ${c.length} values for ${words.length} words`);
  let out = '';
  for (let i = 0; i < words.length; i++) {
    checkField(words[i]!, `word ${i + 1}`, separator === '\t' ? undefined : separator);
    let line = words[i]!;
    for (const c of columns) {
      checkField(c[i]!, `the label of word ${i + 1}`, separator === '\t' ? undefined : separator);
      line += separator + c[i]!;
    }
    out += `${line}\n`;
  }
  return `${out}\n`;
}

/** One sentence's prediction as an NDJSON record. */
export interface TagRecord {
  /** sent_id, when the input had one. */
  id?: string;
  words: string[];
  labels: string[];
  /** The probability of each chosen label. */
  probs?: number[];
}

/**
 * A record as one line of NDJSON (with its line end), keys in the order
 * id, words, labels, probs; probs rounded to `digits` decimals when given.
 */
export function formatTagRecord(record: { id?: string; words: readonly string[]; labels: readonly string[]; probs?: ArrayLike<number> }, digits?: number): string {
  const hint = "pass { words, labels } (and optionally id and probs), one label per word, e.g. tagPredict()'s prediction";
  if (!isObject(record) || Array.isArray(record)) throw new OptionError(`formatTagRecord()'s record must be an object with words and labels (got ${describeValue(record)})`, hint);
  checkStrings(record.words, "formatTagRecord()'s record.words", hint);
  checkStrings(record.labels, "formatTagRecord()'s record.labels", hint);
  if (record.id !== undefined) checkString(record.id, "formatTagRecord()'s record.id", hint);
  const probs: unknown = record.probs;
  if (probs !== undefined && !(isObject(probs) && typeof probs['length'] === 'number' && Array.from(probs as unknown as ArrayLike<unknown>).every((p) => typeof p === 'number'))) {
    throw new OptionError(`formatTagRecord()'s record.probs must be an array of numbers, one per word (got ${describeValue(probs)})`, hint);
  }
  if (digits !== undefined) checkWhole(digits, "formatTagRecord()'s digits", 'the decimals probabilities are rounded to, e.g. 4, or nothing for all', 0, 15);
  if (record.labels.length !== record.words.length) throw new ShapeError(`formatTagRecord: ${record.labels.length} labels for ${record.words.length} words`);
  const out: TagRecord = { words: [...record.words], labels: [...record.labels] };
  const ordered: TagRecord = record.id !== undefined ? { id: record.id, ...out } : out;
  if (record.probs) {
    if (record.probs.length !== record.words.length) throw new ShapeError(`formatTagRecord: ${record.probs.length} probabilities for ${record.words.length} words`);
    const scale = digits === undefined ? 0 : 10 ** digits;
    ordered.probs = Array.from(record.probs, (p) => (digits === undefined ? p : Math.round(p * scale) / scale));
  }
  return `${JSON.stringify(ordered)}\n`;
}

/**
 * Records written by formatTagRecord (one JSON object per line; blank
 * lines skipped), checked: words and labels arrays of strings of the same
 * length, probs (optional) numbers, one per word, id (optional) a string.
 */
export function parseTagRecords(text: string, name = 'the input'): TagRecord[] {
  checkString(text, "parseTagRecords()'s text", 'pass the text of tag records, one JSON object per line');
  checkString(name, "parseTagRecords()'s name", 'what the text is, in messages (a file name)');
  const hint = 'give one JSON object per line: {"words": [...], "labels": [...]} with one label per word';
  const out: TagRecord[] = [];
  textLines(text).forEach((raw, i) => {
    const l = raw.trim();
    if (l === '') return;
    const fail = (problem: string): never => { throw new DataError(`${name} line ${i + 1}: ${problem}`, hint); };
    let v: unknown;
    try { v = JSON.parse(l); } catch { fail('not a JSON value'); }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('not a JSON object');
    const r = v as Record<string, unknown>;
    const strings = (k: string): string[] => {
      const a = r[k];
      if (!Array.isArray(a) || !a.every((x) => typeof x === 'string')) fail(`"${k}" is not an array of strings`);
      return a as string[];
    };
    const rec: TagRecord = { words: strings('words'), labels: strings('labels') };
    if (rec.labels.length !== rec.words.length) fail(`${rec.labels.length} labels for ${rec.words.length} words`);
    if (r.id !== undefined) {
      if (typeof r.id !== 'string') fail('"id" is not a string');
      rec.id = r.id as string;
    }
    if (r.probs !== undefined) {
      const p = r.probs;
      if (!Array.isArray(p) || !p.every((x) => typeof x === 'number') || p.length !== rec.words.length) fail('"probs" is not an array of numbers, one per word');
      rec.probs = p as number[];
    }
    out.push(rec);
  });
  return out;
}
