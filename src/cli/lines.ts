/**
 * Standard input as a stream of units to score, read as it arrives and
 * handed on as soon as each is complete (no async step per line): lines
 * (every line one unit, blank ones included — a blank sentence is
 * P(<EOS>)), or paragraphs (blank-line separated). Each unit is decoded on
 * its own, strictly: a line that is not UTF-8 becomes an error unit with its
 * line number, and the lines around it are unaffected. A UTF-8 BOM at the
 * very start and a CR before each LF are dropped, as training drops them.
 */
import { cleanSentence } from '../api/text.js';
import { firstInvalidUtf8 } from '../api/index.js';

/** A unit read, or one that could not be: `error` names it, `hint` says how to fix the input (they differ by cause). */
export type InputUnit = { line: number; text: string } | { line: number; error: string; hint: string };

/** The fix for a unit that is not UTF-8. */
export const NOT_UTF8_INPUT_HINT = 'convert the input to UTF-8 (e.g. iconv -f latin1 -t utf-8)';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeLine(bytes: Uint8Array | null, line: number): InputUnit {
  if (bytes === null) return { line, error: TOO_LONG('line', line), hint: LINE_TOO_LONG_HINT };
  try {
    return { line, text: decoder.decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    return { line, error: `line ${line} is not valid UTF-8 text${at >= 0 ? ` (byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')} at offset ${at} of the line)` : ''}`, hint: NOT_UTF8_INPUT_HINT };
  }
}

/** The longest line (or paragraph) scored: longer ones are reported and skipped, so memory stays bounded whatever comes in. */
export const MAX_UNIT_BYTES = 16 * 2 ** 20;

const TOO_LONG = (what: string, line: number) => `${what} ${line} is longer than 16 MB: not scored`;
const LINE_TOO_LONG_HINT = 'split it into shorter lines, one sentence each (e.g. fold -s -w 10000)';
const PARAGRAPH_TOO_LONG_HINT = 'end each paragraph with a blank line, or split it';

/** Bytes of text decoded at once (cut at a line end): pieces small enough to die young whatever the chunk size. */
const PIECE = 4096;

/**
 * Line ends as training reads them (normalizeText: CRLF, and a lone CR as
 * old Mac files end their lines) turned into LF in buf[from, end), in
 * place; returns the new end. A CR in the last byte ends its line at once
 * (an interactive pipe gets its answer); the splitter then drops an LF that
 * begins the next chunk, the second half of that CRLF.
 */
function lineEndsToLf(buf: Uint8Array, from: number, end: number): number {
  let r = buf.indexOf(0x0d, from);
  if (r < 0 || r >= end) return end;
  let w = r;
  for (; r < end; r++) {
    const b = buf[r]!;
    if (b !== 0x0d) buf[w++] = b;
    else if (r + 1 === end || buf[r + 1] !== 0x0a) buf[w++] = 0x0a; // a lone CR (or the chunk's last byte): a line end
    // else: the CR of a CRLF, dropped
  }
  return w;
}

/**
 * Splits a byte stream into numbered lines, a chunk at a time, without
 * their line ends (LF, CRLF or a lone CR, as training splits its corpus: a
 * file with old Mac line ends has a line per CR); the first line loses a leading BOM
 * (U+FEFF elsewhere is text). `push` hands each complete line to `take` as
 * bytes (a view valid during the call only), or, when `takeText` is given
 * and a piece of lines is all valid UTF-8 (the usual case), as a string cut
 * from that piece's text. A line longer than MAX_UNIT_BYTES is handed once
 * as null bytes and the rest of it skipped, so memory stays bounded.
 *
 * Memory: each chunk is copied into one buffer the splitter keeps (where
 * the unfinished line waits), and text is decoded a piece at a time: no
 * buffer or string per chunk, and per line only the line's own string.
 */
class LineSplitter {
  private store = new Uint8Array(1 << 16);
  /** Bytes of an unfinished line at the start of `store`. */
  private have = 0;
  private line = 0;
  private skipping = false;
  /** The last chunk ended with a CR (its line is ended). */
  private afterCr = false;

  constructor(
    private readonly take: (line: number, bytes: Uint8Array | null) => void,
    private readonly takeText: ((line: number, text: string) => void) | null,
  ) {}

  push(chunk: Uint8Array): void {
    // the LF of a CRLF whose CR ended the last chunk (and its line)
    if (chunk.length === 0) return;
    if (this.afterCr && chunk[0] === 0x0a) chunk = chunk.subarray(1);
    this.afterCr = chunk.length > 0 && chunk[chunk.length - 1] === 0x0d;
    if (chunk.length === 0) return;
    const end = this.have + chunk.length;
    if (end > this.store.length) {
      const grown = new Uint8Array(Math.max(end, 2 * this.store.length));
      grown.set(this.store.subarray(0, this.have));
      this.store = grown;
    }
    this.store.set(chunk, this.have);
    const n = lineEndsToLf(this.store, this.have, end);
    const buf = this.store;
    const last = buf.lastIndexOf(0x0a, n - 1);
    let from = 0;
    if (last >= 0) {
      if (this.skipping) {
        // the rest of a line already reported as too long
        from = buf.indexOf(0x0a) + 1;
        this.skipping = false;
      }
      if (from <= last) this.lines(buf, from, last);
      from = last + 1;
    }
    this.have = this.skipping ? 0 : n - from;
    if (this.have > MAX_UNIT_BYTES) {
      this.take(++this.line, null);
      this.skipping = true;
      this.have = 0;
    }
    if (this.have > 0 && from > 0) buf.copyWithin(0, from, n);
    // a buffer grown for one long line is given back
    if (this.store.length > 1 << 20 && this.have < 1 << 15) this.store = this.store.slice(0, 1 << 16);
  }

  /** The line after the last line end, if the stream did not end with one (every CR is an LF by now: lineEndsToLf). */
  end(): void {
    const c = this.store.subarray(0, this.have);
    this.have = 0;
    if (c.length > 0 && !this.skipping) this.one(c);
  }

  /** The complete lines in buf[from, last): LF-separated, the LF at `last` ending the final one. */
  private lines(buf: Uint8Array, from: number, last: number): void {
    while (from <= last) {
      // a piece: whole lines, about PIECE bytes (or one longer line)
      let end = from + PIECE >= last ? last : buf.lastIndexOf(0x0a, from + PIECE);
      if (end < from) end = buf.indexOf(0x0a, from + PIECE);
      this.piece(buf, from, end);
      from = end + 1;
    }
  }

  /** The lines of buf[from, end), end at an LF. */
  private piece(buf: Uint8Array, from: number, end: number): void {
    // one line longer than the limit whose end came in the chunk that took it past the limit: too long all the
    // same (the limit does not depend on where the input's chunks happen to be cut)
    if (end - from > MAX_UNIT_BYTES && buf.indexOf(0x0a, from) === end) {
      this.take(++this.line, null);
      return;
    }
    if (this.takeText) {
      let text: string | null = null;
      try {
        // UTF-8 is valid line by line exactly when it is valid across lines (LF is a byte of its own)
        text = decoder.decode(buf.subarray(from, end));
      } catch {
        // a line that is not UTF-8 among them: each line decoded on its own below
      }
      if (text !== null) {
        let at = 0;
        for (;;) {
          const lf = text.indexOf('\n', at);
          const stop = lf < 0 ? text.length : lf;
          let part = text.slice(at, stop);
          this.line++;
          if (this.line === 1 && part.charCodeAt(0) === 0xfeff) part = part.slice(1);
          this.takeText(this.line, part);
          if (lf < 0) return;
          at = lf + 1;
        }
      }
    }
    for (let i = buf.indexOf(0x0a, from); i >= 0 && i <= end; i = buf.indexOf(0x0a, from)) {
      this.one(buf.subarray(from, i));
      from = i + 1;
    }
  }

  private one(bytes: Uint8Array): void {
    this.line++;
    const bom = this.line === 1 && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    this.take(this.line, bom ? bytes.subarray(3) : bytes);
  }
}

/**
 * Where a UnitReader hands its units, without an object per unit: a text
 * (cleaned), or a unit that could not be read.
 */
export interface UnitSink {
  text(line: number, text: string): void;
  error(line: number, error: string, hint: string): void;
}

/**
 * Turns chunks of bytes into input units as they arrive, handing each to
 * `sink` as soon as it is complete: `line` — one per line; `paragraph` — the
 * lines up to a blank one, joined by line feeds (the line number is the
 * paragraph's first). `push` a chunk, then `end` once. The sink is a
 * function taking InputUnit objects, or a UnitSink.
 */
export class UnitReader {
  private readonly splitter: LineSplitter;
  private readonly paragraphs: boolean;
  private readonly sink: UnitSink;
  // paragraph mode: the paragraph being read
  private start = 0;
  private parts: string[] = [];
  private size = 0;
  private error: { error: string; hint: string } | null = null;

  constructor(unit: 'line' | 'paragraph', sink: ((u: InputUnit) => void) | UnitSink) {
    this.paragraphs = unit === 'paragraph';
    const to = typeof sink === 'function'
      ? { text: (line: number, text: string) => sink({ line, text }), error: (line: number, error: string, hint: string) => sink({ line, error, hint }) }
      : sink;
    this.sink = to;
    this.splitter = this.paragraphs
      ? new LineSplitter((line, bytes) => this.paragraphLine(line, bytes), null)
      : new LineSplitter((line, bytes) => this.unit(decodeLine(bytes, line)), (line, text) => to.text(line, cleanSentence(text)));
  }

  push(chunk: Uint8Array): void {
    this.splitter.push(chunk);
  }

  end(): void {
    this.splitter.end();
    if (this.paragraphs) this.endParagraph();
  }

  private unit(u: InputUnit): void {
    if ('text' in u) this.sink.text(u.line, cleanSentence(u.text));
    else this.sink.error(u.line, u.error, u.hint);
  }

  private endParagraph(): void {
    if ((this.parts.length || this.error) && this.error !== SKIPPED) {
      if (this.error) this.sink.error(this.start, this.error.error, this.error.hint);
      else this.sink.text(this.start, cleanSentence(this.parts.join('\n')));
    }
    this.parts = [];
    this.size = 0;
    this.error = null;
  }

  private paragraphLine(line: number, bytes: Uint8Array | null): void {
    const u = decodeLine(bytes, line);
    if ('text' in u && u.text.trim() === '') {
      this.endParagraph();
      return;
    }
    if (!this.parts.length && !this.error) this.start = line;
    if ('error' in u) {
      this.error ??= { error: u.error, hint: u.hint };
    } else if (!this.error) {
      // the paragraph's text: its lines joined by line feeds (one between two lines, none after the last), so a
      // paragraph of one 16 MB line is as long as that line, which line mode reads (it was 16 MB + 1, refused)
      this.size += bytes!.length + (this.parts.length > 0 ? 1 : 0);
      // a paragraph that does not end is not held in memory without bound: reported, the rest of it skipped
      if (this.size > MAX_UNIT_BYTES) {
        // said at once (the paragraph may never end), then the rest of it is skipped up to its blank line
        this.sink.error(this.start, TOO_LONG('the paragraph at line', this.start), PARAGRAPH_TOO_LONG_HINT);
        this.error = SKIPPED;
        this.parts = [];
      } else {
        this.parts.push(u.text);
      }
    }
  }
}

/** Bytes of input read into units before they are handed on (see inputUnits). */
const UNIT_SLICE = 4096;

/**
 * The units of `chunks` (see UnitReader), as arrays: those that each 4 KiB of
 * input completes, so that a consumer awaits once per array, not once per
 * unit, and no more than a few hundred units wait at a time (a 64 KiB chunk
 * of short lines would make ~13,000 objects alive together, each outliving
 * the young generation's collections).
 */
export async function* inputUnits(chunks: AsyncIterable<Uint8Array>, unit: 'line' | 'paragraph'): AsyncGenerator<InputUnit[]> {
  let units: InputUnit[] = [];
  const reader = new UnitReader(unit, (u) => units.push(u));
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; at += UNIT_SLICE) {
      reader.push(chunk.subarray(at, Math.min(at + UNIT_SLICE, chunk.length)));
      if (units.length > 0) {
        yield units;
        units = [];
      }
    }
  }
  reader.end();
  if (units.length > 0) yield units;
}

/** A paragraph already reported as too long: nothing more is said of it. */
const SKIPPED = { error: '(skipped)', hint: '' };
