/**
 * Training tokens/s with everything the CLI uses: the WebAssembly backend
 * (nodeBackend(): products, element-wise kernels, memory) and the data-parallel engine on
 * 1 and 2 threads. Same step and timing rule as bench.ts (a full step:
 * forward, loss, backward, clipping, Adam; median of 5 runs of ~1.5 s after
 * a warm-up). Not a test: `node dist/test/bench/threads-bench.js [config …]`.
 */
import { availableParallelism } from 'node:os';
import { createModel, initModel, type ModelConfig } from '../../src/core/model.js';
import { allocParams } from '../../src/core/params.js';
import { createRng } from '../../src/core/rng.js';
import { clipGlobalNorm, createOptimizerState, defaultOptimizer, optimizerStep } from '../../src/core/optimizer.js';
import { createParallelEngine } from '../../src/parallel/engine.js';
import type { Window } from '../../src/core/batches.js';
import { nodeBackend } from '../../src/node/backend.js';

/** The CLI's WebAssembly backend (asked with an empty environment, so that RNNLM_KERNELS=js does not hide it). */
const backend = nodeBackend({});

interface Config { name: string; cell: 'lstm' | 'gru'; layers: number; hidden: number; V: number; E: number; B: number; T: number }
const CONFIGS: Config[] = [
  { name: 'char-lstm-1x128', cell: 'lstm', layers: 1, hidden: 128, V: 65, E: 0, B: 32, T: 64 },
  { name: 'char-lstm-2x256', cell: 'lstm', layers: 2, hidden: 256, V: 65, E: 0, B: 32, T: 64 },
  { name: 'char-gru-2x256', cell: 'gru', layers: 2, hidden: 256, V: 65, E: 0, B: 32, T: 64 },
  { name: 'char-lstm-1x512', cell: 'lstm', layers: 1, hidden: 512, V: 65, E: 0, B: 32, T: 64 },
  { name: 'word-lstm-2x200', cell: 'lstm', layers: 2, hidden: 200, V: 10_000, E: 200, B: 20, T: 35 },
];

async function measure(c: Config, threads: number): Promise<number> {
  const config: ModelConfig = { cell: c.cell, peephole: false, layers: c.layers, hidden: c.hidden, vocabSize: c.V, embedding: c.E, dropout: 0 };
  const model = createModel(config, backend);
  initModel(model, createRng(1));
  const engine = await createParallelEngine(model, c.T, c.B, threads);
  if (engine.fallback) process.stderr.write(`${c.name}: ${engine.threads} thread(s), not ${threads}: ${engine.fallback}\n`);
  const grads = allocParams(model.layout, backend.alloc);
  const opt = createOptimizerState(defaultOptimizer, model.layout.total, backend.alloc);
  const rng = createRng(7);
  const TB = c.T * c.B;
  const win: Window = {
    inputs: Int32Array.from({ length: TB }, () => rng.int(c.V)), targets: Int32Array.from({ length: TB }, () => rng.int(c.V)),
    T: c.T, reset: false, tokens: TB, batch: new Int32Array(0), start: 0,
  };
  const step = () => {
    engine.gradients(win, grads, 1 / TB, null);
    clipGlobalNorm(grads.data, 5);
    optimizerStep(model.params.data, grads.data, opt, defaultOptimizer, 2e-3);
    engine.carry(c.T);
  };
  try {
    const warm = performance.now();
    let n = 0;
    while (n < 2 || performance.now() - warm < 1000) { step(); n++; }
    const perStep = (performance.now() - warm) / n;
    const steps = Math.max(1, Math.round(1500 / perStep));
    const runs: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) step();
      runs.push((steps * TB * 1000) / (performance.now() - t0));
    }
    runs.sort((a, b) => a - b);
    return runs[2]!;
  } finally {
    await engine.close();
  }
}

if (backend.name !== 'wasm') throw new Error('WebAssembly SIMD is not available here');
const wanted = process.argv.slice(2);
const configs = wanted.length ? CONFIGS.filter((c) => wanted.includes(c.name)) : CONFIGS;
console.log(`rnnlm training tokens/s, fast kernels — ${new Date().toISOString()}, Node ${process.version}, ${availableParallelism()} cores`);
console.log('config            1 thread   2 threads   ratio');
for (const c of configs) {
  const one = await measure(c, 1);
  const two = await measure(c, 2);
  console.log(`${c.name.padEnd(16)} ${Math.round(one).toLocaleString('en-US').padStart(9)}   ${Math.round(two).toLocaleString('en-US').padStart(9)}   ${(two / one).toFixed(2)}×`);
}
