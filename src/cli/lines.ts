/**
 * Standard input as a stream of units to score, read as it arrives: lines
 * (every line one unit, blank ones included — a blank sentence is
 * P(<EOS>)), or paragraphs (blank-line separated). Each unit is decoded on
 * its own, strictly: a line that is not UTF-8 becomes an error unit with its
 * line number, and the lines around it are unaffected. A UTF-8 BOM at the
 * very start and a CR before each LF are dropped, as training drops them.
 */
import { cleanSentence } from '../api/text.js';
import { firstInvalidUtf8 } from '../api/index.js';

export type InputUnit = { line: number; text: string } | { line: number; error: string };

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeLine(bytes: Uint8Array | null, line: number): InputUnit {
  if (bytes === null) return { line, error: TOO_LONG('line', line) };
  try {
    return { line, text: decoder.decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    return { line, error: `line ${line} is not valid UTF-8 text${at >= 0 ? ` (byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')} at offset ${at} of the line)` : ''}` };
  }
}

/** The raw lines of a byte stream, numbered from 1, without their LF (and the CR before it). */
async function* rawLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<{ line: number; bytes: Uint8Array | null }> {
  let carry: Uint8Array = new Uint8Array(0);
  let line = 0;
  // a line longer than MAX_UNIT_BYTES is reported once (bytes null) and the rest of it skipped: memory stays bounded
  let skipping = false;
  // the first line loses a leading BOM (U+FEFF elsewhere is text)
  const numbered = (bytes: Uint8Array) => {
    line++;
    const bom = line === 1 && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    return { line, bytes: bom ? bytes.subarray(3) : bytes };
  };
  for await (const chunk of chunks) {
    const buf = carry.length ? concat(carry, chunk) : chunk;
    let from = 0;
    for (let i = buf.indexOf(0x0a, from); i >= 0; i = buf.indexOf(0x0a, from)) {
      const end = i > from && buf[i - 1] === 0x0d ? i - 1 : i;
      if (skipping) skipping = false;
      else yield numbered(buf.subarray(from, end));
      from = i + 1;
    }
    carry = skipping ? new Uint8Array(0) : buf.slice(from);
    if (carry.length > MAX_UNIT_BYTES) {
      yield { line: ++line, bytes: null };
      skipping = true;
      carry = new Uint8Array(0);
    }
  }
  if (carry.length > 0 && !skipping) yield numbered(carry[carry.length - 1] === 0x0d ? carry.subarray(0, -1) : carry);
}

/** The longest line (or paragraph) scored: longer ones are reported and skipped, so memory stays bounded whatever comes in. */
export const MAX_UNIT_BYTES = 16 * 2 ** 20;

const TOO_LONG = (what: string, line: number) => `${what} ${line} is longer than 16 MB: not scored`;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * The units of `chunks`: `line` — one per line; `paragraph` — the lines up to
 * a blank one, joined by line feeds (the line number is the paragraph's first).
 */
export async function* inputUnits(chunks: AsyncIterable<Uint8Array>, unit: 'line' | 'paragraph'): AsyncGenerator<InputUnit> {
  if (unit === 'line') {
    for await (const { line, bytes } of rawLines(chunks)) {
      const u = decodeLine(bytes, line);
      yield 'text' in u ? { line, text: cleanSentence(u.text) } : u;
    }
    return;
  }
  let start = 0;
  let parts: string[] = [];
  let size = 0;
  let error: string | null = null;
  for await (const { line, bytes } of rawLines(chunks)) {
    const u = decodeLine(bytes, line);
    if ('text' in u && u.text.trim() === '') {
      if ((parts.length || error) && error !== SKIPPED) yield error ? { line: start, error } : { line: start, text: cleanSentence(parts.join('\n')) };
      parts = [];
      size = 0;
      error = null;
      continue;
    }
    if (!parts.length && !error) start = line;
    if ('error' in u) {
      error ??= u.error;
    } else if (!error) {
      size += bytes!.length + 1;
      // a paragraph that does not end is not held in memory without bound: reported, the rest of it skipped
      if (size > MAX_UNIT_BYTES) {
        // said at once (the paragraph may never end), then the rest of it is skipped up to its blank line
        yield { line: start, error: TOO_LONG('the paragraph at line', start) };
        error = SKIPPED;
        parts = [];
      } else {
        parts.push(u.text);
      }
    }
  }
  if ((parts.length || error) && error !== SKIPPED) yield error ? { line: start, error } : { line: start, text: cleanSentence(parts.join('\n')) };
}

/** A paragraph already reported as too long: nothing more is said of it. */
const SKIPPED = '(skipped)';
