/**
 * The fast (WebAssembly) kernels inside the model: gradients of a whole
 * stacked model computed in float32 with them agree with the float64
 * reference gradients, and training with them follows the reference run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backward, createModel, forward, initModel, usesDropout, type ModelConfig } from '../../src/core/model.js';
import { localEngine } from '../../src/core/engine.js';
import type { Window } from '../../src/core/batches.js';
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

/**
 * The path training runs (the audit of issue "every backward checked" found the
 * comparison above covers four plain configurations only): `localEngine.gradients`
 * — forward (decode off with an adaptive softmax), outputLoss, backward, the
 * gradient zeroed first — on the WebAssembly float32 backend against the same
 * engine on the float64 reference, whose backward test/core/model.test.ts checks
 * against finite differences for each of these options. The dropout masks are a
 * function of the seed and the unit's position alone (hashUniform), so both
 * backends drop the same units.
 *
 * Bound. Each gradient element is a sum of products over at most T·B = 35 rows
 * and K ≤ 4H = 52 terms, through T = 7 steps of σ/tanh (within 5u each), with
 * u = 2⁻²⁴ ≈ 6e-8: a relative error of a few hundred u ≈ 1e-5 on the whole
 * vector at worst; 1e-4 (RMS over the arena, and per tensor) is asserted.
 * A wrong or missing term — a dropout mask not applied in backward, a tail
 * cluster's rows skipped, the tied decoder's share lost — moves the gradient
 * by O(1) relative to it.
 */
interface ProductVariant { cell: CellKind; peephole?: boolean; embedding: number; V?: number; tied?: boolean; dropout?: number;
  inputDropout?: number; wordDropout?: number; lockedDropout?: boolean; cutoffs?: number[]; adaptiveDiv?: number }
const productVariants: ProductVariant[] = [
  // the LSTM without peepholes: the only model-level run of the WebAssembly LSTM step (the peephole LSTM runs the reference step)
  { cell: 'lstm', embedding: 0 },
  // one-hot input with V > 4·T·B: W_ih's columns gathered row by row instead of through the transposed table
  { cell: 'lstm', embedding: 0, V: 160 },
  { cell: 'gru', embedding: 6, dropout: 0.3 },
  { cell: 'rnn', embedding: 6, dropout: 0.3, lockedDropout: true, inputDropout: 0.2 },
  { cell: 'lstm', embedding: 6, dropout: 0.2, inputDropout: 0.3, wordDropout: 0.3 },
  { cell: 'gru-simple', embedding: 13, tied: true, dropout: 0.25, wordDropout: 0.2 },
  { cell: 'lstm', embedding: 13, tied: true, inputDropout: 0.3, lockedDropout: true },
  { cell: 'lstm', embedding: 6, cutoffs: [3, 6], adaptiveDiv: 2, dropout: 0.3 },
  { cell: 'gru', embedding: 0, cutoffs: [4], adaptiveDiv: 1.5 },
  { cell: 'lstm', peephole: true, embedding: 5, cutoffs: [2, 5, 8], adaptiveDiv: 2, inputDropout: 0.2, lockedDropout: true },
];
const productName = (v: ProductVariant) => `${v.cell}${v.peephole ? ' (peepholes)' : ''}, ${v.embedding ? `embedding ${v.embedding}` : 'one-hot'}, V ${v.V ?? V}`
  + [v.tied && 'tied', v.dropout && `dropout ${v.dropout}`, v.inputDropout && `input dropout ${v.inputDropout}`, v.wordDropout && `word dropout ${v.wordDropout}`,
    v.lockedDropout && 'locked', v.cutoffs && `adaptive ${v.cutoffs.join(',')} ÷${v.adaptiveDiv}`].filter(Boolean).map((x) => `, ${x}`).join('');

function engineGradients(v: ProductVariant, backend: Backend) {
  const Vv = v.V ?? V;
  const { V: _v, ...rest } = v;
  const config: ModelConfig = { peephole: false, layers: 2, hidden: 13, vocabSize: Vv, dropout: 0, ...rest };
  const model = createModel(config, backend);
  initModel(model, createRng(4));
  const rng = createRng(9);
  const inputs = Int32Array.from({ length: T * B }, (_, i) => (i < B ? -1 : rng.int(Vv)));
  const targets = Int32Array.from({ length: T * B }, (_, i) => (i % 7 === 3 ? -1 : rng.int(Vv)));
  const engine = localEngine(model, T, B);
  engine.reset();
  const grads = allocParams(model.layout, backend.alloc);
  grads.data.fill(1); // the engine overwrites the gradient
  const win: Window = { inputs, targets, T, reset: true, tokens: targets.filter((y) => y >= 0).length, batch: new Int32Array(0), start: 0 };
  const loss = engine.gradients(win, grads, 1 / win.tokens, usesDropout(config) ? 1234 : null);
  return { model, grads, loss };
}

for (const v of productVariants) {
  test(`training's engine, float32 with the fast kernels = float64 reference gradient: ${productName(v)}`, () => {
    assert.ok(wasm, 'WebAssembly SIMD is available on Node 20');
    const fast = engineGradients(v, wasm);
    assert.ok(wasm.owns(fast.grads.data), 'the gradients live in WebAssembly memory, so the fast path ran');
    const ref = engineGradients(v, float64Backend);
    assert.ok(Math.abs(fast.loss - ref.loss) < 1e-5 * ref.loss, `loss ${fast.loss} vs ${ref.loss}`);
    let num = 0, den = 0;
    for (const t of ref.model.layout.tensors) {
      const a = fast.grads.views[t.name]!, b = ref.grads.views[t.name]!;
      let n = 0, d = 0;
      for (let i = 0; i < b.length; i++) { n += (a[i]! - b[i]!) ** 2; d += b[i]! ** 2; }
      assert.ok(d > 0, `${t.name} gets a gradient`);
      assert.ok(Math.sqrt(n / d) < 1e-4, `${t.name}: relative error ${Math.sqrt(n / d)}`);
      num += n; den += d;
    }
    assert.ok(Math.sqrt(num / den) < 1e-4, `relative error ${Math.sqrt(num / den)}`);
  });
}
