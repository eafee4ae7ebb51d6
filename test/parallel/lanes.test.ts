/**
 * Sampling lanes on two threads (src/parallel/lanes.ts): each thread steps a
 * workspace as wide as one thread's, so sample i is the very sample one
 * thread draws (ids, end and log-probability, to the last bit), for an LSTM
 * (h and c per lane) and a GRU (h only), primed or not, with the options that
 * touch the distribution; fewer samples than lanes; an early stop; close twice.
 * And the door: `rnnlm sample` starts threads for many samples only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, initModel, type ModelConfig } from '../../src/core/model.js';
import { createRng, streamRng } from '../../src/core/rng.js';
import { defaultSampleOptions, sampleLanes } from '../../src/core/sample.js';
import { createWasmKernels } from '../../src/core/wasm/wasm-kernels.js';
import { createThreadLanes } from '../../src/parallel/lanes.js';
import { samplingLanes, THREADED_SAMPLES } from '../../src/api/sample.js';
import { basicPlatform, type Platform } from '../../src/api/platform.js';
import type { Checkpoint } from '../../src/checkpoint/codec.js';

const wasm = createWasmKernels()!;

for (const cell of ['lstm', 'gru'] as const) {
  test(`${cell}: two threads draw the samples one thread draws, bit for bit`, async () => {
    const config: ModelConfig = { cell, peephole: false, layers: 2, hidden: 16, vocabSize: 13, embedding: 0, dropout: 0 };
    const model = createModel(config, wasm);
    initModel(model, createRng(4));
    const lanes = await createThreadLanes(model, 4, 2);
    try {
      assert.equal(lanes.threads, 2);
      assert.equal(lanes.count, 8);
      for (const over of [{}, { prime: Int32Array.from([3, 4, 5]), temperature: 0.7, topK: 5 }, { topP: 0.8, minLength: 2 }, { maxLength: 2 }]) {
        const opts = { ...defaultSampleOptions, maxLength: 15, ...over };
        const one = [...sampleLanes(model, opts, 37, (i) => streamRng(9, i), 4)];
        const two = [...sampleLanes(model, opts, 37, (i) => streamRng(9, i), lanes)];
        assert.deepEqual(two, one, JSON.stringify(over));
        assert.ok(new Set(one.map((s) => s.ids.join(','))).size > 5, 'the samples differ from one another');
        // fewer samples than lanes: the first ones
        assert.deepEqual([...sampleLanes(model, opts, 3, (i) => streamRng(9, i), lanes)], one.slice(0, 3));
      }
      // the consumer stops early; the lanes then serve another run from its start
      const gen = sampleLanes(model, { ...defaultSampleOptions, maxLength: 15 }, 1000, (i) => streamRng(1, i), lanes);
      const first = gen.next().value;
      gen.return(undefined);
      assert.deepEqual([...sampleLanes(model, { ...defaultSampleOptions, maxLength: 15 }, 1, (i) => streamRng(1, i), lanes)], [first]);
    } finally {
      await lanes.close();
      await lanes.close();
    }
  });
}

test('one thread asked, or a backend threads cannot share: the lanes of one workspace here', async () => {
  const config: ModelConfig = { cell: 'rnn', peephole: false, layers: 1, hidden: 8, vocabSize: 9, embedding: 0, dropout: 0 };
  const model = createModel(config);
  initModel(model, createRng(1));
  for (const lanes of [await createThreadLanes(model, 4, 2), await createThreadLanes(createModel(config, wasm), 4, 1)]) {
    assert.equal(lanes.threads, 1);
    assert.equal(lanes.count, 4);
    await lanes.close();
  }
});

test('samplingLanes: threads for many samples only, never for beam search, none on a platform without threads', async () => {
  const config: ModelConfig = { cell: 'gru', peephole: false, layers: 1, hidden: 8, vocabSize: 9, embedding: 0, dropout: 0 };
  const model = createModel(config, wasm);
  initModel(model, createRng(1));
  const ck = { model } as unknown as Checkpoint;
  const asked: number[] = [];
  const two: Platform = { ...basicPlatform(wasm), threads: 2, lanes: async (m, width, threads) => { asked.push(threads); return createThreadLanes(m, width, threads); } };
  assert.equal(await samplingLanes(two, ck, THREADED_SAMPLES - 1, false), null);
  assert.equal(await samplingLanes(two, ck, 1000, true), null);
  assert.equal(await samplingLanes(basicPlatform(wasm), ck, 1000, false), null);
  const lanes = await samplingLanes(two, ck, THREADED_SAMPLES, false);
  assert.ok(lanes);
  assert.deepEqual(asked, [2]);
  assert.equal(lanes.threads, 2);
  await lanes.close();
});
