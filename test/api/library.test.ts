/**
 * The library's score() and sample() keep their buffers per model: calling
 * them again and again takes no more memory (buffers in the WebAssembly
 * memory are never freed, so a new workspace per call would grow it forever).
 * And the library's functions are the api's on Node's platform.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, sample, score, train } from '../../src/node/library.js';
import { evaluate as apiEvaluate } from '../../src/api/evaluate.js';
import { sample as apiSample } from '../../src/api/sample.js';
import { score as apiScore } from '../../src/api/score.js';
import { nodePlatform } from '../../src/node/platform.js';
import { nodeBackend } from '../../src/node/backend.js';
import type { WasmKernels } from '../../src/core/wasm/wasm-kernels.js';

test('score() and sample() called many times: the WebAssembly memory stops growing after the first call', async () => {
  const text = 'emma\nolivia\nava\nisabella\nsophia\nmia\ncharlotte\namelia\n'.repeat(4);
  const { checkpoint } = await train(text, { hidden: 8, layers: 1, maxSteps: 2, valFraction: 0, threads: 1 });
  const wasm = nodeBackend() as WasmKernels;
  assert.equal(checkpoint.model.backend, wasm, 'the library computes on the process\'s WebAssembly backend');
  const first = score(checkpoint, ['emma', 'ava']);
  score(checkpoint, ['emma', 'ava', 'mia', 'x']);
  sample(checkpoint, { n: 2, seed: 1, prime: 'e' });
  const bytes = wasm.bytes();
  for (let i = 0; i < 20; i++) {
    const again = score(checkpoint, i % 2 ? ['emma', 'ava'] : ['emma', 'ava', 'mia', 'x']);
    assert.equal(again[0]!.logProb, first[0]!.logProb);
    sample(checkpoint, { n: 2, seed: i, prime: i % 2 ? 'e' : '' });
  }
  assert.equal(wasm.bytes() - bytes, 0, 'bytes allocated by 20 more calls of each');
});

test('the library\'s score, sample and evaluate are the api\'s on Node\'s platform', async () => {
  const text = 'emma\nolivia\nava\nisabella\nsophia\nmia\ncharlotte\namelia\n'.repeat(5);
  const { checkpoint } = await train(text, { hidden: 8, layers: 1, maxSteps: 3, valFraction: 0, threads: 1 });
  const names = text.trim().split('\n');
  // the library's score is synchronous (this thread); the api's uses the threads for full batches: equal to rounding
  const sync = score(checkpoint, names);
  const threaded = await apiScore(nodePlatform(), checkpoint, names);
  names.forEach((_, i) => assert.ok(Math.abs(sync[i]!.logProb - threaded[i]!.logProb) <= 1e-5 * Math.abs(sync[i]!.logProb), `${i}`));
  assert.deepEqual(sample(checkpoint, { n: 4, seed: 3, prime: 'a' }), apiSample(nodePlatform(), checkpoint, { n: 4, seed: 3, prime: 'a' }));
  assert.deepEqual(await evaluate(checkpoint, text, { batch: 8 }), await apiEvaluate(nodePlatform(), checkpoint, text, { batch: 8 }));
  // evaluate's cross-entropy is the scored sentences' mean −log P per token
  const e = await evaluate(checkpoint, text);
  const ce = -sync.reduce((s, x) => s + x.logProb, 0) / sync.reduce((n, x) => n + x.tokens, 0);
  assert.ok(Math.abs(e.crossEntropy - ce) < 1e-5 * ce, `${e.crossEntropy} vs ${ce}`);
});
