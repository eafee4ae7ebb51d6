/**
 * Element-wise benchmark: ns per element of the reference (float64 Math.exp /
 * Math.tanh in TypeScript) and the WebAssembly SIMD element-wise functions
 * (σ, tanh, exp, softmax + cross-entropy), then training tokens/s of two
 * LSTMs with the fast products and the element-wise table set to each of the
 * two. Median of several timed runs after warm-up.
 *
 *   node dist/test/bench/elementwise-bench.js [--quick] [--only=kernels|char|word]
 *
 * Not a test (no assertions); prints tables.
 *
 * Training step (as core/engine.ts + core/train.ts do per window): forward,
 * softmaxCrossEntropy with the gradient (mean over the T·B tokens),
 * grads.fill(0), backward, clipGlobalNorm(5), Adam (lr 2e-3), carry the state.
 * Token ids are uniform random from a seeded Rng. tokens/s = T·B / seconds per
 * step. "reference" keeps the WebAssembly products and memory and only swaps
 * the element-wise functions back to the reference: a second model, with the
 * same initial parameters, on the backend value { ...wasm, elementwise:
 * referenceElementwise, steps: {} } (no fast cell steps: the LSTM runs its
 * reference step).
 */
import { performance } from 'node:perf_hooks';

import type { Backend } from '../../src/core/backend.js';
import { referenceElementwise, type Elementwise } from '../../src/core/elementwise.js';
import { softmaxCrossEntropy } from '../../src/core/loss.js';
import { backward, createModel, forward, initModel, type ModelConfig } from '../../src/core/model.js';
import { clipGlobalNorm, createOptimizerState, defaultOptimizer, optimizerStep } from '../../src/core/optimizer.js';
import { allocParams } from '../../src/core/params.js';
import { createRng } from '../../src/core/rng.js';
import { carryState, createWorkspace } from '../../src/core/workspace.js';
import { nodeBackend } from '../../src/node/backend.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice(7);

/** The CLI's WebAssembly backend (asked with an empty environment, so that RNNLM_KERNELS=js does not hide it). */
const wasm: Backend = nodeBackend({});
if (wasm.name !== 'wasm') {
  console.log('WebAssembly SIMD unavailable: nothing to compare.');
  process.exit(0);
}
const wasmElementwise: Elementwise = wasm.elementwise;
/** The WebAssembly products and memory with the reference element-wise functions. */
const refElementwiseBackend: Backend = { ...wasm, name: 'wasm products, reference element-wise', elementwise: referenceElementwise, steps: {} };

/** Median and best seconds per call: warm-up of ≥ 0.3 s, then `runs` samples of ≥ 20 ms each. */
function time(run: () => void, runs: number): { median: number; best: number } {
  const t0 = performance.now();
  let calls = 0;
  while (calls < 3 || performance.now() - t0 < 300) {
    run();
    calls++;
  }
  const per = (performance.now() - t0) / calls;
  const reps = Math.max(1, Math.ceil(20 / Math.max(per, 1e-4)));
  const ts: number[] = [];
  for (let r = 0; r < runs; r++) {
    const s = performance.now();
    for (let i = 0; i < reps; i++) run();
    ts.push((performance.now() - s) / 1000 / reps);
  }
  ts.sort((a, b) => a - b);
  return { median: ts[Math.floor(ts.length / 2)]!, best: ts[0]! };
}

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

// ------------------------------------------------------------ ns per element

function kernelsTable(): void {
  const alloc = wasm.alloc;
  const runs = quick ? 5 : 11;
  const rows: string[][] = [['function', 'shape', 'ref ns/elem', 'wasm ns/elem', 'speed-up']];
  // σ / tanh / exp on a block of the cache's size (B = 32 rows of H = 128), inputs in −10..10
  const n = 32 * 128;
  const src = new Float32Array(n);
  for (let i = 0; i < n; i++) src[i] = 20 * ((i * 0.6180339887) % 1) - 10;
  const x = alloc(n);
  for (const name of ['sigmoid', 'tanh', 'exp'] as const) {
    const per = (impl: Elementwise) => time(() => { x.set(src); impl[name](x, 0, n); }, runs).median / n;
    const copy = time(() => x.set(src), runs).median / n; // subtracted: the refill between calls
    const r = per(referenceElementwise) - copy, w = per(wasmElementwise) - copy;
    rows.push([name, `${n} contiguous`, (r * 1e9).toFixed(2), (w * 1e9).toFixed(2), `${(r / w).toFixed(1)}×`]);
  }
  // softmax + cross-entropy with the gradient, R rows of V (the row refilled before each call)
  for (const [R, V] of [[2048, 65], [140, 10000]] as const) {
    const logits = alloc(R * V);
    const z = new Float32Array(R * V);
    const rng = createRng(3);
    for (let i = 0; i < z.length; i++) z[i] = 4 * (rng.uniform() - 0.5);
    const targets = Int32Array.from({ length: R }, () => rng.int(V));
    const copy = time(() => logits.set(z), runs).median;
    const per = (impl: Elementwise, grad: boolean) => {
      const t = time(() => { logits.set(z); softmaxCrossEntropy(impl, logits, R, V, targets, grad, 1 / R); }, runs).median;
      return (t - copy) / (R * V);
    };
    for (const grad of [true, false]) {
      const r = per(referenceElementwise, grad), w = per(wasmElementwise, grad);
      rows.push([`softmaxCE${grad ? '+grad' : ''}`, `${R}×${V}`, (r * 1e9).toFixed(2), (w * 1e9).toFixed(2), `${(r / w).toFixed(1)}×`]);
    }
  }
  table(rows);
  console.log('ns/elem: median per element; the refill of the input (a copy) is timed separately and subtracted.\n');
}

// ------------------------------------------------------------ training tokens/s

interface TrainShape {
  name: string;
  config: ModelConfig;
  B: number;
  T: number;
}

const SHAPES: TrainShape[] = [
  { name: 'char', config: { cell: 'lstm', peephole: false, layers: 2, hidden: 128, vocabSize: 65, embedding: 0, dropout: 0 }, B: 32, T: 64 },
  { name: 'word', config: { cell: 'lstm', peephole: false, layers: 2, hidden: 200, vocabSize: 10000, embedding: 200, dropout: 0 }, B: 20, T: 35 },
];

function trainTokensPerSecond(s: TrainShape, runs: number): { ref: number; wasm: number } {
  const { config, B, T } = s;
  const rng = createRng(7);
  const V = config.vocabSize;
  /** One model per backend value (a model keeps its backend); the second starts from the first's parameters. */
  const first = createModel(config, wasm);
  initModel(first, rng);
  const inputs = Int32Array.from({ length: T * B }, () => rng.int(V));
  const targets = Int32Array.from({ length: T * B }, () => rng.int(V));
  const stepOn = (backend: Backend): (() => void) => {
    const model = backend === wasm ? first : createModel(config, backend);
    if (model !== first) model.params.data.set(first.params.data);
    const E = backend.elementwise;
    const ws = createWorkspace(model, T, B);
    const grads = allocParams(model.layout, backend.alloc);
    const opt = createOptimizerState(defaultOptimizer, model.layout.total, backend.alloc);
    return () => {
      forward(model, ws, inputs, T, null);
      softmaxCrossEntropy(E, ws.logits, T * B, V, targets, true, 1 / (T * B));
      grads.data.fill(0);
      backward(model, ws, grads, T);
      clipGlobalNorm(grads.data, 5);
      optimizerStep(model.params.data, grads.data, opt, defaultOptimizer, 2e-3);
      carryState(ws, T);
    };
  };
  const refStep = stepOn(refElementwiseBackend);
  const wasmStep = stepOn(wasm);
  const measure = (step: () => void): number => (T * B) / time(step, runs).median;
  // alternate, so that a change of machine load hits both alike
  const ref: number[] = [], wasmRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    ref.push(measure(refStep));
    wasmRuns.push(measure(wasmStep));
  }
  const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  return { ref: med(ref), wasm: med(wasmRuns) };
}

function trainingTable(): void {
  const rows: string[][] = [['model', 'B×T', 'ref elementwise tok/s', 'wasm elementwise tok/s', 'speed-up']];
  for (const s of SHAPES) {
    if (only !== undefined && only !== s.name) continue;
    const { ref, wasm } = trainTokensPerSecond(s, quick ? 3 : 5);
    const c = s.config;
    rows.push([`${s.name} lstm ${c.layers}×${c.hidden} V=${c.vocabSize}${c.embedding ? ` E=${c.embedding}` : ''}`, `${s.B}×${s.T}`, ref.toFixed(0), wasm.toFixed(0), `${(wasm / ref).toFixed(2)}×`]);
  }
  table(rows);
  console.log('tokens/s: T·B per training step (forward, softmax-CE + gradient, backward, clip, Adam), median; products in WebAssembly in both columns.');
}

if (only === undefined || only === 'kernels') kernelsTable();
if (only === undefined || only === 'char' || only === 'word') trainingTable();

