/**
 * float32 arrays ↔ base64 text, exactly: every value is written as its 4
 * IEEE-754 bytes in little-endian order (the order numpy calls '<f4'), then
 * the bytes as standard, padded base64 (RFC 4648 §4, alphabet A–Z a–z 0–9 + /).
 * Bit for bit: -0, subnormals and NaN payloads survive a float32 round trip.
 *
 * One encoder loop (encodeInto) and one decoder loop (decodeBase64Bytes, over
 * bytes: the base64 of a checkpoint is read straight from the file's bytes,
 * never as a JS string; the string functions hand it their characters as
 * bytes). Large arrays are encoded in slices of SLICE_BYTES (a multiple of 3
 * and of 4: the slices' base64 concatenates to the base64 of the whole), so no
 * string longer than SLICE_CHARS is ever made.
 *
 * Pure functions, no `Buffer` (a node API): on a little-endian platform the
 * bytes are read and written through a Uint8Array view of the Float32Array
 * itself; elsewhere (or for a Float64Array) through a DataView, which names
 * the byte order explicitly.
 */
import type { Vec } from '../core/kernels.js';
import { ByteString } from './json-bytes.js';

/** True when typed arrays use little-endian byte order here (every platform Node supports in practice). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes per encoded slice: a multiple of 12 (3 for base64 groups, 4 for float32 values). */
export const SLICE_BYTES = 3 << 18; // 786,432 bytes = 196,608 floats
/** Characters of base64 per full slice: 1 MiB. */
export const SLICE_CHARS = (SLICE_BYTES / 3) * 4;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 61; // '='
/** Sextet of each byte; -1 = not in the alphabet (every byte ≥ 128 included). */
const SEXTET = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;
const CODE = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
/** The 12 bits of each pair of alphabet bytes (first byte low, second high); -1 = either is not in the alphabet. */
const PAIR = new Int16Array(65536).fill(-1);
for (let a = 0; a < 64; a++) for (let b = 0; b < 64; b++) PAIR[CODE[a]! | (CODE[b]! << 8)] = (a << 6) | b;

const ASCII = new TextDecoder('latin1'); // base64 is ASCII: one byte, one character

// ── encoding ────────────────────────────────────────────────────────────────

/** Writes the padded base64 codes of `bytes` into codes[0 ..); returns how many (4·⌈n/3⌉). */
function encodeInto(bytes: Uint8Array, codes: Uint8Array): number {
  const n = bytes.length;
  let k = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const w = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    codes[k++] = CODE[w >>> 18]!;
    codes[k++] = CODE[(w >>> 12) & 63]!;
    codes[k++] = CODE[(w >>> 6) & 63]!;
    codes[k++] = CODE[w & 63]!;
  }
  if (i < n) {
    // 1 or 2 bytes left: pad with '='
    const b1 = i + 1 < n ? bytes[i + 1]! : 0;
    const w = (bytes[i]! << 16) | (b1 << 8);
    codes[k++] = CODE[w >>> 18]!;
    codes[k++] = CODE[(w >>> 12) & 63]!;
    codes[k++] = i + 1 < n ? CODE[(w >>> 6) & 63]! : PAD;
    codes[k++] = PAD;
  }
  return k;
}

/** Padded base64 of the bytes (one string: for small inputs). */
export function bytesToBase64(bytes: Uint8Array): string {
  const codes = new Uint8Array(4 * Math.ceil(bytes.length / 3));
  encodeInto(bytes, codes);
  return ASCII.decode(codes);
}

/**
 * base64 of the little-endian float32 bytes of values[offset .. offset+count),
 * in slices of at most SLICE_CHARS characters whose concatenation is the
 * base64 of the whole. A Float64Array is rounded to float32 first. `native`
 * false forces the DataView path (what a big-endian platform uses), for tests.
 * Reads the values as it goes: they must not change until the last slice.
 */
export function* float32Base64Slices(values: Vec, offset = 0, count = values.length - offset, native = LITTLE_ENDIAN): Generator<string, void, undefined> {
  const inMemory = native && values instanceof Float32Array ? new Uint8Array(values.buffer, values.byteOffset + 4 * offset, 4 * count) : null;
  yield* wordSlices(4 * count, inMemory, (dv, word, n) => { for (let k = 0; k < n; k++) dv.setFloat32(4 * k, values[offset + word + k]!, true); });
}

/**
 * base64 of `total` bytes of 32-bit words, SLICE_BYTES at a time: straight
 * from `inMemory` (their bytes as they lie, on a little-endian platform), or
 * else each slice's words written little-endian by `put` (n words from word
 * index `word`) into a scratch buffer. One loop for every kind of word.
 */
function* wordSlices(total: number, inMemory: Uint8Array | null, put: (dv: DataView, word: number, n: number) => void): Generator<string, void, undefined> {
  const codes = new Uint8Array(4 * Math.ceil(Math.min(SLICE_BYTES, total) / 3));
  const scratch = inMemory ? null : new Uint8Array(Math.min(SLICE_BYTES, total));
  const dv = scratch ? new DataView(scratch.buffer) : null;
  for (let p = 0; p < total; p += SLICE_BYTES) {
    const len = Math.min(SLICE_BYTES, total - p);
    let bytes: Uint8Array;
    if (inMemory) {
      bytes = inMemory.subarray(p, p + len);
    } else {
      put(dv!, p / 4, len / 4);
      bytes = scratch!.subarray(0, len);
    }
    yield ASCII.decode(codes.subarray(0, encodeInto(bytes, codes)));
  }
}

/** base64 of the little-endian float32 bytes of values[offset .. offset+count), as one string (small arrays). */
export function float32ToBase64(values: Vec, offset = 0, count = values.length - offset, native = LITTLE_ENDIAN): string {
  let s = '';
  for (const slice of float32Base64Slices(values, offset, count, native)) s += slice;
  return s;
}

/**
 * Float32 values to be written as base64 — what a checkpoint being written
 * holds in place of its base64 text, so the text is never built whole: its
 * length is known from `count`, its characters come from slices().
 */
export class Float32Base64 {
  constructor(readonly values: Vec, readonly offset: number, readonly count: number) {}

  /** Characters of the base64 text. */
  get length(): number {
    return 4 * Math.ceil((4 * this.count) / 3);
  }

  slices(native = LITTLE_ENDIAN): Generator<string, void, undefined> {
    return float32Base64Slices(this.values, this.offset, this.count, native);
  }
}

/**
 * Unsigned 32-bit integers to be written as base64 of their little-endian
 * bytes (the training-sentence set's hash pairs): the same encoder and slices
 * as Float32Base64, the integers' bytes taken as they are.
 */
export class Uint32Base64 {
  constructor(readonly values: Uint32Array) {}

  get count(): number {
    return this.values.length;
  }

  /** Characters of the base64 text. */
  get length(): number {
    return 4 * Math.ceil((4 * this.count) / 3);
  }

  *slices(native = LITTLE_ENDIAN): Generator<string, void, undefined> {
    const values = this.values;
    const inMemory = native ? new Uint8Array(values.buffer, values.byteOffset, 4 * values.length) : null;
    yield* wordSlices(4 * values.length, inMemory, (dv, word, n) => { for (let k = 0; k < n; k++) dv.setUint32(4 * k, values[word + k]!, true); });
  }
}

// ── decoding ────────────────────────────────────────────────────────────────

/** base64 text in any of its forms: a JS string, bytes of a file, float32 values still to encode. */
export type Base64Text = string | ByteString | Float32Base64 | Uint32Base64;

/**
 * Bytes that padded base64 `text` decodes to, from its length and padding
 * alone (no decoding); -1 when the length is not a multiple of 4.
 */
export function base64ByteLength(text: Base64Text): number {
  const n = text.length;
  if (n % 4 !== 0) return -1;
  if (n === 0) return 0;
  if (text instanceof Float32Base64 || text instanceof Uint32Base64) return 4 * text.count;
  let last: number, before: number;
  if (text instanceof ByteString) {
    last = text.bytes[text.end - 1]!;
    before = text.bytes[text.end - 2]!;
  } else {
    last = text.charCodeAt(n - 1);
    before = text.charCodeAt(n - 2);
  }
  const pad = last === PAD ? (before === PAD ? 2 : 1) : 0;
  return (n / 4) * 3 - pad;
}

/**
 * THE decoder: strict padded base64 in src[start .. end) into out[at ..).
 * With `final`, the last group may hold padding ('=' or '=='); otherwise (a
 * slice in the middle of a longer text) '=' is invalid everywhere. out needs
 * room for the decoded bytes. Returns −1, or the offset (from start) of the
 * first byte that is not valid there (outside the alphabet, '=' before the
 * end, or the first missing one when end − start is not a multiple of 4).
 */
export function decodeBase64Bytes(src: Uint8Array, start: number, end: number, out: Uint8Array, at = 0, final = true): number {
  const full = start + ((end - start) & ~3);
  const body = final && full === end && end > start ? end - 4 : full; // the last group, with its padding, below
  const i = decodeGroups(src, start, body, out, at);
  if (i < body) return firstBad(src, i, i + 4) - start;
  if (body < full) {
    const bad = decodeLast(src, body, out, at + ((body - start) / 4) * 3);
    if (bad >= 0) return bad - start;
  }
  if (full < end) return firstBad(src, full, end) - start; // a cut group: its bad byte, or the end
  return -1;
}

/**
 * THE loop: the groups of 4 characters in src[i .. end) (no padding) into
 * out[o ..), two lookups of 12 bits per group (~1 ns a byte). Returns `end`,
 * or the start of the first group that is not all alphabet. Its own function,
 * so that the optimizer sees only this loop.
 */
function decodeGroups(src: Uint8Array, i: number, end: number, out: Uint8Array, o: number): number {
  const P = PAIR;
  for (; i < end; i += 4) {
    const hi = P[src[i]! | (src[i + 1]! << 8)]!, lo = P[src[i + 2]! | (src[i + 3]! << 8)]!;
    if ((hi | lo) < 0) return i;
    const w = (hi << 12) | lo;
    out[o] = w >>> 16;
    out[o + 1] = (w >>> 8) & 255;
    out[o + 2] = w & 255;
    o += 3;
  }
  return end;
}

/** The final group at src[i]: "xx==", "xxx=" or "xxxx" into out[o ..). Returns −1 or the position of its first bad byte. */
function decodeLast(src: Uint8Array, i: number, out: Uint8Array, o: number): number {
  const S = SEXTET;
  const a = S[src[i]!]!, b = S[src[i + 1]!]!;
  if ((a | b) < 0) return firstBad(src, i, i + 2);
  if (src[i + 3] === PAD) {
    out[o] = (a << 2) | (b >> 4);
    if (src[i + 2] === PAD) return -1;
    const c = S[src[i + 2]!]!;
    if (c < 0) return i + 2;
    out[o + 1] = ((b & 15) << 4) | (c >> 2);
    return -1;
  }
  const c = S[src[i + 2]!]!, d = S[src[i + 3]!]!;
  if ((c | d) < 0) return firstBad(src, i + 2, i + 4);
  out[o] = (a << 2) | (b >> 4);
  out[o + 1] = ((b & 15) << 4) | (c >> 2);
  out[o + 2] = ((c & 3) << 6) | d;
  return -1;
}

/** The first byte of src[from .. to) outside the alphabet, or `to`. */
function firstBad(src: Uint8Array, from: number, to: number): number {
  for (let k = from; k < to; k++) if (SEXTET[src[k]!]! < 0) return k;
  return to;
}

/** The characters of a string as bytes, one each: ASCII as itself, anything else as 0x80 (never base64). */
function charBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i] = c < 0x80 ? c : 0x80;
  }
  return out;
}

/**
 * Decodes strict padded base64 `text` into `out`, whose length must be
 * base64ByteLength(text). Returns −1, or the index of the first character
 * that is not valid there (outside the alphabet, or '=' before the end).
 */
export function decodeBase64(text: string, out: Uint8Array): number {
  return decodeBase64Bytes(charBytes(text), 0, text.length, out);
}

/**
 * Decodes base64 `text` (exactly 4·count bytes: check base64ByteLength first)
 * as little-endian float32 into out[offset .. offset+count). Returns −1, or
 * the index (in characters) of the first invalid character (out is then
 * partly written). A ByteString is decoded straight from its bytes.
 */
export function base64ToFloat32(text: string | ByteString, out: Vec, offset: number, count: number, native = LITTLE_ENDIAN): number {
  const src = typeof text === 'string' ? charBytes(text) : text.bytes;
  const start = typeof text === 'string' ? 0 : text.start;
  const end = typeof text === 'string' ? text.length : text.end;
  let bad: number;
  if (native && out instanceof Float32Array) {
    bad = decodeBase64Bytes(src, start, end, new Uint8Array(out.buffer, out.byteOffset + 4 * offset, 4 * count));
  } else {
    bad = decodeViaDataView(src, start, end, out, offset, count);
  }
  if (bad < 0 || typeof text === 'string' || text.ascii) return bad;
  return utf16Index(text, start + bad);
}

/** Slice by slice through a scratch buffer and a DataView (a Float64Array target, or big-endian). */
function decodeViaDataView(src: Uint8Array, start: number, end: number, out: Vec, offset: number, count: number): number {
  const scratch = new Uint8Array(Math.min(SLICE_BYTES, 4 * count));
  const dv = new DataView(scratch.buffer);
  let o = offset;
  for (let p = start; p < end; p += SLICE_CHARS) {
    const to = Math.min(end, p + SLICE_CHARS);
    const final = to === end;
    const bad = decodeBase64Bytes(src, p, to, scratch, 0, final);
    if (bad >= 0) return p - start + bad;
    const values = Math.min(scratch.length / 4, offset + count - o);
    for (let k = 0; k < values; k++) out[o++] = dv.getFloat32(4 * k, true);
  }
  return -1;
}

/** UTF-16 index of the character at byte offset `at` of a (valid UTF-8) ByteString. */
function utf16Index(s: ByteString, at: number): number {
  let units = 0;
  for (let k = s.start; k < at; k++) {
    const c = s.bytes[k]!;
    if ((c & 0xc0) !== 0x80) units += c >= 0xf0 ? 2 : 1;
  }
  return units;
}

/**
 * Decodes base64 `text` (exactly 4·out.length bytes: check base64ByteLength
 * first) as little-endian unsigned 32-bit integers into `out`. Returns −1, or
 * the index (in characters) of the first invalid character.
 */
export function base64ToUint32(text: string | ByteString, out: Uint32Array, native = LITTLE_ENDIAN): number {
  const src = typeof text === 'string' ? charBytes(text) : text.bytes;
  const start = typeof text === 'string' ? 0 : text.start;
  const end = typeof text === 'string' ? text.length : text.end;
  let bad: number;
  if (native) {
    bad = decodeBase64Bytes(src, start, end, new Uint8Array(out.buffer, out.byteOffset, 4 * out.length));
  } else {
    const bytes = new Uint8Array(4 * out.length);
    bad = decodeBase64Bytes(src, start, end, bytes);
    const dv = new DataView(bytes.buffer);
    for (let k = 0; k < out.length; k++) out[k] = dv.getUint32(4 * k, true);
  }
  if (bad < 0 || typeof text === 'string' || text.ascii) return bad;
  return utf16Index(text, start + bad);
}
