/**
 * rnnlm tag predict -m TAGGER [FILE | - | --text SENTENCE…]: the label of
 * every word, written in the shape the input came in. Input, read as it
 * arrives (a pipe is answered line by line):
 *
 *   conllu  CoNLL-U: each sentence written back as read (comments,
 *           multiword tokens and empty nodes kept), its label column
 *           (the tagger's, or --label) replaced by the predictions;
 *           lines that belong to no sentence (a second blank line,
 *           `-DOCSTART-`, a trailing comment) are given back where they were;
 *   conll   one word per line, columns separated by tabs (or spaces, with
 *           --format conll): the label column replaced (the last, or
 *           --label), or added after a lone word column;
 *   text    one sentence per line, words separated by whitespace (blank
 *           lines skipped): written as "word TAB label" lines, a blank line
 *           after each sentence (plain CoNLL, which `tag eval` reads back).
 *
 * --format auto (the default) reads CoNLL-U when the first line that is not
 * blank or a # comment has CoNLL-U's 10 tab-separated columns, plain CoNLL
 * when it holds a tab, plain text otherwise. --json writes one JSON object
 * per sentence instead: words, labels, the chosen labels' probabilities and
 * every label's.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import {
  columnFor, conlluColumnIndex, createSentenceReader, DataError, firstInvalidUtf8, formatConll, formatConllu, OptionError, plainFields, tagPredict,
  type TagFormat, type TaggedSentence, type TagPrediction,
} from '../../api/index.js';
import { labelColumn } from '../../api/tag-options.js';
import { NOT_UTF8_HINT } from '../../api/text.js';
import { InputError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Host } from '../host.js';
import { checkedChunks, checkOneStdin, checkPathArgument, checkTextArgument, sourceName } from '../input.js';
import { int, oneOf, parseOptions } from '../options.js';
import { count, formatInt, jsonLine, shown } from '../format.js';
import { makeStyle } from '../style.js';
import { readTagger } from './tag-shared.js';

export const tagPredictSchema = z.object({
  model: z.string({ error: 'is required: the tagger to predict with (e.g. -m tagger.json)' }).min(1),
  input: z.string().min(1).optional(),
  text: z.array(z.string()).default([]),
  format: oneOf(['auto', 'conllu', 'conll', 'text']).default('auto'),
  label: labelColumn.optional(),
  json: z.boolean().default(false),
  batch: int(1, 4096).default(64),
  quiet: z.boolean().default(false),
});

export function registerTagPredict(tag: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  tag
    .command('predict')
    .description('label the words of sentences with a tagger')
    .argument('[input]', "CoNLL-U, plain CoNLL or plain text to tag (default: standard input); '-' for standard input")
    .requiredOption('-m, --model <tagger>', 'tagger written by rnnlm tag train (required)')
    .option('--text <sentence>', 'a sentence to tag, its words separated by spaces (repeat for more; one per line)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--format <format>', 'auto, conllu, conll (one word per line) or text (one sentence per line, split on whitespace) (default: auto)')
    .option('--label <column>', "the column the labels go in: a CoNLL-U column name or number, a plain CoNLL column number (default: the tagger's own, else upos / the last column)")
    .option('--json', 'one JSON object per sentence: {"id"?, "words", "labels", "probs", "distribution"} (every label\'s probability for each word)')
    .option('--batch <n>', 'sentences per forward pass (default: 64)')
    .option('-q, --quiet', 'no summary or note on stderr')
    .addHelpText('after', `
Output: the input's own shape with the label column replaced (CoNLL-U, plain CoNLL), or "word TAB label"
lines with a blank line after each sentence (plain text input); --json: NDJSON, one sentence per line.
Auto format: CoNLL-U when the first word line has its 10 tab-separated columns, plain CoNLL when it holds a
tab, else plain text (one sentence per line; for space-separated CoNLL give --format conll).

Examples:
  rnnlm tag predict -m tagger.json --text "Harry Potter met Hermione"
  rnnlm tag predict -m tagger.json test.conllu > predicted.conllu
  echo "The ministry fined Albus" | rnnlm tag predict -m ner.json --json
  rnnlm tag predict -m tagger.json words.txt --format conll`)
    .action((input: string | undefined, raw: Record<string, unknown>) => run((host) => runTagPredict(host, { ...raw, input })));
}

/** How many sentences are tagged together at most (more wait for the next round: memory stays flat). */
const CHUNK = 1024;

export async function runTagPredict(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(tagPredictSchema, raw, 'tag predict');
  checkPathArgument(opts.input, 'input path');
  checkPathArgument(opts.model, 'tagger path (-m)');
  opts.text.forEach((t, i) => checkTextArgument(t, opts.text.length > 1 ? `--text text ${i + 1}` : '--text text'));
  if (opts.text.length > 0 && opts.input !== undefined) throw new UsageError('give the sentences with --text or as an input file, not both', "e.g. rnnlm tag predict -m tagger.json --text 'Harry Potter met Hermione'");
  if (opts.text.length > 0 && opts.format !== 'auto' && opts.format !== 'text') throw new UsageError(`--text takes plain sentences, not --format ${opts.format}`, 'drop --format, or give the input as a file');
  const inputPath = opts.text.length > 0 ? null : opts.input ?? '-';
  checkOneStdin([{ role: 'input', path: inputPath ?? undefined, fix: 'give the input as a file' }, { role: 'tagger', path: opts.model, fix: 'give the tagger as a file: -m tagger.json' }]);
  const tagger = await readTagger(host, opts.model);
  const style = makeStyle(host);
  const note = (text: string) => { if (!opts.quiet) host.stderr.write(style.yellow(`note: ${shown(text)}`) + '\n'); };
  const source = inputPath === null ? '--text' : sourceName(inputPath);
  const platform = host.platform();

  let format: TagFormat | 'text' | null = opts.format === 'auto' ? (inputPath === null ? 'text' : null) : opts.format;
  let column: string | number = 'upos';
  let reader: ReturnType<typeof createSentenceReader> | null = null;
  let pendingText = '';
  let lineNo = 0;
  let blankLines = false;
  const queue: TaggedSentence[] = [];
  let sentences = 0, words = 0, unknown = 0;
  let gone = false;
  const started = host.now();

  /** The format is known: the label column checked for it, the reader made. */
  const begin = (f: TagFormat | 'text') => {
    format = f;
    if (f === 'text') {
      if (opts.label !== undefined) {
        const why = inputPath === null ? '--text gives plain text' : opts.format === 'text' ? '--format text reads plain text' : `${source} was read as plain text (its first line has no tab)`;
        throw new UsageError(`--label chooses a CoNLL column, and ${why}: its labels are written as "word TAB label" lines, with no column to choose`,
          inputPath === null || opts.format === 'text' ? 'leave --label out' : 'leave --label out, or give --format conll for space-separated CoNLL');
      }
      return;
    }
    column = opts.label !== undefined ? columnOf(opts.label) : columnFor(tagger, f);
    try {
      if (f === 'conllu') {
        // the predictions replace a column: never the words themselves
        if (conlluColumnIndex(column) === 1) throw new OptionError('the FORM column holds the words: the labels cannot be written over it', 'give the column the labels go in, e.g. --label upos or --label xpos');
      } else if (column === 1) throw new OptionError('column 1 holds the words: the labels cannot be written over it', 'give the label column: 2 for the second, -1 for the last (the default)');
      else if (typeof column !== 'number' || !(column >= 2 || column < 0)) throw new OptionError(`a plain CoNLL column is a number (2 for the second, -1 for the last), not ${JSON.stringify(column)}`, 'give a column number');
    } catch (err) {
      if (err instanceof OptionError) throw new UsageError(`--label: ${err.message}`, err.hint);
      throw err;
    }
    reader = createSentenceReader({ format: f, label: null, keepLines: true, name: source });
  };
  const write = (s: TaggedSentence, p: TagPrediction) => {
    if (host.stdout.closed) { gone = true; return; }
    if (opts.json) {
      const K = tagger.labels.length;
      const distribution = p.words.map((_, t) => Object.fromEntries(tagger.labels.map((l, k) => [l, p.distribution[t * K + k]!])));
      host.stdout.write(jsonLine({ ...(s.id !== undefined ? { id: s.id } : {}), words: p.words, labels: p.labels, probs: p.probs, distribution }) + '\n');
    } else if (format === 'conllu') {
      host.stdout.write(asRead(s.before) + formatConllu(s, p.labels, column));
    } else if (format === 'conll') {
      host.stdout.write(asRead(s.before) + s.lines!.map((l, i) => withLabel(l, column as number, p.labels[i]!)).join('\n') + '\n\n');
    } else {
      host.stdout.write(formatConll(p.words, [p.labels]));
    }
  };
  /** Tag what is queued (at most CHUNK at a time) and write it, in input order. */
  const flush = () => {
    while (queue.length > 0 && !gone) {
      const part = queue.splice(0, CHUNK);
      const predicted = tagPredict(platform, tagger, part.map((s) => s.words), { batch: opts.batch });
      for (let i = 0; i < part.length && !gone; i++) {
        write(part[i]!, predicted[i]!);
        sentences++;
        words += part[i]!.words.length;
        for (const w of part[i]!.words) if (!tagger.words.index.has(tagger.tokenizer.lowercase ? w.toLowerCase() : w)) unknown++;
      }
    }
  };
  const textLine = (line: string) => {
    lineNo++;
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    const ws = l.trim() === '' ? [] : l.trim().split(/\s+/);
    if (ws.length === 0) { blankLines = true; return; }
    queue.push({ words: ws, labels: ws.map(() => ''), line: lineNo });
  };
  /** Text as it comes: held until the format is known, then read by its reader. */
  const feed = (chunk: string, end: boolean) => {
    if (format === null) {
      pendingText += chunk;
      const first = firstWordLine(pendingText, end);
      if (first === undefined) return;
      begin(first === null ? 'text' : autoFormat(first));
      chunk = pendingText;
      pendingText = '';
    }
    if (format === 'text') {
      // LF, CRLF or a lone CR ends a line; a CR at the end of what came so far waits for a possible LF
      let text = pendingText + chunk;
      const cr = !end && text.endsWith('\r') ? '\r' : '';
      if (cr) text = text.slice(0, -1);
      const lines = text.split(/\r\n|\r|\n/);
      pendingText = lines.pop()! + cr;
      for (const l of lines) textLine(l);
      if (end && pendingText !== '') textLine(pendingText);
      if (end) pendingText = '';
    } else {
      const r = reader!;
      try {
        queue.push(...r.push(chunk));
        if (end) queue.push(...r.end());
      } catch (err) {
        // read as CoNLL-U for its 10 columns: the way out for plain CoNLL that has 10 too
        if (err instanceof DataError) throw new InputError(err.message, opts.format === 'auto' && format === 'conllu' ? `${err.hint}; for plain CoNLL with 10 columns give --format conll` : err.hint);
        throw err;
      }
      flush();
      // what follows the last sentence (a trailing comment, -DOCSTART-, blank lines): given back as read
      if (end && !opts.json && !gone && !host.stdout.closed) host.stdout.write(asRead(r.rest()));
      return;
    }
    flush();
  };

  if (format !== null) begin(format);
  if (inputPath === null) {
    feed(opts.text.join('\n'), true);
  } else {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const chunks = checkedChunks(inputPath === '-' ? host.stdinChunks() : host.fileChunks(inputPath), source);
    let offset = 0, newlines = 0;
    for await (const bytes of chunks) {
      const nul = bytes.indexOf(0);
      if (nul >= 0) throw new InputError(`${source} looks like a binary file (a NUL byte at offset ${offset + nul})`, 'give UTF-8 text');
      let text: string;
      try {
        text = decoder.decode(bytes, { stream: true });
      } catch {
        // the line of the first bad byte (a character cut between two chunks counts from this chunk's start)
        const at = Math.max(0, firstInvalidUtf8(bytes));
        let line = newlines + 1;
        for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
        throw new InputError(`${source} line ${line} is not valid UTF-8 text (at byte offset ${offset + at})`, NOT_UTF8_HINT);
      }
      offset += bytes.length;
      for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) newlines++;
      feed(text, false);
      if (gone) break;
    }
    if (!gone) {
      let rest: string;
      try {
        rest = decoder.decode();
      } catch {
        throw new InputError(`${source} is not valid UTF-8 text: it ends in the middle of a character`, NOT_UTF8_HINT);
      }
      feed(rest, true);
    }
  }
  if (format === 'text' && blankLines && opts.format === 'auto' && inputPath !== null) {
    note(`${source} was read as plain text, one sentence per line (blank lines skipped); for space-separated CoNLL give --format conll`);
  }
  if (!opts.quiet && !gone) {
    const s = (host.now() - started) / 1000;
    host.stderr.write(style.dim(`tagged ${count(sentences, 'sentence')}, ${count(words, 'word')} (${formatInt(unknown)} unknown to the tagger) in ${s.toFixed(1)}s` +
      (s > 0 && sentences > 0 ? `, ${formatInt(sentences / s)} sentences/s` : '')) + '\n');
  }
  return ExitCode.ok;
}

/** Lines that belong to no sentence, written back as they were read. */
function asRead(lines: readonly string[] | undefined): string {
  return lines && lines.length ? lines.map((l) => l + '\n').join('') : '';
}

/** A label column given as text that is a number is that number. */
function columnOf(label: string | number): string | number {
  return typeof label === 'string' && /^-?\d+$/.test(label.trim()) ? Number(label.trim()) : label;
}

/**
 * --format auto from the first word line, as the help says: CoNLL-U when it
 * has 10 tab-separated columns, whatever its ID column holds (the CoNLL-U
 * reader then names a bad ID, where plain CoNLL would write the label over
 * MISC), plain CoNLL when it holds a tab, else plain text.
 */
function autoFormat(first: string): TagFormat | 'text' {
  return first.split('\t').length === 10 ? 'conllu' : first.includes('\t') ? 'conll' : 'text';
}

/**
 * The first line of `text` that is neither blank nor a # comment, once it is
 * whole: undefined while it may still grow, null when the text (at its end)
 * has none.
 */
function firstWordLine(text: string, end: boolean): string | null | undefined {
  let from = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  // LF, CRLF or a lone CR ends a line
  const ends = /\r\n?|\n/g;
  for (;;) {
    ends.lastIndex = from;
    const m = ends.exec(text);
    if (m === null && !end) return undefined;
    const line = m === null ? text.slice(from) : text.slice(from, m.index);
    if (line.trim() !== '' && !line.startsWith('#')) return line;
    if (m === null) return null;
    from = m.index + m[0].length;
  }
}

/**
 * A plain CoNLL line with `label` in `column` (1-based, or negative from the
 * end): replaced; after a lone word, added (with a tab). Columns are joined
 * as they were separated (tab, or one space).
 */
export function withLabel(line: string, column: number, label: string): string {
  const fields = plainFields(line);
  if (fields.length === 1) return `${fields[0]!}\t${label}`;
  const at = column > 0 ? column - 1 : fields.length + column;
  if (at === fields.length) fields.push(label);
  else if (at >= 1 && at < fields.length) fields[at] = label;
  else throw new UsageError(`--label ${column}: the input's lines have ${fields.length} columns`, `give a column from 2 to ${fields.length + 1}, or -1 for the last`);
  return fields.join(line.includes('\t') ? '\t' : ' ');
}
