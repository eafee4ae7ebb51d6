/**
 * Output built as UTF-8 bytes in one buffer kept from chunk to chunk, rather
 * than as a string concatenated line by line (a chain of strings alive until
 * the chunk is written): what a line is made of dies as soon as it is copied in.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class OutputBytes {
  private buf = new Uint8Array(1 << 16);
  private n = 0;

  get length(): number {
    return this.n;
  }

  private room(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.n + extra, 2 * this.buf.length));
    grown.set(this.buf.subarray(0, this.n));
    this.buf = grown;
  }

  /** A string's UTF-8 bytes. */
  text(s: string): void {
    this.room(3 * s.length);
    this.n += encoder.encodeInto(s, this.buf.subarray(this.n)).written;
  }

  /** One byte (an ASCII character's code). */
  byte(b: number): void {
    this.room(1);
    this.buf[this.n++] = b;
  }

  /** UTF-8 bytes with each tab and line feed as a space (bytes below 0x80 are never part of a longer character). */
  bytesOnOneLine(bytes: Uint8Array): void {
    this.room(bytes.length);
    const buf = this.buf;
    let n = this.n;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      buf[n++] = b === 0x09 || b === 0x0a ? 0x20 : b;
    }
    this.n = n;
  }

  /** The bytes so far as text, and the buffer emptied. */
  take(): string {
    const s = decoder.decode(this.buf.subarray(0, this.n));
    this.n = 0;
    return s;
  }
}
