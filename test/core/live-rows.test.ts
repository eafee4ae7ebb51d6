/**
 * The rows of an untied embedding's gradient one window can make nonzero
 * (core/live-rows.ts): the spans cover exactly the elements outside the
 * embedding and the rows of the window's input ids; the threads' shares cut
 * them into disjoint, ascending, balanced pieces; and the reduction, the norm
 * and an SGD step over the live spans give the very bits of the dense loops
 * (which only add, square and subtract zeros elsewhere). Checked against
 * dense loops written out here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveRows, liveSpans, markRows, shareSpans, spanSumOfSquares } from '../../src/core/live-rows.js';
import { reduceSpans, updateSpans, type OptimizerConfig } from '../../src/core/optimizer.js';
import { createModel, initModel, sparseGradientRows, type ModelConfig } from '../../src/core/model.js';
import { allocParams } from '../../src/core/params.js';
import { createRng } from '../../src/core/rng.js';
import { localEngine } from '../../src/core/engine.js';
import { referenceBackend } from '../../src/core/backend.js';
import type { Window } from '../../src/core/batches.js';

const SGD: OptimizerConfig = { kind: 'sgd', beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** Element i is covered by the flat pairs. */
const covered = (spans: readonly number[], n: number): Uint8Array => {
  const c = new Uint8Array(n);
  for (let k = 0; k < spans.length; k += 2) {
    assert.ok(spans[k]! < spans[k + 1]!, 'non-empty span');
    if (k > 0) assert.ok(spans[k]! > spans[k - 1]! - 1, 'ascending, disjoint');
    for (let i = spans[k]!; i < spans[k + 1]!; i++) { assert.equal(c[i], 0, `element ${i} twice`); c[i] = 1; }
  }
  return c;
};

test('live spans: the elements outside the block and the marked rows, nothing else; shares split them evenly', () => {
  // an arena of 7 + 10 rows × 3 + 5 elements, the block at offset 7
  const total = 7 + 30 + 5;
  const m = liveRows(7, 3, 10);
  markRows(m, Int32Array.from([4, -1, 0, 5, 4, 9]), 6);
  const want = new Uint8Array(total);
  for (let i = 0; i < total; i++) {
    const r = Math.floor((i - 7) / 3);
    want[i] = i < 7 || i >= 37 || [0, 4, 5, 9].includes(r) ? 1 : 0;
  }
  assert.deepEqual(covered(liveSpans(m, 0, total), total), want);
  // a window inside the arena: its part of the same set
  const inner = covered(liveSpans(m, 10, 30), total);
  for (let i = 0; i < total; i++) assert.equal(inner[i], i >= 10 && i < 30 ? want[i] : 0, `element ${i}`);
  assert.deepEqual(liveSpans(null, 3, 9), [3, 9]);
  assert.deepEqual(liveSpans(m, 5, 5), []);
  const live = want.reduce((a, b) => a + b, 0);
  for (const parts of [1, 2, 3, 5]) {
    const all = new Uint8Array(total);
    for (let p = 0; p < parts; p++) {
      const c = covered(shareSpans(m, total, parts, p), total);
      const n = c.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(n - live / parts) < 1, `share ${p} of ${parts}: ${n} of ${live}`);
      for (let i = 0; i < total; i++) { assert.ok(!(all[i] && c[i]), 'shares disjoint'); all[i] |= c[i]!; }
    }
    assert.deepEqual(all, want, `${parts} shares cover the live elements`);
  }
  // no block: the plain slices, the first ones longer by one
  assert.deepEqual([0, 1, 2].map((p) => shareSpans(null, 10, 3, p)), [[0, 4], [4, 7], [7, 10]]);
});

test('reduction, norm and SGD step over the live spans: the bits of the dense loops', () => {
  const rng = createRng(5);
  const total = 4 + 50 * 6 + 9;
  const m = liveRows(4, 6, 50);
  const ids = Int32Array.from({ length: 30 }, () => rng.int(50));
  markRows(m, ids, ids.length);
  // three gradients, zero outside the live rows (each thread touched its own subset of them)
  const grads = [0, 1, 2].map((t) => {
    const g = new Float32Array(total);
    for (let i = 0; i < total; i++) {
      const r = Math.floor((i - 4) / 6);
      const inBlock = i >= 4 && i < 304;
      if (!inBlock || (m.live[r] && (r + t) % 3 !== 0)) g[i] = rng.normal();
    }
    return g;
  });
  const params = Float32Array.from({ length: total }, () => rng.normal());
  // dense, written out: reduce in thread order, Σ g², clip, SGD
  const dense = Float32Array.from(grads[0]!);
  for (const g of grads.slice(1)) for (let i = 0; i < total; i++) dense[i] += g[i]!;
  let sq = 0;
  for (let i = 0; i < total; i++) sq += dense[i]! * dense[i]!;
  const s = 0.5 / Math.sqrt(sq), lr = 0.7;
  const denseParams = Float32Array.from(params);
  for (let i = 0; i < total; i++) { dense[i] *= s; denseParams[i] -= lr * dense[i]!; }

  // one share: the very same bits, the norm included
  const into = Float32Array.from(grads[0]!);
  const spans = liveSpans(m, 0, total);
  assert.equal(reduceSpans(into, grads.slice(1), spans), sq, 'Σ g² of the live spans = the dense sum, exactly');
  const p1 = Float32Array.from(params);
  updateSpans(p1, into, { m: null, v: null }, SGD, lr, 1, s, spans);
  assert.deepEqual(p1, denseParams);
  // two shares (two threads): the same parameters; the norm from the shares' sums agrees to rounding
  const into2 = Float32Array.from(grads[0]!);
  const p2 = Float32Array.from(params);
  const shares = [0, 1].map((p) => shareSpans(m, total, 2, p));
  const sq2 = shares.reduce((acc, sp) => acc + reduceSpans(into2, grads.slice(1), sp), 0);
  assert.ok(Math.abs(sq2 - sq) <= 1e-12 * sq);
  for (const sp of shares) updateSpans(p2, into2, { m: null, v: null }, SGD, lr, 1, s, sp);
  assert.deepEqual(p2, denseParams);
  assert.equal(spanSumOfSquares(into2, []), 0);
});

test('an untied embedding is the sparse block; the one-thread engine steps as the dense loops do', () => {
  const V = 12, E = 5;
  const config: ModelConfig = { cell: 'gru', peephole: false, layers: 1, hidden: 4, vocabSize: V, embedding: E, dropout: 0 };
  assert.equal(sparseGradientRows({ ...config, embedding: 0 }), null, 'one-hot input: no embedding');
  assert.equal(sparseGradientRows({ ...config, embedding: 4, tied: true }), null, 'tied: the decoder fills every row');
  const block = sparseGradientRows(config)!;
  assert.equal(block.width, E);
  assert.equal(block.live.length, V);
  const model = createModel(config, referenceBackend);
  initModel(model, createRng(3));
  const T = 3, B = 2;
  // ids 2, 5, 7 as inputs (and the zero input): the other rows' gradient is zero
  const win: Window = {
    inputs: Int32Array.from([-1, -1, 2, 5, 7, 2]), targets: Int32Array.from([2, 5, 7, 2, 1, 0]),
    T, reset: true, tokens: 6, batch: new Int32Array(0), start: 0,
  };
  const engine = localEngine(model, T, B);
  const grads = allocParams(model.layout, referenceBackend.alloc);
  engine.gradients(win, grads, 1, null);
  const emb = model.layout.tensors.find((t) => t.name === 'embedding.weight')!;
  for (let r = 0; r < V; r++) {
    const row = grads.data.subarray(emb.offset + r * E, emb.offset + r * E + E);
    assert.equal(row.some((x) => x !== 0), [2, 5, 7].includes(r), `row ${r}`);
  }
  let sq = 0;
  for (const g of grads.data) sq += g * g;
  const clip = 0.01, lr = 0.3;
  const scale = Math.sqrt(sq) > clip ? clip / Math.sqrt(sq) : 1;
  const want = Float32Array.from(model.params.data);
  for (let i = 0; i < want.length; i++) want[i] -= lr * Math.fround(grads.data[i]! * scale);
  const norm = engine.update(model.params, grads, { step: 0, m: null, v: null }, SGD, lr, clip);
  assert.equal(norm, Math.sqrt(sq), 'the norm of the whole gradient, exactly');
  assert.deepEqual(model.params.data, want);
});
