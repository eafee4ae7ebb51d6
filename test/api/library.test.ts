/**
 * The library's score() and sample() keep their buffers per model: calling
 * them again and again takes no more memory (buffers in the WebAssembly
 * memory are never freed, so a new workspace per call would grow it forever).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sample, score, train } from '../../src/api/library.js';
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
