/**
 * Splitting a batch by slots, as the threads do: the gradients of the parts
 * add up to the gradient of the whole batch (dropout included: the masks
 * depend on the slot, not on who computes it), and the carried state of the
 * parts is the state of the whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float64Backend } from '../../src/core/backend.js';
import { createModel, initModel, type ModelConfig } from '../../src/core/model.js';
import { alloc64, allocParams } from '../../src/core/params.js';
import { createRng } from '../../src/core/rng.js';
import { localEngine } from '../../src/core/engine.js';
import type { Window } from '../../src/core/batches.js';

const T = 4, B = 5, V = 7;
const config: ModelConfig = { cell: 'lstm', peephole: false, layers: 2, hidden: 6, vocabSize: V, embedding: 0, dropout: 0.3 };

test('gradients of slot ranges sum to the whole-batch gradient, with dropout', () => {
  const model = createModel(config, float64Backend);
  initModel(model, createRng(2));
  const rng = createRng(3);
  const win: Window = {
    inputs: Int32Array.from({ length: T * B }, (_, i) => (i < B ? -1 : rng.int(V))),
    targets: Int32Array.from({ length: T * B }, (_, i) => (i % 6 === 5 ? -1 : rng.int(V))),
    T, reset: true, tokens: 0, batch: new Int32Array(0), start: 0,
  };
  const whole = localEngine(model, T, B);
  const parts = [localEngine(model, T, 2, 0, B), localEngine(model, T, 3, 2, B)];
  const g = allocParams(model.layout, alloc64);
  const lossWhole = whole.gradients(win, g, 0.1, 12345);
  let lossParts = 0;
  const sum = new Float64Array(model.layout.total);
  for (const e of parts) {
    const gp = allocParams(model.layout, alloc64);
    lossParts += e.gradients(win, gp, 0.1, 12345);
    for (let i = 0; i < sum.length; i++) sum[i] += gp.data[i]!;
  }
  assert.ok(Math.abs(lossWhole - lossParts) < 1e-12 * Math.abs(lossWhole));
  for (let i = 0; i < sum.length; i++) assert.ok(Math.abs(sum[i]! - g.data[i]!) < 1e-12, `gradient ${i}`);
  // a different dropout seed gives a different gradient: the masks are in use
  const other = allocParams(model.layout, alloc64);
  localEngine(model, T, B).gradients(win, other, 0.1, 999);
  assert.ok(other.data.some((v, i) => Math.abs(v - g.data[i]!) > 1e-9));

  // carried state: the parts' carries, slot by slot, are the whole's
  whole.carry(T);
  parts.forEach((e) => e.carry(T));
  const cw = whole.saveCarry();
  const [c0, c1] = parts.map((e) => e.saveCarry());
  const H = config.hidden;
  for (let blk = 0; blk < 2 * config.layers; blk++) {
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        const got = b < 2 ? c0![blk * 2 * H + b * H + j]! : c1![blk * 3 * H + (b - 2) * H + j]!;
        assert.equal(got, cw[blk * B * H + b * H + j]);
      }
    }
  }
});

test('slot ranges sum to the whole batch with input, word and locked dropout too (the masks of a slot do not depend on the split)', () => {
  for (const over of [{ embedding: 4, inputDropout: 0.3, wordDropout: 0.4 }, { embedding: 4, inputDropout: 0.3, lockedDropout: true }, { cutoffs: [2, 4], adaptiveDiv: 2 }]) {
    const model = createModel({ ...config, ...over }, float64Backend);
    initModel(model, createRng(2));
    const rng = createRng(4);
    const win: Window = {
      inputs: Int32Array.from({ length: T * B }, (_, i) => (i < B ? -1 : rng.int(V))),
      targets: Int32Array.from({ length: T * B }, () => rng.int(V)),
      T, reset: true, tokens: 0, batch: new Int32Array(0), start: 0,
    };
    const g = allocParams(model.layout, alloc64);
    const lossWhole = localEngine(model, T, B).gradients(win, g, 1, 777);
    const sum = new Float64Array(model.layout.total);
    let lossParts = 0;
    for (const e of [localEngine(model, T, 2, 0, B), localEngine(model, T, 3, 2, B)]) {
      const gp = allocParams(model.layout, alloc64);
      lossParts += e.gradients(win, gp, 1, 777);
      for (let i = 0; i < sum.length; i++) sum[i] += gp.data[i]!;
    }
    assert.ok(Math.abs(lossWhole - lossParts) < 1e-12 * Math.abs(lossWhole), JSON.stringify(over));
    for (let i = 0; i < sum.length; i++) assert.ok(Math.abs(sum[i]! - g.data[i]!) < 1e-12, `${JSON.stringify(over)} gradient ${i}`);
  }
});
