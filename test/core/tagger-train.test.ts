/**
 * The tagger trained with the existing optimizer (optimizer.ts) on the
 * production backend (WebAssembly, float32): a tiny labelled set whose labels
 * depend on the NEXT word (so only the reverse direction can learn them) is
 * learned to 100% token accuracy within a few hundred Adam steps; and the
 * float32 forward and gradient on that backend agree with the float64
 * reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float64Backend, type Backend } from '../../src/core/backend.js';
import { createWasmKernels } from '../../src/core/wasm/wasm-kernels.js';
import { alloc64, allocParams } from '../../src/core/params.js';
import { createRng } from '../../src/core/rng.js';
import { createOptimizerState, defaultOptimizer, optimizerStep } from '../../src/core/optimizer.js';
import {
  createTagger, initTagger, taggerBackward, taggerForward, taggerPredict, taggerWorkspaceFor, type TaggerConfig,
} from '../../src/core/tagger.js';
import { labelledCount, makeTaggerBatch, type TaggedSentence } from '../../src/core/tagger-batch.js';
import { randomFill } from '../helpers/gradcheck.js';

const wasm = createWasmKernels();

// word ids (0 = <UNK>); the nouns are dog and cat
const ID: Record<string, number> = { the: 1, dog: 2, cat: 3, runs: 4, sleeps: 5, big: 6 };
const NOUN = new Set(['dog', 'cat']);
const CHARS = [...new Set(Object.keys(ID).join(''))].sort(); // char id = 1 + index (0 = <UNK>)
const text = ['the dog runs', 'the big cat sleeps', 'big dog sleeps', 'the cat', 'runs the dog', 'the big big dog'];
/** The label of a word is about the word AFTER it: 0 a noun follows, 1 another word follows, 2 the sentence ends. */
const labelled: TaggedSentence[] = text.map((line) => {
  const w = line.split(' ');
  return {
    words: w.map((x) => ID[x]!),
    labels: w.map((_, t) => (t + 1 === w.length ? 2 : NOUN.has(w[t + 1]!) ? 0 : 1)),
    chars: w.map((x) => [...x].map((ch) => 1 + CHARS.indexOf(ch))),
  };
});

test('the labels cannot be learned left to right: equal prefixes carry different labels (only the reverse direction sees the next word)', () => {
  const seen = new Map<string, number>();
  let conflicts = 0;
  for (const s of labelled) {
    for (let t = 0; t < s.words.length; t++) {
      const prefix = Array.from(s.words).slice(0, t + 1).join(' ');
      const y = s.labels![t]!;
      if (seen.has(prefix) && seen.get(prefix) !== y) conflicts++;
      seen.set(prefix, y);
    }
  }
  assert.ok(conflicts >= 2, `${conflicts} conflicting prefixes`);
});

/**
 * Adam on the mean cross-entropy of the whole set as one batch until every
 * word is tagged right. `forwardOnly`: the classifier's columns that read the
 * reverse direction are held at zero (the ablation: left to right only).
 */
function overfit(config: TaggerConfig, backend: Backend, lr: number, maxSteps: number, forwardOnly = false): { steps: number; ms: number; accuracy: number } {
  const start = performance.now();
  const model = createTagger(config, backend);
  initTagger(model, createRng(1));
  const batch = makeTaggerBatch(config.chars ? labelled : labelled.map(({ words, labels }) => ({ words, labels: labels! })));
  const ws = taggerWorkspaceFor(model, batch);
  const grads = allocParams(model.layout, backend.alloc);
  const opt = createOptimizerState(defaultOptimizer, model.layout.total, backend.alloc);
  const rng = createRng(2);
  const total = labelledCount(batch, batch.labels);
  const W = model.params.views['classifier.weight']!, H = config.hidden;
  const ablate = () => { if (forwardOnly) for (let k = 0; k < config.labels; k++) W.fill(0, k * 2 * H + H, (k + 1) * 2 * H); };
  ablate();
  let best = 0;
  for (let step = 1; step <= maxSteps; step++) {
    grads.data.fill(0);
    taggerForward(model, ws, batch, rng);
    taggerBackward(model, ws, batch.labels, grads, 1 / total); // the mean over the words
    optimizerStep(model.params.data, grads.data, opt, defaultOptimizer, lr);
    ablate();
    const p = taggerPredict(model, ws, batch);
    const accuracy = p.labels.reduce((n, y, r) => n + (batch.labels[r]! >= 0 && y === batch.labels[r] ? 1 : 0), 0) / total;
    best = Math.max(best, accuracy);
    if (accuracy === 1) return { steps: step, ms: performance.now() - start, accuracy };
  }
  return { steps: maxSteps, ms: performance.now() - start, accuracy: best };
}

const base: TaggerConfig = { cell: 'lstm', peephole: false, layers: 1, hidden: 8, vocabSize: 7, embedding: 8, labels: 3, dropout: 0 };
for (const [name, config] of [
  ['bidirectional LSTM', base],
  ['bidirectional GRU with the char representation and dropout 0.1', { ...base, cell: 'gru', dropout: 0.1, chars: { vocabSize: CHARS.length + 1, embedding: 4, hidden: 4 } }],
] as [string, TaggerConfig][]) {
  test(`overfit: a ${name} learns next-word labels of 6 sentences to 100% token accuracy with Adam in well under 5 s`, (t) => {
    assert.ok(wasm, 'WebAssembly SIMD is available on Node 20');
    const r = overfit(config, wasm, 0.05, 400);
    t.diagnostic(`${r.steps} steps, ${r.ms.toFixed(0)} ms`);
    assert.equal(r.accuracy, 1, `accuracy ${r.accuracy} after ${r.steps} steps`);
    assert.ok(r.ms < 5000, `${r.ms} ms`);
  });
}

test('ablation: the same LSTM with the classifier blind to the reverse direction never gets every word right', (t) => {
  assert.ok(wasm);
  const r = overfit(base, wasm, 0.05, 150, true);
  t.diagnostic(`best accuracy ${r.accuracy.toFixed(3)} in ${r.steps} steps, ${r.ms.toFixed(0)} ms`);
  assert.ok(r.accuracy < 1, `best accuracy ${r.accuracy}`);
});

/**
 * Every cell kind (the LSTM with and without peepholes: only the one without runs
 * the WebAssembly LSTM step, the peephole one the reference step), H = 8 so that
 * the fast steps' 4-wide blocks run as well as H = 6's tail. The bounds are
 * float32's (u ≈ 6e-8) over sums of at most a few dozen products through 5
 * steps each way: errors of a few 1e-6 relative; a missing or wrong term is O(1).
 */
const wasmVariants: { cell: TaggerConfig['cell']; peephole: boolean; hidden: number }[] = [
  { cell: 'lstm', peephole: true, hidden: 6 }, { cell: 'lstm', peephole: false, hidden: 8 }, { cell: 'gru', peephole: false, hidden: 8 },
  { cell: 'gru-simple', peephole: false, hidden: 6 }, { cell: 'rnn', peephole: false, hidden: 8 },
];
for (const v of wasmVariants) test(`the WebAssembly float32 tagger agrees with the float64 reference: log-probabilities within 1e-5, gradient within 1e-4 relative (${v.cell}${v.peephole ? ' with peepholes' : ''}, H = ${v.hidden})`, () => {
  assert.ok(wasm);
  const config: TaggerConfig = { ...base, ...v, layers: 2, dropout: 0.2, chars: { vocabSize: CHARS.length + 1, embedding: 3, hidden: 3 } };
  const ref = createTagger(config, float64Backend);
  initTagger(ref, createRng(3));
  randomFill(ref.params.data as Float64Array, 5, 0.5);
  const fast = createTagger(config, wasm);
  fast.params.data.set(ref.params.data);
  const batch = makeTaggerBatch(labelled);
  const run = (m: typeof ref) => {
    const ws = taggerWorkspaceFor(m, batch);
    const logp = Float64Array.from(taggerForward(m, ws, batch, createRng(8)));
    const grads = allocParams(m.layout, m === ref ? alloc64 : m.backend.alloc);
    const loss = taggerBackward(m, ws, batch.labels, grads);
    return { logp, grads: Float64Array.from(grads.data), loss: loss.sum };
  };
  const a = run(fast), b = run(ref);
  for (let b0 = 0; b0 < batch.B; b0++) {
    for (let t = 0; t < batch.lengths[b0]!; t++) {
      const r = t * batch.B + b0;
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(a.logp[r * 3 + k]! - b.logp[r * 3 + k]!) < 1e-5, `log P at ${r}, ${k}`);
    }
  }
  assert.ok(Math.abs(a.loss - b.loss) < 1e-5 * b.loss);
  let num = 0, den = 0;
  for (let i = 0; i < b.grads.length; i++) { num += (a.grads[i]! - b.grads[i]!) ** 2; den += b.grads[i]! ** 2; }
  assert.ok(Math.sqrt(num / den) < 1e-4, `gradient relative error ${Math.sqrt(num / den)}`);
  assert.ok(wasm.owns(fast.params.data), 'the fast tagger computes in WebAssembly memory');
});
