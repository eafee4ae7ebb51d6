/**
 * A strict JSON parser (RFC 8259) that reads UTF-8 bytes, not a JS string, so
 * a checkpoint larger than V8's string limit (~2^29 UTF-16 units, ~512 MiB)
 * can be read, and that refuses a document nested deeper than a fixed limit
 * with an error instead of exhausting the stack (the parser recurses once per
 * level, so at most `maxDepth` frames).
 *
 * Strict: no comments, no trailing commas, no leading zeros, no NaN, no
 * single quotes, nothing but whitespace after the value; strings hold no raw
 * control character; the bytes are valid UTF-8 (no overlong form, no encoded
 * surrogate, nothing above U+10FFFF, no cut sequence). The values are what
 * JSON.parse gives for the same text: "\ud800" escapes may make lone
 * surrogates, the last of duplicate keys wins, "__proto__" is an ordinary key.
 *
 * A string at a path the caller names (`asBytes`) that holds no escape comes
 * back as a ByteString — a byte range of the input — instead of a JS string:
 * the checkpoint's base64 fields are decoded from there straight into their
 * arrays.
 */

/** Nesting limit of a checkpoint: arrays and objects inside each other, the outermost counting 1. */
export const MAX_DEPTH = 64;

/**
 * A JSON string held as its UTF-8 bytes (no escapes in them): bytes[start .. end).
 * `length` is what the JS string's length would be (UTF-16 units).
 */
export class ByteString {
  constructor(readonly bytes: Uint8Array, readonly start: number, readonly end: number, readonly length: number) {}

  /** Every byte is ASCII, so character i is byte start + i. */
  get ascii(): boolean {
    return this.length === this.end - this.start;
  }

  /** The first `max` characters at most, as a JS string (for messages). */
  head(max: number): string {
    let end = this.start;
    for (let units = 0; end < this.end && units < max; ) {
      const n = utf8Length(this.bytes, end, this.end);
      units += n === 4 ? 2 : 1;
      end += Math.max(n, 1);
    }
    return UTF8.decode(this.bytes.subarray(this.start, end));
  }

  /** The code point starting at UTF-16 index i (i < length), as a string. */
  charAt(i: number): string {
    let p = this.start;
    for (let units = 0; units < i && p < this.end; ) {
      const n = utf8Length(this.bytes, p, this.end);
      units += n === 4 ? 2 : 1;
      p += Math.max(n, 1);
    }
    return UTF8.decode(this.bytes.subarray(p, p + Math.max(1, utf8Length(this.bytes, p, this.end))));
  }
}

export type JsonPath = readonly (string | number)[];

export interface JsonBytesOptions {
  /** Deepest nesting accepted (default MAX_DEPTH). */
  maxDepth?: number;
  /** Strings at the paths this accepts (and that hold no escape) come back as ByteString. */
  asBytes?: (path: JsonPath) => boolean;
  /** Skip one leading UTF-8 byte order mark, as TextDecoder does (default false). */
  skipBom?: boolean;
}

/**
 * Why the bytes are not a JSON document: `syntax` (what was found, at offset),
 * `utf8` (an invalid UTF-8 sequence at offset), `depth` (a container opened at
 * offset beyond maxDepth; `path` is where).
 */
export class JsonBytesError extends Error {
  constructor(readonly kind: 'syntax' | 'utf8' | 'depth', readonly what: string, readonly offset: number, readonly path: JsonPath) {
    super(what);
    this.name = 'JsonBytesError';
  }
}

const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true }); // only ever given validated bytes
const ASCII = new TextDecoder('latin1'); // only ever given ASCII (where latin1 and windows-1252 agree)

/** 1 for a byte that stands for itself inside a string on the fast path: printable ASCII other than " and \. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === 0x22 || c === 0x5c ? 0 : 1;

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

const ESCAPED: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

/**
 * Length of the well-formed UTF-8 sequence at b[i] (1 to 4, i < end), or 0
 * when there is none (a stray continuation byte, an overlong form, an encoded
 * surrogate, a value above U+10FFFF, a sequence cut by `end`).
 */
export function utf8Length(b: Uint8Array, i: number, end: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  if (c < 0xc2) return 0;
  const cont = (k: number): boolean => i + k < end && (b[i + k]! & 0xc0) === 0x80;
  if (c < 0xe0) return cont(1) ? 2 : 0;
  if (c < 0xf0) {
    if (i + 2 >= end) return 0;
    const d = b[i + 1]!;
    const lo = c === 0xe0 ? 0xa0 : 0x80, hi = c === 0xed ? 0x9f : 0xbf;
    return d >= lo && d <= hi && cont(2) ? 3 : 0;
  }
  if (c < 0xf5) {
    if (i + 3 >= end) return 0;
    const d = b[i + 1]!;
    const lo = c === 0xf0 ? 0x90 : 0x80, hi = c === 0xf4 ? 0x8f : 0xbf;
    return d >= lo && d <= hi && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Offset of the first byte of b[from..) that starts no valid UTF-8 sequence, or −1. */
export function firstInvalidUtf8(b: Uint8Array, from = 0): number {
  const n = b.length;
  for (let i = from; i < n; ) {
    if (b[i]! < 0x80) {
      i++;
      continue;
    }
    const len = utf8Length(b, i, n);
    if (len === 0) return i;
    i += len;
  }
  return -1;
}

/** Parses `bytes` as one JSON document; throws JsonBytesError. */
export function parseJsonBytes(bytes: Uint8Array, opts: JsonBytesOptions = {}): unknown {
  return new Parser(bytes, opts).document();
}

class Parser {
  private i = 0;
  private readonly n: number;
  private readonly path: (string | number)[] = [];
  private readonly maxDepth: number;
  private readonly asBytes: ((path: JsonPath) => boolean) | null;

  constructor(private readonly b: Uint8Array, opts: JsonBytesOptions) {
    this.n = b.length;
    this.maxDepth = opts.maxDepth ?? MAX_DEPTH;
    this.asBytes = opts.asBytes ?? null;
    if (opts.skipBom && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) this.i = 3;
  }

  document(): unknown {
    const v = this.value();
    this.ws();
    if (this.i < this.n) this.unexpected('after the JSON value');
    return v;
  }

  private fail(kind: 'syntax' | 'utf8' | 'depth', what: string, at: number): never {
    throw new JsonBytesError(kind, what, at, [...this.path]);
  }

  /** "unexpected <the character at i>" (or the end), an invalid UTF-8 byte reported as such. */
  private unexpected(where: string): never {
    const { b, i, n } = this;
    if (i >= n) this.fail('syntax', `unexpected end of the text ${where}`, i);
    const len = utf8Length(b, i, n);
    if (len === 0) this.fail('utf8', `invalid UTF-8 byte 0x${b[i]!.toString(16).toUpperCase().padStart(2, '0')}`, i);
    this.fail('syntax', `unexpected ${JSON.stringify(UTF8.decode(b.subarray(i, i + len)))} ${where}`, i);
  }

  private ws(): void {
    const b = this.b;
    let i = this.i;
    for (let c = b[i]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = b[++i]);
    this.i = i;
  }

  private value(): unknown {
    this.ws();
    const c = this.b[this.i];
    switch (c) {
      case 0x7b: return this.object();
      case 0x5b: return this.array();
      case 0x22: return this.string(this.asBytes !== null && this.asBytes(this.path));
      case 0x74: return this.literal('true', true);
      case 0x66: return this.literal('false', false);
      case 0x6e: return this.literal('null', null);
      default:
        if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return this.number();
        return this.unexpected('where a value should be');
    }
  }

  private open(): void {
    if (this.path.length >= this.maxDepth) this.fail('depth', `nested deeper than ${this.maxDepth} levels`, this.i);
    this.i++;
  }

  private object(): Record<string, unknown> {
    this.open();
    const obj: Record<string, unknown> = {};
    const path = this.path;
    const at = path.push('') - 1;
    this.ws();
    if (this.b[this.i] === 0x7d) {
      this.i++;
      path.pop();
      return obj;
    }
    for (;;) {
      this.ws();
      if (this.b[this.i] !== 0x22) this.unexpected('where a key (a string) should be');
      const key = this.string(false) as string;
      this.ws();
      if (this.b[this.i] !== 0x3a) this.unexpected('where a colon should be');
      this.i++;
      path[at] = key;
      const v = this.value();
      if (key === '__proto__') Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
      else obj[key] = v;
      this.ws();
      const c = this.b[this.i];
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x7d) {
        this.i++;
        path.pop();
        return obj;
      }
      this.unexpected('where a comma or } should be');
    }
  }

  private array(): unknown[] {
    this.open();
    const arr: unknown[] = [];
    const path = this.path;
    const at = path.push(0) - 1;
    this.ws();
    if (this.b[this.i] === 0x5d) {
      this.i++;
      path.pop();
      return arr;
    }
    for (;;) {
      path[at] = arr.length;
      arr.push(this.value());
      this.ws();
      const c = this.b[this.i];
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        path.pop();
        return arr;
      }
      this.unexpected('where a comma or ] should be');
    }
  }

  private literal<T>(word: string, v: T): T {
    const { b, i } = this;
    for (let k = 0; k < word.length; k++) {
      if (b[i + k] !== word.charCodeAt(k)) {
        this.i = i + k;
        this.unexpected(k === 0 ? 'where a value should be' : `in ${word}`);
      }
    }
    this.i = i + word.length;
    return v;
  }

  private digits(what: string): number {
    const b = this.b;
    const from = this.i;
    let i = from;
    for (let c = b[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = b[++i]);
    this.i = i;
    if (i === from) this.unexpected(what);
    return i - from;
  }

  private number(): number {
    const b = this.b;
    const start = this.i;
    const neg = b[start] === 0x2d;
    if (neg) this.i++;
    let plain = true;
    let nd: number;
    if (b[this.i] === 0x30) {
      this.i++;
      nd = 1;
    } else {
      nd = this.digits('in a number, where a digit should be');
    }
    if (b[this.i] === 0x2e) {
      this.i++;
      this.digits('in a number, where a digit should follow "."');
      plain = false;
    }
    if (b[this.i] === 0x65 || b[this.i] === 0x45) {
      this.i++;
      if (b[this.i] === 0x2b || b[this.i] === 0x2d) this.i++;
      this.digits('in a number, where an exponent digit should be');
      plain = false;
    }
    if (plain && nd <= 15) {
      let v = 0;
      for (let k = this.i - nd; k < this.i; k++) v = v * 10 + (b[k]! - 0x30);
      return neg ? -v : v;
    }
    return Number(ASCII.decode(b.subarray(start, this.i)));
  }

  /** The string at i (at its opening quote). */
  private string(bytesOk: boolean): string | ByteString {
    const b = this.b;
    const start = this.i + 1;
    const j = plainRun(b, start);
    if (b[j] === 0x22) {
      this.i = j + 1;
      if (bytesOk) return new ByteString(b, start, j, j - start);
      return asciiString(b, start, j);
    }
    return this.slowString(start, j, bytesOk);
  }

  /** A string with escapes or non-ASCII characters (or an error): b[start..j) is plain ASCII. */
  private slowString(start: number, j: number, bytesOk: boolean): string | ByteString {
    const { b, n } = this;
    let escapes = false;
    let extra = 0; // UTF-8 bytes minus UTF-16 units
    for (;;) {
      if (j >= n) {
        this.i = j;
        this.unexpected('inside a string');
      }
      const c = b[j]!;
      if (c === 0x22) break;
      if (c < 0x20) {
        this.i = j;
        this.fail('syntax', `a raw control character (U+${c.toString(16).toUpperCase().padStart(4, '0')}) inside a string`, j);
      }
      if (c === 0x5c) {
        escapes = true;
        const e = b[j + 1];
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) {
            if (HEX[b[j + k] ?? 0]! < 0) {
              this.i = j + k;
              this.unexpected('in a \\u escape, where a hex digit should be');
            }
          }
          j += 6;
        } else if (e !== undefined && ESCAPED[e] !== undefined) {
          j += 2;
        } else {
          this.i = j + 1;
          this.unexpected('after a backslash in a string');
        }
        continue;
      }
      if (c < 0x80) {
        j++;
        continue;
      }
      const len = utf8Length(b, j, n);
      if (len === 0) this.fail('utf8', `invalid UTF-8 byte 0x${c.toString(16).toUpperCase()}`, j);
      extra += len === 4 ? 2 : len - 1;
      j += len;
    }
    this.i = j + 1;
    if (bytesOk && !escapes) return new ByteString(b, start, j, j - start - extra);
    if (!escapes) return UTF8.decode(b.subarray(start, j));
    let out = '';
    let from = start;
    for (let k = start; k < j; ) {
      if (b[k] !== 0x5c) {
        k++;
        continue;
      }
      if (k > from) out += UTF8.decode(b.subarray(from, k));
      const e = b[k + 1]!;
      if (e === 0x75) {
        out += String.fromCharCode((HEX[b[k + 2]!]! << 12) | (HEX[b[k + 3]!]! << 8) | (HEX[b[k + 4]!]! << 4) | HEX[b[k + 5]!]!);
        k += 6;
      } else {
        out += ESCAPED[e]!;
        k += 2;
      }
      from = k;
    }
    if (j > from) out += UTF8.decode(b.subarray(from, j));
    return out;
  }
}

/**
 * The end of the run of plain bytes (printable ASCII other than " and \) from
 * b[j]: byte by byte, then — for a long run, such as a tensor's base64 —
 * four bytes at a time (plainWords, ~3× faster), back to bytes for the last few.
 */
function plainRun(b: Uint8Array, j: number): number {
  const n = b.length;
  const stop = Math.min(n, j + 64);
  while (j < stop && PLAIN[b[j]!] === 1) j++;
  if (j === stop && n - j >= 64) {
    while (((b.byteOffset + j) & 3) !== 0 && PLAIN[b[j]!] === 1) j++;
    if (((b.byteOffset + j) & 3) === 0) j = plainWords(b, j);
  }
  while (j < n && PLAIN[b[j]!] === 1) j++;
  return j;
}

/**
 * From b[j] (4-byte aligned in the buffer), the start of the first 4-byte word
 * that holds a byte that is not plain. Its own function: the optimizer sees
 * only this loop (no untaken path after it to deoptimize on at every call).
 */
function plainWords(b: Uint8Array, j: number): number {
  const words = new Uint32Array(b.buffer, b.byteOffset + j, (b.length - j) >>> 2);
  const m = words.length;
  let k = 0;
  for (; k < m; k++) {
    const w = words[k]!;
    const q = w ^ 0x22222222, s = w ^ 0x5c5c5c5c;
    // some byte ≥ 0x80, or < 0x20, or equal to '"' or '\\' (exact tests: no byte is missed, none is flagged wrongly)
    if ((w | ((w - 0x20202020) & ~w) | ((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s)) & 0x80808080) break;
  }
  return j + 4 * k;
}

function asciiString(b: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
  return ASCII.decode(b.subarray(start, end));
}

/** "line L, column C" of a byte offset (columns count code points, from 1). */
export function lineAndColumn(b: Uint8Array, offset: number): string {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, b.length);
  for (let k = b.indexOf(0x0a); k >= 0 && k < end; k = b.indexOf(0x0a, k + 1)) {
    line++;
    lineStart = k + 1;
  }
  let column = 1;
  for (let k = lineStart; k < end; k++) if ((b[k]! & 0xc0) !== 0x80) column++;
  return `line ${line}, column ${column}`;
}
