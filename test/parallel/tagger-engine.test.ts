/**
 * The tagger's data-parallel engine: the gradient of a batch split among 2
 * and 3 threads is the one-thread gradient up to the order of the sums
 * (dropout on, chars on: each thread's masks are those of its slots in the
 * whole batch), the same loss, and the same draws from the Rng; a given
 * thread count is reproducible bit for bit; a thread whose share is empty
 * adds nothing; a batch larger than the engine was made for is refused; the
 * TypeScript reference runs on one thread and says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceBackend } from '../../src/core/backend.js';
import { allocParams } from '../../src/core/params.js';
import { createRng } from '../../src/core/rng.js';
import { createTagger, initTagger, type TaggerConfig } from '../../src/core/tagger.js';
import { localTaggerEngine, type TaggerEngineCapacity } from '../../src/core/tagger-engine.js';
import { makeTaggerBatch, sliceTaggerBatch, type TaggedSentence } from '../../src/core/tagger-batch.js';
import { createWasmKernels } from '../../src/core/wasm/wasm-kernels.js';
import { createTaggerParallelEngine } from '../../src/parallel/tagger-engine.js';

const wasm = createWasmKernels()!;
const config: TaggerConfig = { cell: 'lstm', peephole: false, layers: 2, hidden: 6, vocabSize: 9, embedding: 5, labels: 4, dropout: 0.3, chars: { vocabSize: 7, embedding: 3, hidden: 4 } };
const capacity: TaggerEngineCapacity = { words: 64, sentences: 8, chars: 6, batchWords: 64 };

function sentences(seed: number, n: number): TaggedSentence[] {
  const r = createRng(seed);
  return Array.from({ length: n }, () => {
    const len = 1 + r.int(6);
    return {
      words: Array.from({ length: len }, () => r.int(9)),
      labels: Array.from({ length: len }, () => (r.int(5) === 0 ? -1 : r.int(4))),
      chars: Array.from({ length: len }, () => Array.from({ length: r.int(6) }, () => r.int(7))),
    };
  });
}

function tagger() {
  const m = createTagger(config, wasm);
  initTagger(m, createRng(3));
  return m;
}

test('2 and 3 threads: the one-thread gradient and loss (up to summation order), the same Rng draws, reproducible bit for bit', async () => {
  const m = tagger();
  const batch = makeTaggerBatch(sentences(1, 7));
  const one = localTaggerEngine(m, capacity);
  const g1 = allocParams(m.layout, wasm.alloc);
  const r1 = createRng(11);
  const loss1 = one.gradients(batch, batch.labels, g1, 0.1, r1);
  for (const threads of [2, 3]) {
    const eng = await createTaggerParallelEngine(m, threads, capacity);
    try {
      assert.equal(eng.threads, threads);
      assert.equal(eng.fallback, null);
      const runs = [0, 1].map(() => {
        const g = allocParams(m.layout, wasm.alloc);
        const r = createRng(11);
        const loss = eng.gradients(batch, batch.labels, g, 0.1, r);
        const q = createRng(11);
        q.nextU32();
        assert.equal(r.nextU32(), q.nextU32(), 'exactly one draw (the dropout seed), as on one thread');
        return { loss, g: Float32Array.from(g.data) };
      });
      assert.deepEqual(runs[0]!.g, runs[1]!.g, 'the same thread count: the same bits');
      assert.equal(runs[0]!.loss, runs[1]!.loss);
      assert.ok(Math.abs(runs[0]!.loss - loss1) <= 1e-9 * Math.abs(loss1), `loss ${runs[0]!.loss} vs ${loss1}`);
      let worst = 0;
      for (let i = 0; i < g1.data.length; i++) worst = Math.max(worst, Math.abs(runs[0]!.g[i]! - g1.data[i]!) / (1e-6 + Math.abs(g1.data[i]!)));
      assert.ok(worst < 1e-3, `worst relative difference ${worst} (float32 sums in another order)`);
      let max = 0;
      for (const v of g1.data) max = Math.max(max, Math.abs(v));
      assert.ok(max > 0, 'a non-zero gradient');
    } finally {
      await eng.close();
    }
  }
});

test('a thread whose share is empty adds nothing; a batch beyond the capacity is refused; the reference backend runs here', async () => {
  const m = tagger();
  const eng = await createTaggerParallelEngine(m, 2, capacity);
  try {
    const batch = makeTaggerBatch(sentences(2, 1));
    const g = allocParams(m.layout, wasm.alloc);
    const g1 = allocParams(m.layout, wasm.alloc);
    const loss = eng.gradients(batch, batch.labels, g, 1, null);
    const want = localTaggerEngine(m, capacity).gradients(batch, batch.labels, g1, 1, null);
    assert.equal(loss, want);
    assert.deepEqual(Float32Array.from(g.data), Float32Array.from(g1.data), 'one sentence: all on the main thread, the same bits');
    const big = makeTaggerBatch(sentences(3, 9));
    assert.throws(() => eng.gradients(big, big.labels, g, 1, null), /larger than the engine was made for/);
  } finally {
    await eng.close();
  }
  const ref = createTagger(config, referenceBackend);
  const e = await createTaggerParallelEngine(ref, 2, capacity);
  assert.equal(e.threads, 1);
  assert.match(e.fallback ?? '', /typescript backend runs on one thread/);
});

test('sliceTaggerBatch: slots b0…b1 with their words, labels, lengths and chars', () => {
  const b = makeTaggerBatch(sentences(4, 5));
  const part = sliceTaggerBatch(b, b.labels, 1, 3);
  const whole = makeTaggerBatch(sentences(4, 5).slice(1, 3));
  assert.equal(part.B, 2);
  for (let bb = 0; bb < 2; bb++) {
    assert.equal(part.lengths[bb], whole.lengths[bb]);
    for (let t = 0; t < whole.lengths[bb]!; t++) {
      assert.equal(part.words[t * 2 + bb], whole.words[t * whole.B + bb]);
      assert.equal(part.labels[t * 2 + bb], whole.labels[t * whole.B + bb]);
      const n = whole.chars!.lengths[t * whole.B + bb]!;
      assert.equal(part.chars!.lengths[t * 2 + bb], n);
      for (let i = 0; i < n; i++) assert.equal(part.chars!.ids[(t * 2 + bb) * part.chars!.width + i], whole.chars!.ids[(t * whole.B + bb) * whole.chars!.width + i]);
    }
  }
  assert.throws(() => sliceTaggerBatch(b, b.labels, 3, 3), /not a part/);
});
