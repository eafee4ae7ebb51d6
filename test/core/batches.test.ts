/**
 * Reading a token stream in lanes (streamPlan): B contiguous lanes, windows
 * of T, inputs the previous token — and every lane's first step the zero
 * input, as a sentence's first step. The lanes are then independent
 * sequences: the evaluation of a stream in B lanes is the sum of each lane
 * evaluated alone from a zero state (checked with a model's forward, float64).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchOrder, planWindow, sentencePlan, streamPlan, type Window } from '../../src/core/batches.js';
import { float64Backend } from '../../src/core/backend.js';
import { localEngine } from '../../src/core/engine.js';
import { createModel, initModel } from '../../src/core/model.js';
import { createRng } from '../../src/core/rng.js';
import { evaluationSums } from '../../src/core/train.js';
import { randomFill } from '../helpers/gradcheck.js';

const ids = Int32Array.from([5, 6, 7, 8, 2, 3, 4, 5, 6, 0, 7, 7, 8, 2, 3, 0, 4, 5, 6, 7]);
const corpus = { ids, starts: Int32Array.of(0, ids.length), unkCount: 0 };

test('stream lanes: contiguous, inputs the previous token, each lane\'s first input the zero input', () => {
  const B = 3, T = 4;
  const lane = Math.floor(ids.length / B); // 6
  const windows: { T: number; reset: boolean; inputs: number[]; targets: number[] }[] = [];
  // the plan reuses its window object: copy each as it comes
  for (const w of streamPlan(corpus, B, T).iterate()) windows.push({ T: w.T, reset: w.reset, inputs: [...w.inputs.subarray(0, w.T * B)], targets: [...w.targets.subarray(0, w.T * B)] });
  assert.deepEqual(windows.map((w) => [w.T, w.reset]), [[4, true], [2, false]]);
  for (let b = 0; b < B; b++) {
    const targets = windows.flatMap((w) => Array.from({ length: w.T }, (_, t) => w.targets[t * B + b]!));
    const inputs = windows.flatMap((w) => Array.from({ length: w.T }, (_, t) => w.inputs[t * B + b]!));
    assert.deepEqual(targets, [...ids.subarray(b * lane, b * lane + lane)]);
    assert.deepEqual(inputs, [-1, ...ids.subarray(b * lane, b * lane + lane - 1)], `lane ${b}`);
  }
});

test('the evaluation of a stream in B lanes = each lane evaluated alone from a zero state', () => {
  const model = createModel({ cell: 'lstm', peephole: false, layers: 2, hidden: 6, vocabSize: 9, embedding: 0, dropout: 0 }, float64Backend);
  initModel(model, createRng(4));
  randomFill(model.params.data as Float64Array, 9, 1.5); // a model whose state matters
  const B = 3, T = 4, lane = Math.floor(ids.length / B);
  const all = evaluationSums(localEngine(model, T, B), corpus, 'stream');
  let sum = 0, count = 0;
  for (let b = 0; b < B; b++) {
    const part = ids.slice(b * lane, b * lane + lane);
    const r = evaluationSums(localEngine(model, T, 1), { ids: part, starts: Int32Array.of(0, part.length), unkCount: 0 }, 'stream');
    sum += r.sum;
    count += r.count;
  }
  assert.equal(all.count, count);
  assert.ok(Math.abs(all.sum - sum) < 1e-12 * sum, `${all.sum} vs ${sum}`);
});

test('sentence windows in corpus order: a window and an order array passed in (reused plan after plan) are filled as fresh ones are', () => {
  // sentences of 3, 1 and 5 ids (EOS included), batches of 2, windows of 2 steps
  const corpus = { ids: Int32Array.from([5, 6, 0, 0, 7, 8, 9, 4, 0]), starts: Int32Array.from([0, 3, 4, 9]), unkCount: 0 };
  const snap = (w: Window) => ({ inputs: [...w.inputs], targets: [...w.targets], T: w.T, reset: w.reset, tokens: w.tokens, batch: [...w.batch], start: w.start });
  const order = new Int32Array(8).fill(42);
  const batches = batchOrder(corpus, 2, null, order);
  assert.deepEqual(batches.map((b) => [...b]), [[0, 1], [2]]);
  assert.equal(batches[0]!.buffer, order.buffer, 'the order is written into the array given');
  const w = planWindow(2, 2);
  w.inputs.fill(3);
  const got = Array.from(sentencePlan(corpus, batches, 2, 2, w).iterate(), snap); // the window is reused: each one copied as it comes
  const fresh = Array.from(sentencePlan(corpus, batchOrder(corpus, 2, null), 2, 2).iterate(), snap);
  assert.deepEqual(got, fresh);
  // by hand: batch [0, 1] in 2 windows (3 steps), batch [2] in 3 (5 steps); time-major (t, slot), −1 = zero input / padding
  assert.deepEqual(fresh.map((x) => [x.start, x.T, x.reset]), [[0, 2, true], [2, 1, false], [0, 2, true], [2, 2, false], [4, 1, false]]);
  assert.deepEqual(fresh[0]!.inputs, [-1, -1, 5, -1]);
  assert.deepEqual(fresh[0]!.targets, [5, 0, 6, -1]);
  assert.deepEqual(fresh[1]!.inputs.slice(0, 2), [6, -1]);
  assert.deepEqual(fresh[1]!.targets.slice(0, 2), [0, -1]);
  assert.deepEqual(fresh[4]!.targets.slice(0, 2), [0, -1]);
});
