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
  Float32Base64, LITTLE_ENDIAN, SLICE_BYTES, SLICE_CHARS, base64ByteLength, base64ToFloat32, bytesToBase64, decodeBase64,
  decodeBase64Bytes, float32Base64Slices, float32ToBase64,
} from '../../src/checkpoint/binary.js';
import { ByteString } from '../../src/checkpoint/json-bytes.js';

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

// ── slices: the base64 of large arrays, never one string ────────────────────

test('the slice size is a multiple of 3 bytes (whole base64 groups) and of 4 (whole float32), at most 4 MiB of text', () => {
  assert.equal(SLICE_BYTES % 12, 0);
  assert.equal(SLICE_CHARS, (SLICE_BYTES / 3) * 4);
  assert.ok(SLICE_CHARS <= 4 * 2 ** 20);
});

for (const native of [true, false]) {
  test(`float32 slices concatenate to the base64 of the whole array (${native ? 'view' : 'DataView'} path)`, () => {
    const perSlice = SLICE_BYTES / 4;
    for (const count of [0, 1, 2, 3, perSlice - 1, perSlice, perSlice + 1, 2 * perSlice + 5]) {
      const a = new Float32Array(count + 3);
      const u = new Uint32Array(a.buffer);
      for (let i = 0; i < u.length; i++) u[i] = (Math.imul(i + 1, 2654435761) >>> 0) & 0xbfffffff; // finite bit patterns
      const slices = [...float32Base64Slices(a, 2, count, native)];
      assert.equal(slices.length, Math.ceil((4 * count) / SLICE_BYTES), `count ${count}`);
      for (const s of slices) assert.ok(s.length <= SLICE_CHARS);
      const whole = Buffer.from(a.buffer, 8, 4 * count).toString('base64');
      assert.equal(slices.join(''), whole, `count ${count}`);
      assert.equal(float32ToBase64(a, 2, count, native), whole);
      const pending = new Float32Base64(a, 2, count);
      assert.equal(pending.length, whole.length, 'Float32Base64.length is the text length, without the text');
      assert.equal(base64ByteLength(pending), 4 * count);
      assert.equal([...pending.slices(native)].join(''), whole);
    }
  });
}

test('decoding in slices (final only for the last) is decoding the whole; padding inside a middle slice is refused', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 60 }), fc.nat(), (bytes, cut) => {
    const text = Buffer.from(bytes).toString('base64');
    const src = Buffer.from(text, 'latin1');
    const groups = text.length / 4;
    const mid = 4 * (cut % groups); // a group boundary before the last group (which holds any padding)
    const out = new Uint8Array(bytes.length);
    assert.equal(decodeBase64Bytes(src, 0, mid, out, 0, false), -1);
    assert.equal(decodeBase64Bytes(src, mid, text.length, out, (mid / 4) * 3, true), -1);
    assert.deepEqual(out, bytes);
  }), { numRuns: 200 });
  const src = Buffer.from('QQ==QUJD', 'latin1');
  assert.equal(decodeBase64Bytes(src, 0, 4, new Uint8Array(3), 0, false), 2, "'=' is not the end of a middle slice");
  assert.equal(decodeBase64Bytes(src, 0, 4, new Uint8Array(3), 0, true), -1);
  assert.equal(decodeBase64Bytes(src, 2, 8, new Uint8Array(6), 0, true), 0, 'offsets count from start');
});

test('a base64 field held as bytes: decoded from them; the bad character found by its UTF-16 index', () => {
  const values = Float32Array.from([1.5, -0, 3e-41, -2]);
  const text = Buffer.from(values.buffer).toString('base64');
  const file = Buffer.from(`xx"${text}"`, 'utf8');
  const field = new ByteString(file, 3, 3 + text.length, text.length);
  assert.equal(base64ByteLength(field), 16);
  for (const native of [true, false]) {
    for (const out of [new Float32Array(6), new Float64Array(6)]) {
      assert.equal(base64ToFloat32(field, out, 1, 4, native), -1);
      for (let i = 0; i < 4; i++) assert.ok(Object.is(out[1 + i], values[i]));
    }
  }
  // "A😀" then the rest: the emoji is 4 bytes, 2 UTF-16 units
  const damaged = `A😀${text.slice(3)}`;
  const bytes = Buffer.from(damaged, 'utf8');
  const f2 = new ByteString(bytes, 0, bytes.length, damaged.length);
  assert.equal(base64ByteLength(f2), 16);
  assert.equal(base64ToFloat32(f2, new Float32Array(4), 0, 4), 1);
  assert.equal(base64ToFloat32(damaged, new Float32Array(4), 0, 4), 1, 'the same index as the string path');
  assert.equal(f2.charAt(1), '😀');
  assert.equal(base64ToFloat32(f2, new Float64Array(4), 0, 4, false), 1, 'and on the DataView path');
});
