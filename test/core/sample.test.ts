/**
 * Sampling: inverse-CDF picking on hand-made distributions, the <UNK>
 * policy with coins that land on <UNK>, top-k, greedy, the prime, the length
 * cap and reproducibility with the same seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, forward, initModel, type ModelConfig } from '../../src/core/model.js';
import { createRng, streamRng, type Rng } from '../../src/core/rng.js';
import { createWorkspace } from '../../src/core/workspace.js';
import { beamSearch, chooseToken, createSampler, defaultSampleOptions, logSoftmaxAt, pickToken, sampleLanes, sampleTokens, topK, topP, withoutToken } from '../../src/core/sample.js';
import { EOS, UNK } from '../../src/core/vocab.js';
import { createWasmKernels } from '../../src/core/wasm/wasm-kernels.js';

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

// ── nucleus, minimum length, log P, beam ────────────────────────────────────

/** The ids with a non-zero probability. */
const support = (p: Float64Array): number[] => Array.from(p.keys()).filter((i) => p[i]! > 0);

test('topP keeps the fewest most likely tokens whose mass reaches p, renormalised; p = 1 cuts nothing', () => {
  // dyadic probabilities, so every partial sum is exact: sorted 0.5 (id 1), 0.25 (id 2), 0.125 (ids 0 and 3: tie → id 0 first)
  const base = [0.125, 0.5, 0.25, 0.125];
  const cut = (p: number) => { const x = Float64Array.from(base); topP(x, 4, p); return x; };
  assert.deepEqual(support(cut(0.3)), [1], '0.5 ≥ 0.3 already');
  assert.deepEqual(support(cut(0.5)), [1], 'exactly p: enough');
  assert.deepEqual(support(cut(0.51)), [1, 2]);
  assert.deepEqual(support(cut(0.75)), [1, 2]);
  assert.deepEqual(support(cut(0.76)), [0, 1, 2], 'the tie at 0.125 goes to the lower id');
  assert.deepEqual(support(cut(0.875)), [0, 1, 2]);
  assert.deepEqual(support(cut(0.9)), [0, 1, 2, 3], '0.875 < 0.9: all four');
  assert.deepEqual(Array.from(cut(0.6)), [0, 0.5 / 0.75, 0.25 / 0.75, 0]);
  assert.deepEqual(Array.from(cut(1)), base, 'p = 1: the very same numbers');
  assert.deepEqual(Array.from(cut(1e-9)), [0, 1, 0, 0], 'a tiny p is greedy');
});

test('top-k and top-p together: top-p applies to the renormalised top k', () => {
  // top 2 of [0.1, 0.4, 0.2, 0.3] → ids 1, 3 at 4/7, 3/7; p = 0.5 then keeps id 1 only (4/7 ≥ 0.5)
  const x = Float64Array.from([0.1, 0.4, 0.2, 0.3]);
  topK(x, 4, 2);
  topP(x, 4, 0.5);
  assert.deepEqual(Array.from(x), [0, 1, 0, 0]);
  // without top-k, p = 0.5 needs 0.4 + 0.3
  const y = Float64Array.from([0.1, 0.4, 0.2, 0.3]);
  topP(y, 4, 0.5);
  assert.deepEqual(support(y), [1, 3]);
});

test('withoutToken (minimum length): <EOS> gets 0, the rest renormalised; a row of <EOS> only is left alone', () => {
  const x = Float64Array.from([0.5, 0.25, 0.125, 0.125]);
  withoutToken(x, 4, EOS);
  assert.deepEqual(Array.from(x), [0, 0.5, 0.25, 0.25]);
  const y = Float64Array.from([1, 0, 0, 0]);
  withoutToken(y, 4, EOS);
  assert.deepEqual(Array.from(y), [1, 0, 0, 0]);
});

test('minLength: no sample ends before it (the random model ends early otherwise)', () => {
  const ends = (over: object) => Array.from({ length: 40 }, (_, s) => draw(s, { maxLength: 30, temperature: 1.5, ...over }).out.length);
  assert.ok(ends({}).some((n) => n < 5), 'without it, some samples are shorter than 5');
  for (const n of ends({ minLength: 5 })) assert.ok(n >= 5, `${n}`);
  assert.deepEqual(draw(3, { minLength: 0 }), draw(3), 'minLength 0 and topP 1 are the old sampler, draw for draw');
  assert.deepEqual(draw(3, { topP: 1 }), draw(3));
});

/** log P of ids (then <EOS> if eos) after the prime, from one forward over the whole sequence: Σ log softmax. */
function logProbOf(prime: number[], ids: number[], eos: boolean): number {
  const seq = [-1, ...prime, ...ids];
  const ws = createWorkspace(model, seq.length, 1);
  forward(model, ws, Int32Array.from(seq), seq.length, null);
  let lp = 0;
  const next = [...ids, ...(eos ? [EOS] : [])];
  next.forEach((tok, i) => {
    const row = prime.length + i;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, ws.logits[row * V + v]!);
    let s = 0;
    for (let v = 0; v < V; v++) s += Math.exp(ws.logits[row * V + v]! - max);
    lp += ws.logits[row * V + tok]! - max - Math.log(s);
  });
  return lp;
}

test('the sampler\'s logProb is the model\'s own log P of what it drew (temperature 1, nothing cut), <EOS> included when drawn', () => {
  const prime = [3, 4];
  for (const over of [{}, { temperature: 0.5 }, { topK: 3, topP: 0.8 }, { minLength: 4 }]) {
    const sampler = createSampler(model, { ...defaultSampleOptions, prime: Int32Array.from(prime), maxLength: 12, ...over });
    for (let seed = 0; seed < 6; seed++) {
      const gen = sampler.sample(createRng(seed));
      const ids: number[] = [];
      let r = gen.next();
      while (!r.done) { ids.push(r.value); r = gen.next(); }
      const want = logProbOf(prime, ids, r.value === 'eos');
      assert.ok(Math.abs(sampler.logProb - want) < 1e-9 * Math.max(1, -want), `${JSON.stringify(over)} seed ${seed}: ${sampler.logProb} vs ${want}`);
    }
  }
  assert.ok(Number.isFinite(logSoftmaxAt(new Float64Array(4), 0, 4, 2)) && Math.abs(logSoftmaxAt(new Float64Array(4), 0, 4, 2) + Math.log(4)) < 1e-15);
});

test('beam 1 is greedy decoding, with or without a prime', () => {
  for (const prime of [[], [3, 4, 5]]) {
    const greedy = draw(0, { greedy: true, maxLength: 25, prime: Int32Array.from(prime) });
    const [best, ...rest] = beamSearch(model, { prime: Int32Array.from(prime), maxLength: 25, beam: 1, allowUnk: false });
    assert.equal(rest.length, 0);
    assert.deepEqual(best!.ids, greedy.out);
    assert.equal(best!.end, greedy.end);
    assert.ok(Math.abs(best!.logProb - logProbOf(prime, greedy.out, greedy.end === 'eos')) < 1e-9);
  }
});

test('a beam wide enough to keep every hypothesis finds them all, ranked by their log P (checked by enumeration)', () => {
  // maxLength 2, <UNK> barred: [<EOS>], [a, <EOS>] and [a, b] for the 7 other tokens a, b: 1 + 7 + 49 hypotheses
  const words = Array.from({ length: V }, (_, v) => v).filter((v) => v !== UNK && v !== EOS);
  const all = [{ ids: [] as number[], eos: true }];
  for (const a of words) {
    all.push({ ids: [a], eos: true });
    for (const b of words) all.push({ ids: [a, b], eos: false });
  }
  const want = all.map((h) => ({ key: h.ids.join(), lp: logProbOf([2], h.ids, h.eos) })).sort((x, y) => y.lp - x.lp);
  const got = beamSearch(model, { prime: Int32Array.from([2]), maxLength: 2, beam: all.length, allowUnk: false });
  assert.equal(got.length, all.length);
  got.forEach((r, i) => {
    assert.ok(Math.abs(r.logProb - want[i]!.lp) < 1e-9, `rank ${i}: ${r.logProb} vs ${want[i]!.lp}`);
    assert.equal(r.end, r.ids.length === 2 ? 'length' : 'eos');
  });
  assert.deepEqual(new Set(got.map((r) => r.ids.join())), new Set(want.map((w) => w.key)));
});

test('beam K: best first, each log P the model\'s own, never <UNK>, the cap kept, minLength kept; a given workspace changes nothing', () => {
  const prime = Int32Array.from([2]);
  const out = beamSearch(model, { prime, maxLength: 6, beam: 5, allowUnk: false });
  assert.equal(out.length, 5);
  for (let i = 1; i < out.length; i++) assert.ok(out[i - 1]!.logProb >= out[i]!.logProb);
  for (const r of out) {
    assert.ok(!r.ids.includes(UNK) && !r.ids.includes(EOS) && r.ids.length <= 6);
    assert.equal(r.end === 'length', r.ids.length === 6);
    assert.ok(Math.abs(r.logProb - logProbOf([2], r.ids, r.end === 'eos')) < 1e-9);
  }
  assert.equal(new Set(out.map((r) => r.ids.join())).size, 5, 'five different sentences');
  for (const r of beamSearch(model, { prime, maxLength: 6, beam: 4, allowUnk: false, minLength: 3 })) assert.ok(r.ids.length >= 3);
  const again = beamSearch(model, { prime, maxLength: 6, beam: 5, allowUnk: false }, createWorkspace(model, 256, 1), createWorkspace(model, 1, 9));
  assert.deepEqual(again, out);
  const stop = beamSearch(model, { prime, maxLength: 6, beam: 3, allowUnk: false, stopAt: (ids) => ids.length === 2 });
  for (const r of stop) assert.ok(r.end === 'eos' ? r.ids.length < 2 : r.end === 'stop' && r.ids.length === 2, JSON.stringify(r));
});

test('sampleLanes: sample i is what the one-at-a-time sampler draws with stream i of the seed, in any lane, whatever the width or count', () => {
  const prime = [3, 4];
  for (const over of [{}, { temperature: 0.7, topK: 4 }, { topP: 0.8, minLength: 3 }, { maxLength: 3 }, { allowUnk: true }]) {
    const opts = { ...defaultSampleOptions, prime: Int32Array.from(prime), maxLength: 12, ...over };
    const sampler = createSampler(model, opts);
    const want = Array.from({ length: 23 }, (_, i) => {
      const gen = sampler.sample(streamRng(5, i));
      const ids: number[] = [];
      let r = gen.next();
      while (!r.done) { ids.push(r.value); r = gen.next(); }
      return { index: i, ids, end: r.value, logProb: sampler.logProb };
    });
    // the reference kernels compute each row alone, so the log-probabilities agree to the last bit too
    for (const lanes of [1, 3, 8, 40]) {
      assert.deepEqual([...sampleLanes(model, opts, 23, (i) => streamRng(5, i), lanes)], want, `${JSON.stringify(over)} lanes ${lanes}`);
    }
    assert.deepEqual([...sampleLanes(model, opts, 5, (i) => streamRng(5, i), 8)], want.slice(0, 5), 'fewer asked: the same first ones');
  }
});

test('sampleLanes: a stop test ends a sample early; the consumer may stop early', () => {
  const opts = { ...defaultSampleOptions, maxLength: 20, stopAt: (ids: readonly number[]) => ids.includes(5) };
  const got = [...sampleLanes(model, opts, 30, (i) => streamRng(2, i), 4)];
  assert.equal(got.length, 30);
  for (const s of got) {
    const at = s.ids.indexOf(5);
    if (s.end === 'stop') assert.equal(at, s.ids.length - 1, 'stopped at the token that satisfied the test');
    else assert.equal(at, -1);
  }
  assert.ok(got.some((s) => s.end === 'stop'));
  const gen = sampleLanes(model, opts, 1000, (i) => streamRng(2, i), 4);
  assert.deepEqual(gen.next().value, got[0]);
  assert.deepEqual(gen.return(undefined), { done: true, value: undefined });
  assert.deepEqual([...sampleLanes(model, opts, 0, (i) => streamRng(2, i))], []);
});

test('streamRng: streams of one seed differ from each other and from other seeds; the same stream repeats', () => {
  const first = (seed: number, i: number) => Array.from({ length: 4 }, ((r) => () => r.nextU32())(streamRng(seed, i)));
  const seen = new Set<string>();
  for (const seed of [0, 1, 2, 2 ** 40]) for (const i of [0, 1, 2, 3, 1000, 2 ** 33]) seen.add(first(seed, i).join(','));
  assert.equal(seen.size, 24);
  assert.deepEqual(first(7, 3), first(7, 3));
});

test('sampleLanes on the WebAssembly backend: each logProb is the float64 log P of what was drawn, to float32 rounding per token', () => {
  const wasm = createWasmKernels();
  assert.ok(wasm, 'WebAssembly SIMD is available on Node 20');
  const fast = createModel(config, wasm);
  fast.params.data.set(model.params.data); // the same weights as the reference model's
  const prime = [3, 4];
  const opts = { ...defaultSampleOptions, prime: Int32Array.from(prime), maxLength: 12, temperature: 0.8 };
  for (const s of sampleLanes(fast, opts, 20, (i) => streamRng(7, i), 4)) {
    // the reference forward pass on the same weights, its log-sum-exp in float64 Math
    const want = logProbOf(prime, s.ids, s.end === 'eos');
    const tokens = s.ids.length + (s.end === 'eos' ? 1 : 0);
    assert.ok(Math.abs(s.logProb - want) <= 1e-6 * tokens * Math.max(1, Math.abs(want) / tokens), `sample ${s.index}: ${s.logProb} vs ${want}`);
  }
});

test('sampleLanes stays lazy when samples end at their first token: the first is yielded after a bounded number of draws', () => {
  for (const over of [{ maxLength: 1 }, { maxLength: 1, prime: Int32Array.from([3]) }]) {
    let started = 0;
    const gen = sampleLanes(model, { ...defaultSampleOptions, ...over }, 1_000_000, (i) => { started++; return streamRng(4, i); }, 4);
    const first = gen.next();
    assert.equal(first.done, false);
    assert.equal((first.value as { index: number }).index, 0);
    assert.ok(started <= 2 * 4 + 4, `${started} samples begun before the first was yielded`);
    // and the samples are the same ones as with a count that ends early
    const some = [first.value, ...Array.from({ length: 29 }, () => gen.next().value)];
    assert.deepEqual(some, [...sampleLanes(model, { ...defaultSampleOptions, ...over }, 30, (i) => streamRng(4, i), 4)]);
  }
});
