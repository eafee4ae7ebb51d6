/**
 * Training on two threads: the same parameters as one thread up to float32
 * summation order, bit-for-bit reproducible for a given thread count, and
 * resumable exactly (the carried state is gathered from both threads).
 * Clipping is on and active (the norm each step exceeds it), so the norm the
 * threads assemble from their slices decides every step's update; the resumed
 * run's Adam moments are ordinary Float32Arrays (outside the shared memory),
 * which takes the engine's one-thread update path: it must give the same bits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, initModel, type ModelConfig } from '../../src/core/model.js';
import { createRng } from '../../src/core/rng.js';
import { defaultTrainConfig, evaluate, evaluateOn, newTrainState, train, type TrainConfig } from '../../src/core/train.js';
import { createScorer } from '../../src/core/score.js';
import { createWorkspace } from '../../src/core/workspace.js';
import { buildVocab } from '../../src/core/vocab.js';
import { countTokens, encodeCorpus, type TokenizerConfig } from '../../src/core/tokenize.js';
import { createWasmKernels } from '../../src/core/wasm/wasm-kernels.js';

/** The backend threads can share: WebAssembly SIMD in one memory. */
const wasm = createWasmKernels()!;
import { createParallelEngine } from '../../src/parallel/engine.js';

const tok: TokenizerConfig = { level: 'char', lowercase: false, unkToken: null };
const lines = ['the cat sat on the mat', 'a dog ran far away', 'cats nap all day', 'the sun is hot today', 'we eat pears and apples',
  'birds sing at dawn', 'it rains in april', 'snow falls in winter', 'fish swim in the sea', 'owls hunt at night'];

/** `sgd`: an embedding (untied, row-sparse gradient: core/live-rows.ts) trained with SGD, whose threads share the live rows alone. */
async function run(threads: number, steps: number, from?: { params: Float32Array; state: ReturnType<typeof newTrainState> }, sgd = false) {
  const { vocab } = buildVocab(countTokens(lines, tok));
  const corpus = encodeCorpus(lines, vocab, tok);
  const config: ModelConfig = { cell: 'lstm', peephole: false, layers: 2, hidden: 24, vocabSize: vocab.tokens.length, embedding: sgd ? 10 : 0, dropout: 0.2 };
  const model = createModel(config, wasm);
  const rng = createRng(11);
  initModel(model, rng);
  const cfg: TrainConfig = {
    ...defaultTrainConfig, mode: 'stream', batch: 6, bptt: 8, epochs: 100, maxSteps: steps, evalEvery: 5, clip: 0.2,
    ...(sgd ? { lr: 1, optimizer: { kind: 'sgd' as const, beta1: 0.9, beta2: 0.999, eps: 1e-8 } } : {}),
  };
  let state = newTrainState(model, cfg, rng.state());
  const norms: number[] = [];
  if (from) { model.params.data.set(from.params); state = from.state; }
  const engine = await createParallelEngine(model, cfg.bptt, cfg.batch, threads);
  try {
    assert.equal(engine.threads, threads);
    await train(model, { train: corpus, val: null }, cfg, state, { onStep: (r) => { norms.push(r.gradNorm); } }, { engine });
  } finally {
    await engine.close();
  }
  // a deep copy: the carry belongs to the engine
  const copy = (v: ArrayLike<number> | null) => (v ? Float32Array.from(v) : null);
  const saved = { ...state, carry: copy(state.carry), opt: { ...state.opt, m: copy(state.opt.m), v: copy(state.opt.v) } };
  return { params: Float32Array.from(model.params.data), state: saved, norms };
}

test('two threads: same as one up to summation order; reproducible; resumable exactly', async () => {
  assert.ok(wasm, 'WebAssembly SIMD is available on Node 20');
  {
    const one = await run(1, 30);
    const two = await run(2, 30);
    const again = await run(2, 30);
    assert.ok(two.norms.every((n) => n > 0.2), `clipping active at every step (norms ${Math.min(...two.norms)}..)`);
    assert.deepEqual(new Uint8Array(two.params.buffer), new Uint8Array(again.params.buffer), 'same thread count, same bits');
    let num = 0, den = 0;
    for (let i = 0; i < one.params.length; i++) { num += (one.params[i]! - two.params[i]!) ** 2; den += one.params[i]! ** 2; }
    assert.ok(Math.sqrt(num / den) < 1e-3, `1 vs 2 threads: relative difference ${Math.sqrt(num / den)}`);
    const first = await run(2, 13);
    const resumed = await run(2, 30, first);
    assert.deepEqual(new Uint8Array(resumed.params.buffer), new Uint8Array(two.params.buffer), 'resumed = straight, bit for bit');
  }
  {
    // an embedding under SGD: the threads reduce and step the live rows alone, shared out by live elements
    const one = await run(1, 30, undefined, true);
    const two = await run(2, 30, undefined, true);
    const again = await run(2, 30, undefined, true);
    assert.ok(two.norms.every((n) => n > 0.2), 'clipping active at every step');
    assert.deepEqual(new Uint8Array(two.params.buffer), new Uint8Array(again.params.buffer), 'same thread count, same bits');
    let num = 0, den = 0;
    for (let i = 0; i < one.params.length; i++) { num += (one.params[i]! - two.params[i]!) ** 2; den += one.params[i]! ** 2; }
    assert.ok(Math.sqrt(num / den) < 1e-3, `1 vs 2 threads: relative difference ${Math.sqrt(num / den)}`);
    const first = await run(2, 13, undefined, true);
    const resumed = await run(2, 30, first, true);
    assert.deepEqual(new Uint8Array(resumed.params.buffer), new Uint8Array(two.params.buffer), 'resumed = straight, bit for bit');
  }
});

test('two threads score and evaluate as one does (up to rounding), and evaluation leaves the carried state as it was', async () => {
  assert.ok(wasm, 'WebAssembly SIMD is available on Node 20');
  {
    const { vocab } = buildVocab(countTokens(lines, tok));
    const corpus = encodeCorpus(lines, vocab, tok);
    const config: ModelConfig = { cell: 'gru', peephole: false, layers: 2, hidden: 20, vocabSize: vocab.tokens.length, embedding: 0, dropout: 0 };
    const model = createModel(config, wasm);
    initModel(model, createRng(3));
    const sentences = lines.map((l) => encodeCorpus([l], vocab, tok).ids.subarray(0, -1)); // without the EOS encodeCorpus appends
    const local = createScorer(model, { batch: 4, bptt: 8 }).score(sentences);
    const engine = await createParallelEngine(model, 8, 4, 2);
    try {
      assert.equal(engine.threads, 2);
      const threaded = createScorer(model, { batch: 4, bptt: 8 }, engine).score(sentences);
      threaded.forEach((s, i) => {
        assert.equal(s.tokens, local[i]!.tokens);
        s.tokenLogProbs.forEach((lp, t) => assert.ok(Math.abs(lp - local[i]!.tokenLogProbs[t]!) < 1e-5, `sentence ${i} token ${t}`));
      });
      for (const mode of ['sentences', 'stream'] as const) {
        const one = evaluate(model, corpus, mode, createWorkspace(model, 8, 4));
        const r = createRng(9);
        const before = Float32Array.from(engine.saveCarry(), () => r.uniform() - 0.5); // some carried state
        engine.loadCarry(before);
        const two = evaluateOn(engine, corpus, mode);
        assert.equal(two.tokens, one.tokens);
        assert.ok(Math.abs(two.loss - one.loss) < 1e-6, `${mode}: ${two.loss} vs ${one.loss}`);
        assert.deepEqual(Float32Array.from(engine.saveCarry()), before);
      }
    } finally {
      await engine.close();
    }
  }
});

/**
 * The gradient of one window on two threads (each computes its slots' part;
 * the parts are summed) against the one-thread engine, for the options the
 * two-thread runs above do not use: an adaptive softmax, tied embeddings, input,
 * word and locked dropout. The one-thread gradient is the float64 reference's
 * to float32 rounding (test/core/fast.test.ts), which finite differences
 * check (test/core/model.test.ts). Bound: the two differ by the order of one
 * sum over the slots in float32, a few u = 6e-8 relative; 1e-5 (RMS over the
 * arena) is asserted, while a thread's masks drawn for the wrong slots, a
 * row counted twice, or a part lost would be O(1).
 */
for (const [what, over] of [
  ['adaptive softmax, dropout', { embedding: 8, cutoffs: [6, 14], adaptiveDiv: 2, dropout: 0.2 }],
  ['tied, input and word dropout, locked', { embedding: 16, tied: true, inputDropout: 0.2, wordDropout: 0.3, lockedDropout: true, dropout: 0.1 }],
] as const) {
  test(`two threads' gradient of a window = one thread's (up to summation order): ${what}`, async () => {
    assert.ok(wasm, 'WebAssembly SIMD is available on Node 20');
    const { vocab } = buildVocab(countTokens(lines, tok));
    const corpus = encodeCorpus(lines, vocab, tok);
    const V = vocab.tokens.length;
    const config: ModelConfig = { cell: 'lstm', peephole: false, layers: 2, hidden: 16, vocabSize: V, ...over };
    const model = createModel(config, wasm);
    initModel(model, createRng(5));
    const T = 6, B = 4;
    const ids = corpus.ids;
    const win = {
      inputs: Int32Array.from({ length: T * B }, (_, i) => (i < B ? -1 : ids[(i * 7) % ids.length]!)),
      targets: Int32Array.from({ length: T * B }, (_, i) => (i % 5 === 4 ? -1 : ids[(i * 7 + 3) % ids.length]!)),
      T, reset: true, tokens: 0, batch: new Int32Array(0), start: 0,
    };
    win.tokens = win.targets.filter((y) => y >= 0).length;
    const { localEngine } = await import('../../src/core/engine.js');
    const { allocParams } = await import('../../src/core/params.js');
    const one = localEngine(model, T, B);
    one.reset();
    const g1 = allocParams(model.layout, wasm.alloc);
    const l1 = one.gradients(win, g1, 1 / win.tokens, 77);
    const engine = await createParallelEngine(model, T, B, 2);
    try {
      assert.equal(engine.threads, 2);
      engine.reset();
      const g2 = allocParams(model.layout, wasm.alloc);
      const l2 = engine.gradients(win, g2, 1 / win.tokens, 77);
      assert.ok(Math.abs(l1 - l2) < 1e-5 * l1, `loss ${l2} vs ${l1}`);
      let num = 0, den = 0;
      for (let i = 0; i < g1.data.length; i++) { num += (g1.data[i]! - g2.data[i]!) ** 2; den += g1.data[i]! ** 2; }
      assert.ok(den > 0 && Math.sqrt(num / den) < 1e-5, `relative difference ${Math.sqrt(num / den)}`);
    } finally {
      await engine.close();
    }
  });
}
