/**
 * Sampling: inverse-CDF picking on hand-made distributions, the <UNK>
 * policy with coins that land on <UNK>, top-k, greedy, the prime, the length
 * cap and reproducibility with the same seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, forward, initModel, type ModelConfig } from '../../src/core/model.js';
import { createRng, type Rng } from '../../src/core/rng.js';
import { createWorkspace } from '../../src/core/workspace.js';
import { chooseToken, defaultSampleOptions, pickToken, sampleTokens, topK } from '../../src/core/sample.js';
import { EOS, UNK } from '../../src/core/vocab.js';

test('pickToken: inverse CDF', () => {
  const p = [0.1, 0.2, 0.3, 0.4];
  assert.equal(pickToken(p, 4, 0), 0);
  assert.equal(pickToken(p, 4, 0.0999), 0);
  assert.equal(pickToken(p, 4, 0.1), 1);
  assert.equal(pickToken(p, 4, 0.59), 2);
  assert.equal(pickToken(p, 4, 0.61), 3); // (0.1+0.2+0.3 is 0.6000000000000001 in floating point)
  assert.equal(pickToken(p, 4, 0.999999), 3);
  assert.equal(pickToken([0.5, 0.5, 0], 3, 0.9999999999), 1, 'never a zero-probability token');
});

/** An Rng whose uniform() returns the given coins in turn. */
function coins(...xs: number[]): Rng {
  let i = 0;
  const r = createRng(0);
  return { ...r, uniform: () => xs[Math.min(i++, xs.length - 1)]! };
}

test('<UNK> drawn is drawn again; then removed and renormalised', () => {
  const opts = { ...defaultSampleOptions };
  // ids: 0 EOS, 1 UNK, 2, 3. The coin 0.3 lands on UNK (cdf 0.1 .. 0.6).
  const probs = () => Float64Array.from([0.1, 0.5, 0.2, 0.2]);
  assert.equal(chooseToken(probs(), 4, opts, coins(0.3, 0.7)), 2, 'second coin 0.7 lands on id 2');
  // every redraw lands on UNK: after the bound, UNK is removed: [0.2, 0, 0.4, 0.4]; coin 0.5 → id 2
  assert.equal(chooseToken(probs(), 4, opts, coins(...Array(11).fill(0.3), 0.5)), 2);
  assert.equal(chooseToken(probs(), 4, { ...opts, allowUnk: true }, coins(0.3)), UNK);
  assert.equal(chooseToken(probs(), 4, { ...opts, greedy: true }, coins(0)), 2, 'greedy skips UNK (ties → lower id)');
  assert.equal(chooseToken(probs(), 4, { ...opts, greedy: true, allowUnk: true }, coins(0)), UNK);
  assert.equal(chooseToken(Float64Array.from([0, 1, 0, 0]), 4, opts, coins(0.5)), EOS, 'all mass on UNK ends the sentence');
});

test('topK keeps the k most likely, renormalised', () => {
  const p = Float64Array.from([0.1, 0.4, 0.2, 0.3]);
  topK(p, 4, 2);
  assert.deepEqual(Array.from(p, (x) => Math.round(x * 1e12) / 1e12), [0, 4 / 7, 0, 3 / 7].map((x) => Math.round(x * 1e12) / 1e12));
});

const V = 9;
const config: ModelConfig = { cell: 'gru', peephole: false, layers: 1, hidden: 8, vocabSize: V, embedding: 4, dropout: 0 };
const model = createModel(config);
initModel(model, createRng(3));

function draw(seed: number, over = {}) {
  const gen = sampleTokens(model, { ...defaultSampleOptions, maxLength: 30, ...over }, createRng(seed));
  const out: number[] = [];
  let r = gen.next();
  while (!r.done) { out.push(r.value); r = gen.next(); }
  return { out, end: r.value };
}

test('same seed, same sample; never <UNK>; stops at <EOS> or the cap', () => {
  assert.deepEqual(draw(42), draw(42));
  for (let s = 0; s < 50; s++) {
    const { out, end } = draw(s, { temperature: 2 });
    assert.ok(!out.includes(UNK) && !out.includes(EOS));
    assert.ok(out.length <= 30);
    if (end === 'length') assert.equal(out.length, 30);
  }
  const capped = draw(1, { maxLength: 3, temperature: 3 });
  assert.ok(capped.out.length <= 3);
});

test('the prime conditions the first draw', () => {
  const prime = Int32Array.from([3, 4, 5]);
  const { out } = draw(0, { prime, greedy: true, maxLength: 1 });
  // independent: the argmax (not EOS, not UNK → else the sample is empty) of the last row after reading [zero, 3, 4, 5]
  const ws = createWorkspace(model, 4, 1);
  forward(model, ws, Int32Array.from([-1, 3, 4, 5]), 4, null);
  let best = -1;
  for (let v = 0; v < V; v++) if (v !== UNK && (best < 0 || ws.logits[3 * V + v]! > ws.logits[3 * V + best]!)) best = v;
  assert.deepEqual(out, best === EOS ? [] : [best]);
});

test('a long prime is read in windows with the state carried: the same first draw as one window', () => {
  // 600 tokens: three windows of at most 256; compare with a single forward over all 601 inputs
  const rng = createRng(8);
  const prime = Int32Array.from({ length: 600 }, () => 2 + rng.int(V - 2));
  const { out } = draw(0, { prime, greedy: true, maxLength: 1 });
  const ws = createWorkspace(model, 601, 1);
  forward(model, ws, Int32Array.from([-1, ...prime]), 601, null);
  let best = -1;
  for (let v = 0; v < V; v++) if (v !== UNK && (best < 0 || ws.logits[600 * V + v]! > ws.logits[600 * V + best]!)) best = v;
  assert.deepEqual(out, best === EOS ? [] : [best]);
});
