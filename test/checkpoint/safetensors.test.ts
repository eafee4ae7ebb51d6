/**
 * safetensors export and import: the file layout checked by hand (length,
 * aligned JSON header, contiguous little-endian float32 data), a round trip
 * that keeps every bit (every cell, embedding or one-hot, tied, adaptive), a
 * hand-made file of F32, F64, F16 and BF16 values read as the formats define
 * them, and the refusals (truncated, overlapping, wrong size, integer dtype,
 * non-finite value, no metadata and no --config, tensors of another model).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkpointFromSafetensors, parseSafetensors, safetensorsChunks } from '../../src/checkpoint/safetensors.js';
import { CheckpointError, type Checkpoint } from '../../src/checkpoint/codec.js';
import { createModel } from '../../src/core/model.js';
import { createRng } from '../../src/core/rng.js';
import { assertSameCheckpoint, configOf, fillBits, makeCheckpoint, VARIANTS, variantName } from './tiny-checkpoint.js';

const bytesOf = (ck: Checkpoint): Uint8Array => {
  const parts = [...safetensorsChunks(ck)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

/** A file from a header object and the data bytes after it (no padding). */
function file(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function refused(f: () => unknown, re: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof CheckpointError && re.test(e.message) && !/\n/.test(e.message) && (e.hint ?? '').length > 0);
}

const variants: [string, Checkpoint][] = [
  ...VARIANTS.map((v) => [variantName(v), makeCheckpoint(v, true, 3)] as [string, Checkpoint]),
  ...([['tied', { embedding: 3, tied: true }], ['adaptive', { embedding: 3, cutoffs: [2, 4], adaptiveDiv: 1.5 }]] as const).map(([name, over]) => {
    const ck = makeCheckpoint(VARIANTS[5]!, false, 4);
    const model = createModel({ ...configOf(VARIANTS[5]!), ...over });
    for (const t of model.layout.tensors) fillBits(model.params.views[t.name] as Float32Array, createRng(t.offset + 1));
    return [name, { ...ck, model }] as [string, Checkpoint];
  }),
];

for (const [name, ck] of variants) {
  test(`safetensors round trip keeps every bit: ${name}`, () => {
    const bytes = bytesOf(ck);
    const back = checkpointFromSafetensors(bytes);
    assertSameCheckpoint(back, { ...ck, training: null });
    // the layout by hand: the length, a header padded to 8 bytes, the tensors one after another in the layout's order
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(n % 8, 0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    let at = 0;
    for (const t of ck.model.layout.tensors) {
      assert.deepEqual(header[t.name], { dtype: 'F32', shape: [...t.shape], data_offsets: [at, at + 4 * t.size] });
      const dv = new DataView(bytes.buffer, 8 + n + at, 4 * t.size);
      for (let i = 0; i < t.size; i++) assert.ok(Object.is(dv.getFloat32(4 * i, true), ck.model.params.data[t.offset + i]), `${t.name}[${i}] little-endian float32`);
      at += 4 * t.size;
    }
    assert.equal(bytes.length, 8 + n + at);
    const meta = (header as Record<string, unknown>)['__metadata__'] as Record<string, string>;
    assert.equal(meta['format'], 'pt');
    assert.deepEqual(JSON.parse(meta['rnnlm']!).config.cell, ck.model.config.cell);
  });
}

test('F32, F64, F16 and BF16 values are read as the formats define them', () => {
  const data = new Uint8Array(4 + 8 + 2 * 4 + 2 * 2);
  const dv = new DataView(data.buffer);
  dv.setFloat32(0, 0.1, true);
  dv.setFloat64(4, 1 / 3, true);
  // binary16: 0x3C00 = 1, 0xC000 = −2, 0x3555 = 1 + 341/1024 times 2^−2, 0x0001 = 2^−24 (smallest subnormal)
  [0x3c00, 0xc000, 0x3555, 0x0001].forEach((h, i) => dv.setUint16(12 + 2 * i, h, true));
  // bfloat16: the top half of a float32: 0x3F80 = 1, 0x4049 = 3.140625
  [0x3f80, 0x4049].forEach((h, i) => dv.setUint16(20 + 2 * i, h, true));
  const st = parseSafetensors(file({
    __metadata__: { note: 'hand-made' },
    a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
    b: { dtype: 'F64', shape: [], data_offsets: [4, 12] },
    c: { dtype: 'F16', shape: [2, 2], data_offsets: [12, 20] },
    d: { dtype: 'BF16', shape: [2], data_offsets: [20, 24] },
  }, data));
  assert.deepEqual(st.metadata, { note: 'hand-made' });
  assert.deepEqual([...st.tensors.get('a')!.data], [Math.fround(0.1)]);
  assert.deepEqual([...st.tensors.get('b')!.data], [Math.fround(1 / 3)]);
  assert.deepEqual([...st.tensors.get('c')!.data], [1, -2, Math.fround((1 + 341 / 1024) / 4), Math.fround(2 ** -24)]);
  assert.deepEqual(st.tensors.get('c')!.shape, [2, 2]);
  assert.deepEqual([...st.tensors.get('d')!.data], [1, 3.140625]);
});

test('refusals: truncated, a header length beyond the file, overlapping or mis-sized tensors, integers, NaN, no metadata, another model\'s tensors', () => {
  const ck = variants[5]![1];
  const good = bytesOf(ck);
  refused(() => parseSafetensors(good.subarray(0, 5)), /too short/);
  refused(() => parseSafetensors(good.subarray(0, 200)), /header length is \d+ bytes, and the file has 192/);
  refused(() => parseSafetensors(good.subarray(0, good.length - 4)), /lies at bytes/);
  refused(() => parseSafetensors(file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8))), /overlap/);
  refused(() => parseSafetensors(file({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8))), /has 8 bytes; its shape \[3\] of F32 needs 12/);
  refused(() => parseSafetensors(file({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8))), /is I64: rnnlm reads floating-point tensors/);
  refused(() => parseSafetensors(file({ a: { dtype: 'F32', shape: 'x', data_offsets: [0, 4] } }, new Uint8Array(4))), /shape that is not a list/);
  refused(() => parseSafetensors(new TextEncoder().encode('{"format":"rnnlm-checkpoint"}')), /header length/);
  // a model's own tensors without its metadata: refused unless the model is given
  const st = parseSafetensors(good);
  const plain = file(Object.fromEntries([...st.tensors].map(([k, v], i, all) => {
    const begin = all.slice(0, i).reduce((n, [, x]) => n + 4 * x.data.length, 0);
    return [k, { dtype: 'F32', shape: v.shape, data_offsets: [begin, begin + 4 * v.data.length] }];
  })), new Uint8Array(good.subarray(good.length - 4 * ck.model.layout.total)));
  refused(() => checkpointFromSafetensors(plain), /does not say which model it is/);
  assertSameCheckpoint(checkpointFromSafetensors(plain, ck), { ...ck, training: null });
  refused(() => checkpointFromSafetensors(plain, variants[0]![1]), /not the ones this rnn model needs: unexpected "embedding.weight"/);
  const nan = new Uint8Array(good);
  new DataView(nan.buffer).setFloat32(nan.length - 4, NaN, true);
  refused(() => checkpointFromSafetensors(nan), /holds NaN/);
});

test('a file written by Python\'s safetensors (fixture: save_file of a state dict, weight_hh_l0 as float64, no rnnlm metadata) imports with the model it fits, bit for bit', async () => {
  const { readFileSync } = await import('node:fs');
  const { repoPath } = await import('../helpers/paths.js');
  const { parseCheckpoint } = await import('../../src/checkpoint/codec.js');
  const base = parseCheckpoint(readFileSync(repoPath('test/fixtures/pytorch-tiny.json'), 'utf8'));
  const bytes = new Uint8Array(readFileSync(repoPath('test/fixtures/pytorch-tiny.safetensors')));
  const st = parseSafetensors(bytes);
  assert.equal(st.metadata['written_by'], 'safetensors.torch.save_file');
  assert.equal(st.tensors.get('weight_hh_l0')!.dtype, 'F64');
  refused(() => checkpointFromSafetensors(bytes), /does not say which model it is/);
  const ck = checkpointFromSafetensors(bytes, base);
  assert.deepEqual(new Uint8Array(ck.model.params.data.buffer), new Uint8Array(base.model.params.data.buffer));
});
