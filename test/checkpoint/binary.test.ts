/**
 * base64 and little-endian float32, against node's Buffer (an independent
 * implementation of both), on both paths: the typed-array view used on
 * little-endian machines and the DataView one a big-endian machine takes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import {
  LITTLE_ENDIAN, base64ByteLength, base64ToFloat32, bytesToBase64, decodeBase64, float32ToBase64,
} from '../../src/checkpoint/binary.js';

test('bytes → base64 → bytes matches Buffer, every padding case', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
    const text = bytesToBase64(bytes);
    assert.equal(text, Buffer.from(bytes).toString('base64'));
    assert.equal(base64ByteLength(text), bytes.length);
    const out = new Uint8Array(bytes.length);
    assert.equal(decodeBase64(text, out), -1);
    assert.deepEqual(out, bytes);
  }), { numRuns: 300 });
});

test('long input crosses the encoder chunk boundary', () => {
  const bytes = Uint8Array.from({ length: 3 * 4096 * 2 + 2 }, (_, i) => (i * 7919) & 255);
  assert.equal(bytesToBase64(bytes), Buffer.from(bytes).toString('base64'));
});

test('strict decoding: the index of the first bad character', () => {
  const bad = (text: string) => decodeBase64(text, new Uint8Array(Math.max(0, base64ByteLength(text))));
  assert.equal(bad('AAAA'), -1);
  assert.equal(bad('AA=A'), 2); // '=' before the end
  assert.equal(bad('A=AA'), 1);
  assert.equal(bad('AA==AAAA'), 2); // padding inside
  assert.equal(bad('AAA\n'), 3);
  assert.equal(bad('AAAA AAA'), 4);
  assert.equal(bad('AAAé'), 3);
  assert.equal(bad('A==='), 1);
  assert.equal(bad('-_AA'), 0); // the URL-safe alphabet is not ours
  assert.equal(base64ByteLength('AAA'), -1);
  assert.equal(base64ByteLength(''), 0);
});

const SPECIALS = [0, -0, 1, -1, 1.401298464324817e-45, -1.401298464324817e-45, 1.1754942106924411e-38, 3.4028234663852886e38, -3.4028234663852886e38, Infinity, -Infinity, Math.fround(Math.PI)];

for (const native of [true, false]) {
  test(`float32 ↔ base64 is little-endian and bit-exact (${native ? 'typed-array view' : 'DataView'} path)`, () => {
    const a = Float32Array.from(SPECIALS);
    const text = float32ToBase64(a, 0, a.length, native);
    const expected = Buffer.alloc(4 * a.length);
    SPECIALS.forEach((v, i) => expected.writeFloatLE(v, 4 * i));
    assert.equal(text, expected.toString('base64'));
    const back = new Float32Array(a.length);
    assert.equal(base64ToFloat32(text, back, 0, a.length, native), -1);
    assert.deepEqual(new Uint8Array(back.buffer), new Uint8Array(a.buffer));
    assert.ok(Object.is(back[1], -0));

    // a NaN payload survives on the view path (the DataView path reads through a JS number)
    const nan = new Float32Array(1);
    new Uint32Array(nan.buffer)[0] = 0x7fc00123;
    const nanBack = new Float32Array(1);
    base64ToFloat32(float32ToBase64(nan, 0, 1, native), nanBack, 0, 1, native);
    assert.ok(Number.isNaN(nanBack[0]));
    if (native && LITTLE_ENDIAN) assert.equal(new Uint32Array(nanBack.buffer)[0], 0x7fc00123);
  });

  test(`float32 sub-ranges and Float64Array targets (${native ? 'view' : 'DataView'} path)`, () => {
    fc.assert(fc.property(fc.float32Array({ noNaN: true, minLength: 1, maxLength: 30 }), fc.nat(), fc.nat(), (a, i, j) => {
      const off = i % a.length;
      const count = j % (a.length - off + 1);
      const text = float32ToBase64(a, off, count, native);
      const wide = new Float64Array(count + 2);
      assert.equal(base64ToFloat32(text, wide, 1, count, native), -1);
      const narrow = new Float32Array(count + 2);
      assert.equal(base64ToFloat32(text, narrow, 1, count, native), -1);
      for (let k = 0; k < count; k++) {
        assert.ok(Object.is(wide[1 + k], a[off + k]));
        assert.ok(Object.is(narrow[1 + k], a[off + k]));
      }
      assert.equal(wide[0], 0);
      assert.equal(wide[count + 1], 0);
      // a Float64Array source is rounded to float32 on the way out
      assert.equal(float32ToBase64(Float64Array.from(a.subarray(off, off + count)), 0, count, native), text);
    }), { numRuns: 200 });
  });
}
