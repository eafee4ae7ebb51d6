/**
 * Matrix-kernel benchmark: GFLOP/s (2·M·N·K per product) of the reference
 * TypeScript kernels and the WebAssembly SIMD kernels at the model's shapes.
 * Median of several timed runs after warm-up.
 *
 *   node dist/test/bench/kernels-bench.js [--quick] [--no-ref] [--word] [--only=mmNT] [--kc=256 --nc=512 --mb=128 --kcT=256 --dotMaxM=4]
 *
 * Not a test (no assertions); prints a table.
 */

import { performance } from 'node:perf_hooks';

import { referenceKernels, type Kernels } from '../../src/core/kernels.js';
import { createWasmKernels, type WasmTuning } from '../../src/core/wasm/wasm-kernels.js';

type Kind = keyof Kernels;
interface Shape {
  kind: Kind;
  M: number;
  N: number;
  K: number;
  what: string;
}

const SHAPES: Shape[] = [
  { kind: 'mmNT', M: 2048, N: 1024, K: 256, what: 'gates, whole sequence (TB×4H, K=H)' },
  { kind: 'mmNT', M: 2048, N: 1024, K: 65, what: 'gates from 65-dim input' },
  { kind: 'mmNT', M: 32, N: 1024, K: 256, what: 'recurrence, one step (B×4H)' },
  { kind: 'mmNT', M: 32, N: 2048, K: 512, what: 'recurrence, H=512' },
  { kind: 'mmNT', M: 2048, N: 65, K: 256, what: 'output layer, V=65' },
  { kind: 'mmNT', M: 512, N: 10000, K: 256, what: 'output layer, V=10000' },
  { kind: 'mmNT', M: 8, N: 1024, K: 256, what: 'small batch' },
  { kind: 'mmNT', M: 4, N: 1024, K: 256, what: 'small batch' },
  { kind: 'mmNT', M: 1, N: 1024, K: 256, what: 'generation, batch 1' },
  { kind: 'mmNN', M: 2048, N: 256, K: 1024, what: 'dX = dG·W (whole sequence)' },
  { kind: 'mmNN', M: 32, N: 256, K: 1024, what: 'dh = dG·Whh (one step)' },
  { kind: 'mmNN', M: 32, N: 512, K: 2048, what: 'dh, H=512' },
  { kind: 'mmNN', M: 2048, N: 256, K: 65, what: 'dX = dz·W_out, V=65' },
  { kind: 'mmNN', M: 512, N: 256, K: 10000, what: 'dX = dz·W_out, V=10000' },
  { kind: 'mmTN', M: 1024, N: 256, K: 2048, what: 'dW += dGᵀ·X (K=TB)' },
  { kind: 'mmTN', M: 65, N: 256, K: 2048, what: 'dW_out, V=65' },
  { kind: 'mmTN', M: 10000, N: 256, K: 512, what: 'dW_out, V=10000' },
  { kind: 'mmTN', M: 1024, N: 256, K: 32, what: 'dW per step (K=B)' },
];

/** Issue 12's word-level model: LSTM 2×200, B = 20, T = 35 (700 rows a window), adaptive head 2000 + 2 clusters. */
const WORD_SHAPES: Shape[] = [
  { kind: 'mmNT', M: 20, N: 800, K: 200, what: 'word: recurrence, one step' },
  { kind: 'mmNN', M: 20, N: 200, K: 800, what: 'word: dh = dG·Whh, one step' },
  { kind: 'mmNT', M: 700, N: 800, K: 200, what: 'word: gates, whole window' },
  { kind: 'mmNN', M: 700, N: 200, K: 800, what: 'word: dX = dG·W, window' },
  { kind: 'mmTN', M: 800, N: 200, K: 700, what: 'word: dW += dGᵀ·X' },
  { kind: 'mmNT', M: 700, N: 2002, K: 200, what: 'word: adaptive head' },
  { kind: 'mmNN', M: 700, N: 200, K: 2002, what: 'word: head dX' },
  { kind: 'mmTN', M: 2002, N: 200, K: 700, what: 'word: head dW' },
  { kind: 'mmNT', M: 700, N: 10000, K: 200, what: 'word: full decoder V=10000' },
  { kind: 'mmNN', M: 700, N: 200, K: 10000, what: 'word: decoder dX' },
  { kind: 'mmTN', M: 10000, N: 200, K: 700, what: 'word: decoder dW' },
];

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const opt = (name: string): number | undefined => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? undefined : Number(a.slice(name.length + 3));
};
const only = args.find((x) => x.startsWith('--only='))?.slice(7);
const quick = flag('quick');
const noRef = flag('no-ref');

const tuning: Partial<WasmTuning> = {};
for (const key of ['kc', 'nc', 'mb', 'kcT', 'dotMaxM'] as const) {
  const v = opt(key);
  if (v !== undefined) tuning[key] = v;
}

const wk = createWasmKernels({ tuning });
if (wk === null) {
  console.log('WebAssembly SIMD unavailable: nothing to compare.');
  process.exit(0);
}

let seed = 12345;
function fill(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    a[i] = seed / 2 ** 32 - 0.5;
  }
  return a;
}

/**
 * Median seconds per call: warm up, then time `runs` samples (fewer when a call is slow).
 * The warm-up lasts at least 0.3 s (and 3 calls): V8 first runs wasm on its
 * baseline compiler and swaps in optimized code compiled in the background,
 * which can take a while on a loaded machine.
 */
function time(run: () => void, budgetSeconds: number, maxRuns: number): { median: number; best: number } {
  const t0 = performance.now();
  run();
  let first = (performance.now() - t0) / 1000;
  for (let i = 0; i < 3 || performance.now() - t0 < 300; i++) {
    const s = performance.now();
    run();
    first = Math.min(first, (performance.now() - s) / 1000);
    if (first > 1) break; // the slow reference: one warm-up call is enough
  }
  const runs = Math.max(1, Math.min(maxRuns, Math.floor(budgetSeconds / Math.max(first, 1e-6))));
  const ts: number[] = [];
  for (let r = 0; r < runs; r++) {
    // several calls per sample when a call is very short, for timer resolution
    const reps = Math.max(1, Math.min(1000, Math.ceil(0.002 / Math.max(first, 1e-7))));
    const s = performance.now();
    for (let i = 0; i < reps; i++) run();
    ts.push((performance.now() - s) / 1000 / reps);
  }
  ts.sort((a, b) => a - b);
  return { median: ts[Math.floor(ts.length / 2)]!, best: ts[0]! };
}

const rows: string[][] = [['kernel', 'M', 'N', 'K', 'shape', 'ref GF/s', 'wasm GF/s', '(best run)', 'speed-up']];
for (const s of flag('word') ? WORD_SHAPES : SHAPES) {
  if (only !== undefined && s.kind !== only) continue;
  const { kind, M, N, K } = s;
  const [ar, ac] = kind === 'mmTN' ? [K, M] : [M, K];
  const [br, bc] = kind === 'mmNT' ? [N, K] : [K, N];
  const A = fill(wk.alloc(ar * ac));
  const B = fill(wk.alloc(br * bc));
  const C = wk.alloc(M * N);
  const flops = 2 * M * N * K;
  const call = (impl: Kernels) => () => impl[kind](M, N, K, A, 0, ac, B, 0, bc, C, 0, N);
  const budget = quick ? 0.3 : 1.5;
  const tw = time(call(wk.kernels), budget, quick ? 5 : 15);
  const tr = noRef ? null : time(call(referenceKernels), budget, quick ? 3 : 7);
  const gw = flops / tw.median / 1e9;
  const gr = flops / (tr?.median ?? NaN) / 1e9;
  rows.push([kind, String(M), String(N), String(K), s.what, noRef ? '-' : gr.toFixed(2), gw.toFixed(2), (flops / tw.best / 1e9).toFixed(2), noRef ? '-' : `${(gw / gr).toFixed(1)}×`]);
}

const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
for (const [i, r] of rows.entries()) {
  console.log(r.map((c, j) => (j >= 5 || (j >= 1 && j <= 3) ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
console.log('\nGF/s = 2·M·N·K / time; wasm column: median of the timed runs after warm-up; best run: the fastest one.');
console.log(`wasm memory reserved: ${(wk.bytes() / 2 ** 20).toFixed(1)} MiB; tuning ${JSON.stringify(tuning)}`);
