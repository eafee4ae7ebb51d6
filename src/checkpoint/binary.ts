/**
 * float32 arrays ↔ base64 text, exactly: every value is written as its 4
 * IEEE-754 bytes in little-endian order (the order numpy calls '<f4'), then
 * the bytes as standard, padded base64 (RFC 4648 §4, alphabet A–Z a–z 0–9 + /).
 * Bit for bit: -0, subnormals and NaN payloads survive a float32 round trip.
 *
 * Pure functions, no `Buffer` (a node API): on a little-endian platform the
 * bytes are read and written through a Uint8Array view of the Float32Array
 * itself; elsewhere (or for a Float64Array) through a DataView, which names
 * the byte order explicitly.
 */
import type { Vec } from '../core/kernels.js';

/** True when typed arrays use little-endian byte order here (every platform Node supports in practice). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 61; // '='
/** Sextet of each ASCII code; -1 = not in the alphabet. */
const SEXTET = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;
const CODE = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));

const ASCII = new TextDecoder('latin1'); // base64 is ASCII: one byte, one character

/** Padded base64 of the bytes. */
export function bytesToBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const codes = new Uint8Array(4 * Math.ceil(n / 3));
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
  return ASCII.decode(codes);
}

/**
 * Bytes that padded base64 `text` decodes to, from its length and padding
 * alone (no decoding); -1 when the length is not a multiple of 4.
 */
export function base64ByteLength(text: string): number {
  const n = text.length;
  if (n % 4 !== 0) return -1;
  if (n === 0) return 0;
  const pad = text.charCodeAt(n - 1) === PAD ? (text.charCodeAt(n - 2) === PAD ? 2 : 1) : 0;
  return (n / 4) * 3 - pad;
}

/**
 * Decodes strict padded base64 into `out`, whose length must be
 * base64ByteLength(text). Returns −1, or the index of the first character
 * that is not valid there (outside the alphabet, or '=' before the end).
 */
export function decodeBase64(text: string, out: Uint8Array): number {
  const n = text.length;
  let o = 0;
  for (let i = 0; i < n; i += 4) {
    const last = i + 4 === n;
    const s0 = sextet(text, i), s1 = sextet(text, i + 1);
    if (s0 < 0) return i;
    if (s1 < 0) return i + 1;
    const c2 = text.charCodeAt(i + 2), c3 = text.charCodeAt(i + 3);
    if (last && c3 === PAD) {
      if (c2 === PAD) {
        out[o++] = (s0 << 2) | (s1 >>> 4);
        return -1;
      }
      const s2 = sextet(text, i + 2);
      if (s2 < 0) return i + 2;
      out[o++] = (s0 << 2) | (s1 >>> 4);
      out[o++] = ((s1 & 15) << 4) | (s2 >>> 2);
      return -1;
    }
    const s2 = sextet(text, i + 2), s3 = sextet(text, i + 3);
    if (s2 < 0) return i + 2;
    if (s3 < 0) return i + 3;
    out[o++] = (s0 << 2) | (s1 >>> 4);
    out[o++] = ((s1 & 15) << 4) | (s2 >>> 2);
    out[o++] = ((s2 & 3) << 6) | s3;
  }
  return -1;
}

function sextet(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? SEXTET[c]! : -1;
}

/**
 * base64 of the little-endian float32 bytes of values[offset .. offset+count).
 * A Float64Array is rounded to float32 first. `native` false forces the
 * DataView path (what a big-endian platform uses), for tests.
 */
export function float32ToBase64(values: Vec, offset = 0, count = values.length - offset, native = LITTLE_ENDIAN): string {
  if (native && values instanceof Float32Array) {
    return bytesToBase64(new Uint8Array(values.buffer, values.byteOffset + 4 * offset, 4 * count));
  }
  const bytes = new Uint8Array(4 * count);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) dv.setFloat32(4 * i, values[offset + i]!, true);
  return bytesToBase64(bytes);
}

/**
 * Decodes base64 `text` (exactly 4·count bytes: check base64ByteLength first)
 * as little-endian float32 into out[offset .. offset+count). Returns −1, or
 * the index of the first invalid character (out is then partly written).
 */
export function base64ToFloat32(text: string, out: Vec, offset: number, count: number, native = LITTLE_ENDIAN): number {
  if (native && out instanceof Float32Array) {
    return decodeBase64(text, new Uint8Array(out.buffer, out.byteOffset + 4 * offset, 4 * count));
  }
  const bytes = new Uint8Array(4 * count);
  const bad = decodeBase64(text, bytes);
  if (bad >= 0) return bad;
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) out[offset + i] = dv.getFloat32(4 * i, true);
  return -1;
}
