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

function decodeLine(bytes: Uint8Array, line: number): InputUnit {
  try {
    return { line, text: decoder.decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    return { line, error: `line ${line} is not valid UTF-8 text${at >= 0 ? ` (byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')} at offset ${at} of the line)` : ''}` };
  }
}

/** The raw lines of a byte stream, numbered from 1, without their LF (and the CR before it). */
async function* rawLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<{ line: number; bytes: Uint8Array }> {
  let carry: Uint8Array = new Uint8Array(0);
  let line = 0;
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
      yield numbered(buf.subarray(from, end));
      from = i + 1;
    }
    carry = buf.slice(from);
  }
  if (carry.length > 0) yield numbered(carry[carry.length - 1] === 0x0d ? carry.subarray(0, -1) : carry);
}

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
  let error: string | null = null;
  for await (const { line, bytes } of rawLines(chunks)) {
    const u = decodeLine(bytes, line);
    if ('text' in u && u.text.trim() === '') {
      if (parts.length || error) yield error ? { line: start, error } : { line: start, text: cleanSentence(parts.join('\n')) };
      parts = [];
      error = null;
      continue;
    }
    if (!parts.length && !error) start = line;
    if ('error' in u) error ??= u.error;
    else parts.push(u.text);
  }
  if (parts.length || error) yield error ? { line: start, error } : { line: start, text: cleanSentence(parts.join('\n')) };
}
