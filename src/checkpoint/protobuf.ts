/**
 * The protocol-buffers wire format, the writing half, as much of it as an
 * ONNX model needs (onnx.ts): varints (wire type 0), length-delimited bytes,
 * strings and nested messages (2), and 32-bit floats (5). A message is built
 * field by field into a growing buffer; nested messages are built on their
 * own and added as bytes. https://protobuf.dev/programming-guides/encoding/
 */

export class Message {
  private buf = new Uint8Array(64);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }

  /** An unsigned varint; negative numbers as their 64-bit two's complement (10 bytes), as int64 fields need. */
  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }

  private tag(field: number, wire: 0 | 2 | 5): void {
    this.varint((field << 3) | wire);
  }

  /** An integer field (int32, int64, enum, bool): wire type 0. */
  int(field: number, v: number | bigint): this {
    this.tag(field, 0);
    this.varint(v);
    return this;
  }

  /** A float field: wire type 5, little-endian IEEE 754 binary32. */
  float(field: number, v: number): this {
    this.tag(field, 5);
    this.room(4);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  /** A bytes field (or a nested message's bytes): wire type 2, its length then the bytes. */
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Message): this {
    return this.bytes(field, m.finish());
  }

  /** The message's bytes (a view of its buffer: add nothing more after this). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
