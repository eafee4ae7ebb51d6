/**
 * `npm run bench`: training and scoring tokens per second of rnnlm's core on
 * the configurations of issue 4, with the achieved GFLOP/s of the matrix
 * products and the peak memory; optionally side by side with PyTorch, a
 * per-phase breakdown, a CPU profile, and a quality check on tinyshakespeare.
 * Not a test (no assertions; never run by `npm test`). See test/bench/README.md.
 *
 *   npm run bench -- [--kernels js|wasm|both] [--config NAME]... [--quick] [--json]
 *                    [--repeat N] [--wait-quiet] [--compare [--python PATH]] [--breakdown] [--profile]
 *                    [--quality [--quality-setup match|defaults] [--quality-tokens N] [--quality-seeds 1,2]]
 *                    [--quality-word [--quality-minutes M] [--quality-eval-tokens N] [--quality-systems rnnlm-full,pytorch-full,…]]
 *                    [--memory [--memory-corpus PATH] [--memory-epochs N] [--threads N]]
 *                    [--score-memory [--score-memory-model PATH] [--score-memory-lines 10000,1000000] [--score-memory-node-options FLAGS] [--score-memory-eval]]
 *                    [--sampling [--sampling-model PATH] [--sampling-n N] [--sampling-lanes 4,8,16]]
 *                    [--interop [--interop-corpus PATH] [--interop-steps N]]
 *                    [--page [--page-hidden N]]
 *                    [--tag [--tag-seconds N]]   (the tagger: test/bench/tag.ts)
 *
 * Each (configuration, kernels) pair is measured in a child process of its own
 * (`--child`), so that peak RSS is that configuration's and the WebAssembly
 * memory (which never shrinks) of one does not count against the next.
 *
 * Counting: a training step is what core/train.ts does per window: forward,
 * softmaxCrossEntropy with the gradient (mean over the T·B tokens),
 * grads.fill(0), backward, clipGlobalNorm(5), Adam (lr 2e-3), carry the state.
 * A scoring step is forward + the loss without gradient + carry. Token ids are
 * uniform random from a seeded Rng. tokens/s = T·B·steps / seconds, the median
 * of the timed runs after a warm-up; each run has as many steps as fit in ~1.5 s
 * (at least one). FLOPs count the matrix products only (2·M·N·K each), see flops().
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { cells, type CellKind } from '../../src/core/cells/index.js';
import { referenceBackend, type Backend } from '../../src/core/backend.js';
import type { Kernels } from '../../src/core/kernels.js';
import { softmaxCrossEntropy } from '../../src/core/loss.js';
import type { Window } from '../../src/core/batches.js';
import { backward, createModel, forward, initModel, outputLoss, type Model, type ModelConfig } from '../../src/core/model.js';
import { clipGlobalNorm, createOptimizerState, defaultOptimizer, optimizerStep } from '../../src/core/optimizer.js';
import { allocParams } from '../../src/core/params.js';
import { createRng } from '../../src/core/rng.js';
import type { WasmKernels } from '../../src/core/wasm/wasm-kernels.js';
import { carryState, createWorkspace } from '../../src/core/workspace.js';
import { nodeBackend } from '../../src/node/backend.js';
import { findTorchPython, TORCH_MALLOC_ENV, torchEnv } from './torch.js';
import { createParallelEngine, type ParallelEngine } from '../../src/parallel/engine.js';

// ------------------------------------------------------------ configurations

export interface BenchConfig {
  name: string;
  cell: CellKind;
  layers: number;
  hidden: number;
  vocab: number;
  /** 0: one-hot input (char level) */
  embedding: number;
  batch: number;
  window: number;
  /** adaptive softmax cut-offs (PyTorch: AdaptiveLogSoftmaxWithLoss, div_value 4, head_bias True); absent: a full softmax */
  cutoffs?: readonly number[];
}

/** Keep in step with CONFIGS in pytorch_bench.py. */
export const CONFIGS: readonly BenchConfig[] = [
  { name: 'char-lstm-1x128', cell: 'lstm', layers: 1, hidden: 128, vocab: 65, embedding: 0, batch: 32, window: 64 },
  { name: 'char-lstm-2x256', cell: 'lstm', layers: 2, hidden: 256, vocab: 65, embedding: 0, batch: 32, window: 64 },
  { name: 'char-gru-2x256', cell: 'gru', layers: 2, hidden: 256, vocab: 65, embedding: 0, batch: 32, window: 64 },
  { name: 'char-lstm-1x512', cell: 'lstm', layers: 1, hidden: 512, vocab: 65, embedding: 0, batch: 32, window: 64 },
  { name: 'word-lstm-2x200', cell: 'lstm', layers: 2, hidden: 200, vocab: 10000, embedding: 200, batch: 20, window: 35 },
  { name: 'word-lstm-2x200-adaptive', cell: 'lstm', layers: 2, hidden: 200, vocab: 10000, embedding: 200, batch: 20, window: 35, cutoffs: [2000, 6000] },
];

/**
 * Token ids for a configuration's windows: uniform at char level; at word
 * level Zipf's law (P(id) ∝ 1/(id + 1), ids sorted by frequency as a real
 * vocabulary is), so that an adaptive softmax meets its tails as often as it
 * would in text (a full softmax costs the same whatever the ids). Inverse CDF
 * of a seeded uniform; the same draws in pytorch_bench.py's generator are not
 * needed: only the distribution matters for speed.
 */
function tokenSampler(c: BenchConfig, rng: { uniform(): number; int(n: number): number }): () => number {
  if (c.embedding === 0) return () => rng.int(c.vocab);
  const cdf = new Float64Array(c.vocab);
  let acc = 0;
  for (let v = 0; v < c.vocab; v++) cdf[v] = acc += 1 / (v + 1);
  return () => {
    const u = rng.uniform() * acc;
    let lo = 0, hi = c.vocab - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cdf[mid]! > u) hi = mid; else lo = mid + 1; }
    return lo;
  };
}

export function modelConfig(c: BenchConfig): ModelConfig {
  return { cell: c.cell, peephole: false, layers: c.layers, hidden: c.hidden, vocabSize: c.vocab, embedding: c.embedding, dropout: 0, ...(c.cutoffs ? { cutoffs: c.cutoffs } : {}) };
}

/**
 * FLOPs of the matrix products of one window (2·M·N·K per product).
 * Forward, per layer l: gates 2·T·B·G·H·(D_l + H) — D_l = H above layer 0, E at
 * word level, and 0 for layer 0 at char level (the one-hot input is a column
 * lookup of W_ih, no product); decoder 2·T·B·V·H. Backward: each product has
 * two (∂input and ∂weight), so 2× the forward products; training = 3× forward.
 */
export function flops(c: BenchConfig): { forward: number; train: number } {
  const G = cells[c.cell].gates;
  const { hidden: H, batch: B, window: T, vocab: V } = c;
  let f = 0;
  for (let l = 0; l < c.layers; l++) {
    const D = l > 0 ? H : c.embedding; // embedding 0 = one-hot lookup
    f += 2 * T * B * G * H * (D + H);
  }
  if (c.cutoffs) {
    // adaptive: the head for every row, and the first tail for the ~20% of rows Zipf draws send there (an estimate)
    const head = c.cutoffs[0]! + c.cutoffs.length;
    const h1 = Math.floor(H / 4), n1 = (c.cutoffs[1] ?? V) - c.cutoffs[0]!;
    f += 2 * T * B * (head * H + 0.2 * (H * h1 + h1 * n1));
  } else {
    f += 2 * T * B * V * H;
  }
  return { forward: f, train: 3 * f };
}

// ------------------------------------------------------------ kernels

export type KernelName = 'js' | 'wasm';

export interface KernelSetup {
  /** products, σ/tanh/exp/softmax and the allocator: for wasm all three WebAssembly, as the CLI uses them */
  backend: Backend;
  /** Bytes of WebAssembly memory reserved (wasm only). */
  bytes: (() => number) | null;
}

/**
 * The backend for `name`; for wasm, a reason string when it cannot be had.
 * js: referenceBackend. wasm: nodeBackend() from src/node/backend.ts, the very
 * instance the CLI computes on (and the data-parallel engine shares with its
 * workers). It is asked with an empty environment: RNNLM_KERNELS=js must not
 * turn the wasm rows into reference ones (`--kernels js` is the way to ask).
 */
export async function loadKernels(name: KernelName): Promise<KernelSetup | string> {
  if (name === 'js') return { backend: referenceBackend, bytes: null };
  const b = nodeBackend({});
  if (b.name !== 'wasm') return 'no WebAssembly SIMD or shared memory here (nodeBackend() fell back to the TypeScript reference)';
  const w = b as WasmKernels;
  return { backend: w, bytes: () => w.bytes() };
}

/** The data-parallel engine on `threads` threads (on the model's backend), or a reason string. */
async function loadEngine(model: Model, T: number, B: number, threads: number): Promise<ParallelEngine | string> {
  const engine = await createParallelEngine(model, T, B, threads);
  if (engine.threads !== threads) {
    await engine.close();
    return `the parallel engine runs ${engine.threads} thread(s), not ${threads}${engine.fallback ? `: ${engine.fallback}` : ''}`;
  }
  return engine;
}

// ------------------------------------------------------------ one configuration (child process)

interface RunStats {
  tokPerS: number;
  /** tokens/s of every timed run */
  runs: number[];
  stepsPerRun: number;
  /** seconds per step of the last warm-up step */
  warmStepS: number;
  /** CPU time of this process / wall time over the timed runs: below ~0.95 something else had the core */
  cpuShare: number;
}

export interface ConfigResult {
  config: string;
  kernels: KernelName;
  /** threads for training and scoring (more than one: the data-parallel engine) */
  threads: number;
  params: number;
  modelMB: number;
  flopsPerTokenTrain: number;
  flopsPerTokenScore: number;
  train: RunStats;
  score: RunStats;
  trainGflops: number;
  scoreGflops: number;
  /** process.resourceUsage().maxRSS after the training runs, MB */
  peakRssMB: number;
  /** RSS after the warm-up and after all training runs, MB: growth would show a leak */
  rssAfterWarmupMB: number;
  rssAfterTrainMB: number;
  wasmMB: number | null;
}

const MB = 1e6;

interface Timing {
  runs: number;
  budgetS: number;
  warmS: number;
  warmSteps: number;
}

function timing(quick: boolean): Timing {
  return quick ? { runs: 3, budgetS: 0.6, warmS: 0.3, warmSteps: 1 } : { runs: 5, budgetS: 1.5, warmS: 1, warmSteps: 2 };
}

function measure(step: () => void, tokensPerStep: number, t: Timing, afterWarmup?: () => void): RunStats {
  const t0 = performance.now();
  let n = 0;
  let last = 0;
  while (n < t.warmSteps || performance.now() - t0 < t.warmS * 1000) {
    const s = performance.now();
    step();
    last = (performance.now() - s) / 1000;
    n++;
  }
  afterWarmup?.();
  const stepsPerRun = Math.max(1, Math.round(t.budgetS / last));
  const runs: number[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let r = 0; r < t.runs; r++) {
    const s = performance.now();
    for (let i = 0; i < stepsPerRun; i++) step();
    runs.push((tokensPerStep * stepsPerRun) / ((performance.now() - s) / 1000));
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuShare = (cpu.user + cpu.system) / 1000 / Math.max(1e-9, performance.now() - wall0);
  return { tokPerS: median(runs), runs, stepsPerRun, warmStepS: last, cpuShare };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A model on `backend`, workspace, gradients and Adam state for `c`, and its train / score steps. */
export function makeSteps(c: BenchConfig, backend: Backend) {
  const config = modelConfig(c);
  const model = createModel(config, backend);
  initModel(model, createRng(1));
  const { window: T, batch: B, vocab: V } = c;
  const E = backend.elementwise;
  const ws = createWorkspace(model, T, B);
  const grads = allocParams(model.layout, backend.alloc);
  const opt = createOptimizerState(defaultOptimizer, model.layout.total, backend.alloc);
  const rng = createRng(7);
  const token = tokenSampler(c, rng);
  const adaptive = c.cutoffs !== undefined;
  const windows = Array.from({ length: 4 }, () => {
    const inputs = new Int32Array(T * B);
    const targets = new Int32Array(T * B);
    for (let i = 0; i < T * B; i++) {
      inputs[i] = token();
      targets[i] = token();
    }
    return { inputs, targets };
  });
  let w = 0;
  const TB = T * B;
  /** set by runChild for threads > 1: the training step goes through the data-parallel engine */
  const par: { engine: ParallelEngine | null } = { engine: null };
  const engineWindows: Window[] = windows.map((x) => ({ ...x, T, reset: false, tokens: TB, batch: new Int32Array(0), start: 0 }));
  /** phase hooks for the breakdown (no-ops otherwise) */
  const phases = { mark: (_name: string): void => {} };
  const trainStep = (): void => {
    const i = w++ & 3;
    const win = windows[i]!;
    if (par.engine) {
      // forward, loss, backward on every thread's slots, gradients summed into `grads`
      par.engine.gradients(engineWindows[i]!, grads, 1 / TB, null);
      par.engine.update(model.params, grads, opt, defaultOptimizer, 2e-3, 5);
      par.engine.carry(T);
      return;
    }
    phases.mark('start');
    forward(model, ws, win.inputs, T, null, !adaptive);
    phases.mark('forward');
    grads.data.fill(0);
    phases.mark('zero grads');
    if (adaptive) outputLoss(model, ws, T, win.targets, 1 / TB, grads);
    else softmaxCrossEntropy(E, ws.logits, TB, V, win.targets, true, 1 / TB);
    phases.mark('loss (softmax + ∂)');
    backward(model, ws, grads, T);
    phases.mark('backward');
    clipGlobalNorm(grads.data, 5);
    phases.mark('clip');
    optimizerStep(model.params.data, grads.data, opt, defaultOptimizer, 2e-3);
    phases.mark('adam');
    carryState(ws, T);
    phases.mark('carry state');
  };
  const logp = new Float64Array(TB);
  const scoreStep = (): void => {
    const i = w++ & 3;
    const win = windows[i]!;
    if (par.engine) {
      // forward and loss on every thread's slots (StepEngine.logProbs, as rnnlm score/eval do)
      par.engine.logProbs(engineWindows[i]!, logp);
      par.engine.carry(T);
      return;
    }
    // what StepEngine.logProbs does: an adaptive softmax computes the targets' log P without the full distribution
    forward(model, ws, win.inputs, T, null, !adaptive);
    if (adaptive) outputLoss(model, ws, T, win.targets, 1, null, logp);
    else softmaxCrossEntropy(E, ws.logits, TB, V, win.targets, false, 1);
    carryState(ws, T);
  };
  return { model, trainStep, scoreStep, phases, par, tokensPerStep: TB };
}

async function runChild(c: BenchConfig, kname: KernelName, quick: boolean, threads: number): Promise<ConfigResult | string> {
  const k = await loadKernels(kname);
  if (typeof k === 'string') return k;
  const { model, trainStep, scoreStep, par, tokensPerStep } = makeSteps(c, k.backend);
  if (threads > 1) {
    if (kname !== 'wasm') return 'several threads need the wasm kernels';
    const e = await loadEngine(model, c.window, c.batch, threads);
    if (typeof e === 'string') return e;
    par.engine = e;
  }
  const t = timing(quick);
  const f = flops(c);
  let rssWarm = 0;
  const train = measure(trainStep, tokensPerStep, t, () => { rssWarm = process.memoryUsage().rss; });
  const rssTrain = process.memoryUsage().rss;
  const peakRssMB = (process.resourceUsage().maxRSS * 1024) / MB;
  const score = measure(scoreStep, tokensPerStep, t);
  await par.engine?.close();
  const params = model.layout.total;
  return {
    config: c.name, kernels: kname, threads, params, modelMB: (params * 4) / MB,
    flopsPerTokenTrain: f.train / tokensPerStep, flopsPerTokenScore: f.forward / tokensPerStep,
    train, score,
    trainGflops: (train.tokPerS * f.train) / tokensPerStep / 1e9,
    scoreGflops: (score.tokPerS * f.forward) / tokensPerStep / 1e9,
    peakRssMB, rssAfterWarmupMB: rssWarm / MB, rssAfterTrainMB: rssTrain / MB,
    wasmMB: k.bytes ? k.bytes() / MB : null,
  };
}

// ------------------------------------------------------------ breakdown: where a training step's time goes

interface Breakdown {
  config: string;
  kernels: KernelName;
  steps: number;
  stepMs: number;
  phases: { name: string; ms: number }[];
  products: { key: string; calls: number; ms: number; gflops: number }[];
  productMs: number;
  cpuShare: number;
}

/**
 * Times each phase of a training step, and every product call (by kind and
 * shape) through timing wrappers around the backend's products: the model is
 * made on a backend value that is the chosen one with its kernels wrapped
 * (the wrappers time only while `recording`). performance.now() costs well
 * under a microsecond, against ~100 µs+ per product call here.
 */
async function runBreakdown(c: BenchConfig, kname: KernelName, quick: boolean): Promise<Breakdown | string> {
  const k = await loadKernels(kname);
  if (typeof k === 'string') return k;
  const prod = new Map<string, { calls: number; ms: number; flops: number }>();
  let recording = false;
  const wrap = (kind: keyof Kernels): Kernels[keyof Kernels] => {
    const inner = k.backend.kernels[kind];
    return (M, N, Kd, A, aOff, lda, B, bOff, ldb, C, cOff, ldc) => {
      if (!recording) {
        inner(M, N, Kd, A, aOff, lda, B, bOff, ldb, C, cOff, ldc);
        return;
      }
      const s = performance.now();
      inner(M, N, Kd, A, aOff, lda, B, bOff, ldb, C, cOff, ldc);
      const ms = performance.now() - s;
      const key = `${kind} ${M}×${N}×${Kd}`;
      const e = prod.get(key) ?? { calls: 0, ms: 0, flops: 0 };
      e.calls++;
      e.ms += ms;
      e.flops += 2 * M * N * Kd;
      prod.set(key, e);
    };
  };
  const timed: Backend = { ...k.backend, name: `${k.backend.name} (timed products)`, kernels: { mmNT: wrap('mmNT'), mmNN: wrap('mmNN'), mmTN: wrap('mmTN') } };
  const steps = makeSteps(c, timed);
  const t = timing(quick);
  // warm-up without instrumentation
  const w = measure(steps.trainStep, steps.tokensPerStep, { ...t, runs: 0 });
  const n = Math.max(2, Math.round((quick ? 2 : 5) / w.warmStepS));
  recording = true;
  const phaseMs = new Map<string, number>();
  let last = 0;
  steps.phases.mark = (name) => {
    const now = performance.now();
    if (name !== 'start') phaseMs.set(name, (phaseMs.get(name) ?? 0) + now - last);
    last = now;
  };
  const s0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) steps.trainStep();
  const total = performance.now() - s0;
  const cpu = process.cpuUsage(cpu0);
  recording = false;
  const products = [...prod.entries()]
    .map(([key, e]) => ({ key, calls: e.calls / n, ms: e.ms / n, gflops: e.flops / e.ms / 1e6 }))
    .sort((a, b) => b.ms - a.ms);
  return {
    config: c.name, kernels: kname, steps: n, stepMs: total / n,
    phases: [...phaseMs.entries()].map(([name, ms]) => ({ name, ms: ms / n })),
    products, productMs: products.reduce((a, p) => a + p.ms, 0), cpuShare: (cpu.user + cpu.system) / 1000 / total,
  };
}

function printBreakdown(b: Breakdown, out: (s: string) => void): void {
  out(`\n${b.config} (${b.kernels}): ${b.stepMs.toFixed(1)} ms per training step (${b.steps} steps, cpu ${(100 * b.cpuShare).toFixed(0)}%)`);
  out('  phase                 ms/step   share');
  for (const p of b.phases) out(`  ${p.name.padEnd(20)} ${p.ms.toFixed(2).padStart(8)}  ${pct(p.ms / b.stepMs)}`);
  out(`  matrix products      ${b.productMs.toFixed(2).padStart(8)}  ${pct(b.productMs / b.stepMs)}`);
  out(`  everything else      ${(b.stepMs - b.productMs).toFixed(2).padStart(8)}  ${pct(1 - b.productMs / b.stepMs)}`);
  out('  product (kind M×N×K)          calls/step   ms/step   share   GFLOP/s');
  for (const p of b.products) {
    out(`  ${p.key.padEnd(28)} ${p.calls.toFixed(0).padStart(10)} ${p.ms.toFixed(2).padStart(9)}  ${pct(p.ms / b.stepMs)}  ${p.gflops.toFixed(1).padStart(8)}`);
  }
}

const pct = (x: number): string => `${(100 * x).toFixed(1).padStart(5)}%`;

// ------------------------------------------------------------ CPU profile

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function of a .cpuprofile, largest first. */
export function summariseProfile(p: CpuProfile): { name: string; ms: number; share: number; wasm: boolean }[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { ms: number; wasm: boolean }>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const node = byId.get(p.samples[i]!)!;
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000; // the delta after a sample is the time it stands for
    const { functionName, url, lineNumber } = node.callFrame;
    const wasm = url.startsWith('wasm://');
    const file = url ? (wasm ? 'wasm' : path.basename(url)) : '';
    const key = `${functionName || '(anonymous)'}${file ? ` ${file}${wasm ? '' : `:${lineNumber + 1}`}` : ''}`;
    const e = self.get(key) ?? { ms: 0, wasm };
    e.ms += dt;
    self.set(key, e);
    total += dt;
  }
  return [...self.entries()].map(([name, e]) => ({ name, ms: e.ms, share: e.ms / total, wasm: e.wasm })).sort((a, b) => b.ms - a.ms);
}

function runProfile(c: BenchConfig, kname: KernelName, quick: boolean, out: (s: string) => void): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rnnlm-prof-'));
  try {
    const args = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=500', thisFile, '--child-profile', '--config', c.name, '--kernels', kname];
    if (quick) args.push('--quick');
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
    if (r.status !== 0) {
      out(`profile of ${c.name} (${kname}) failed: exit ${r.status}`);
      return;
    }
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) {
      out('no .cpuprofile written');
      return;
    }
    const rows = summariseProfile(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile);
    const wasmShare = rows.filter((r) => r.wasm).reduce((a, r) => a + r.share, 0);
    out(`\nCPU profile of ${c.name} (${kname}), training steps after warm-up (${r.stdout.trim()}); self time:`);
    out(`  all WebAssembly functions together: ${pct(wasmShare)}`);
    for (const row of rows.slice(0, 20)) out(`  ${pct(row.share)}  ${row.ms.toFixed(0).padStart(7)} ms  ${row.name}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** In the profiled child: warm up, then train for ~4 s (the profile covers the whole process). */
async function childProfile(c: BenchConfig, kname: KernelName, quick: boolean): Promise<void> {
  const k = await loadKernels(kname);
  if (typeof k === 'string') {
    process.stdout.write(k);
    return;
  }
  const steps = makeSteps(c, k.backend);
  const w = measure(steps.trainStep, steps.tokensPerStep, { ...timing(quick), runs: 0 });
  const n = Math.max(2, Math.round((quick ? 2 : 6) / w.warmStepS));
  for (let i = 0; i < n; i++) steps.trainStep();
  process.stdout.write(`${n} steps`);
}

// ------------------------------------------------------------ PyTorch comparison

/** One PyTorch measurement: one configuration under one (threads, OpenBLAS environment) variant. */
interface TorchResult {
  label: string;
  threads: number;
  config: string;
  params: number;
  train: { tokPerS: number; cpuShare?: number };
  score: { tokPerS: number; cpuShare?: number };
  env: Record<string, string | null>;
  torch: string;
  maxRssMB: number;
}

interface TorchVariant {
  label: string;
  threads: number;
  env: NodeJS.ProcessEnv;
}

/**
 * 1 and 2 threads, each: without any OPENBLAS_* variable (OpenBLAS as
 * installed picks its kernels from the CPU), with the machine's preset
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE when there are any, and with
 * OPENBLAS_CORETYPE=SkylakeX (its AVX-512 kernels).
 */
function torchVariants(): TorchVariant[] {
  const base = { ...process.env };
  const preset = { coretype: base.OPENBLAS_CORETYPE, l2: base.OPENBLAS_L2_SIZE };
  const clean = { ...base };
  delete clean.OPENBLAS_CORETYPE;
  delete clean.OPENBLAS_L2_SIZE;
  const kinds: { label: string; env: NodeJS.ProcessEnv }[] = [{ label: 'as installed', env: clean }];
  if (preset.coretype !== undefined || preset.l2 !== undefined) {
    kinds.push({ label: `preset ${preset.coretype ?? '-'}/L2=${preset.l2 ?? '-'}`, env: base });
  }
  kinds.push({ label: 'SkylakeX', env: { ...base, OPENBLAS_CORETYPE: 'SkylakeX' } });
  const out: TorchVariant[] = [];
  for (const threads of [1, 2]) {
    for (const k of kinds) {
      out.push({ label: `${threads}t ${k.label}`, threads, env: torchEnv(threads, k.env) });
    }
  }
  return out;
}

function runTorch(py: string, v: TorchVariant, config: string, quick: boolean): TorchResult | string {
  const script = path.join(repoRoot, 'test', 'bench', 'pytorch_bench.py');
  const args = [script, '--json', '--threads', String(v.threads), '--config', config];
  if (quick) args.push('--quick');
  const r: SpawnSyncReturns<string> = spawnSync(py, args, { env: v.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (r.status !== 0) return `PyTorch failed (exit ${r.status})`;
  const j = JSON.parse(r.stdout) as { meta: { torch: string; env: Record<string, string | null>; maxRssMB: number }; results: { config: string; params: number; train: TorchResult['train']; score: TorchResult['score'] }[] };
  const res = j.results[0]!;
  return { label: v.label, threads: v.threads, config, params: res.params, train: res.train, score: res.score, env: j.meta.env, torch: j.meta.torch, maxRssMB: j.meta.maxRssMB };
}

function printCompare(ours: ConfigResult[], torch: TorchResult[], out: (s: string) => void): void {
  // rnnlm columns: the wasm rows (the js rows only when there are no wasm rows), one per thread count
  const useKind: KernelName = ours.some((r) => r.kernels === 'wasm') ? 'wasm' : 'js';
  const mine = ours.filter((r) => r.kernels === useKind);
  const threadCounts = [...new Set(mine.map((r) => r.threads ?? 1))].sort((a, b) => a - b);
  const configsSeen = [...new Set(mine.map((r) => r.config))];
  /** the fastest rnnlm row of a configuration (over thread counts): the ratios are against it */
  const best = new Map<string, ConfigResult>();
  for (const r of mine) {
    const b = best.get(r.config);
    if (!b || r.train.tokPerS > b.train.tokPerS) best.set(r.config, r);
  }
  const labels = [...new Set(torch.map((t) => t.label))];
  const find = (label: string, config: string) => torch.find((t) => t.label === label && t.config === config);
  for (const kind of ['train', 'score'] as const) {
    const ths = threadCounts;
    out(`\n${kind === 'train' ? 'Training' : 'Scoring'} tokens/s: rnnlm (${useKind}), PyTorch per variant, and rnnlm/PyTorch (rnnlm: its fastest thread count)`);
    const rows: string[][] = [['config', ...ths.map((t) => `rnnlm ${t}t`), ...labels]];
    for (const name of configsSeen) {
      const ref = Math.max(...mine.filter((r) => r.config === name).map((r) => r[kind].tokPerS));
      rows.push([name, ...ths.map((t) => {
        const r = mine.find((x) => x.config === name && (x.threads ?? 1) === t);
        return r ? fmt(r[kind].tokPerS) : '-';
      }), ...labels.map((l) => {
        const p = find(l, name)?.[kind].tokPerS;
        return p === undefined ? '-' : `${fmt(p)} ${(ref / p).toFixed(2)}×`;
      })]);
    }
    printTable(rows, out);
  }
  out('\nPyTorch: OMP_WAIT_POLICY=PASSIVE, OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = torch.set_num_threads = threads,');
  out(`  glibc's allocator kept from returning memory (${Object.entries(TORCH_MALLOC_ENV).map(([k, v]) => `${k}=${v}`).join(' ')}). OpenBLAS variables per variant:`);
  for (const l of labels) {
    const t = torch.find((x) => x.label === l)!;
    out(`  ${l}: PyTorch ${t.torch}, OPENBLAS_CORETYPE=${t.env.OPENBLAS_CORETYPE ?? '(unset)'}, OPENBLAS_L2_SIZE=${t.env.OPENBLAS_L2_SIZE ?? '(unset)'}`);
  }
  // the targets of issue 4
  for (const name of ['char-lstm-2x256', 'char-gru-2x256']) {
    const r = best.get(name);
    if (!r) continue;
    const pick = (pred: (t: TorchResult) => boolean) => Math.max(0, ...torch.filter((t) => t.config === name && pred(t)).map((t) => t.train.tokPerS));
    const asInstalled = pick((t) => t.label.includes('as installed'));
    const preset = pick((t) => t.label.includes('preset'));
    const sky2 = pick((t) => t.threads === 2 && t.label.includes('SkylakeX'));
    const sky1 = pick((t) => t.threads === 1 && t.label.includes('SkylakeX'));
    const mine = r.train.tokPerS;
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    out(`\n${name} training: rnnlm ${fmt(mine)} tok/s (${r.kernels}, ${r.threads ?? 1} thread${(r.threads ?? 1) > 1 ? 's' : ''})`);
    if (asInstalled) out(`  ≥ PyTorch as installed, best thread count (${fmt(asInstalled)}): ${verdict(mine >= asInstalled)}`);
    if (preset) out(`  ≥ PyTorch with this machine's preset OpenBLAS variables, best thread count (${fmt(preset)}): ${verdict(mine >= preset)}`);
    if (sky2) out(`  ≥ ½ PyTorch SkylakeX 2 threads (${fmt(sky2 / 2)}): ${verdict(mine >= sky2 / 2)}`);
    if (sky1) out(`  stretch: ≥ PyTorch SkylakeX 1 thread (${fmt(sky1)}): ${verdict(mine >= sky1)}`);
  }
}

// ------------------------------------------------------------ a quiet machine

/** Fraction of all cores busy over `ms` (Linux /proc/stat; null elsewhere). */
function cpuBusy(ms: number): number | null {
  const read = (): number[] | null => {
    try {
      const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
      return line.trim().split(/\s+/).slice(1, 9).map(Number);
    } catch {
      return null;
    }
  };
  const a = read();
  if (!a) return null;
  sleep(ms);
  const b = read()!;
  const d = b.map((x, i) => x - a[i]!);
  const total = d.reduce((x, y) => x + y, 0);
  const idle = d[3]! + d[4]!;
  return total > 0 ? 1 - idle / total : 0;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * With --wait-quiet: before a measurement, wait (up to maxS) until the other
 * processes use less than 10% of the machine. Returns the busy fraction seen last.
 */
function waitQuiet(enabled: boolean, maxS: number, log: (s: string) => void): number | null {
  if (!enabled) return null;
  const t0 = performance.now();
  let said = false;
  for (;;) {
    const busy = cpuBusy(1000);
    if (busy === null || busy < 0.1) return busy;
    if (performance.now() - t0 > maxS * 1000) {
      log(`  machine still ${(100 * busy).toFixed(0)}% busy after ${maxS} s; measuring anyway`);
      return busy;
    }
    if (!said) log(`  waiting for a quiet machine (${(100 * busy).toFixed(0)}% busy) …`);
    said = true;
    sleep(4000);
  }
}

// ------------------------------------------------------------ output

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

function printTable(rows: string[][], out: (s: string) => void): void {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => (r[j] ?? '').length)));
  rows.forEach((r, i) => {
    out(r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '));
    if (i === 0) out(widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

function printResults(results: ConfigResult[], out: (s: string) => void): void {
  const rows = [['config', 'kernels', 'threads', 'params', 'size MB', 'train tok/s', 'spread', 'cpu', 'score tok/s', 'train GF/s', 'score GF/s', 'peak RSS MB', 'RSS growth MB']];
  for (const r of results) {
    const spread = (Math.max(...r.train.runs) - Math.min(...r.train.runs)) / r.train.tokPerS;
    rows.push([
      r.config, r.kernels, String(r.threads ?? 1), fmt(r.params), r.modelMB.toFixed(2), fmt(r.train.tokPerS), `±${(50 * spread).toFixed(0)}%`, `${(100 * r.train.cpuShare).toFixed(0)}%`, fmt(r.score.tokPerS),
      r.trainGflops.toFixed(2), r.scoreGflops.toFixed(2), r.peakRssMB.toFixed(0), (r.rssAfterTrainMB - r.rssAfterWarmupMB).toFixed(1),
    ]);
  }
  printTable(rows, out);
}

export function machine(): { date: string; cpu: string; cores: number; node: string; os: string; loadavg: number[] } {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(), cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`, loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

// ------------------------------------------------------------ main

const thisFile = fileURLToPath(import.meta.url);
/** dist/test/bench/bench.js → the repository root */
const repoRoot = path.resolve(path.dirname(thisFile), '..', '..', '..');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      kernels: { type: 'string' },
      config: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      compare: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      breakdown: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      quality: { type: 'boolean', default: false },
      'quality-tokens': { type: 'string' },
      'quality-seeds': { type: 'string' },
      'quality-setup': { type: 'string' },
      'quality-word': { type: 'boolean', default: false },
      'quality-minutes': { type: 'string' },
      'quality-eval-tokens': { type: 'string' },
      'quality-systems': { type: 'string' },
      'score-memory': { type: 'boolean', default: false },
      'score-memory-model': { type: 'string' },
      'score-memory-lines': { type: 'string' },
      'score-memory-node-options': { type: 'string' },
      'score-memory-eval': { type: 'boolean', default: false },
      memory: { type: 'boolean', default: false },
      'memory-corpus': { type: 'string' },
      'memory-epochs': { type: 'string' },
      sampling: { type: 'boolean', default: false },
      interop: { type: 'boolean', default: false },
      page: { type: 'boolean', default: false },
      tag: { type: 'boolean', default: false },
      'tag-seconds': { type: 'string' },
      'page-hidden': { type: 'string' },
      'interop-corpus': { type: 'string' },
      'interop-steps': { type: 'string' },
      'sampling-model': { type: 'string' },
      'sampling-n': { type: 'string' },
      'sampling-lanes': { type: 'string' },
      python: { type: 'string' },
      repeat: { type: 'string' },
      threads: { type: 'string' },
      'wait-quiet': { type: 'boolean', default: false },
      child: { type: 'boolean', default: false },
      'child-profile': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${readFileSync(thisFile, 'utf8').split('\n').slice(1, 17).map((l) => l.replace(/^ \*\/?/, '')).join('\n')}\n`);
    return 0;
  }
  const names = values.config ?? CONFIGS.map((c) => c.name);
  const configs: BenchConfig[] = [];
  for (const n of names) {
    const c = CONFIGS.find((x) => x.name === n || x.name.endsWith(`-${n}`) || x.name === `char-${n}`);
    if (!c) {
      process.stderr.write(`bench: unknown --config ${n}; one of ${CONFIGS.map((x) => x.name).join(', ')}\n`);
      return 2;
    }
    configs.push(c);
  }
  const quick = values.quick;

  // internal modes: one configuration in this process
  if (values.child || values['child-profile']) {
    const kname = values.kernels as KernelName;
    if (values['child-profile']) {
      await childProfile(configs[0]!, kname, quick);
      return 0;
    }
    const r = await runChild(configs[0]!, kname, quick, Math.max(1, Number(values.threads ?? 1)));
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  }

  const out = (s: string): void => {
    if (!values.json) process.stdout.write(`${s}\n`);
  };
  const log = (s: string): void => {
    process.stderr.write(`${s}\n`);
  };

  if (values.memory) {
    const { runMemory } = await import('./memory.js');
    return runMemory({ repoRoot, corpus: values['memory-corpus'], epochs: values['memory-epochs'] ? Number(values['memory-epochs']) : undefined,
      threads: Number((values.threads ?? '2').split(',')[0]), json: values.json });
  }
  if (values.tag) {
    // its own script (its own flags): training words/s and tagging sentences/s
    const r = spawnSync(process.execPath, [path.join(path.dirname(fileURLToPath(import.meta.url)), 'tag.js'), '--seconds', values['tag-seconds'] ?? '30', ...(values.json ? ['--json'] : [])], { stdio: 'inherit' });
    return r.status ?? 1;
  }
  if (values.page) {
    const { runPageBench } = await import('./page.js');
    return runPageBench({ repoRoot, json: values.json, hidden: Number(values['page-hidden'] ?? 288) });
  }
  if (values.interop) {
    const { runInterop } = await import('./interop.js');
    return runInterop({ repoRoot, corpus: values['interop-corpus'], steps: Number(values['interop-steps'] ?? 50), json: values.json });
  }
  if (values.sampling) {
    const { runSampling } = await import('./sampling.js');
    return runSampling({ model: values['sampling-model'], n: Number(values['sampling-n'] ?? 1000), maxLength: 200, json: values.json,
      lanes: (values['sampling-lanes'] ?? '8').split(',').map(Number) });
  }
  if (values['score-memory']) {
    const { runScoreMemory } = await import('./score-memory.js');
    return runScoreMemory({ repoRoot, json: values.json, model: values['score-memory-model'], nodeOptions: values['score-memory-node-options'], eval: values['score-memory-eval'],
      lines: (values['score-memory-lines'] ?? '10000,100000,1000000').split(',').map(Number) });
  }
  if (values['quality-word']) {
    const { runQualityWord, WORD_SYSTEMS } = await import('./quality-word.js');
    return runQualityWord({ loadKernels, date: machine().date, repoRoot, python: values.python, json: values.json,
      minutes: Number(values['quality-minutes'] ?? (quick ? 1 : 10)), evalTokens: Number(values['quality-eval-tokens'] ?? 350_000),
      systems: values['quality-systems']?.split(',') ?? [...WORD_SYSTEMS], threads: Math.max(...(values.threads ?? '2').split(',').map(Number)) });
  }
  if (values.quality) {
    const { runQuality } = await import('./quality.js');
    const setup = values['quality-setup'] ?? 'match';
    if (setup !== 'match' && setup !== 'defaults') {
      log(`bench: --quality-setup must be match or defaults, not ${setup}`);
      return 2;
    }
    return runQuality({ setup, loadKernels, date: machine().date, repoRoot, tokens: values['quality-tokens'] ? Number(values['quality-tokens']) : undefined, python: values.python, json: values.json, quick,
      seeds: (values['quality-seeds'] ?? '1').split(',').map(Number), threads: Math.max(...(values.threads ?? '2').split(',').map(Number)) });
  }

  // which kernels
  const wasm = await loadKernels('wasm');
  const wasmOk = typeof wasm !== 'string';
  let kernelNames: KernelName[];
  switch (values.kernels ?? (wasmOk ? 'wasm' : 'js')) {
    case 'js': kernelNames = ['js']; break;
    case 'wasm': kernelNames = ['wasm']; break;
    case 'both': kernelNames = ['js', 'wasm']; break;
    default:
      log(`bench: --kernels must be js, wasm or both, not ${values.kernels}`);
      return 2;
  }
  const notes: string[] = [];
  if (!wasmOk) {
    notes.push(`wasm kernels unavailable: ${wasm}`);
    if (kernelNames.includes('wasm')) {
      log(`bench: ${wasm}; skipping the wasm rows`);
      kernelNames = kernelNames.filter((k) => k !== 'wasm');
      if (kernelNames.length === 0) kernelNames = values.kernels === 'wasm' ? [] : ['js'];
    }
  }

  const m = machine();
  out(`rnnlm bench — ${m.date}`);
  out(`machine: ${m.cpu}, ${m.cores} cores, ${m.os}; Node ${m.node}; ${quick ? 'quick (3 runs of ~0.6 s)' : 'median of 5 runs of ~1.5 s'} after warm-up; training threads: ${values.threads ?? 1}`);
  out(`load average at start (1, 5, 15 min): ${m.loadavg.join(', ')} — anything else running on the 2 cores slows every row`);
  for (const n of notes) out(`note: ${n}`);
  const shownNotes = notes.length;
  const quiet = (): number | null => waitQuiet(values['wait-quiet'], 600, log);

  if (values.breakdown || values.profile) {
    for (const c of configs) {
      for (const k of kernelNames) {
        quiet();
        if (values.breakdown) {
          const b = await runBreakdown(c, k, quick);
          if (typeof b === 'string') out(`${c.name} (${k}): ${b}`);
          else if (values.json) process.stdout.write(`${JSON.stringify(b)}\n`);
          else printBreakdown(b, out);
        }
        if (values.profile) runProfile(c, k, quick, out);
      }
    }
    return 0;
  }

  const py = values.compare ? findTorchPython(values.python) : null;
  if (values.compare && py === null) notes.push('--compare: PyTorch is not importable (python3 -c "import torch" fails); install it with apt-get install -y python3-torch libopenblas0-pthread');
  const repeat = Math.max(1, Number(values.repeat ?? 1));
  const threadCounts = (values.threads ?? '1').split(',').map((x) => Math.max(1, Math.floor(Number(x)))).filter((x) => Number.isFinite(x));
  const results = new Map<string, ConfigResult>();
  const torch = new Map<string, TorchResult>();
  /** keep the faster of two measurements, metric by metric (interference only ever slows a run down) */
  const keep = <R extends { train: { tokPerS: number }; score: { tokPerS: number } }>(map: Map<string, R>, key: string, r: R): void => {
    const old = map.get(key);
    if (!old) map.set(key, r);
    else map.set(key, { ...(r.train.tokPerS > old.train.tokPerS ? r : old), score: r.score.tokPerS > old.score.tokPerS ? r.score : old.score });
  };
  for (let rep = 0; rep < repeat; rep++) {
    for (const c of configs) {
      for (const k of kernelNames) {
        for (const th of threadCounts) {
          if (th > 1 && k !== 'wasm') continue;
          quiet();
          log(`${c.name} (${k}, ${th} thread${th > 1 ? 's' : ''})${repeat > 1 ? ` round ${rep + 1}/${repeat}` : ''} …`);
          const args = [thisFile, '--child', '--config', c.name, '--kernels', k, '--threads', String(th)];
          if (quick) args.push('--quick');
          const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
          const line = r.stdout.trim().split('\n').pop() ?? '';
          let res: ConfigResult | string;
          try {
            res = JSON.parse(line) as ConfigResult | string;
          } catch {
            res = `child failed (exit ${r.status}, signal ${r.signal})`;
          }
          if (typeof res === 'string') {
            log(`  ${res}`);
            notes.push(`${c.name} (${k}, ${th} threads): ${res}`);
          } else {
            keep(results, `${c.name}|${k}|${th}`, res);
            log(`  train ${fmt(res.train.tokPerS)} tok/s (cpu ${(100 * res.train.cpuShare).toFixed(0)}%), score ${fmt(res.score.tokPerS)} tok/s`);
          }
        }
      }
      if (py !== null) {
        for (const v of torchVariants()) {
          quiet();
          log(`  PyTorch ${v.label} …`);
          const t = runTorch(py, v, c.name, quick);
          if (typeof t === 'string') log(`    ${t}`);
          else {
            keep(torch, `${v.label}|${c.name}`, t);
            log(`    train ${fmt(t.train.tokPerS)} tok/s, score ${fmt(t.score.tokPerS)} tok/s`);
          }
        }
      }
    }
  }
  const ours = [...results.values()];
  out('');
  printResults(ours, out);
  out('\nGF/s: FLOPs of the matrix products (2·M·N·K each) per second; one-hot input is a lookup (0 FLOPs). spread: ±half the range of the runs.');
  out('cpu: CPU time / wall time of the timed training runs (under ~95%: another process took the core part of the time;');
  out('     with N threads up to N×100%, of which the main thread\'s waits on the workers are not counted). threads: training and scoring (StepEngine.gradients / logProbs).');
  if (repeat > 1) out(`Each row: the fastest of ${repeat} rounds, train and score separately.`);
  if (py !== null) printCompare(ours, [...torch.values()], out);
  for (const n of notes.slice(shownNotes)) out(`note: ${n}`);
  out(`\nload average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`);
  if (values.json) process.stdout.write(`${JSON.stringify({ machine: m, loadavgEnd: os.loadavg(), notes, results: ours, pytorch: [...torch.values()] })}\n`);
  return 0;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  process.exitCode = await main();
}
