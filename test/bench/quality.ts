/**
 * `npm run bench -- --quality`: does the fast path learn what PyTorch learns?
 *
 * Char-level LSTM 2×256 on ../shared/corpora/tinyshakespeare.txt (resolved
 * from the repository root), read as one stream (rnnlm's `--sentence file`):
 * first 90% train, last 10% validation (core/data.ts splitTrainVal, cut at a
 * line break), vocabulary from the training part (<EOS>, <UNK>, then the
 * characters in code point order), B = 32 lanes, windows of T = 64, state
 * carried, Adam lr 2e-3, global-norm clip 5, no dropout, a fixed number of
 * training tokens. rnnlm trains with the core's train() (mode 'stream')
 * through the data-parallel engine, on the backend the CLI computes on
 * (nodeBackend(): WebAssembly when available); the validation loss is the
 * core's evaluate() (mean nats per character over the whole validation
 * stream). The PyTorch side (quality_pytorch.py) reads the very same token
 * ids (written to a temporary directory as little-endian int32) and follows
 * the same windows, initialisation distribution, loss and optimizer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { createParallelEngine } from '../../src/parallel/engine.js';
import { createModel, initModel, type ModelConfig } from '../../src/core/model.js';
import { createRng } from '../../src/core/rng.js';
import { prepareData, splitTrainVal } from '../../src/core/data.js';
import { splitSentences, type TokenizerConfig } from '../../src/core/tokenize.js';
import { defaultTrainConfig, newTrainState, train, type EvalRecord, type TrainConfig } from '../../src/core/train.js';
import type { KernelName, KernelSetup } from './bench.js';
import { findTorchPython, torchEnv, writeIds } from './torch.js';

export interface QualityOptions {
  repoRoot: string;
  /**
   * match: one-hot input, and PyTorch copies rnnlm's initialisation (does the
   * fast path learn what PyTorch learns?); defaults: issue 12's per-token
   * comparison, a 256 embedding, rnnlm at its defaults against PyTorch at its
   * own (5M tokens by default).
   */
  setup: 'match' | 'defaults';
  /** Training tokens (rounded up to whole windows of 64×32). */
  tokens?: number | undefined;
  python?: string | undefined;
  json: boolean;
  quick: boolean;
  /** Seeds to run on each side (noise estimate). */
  seeds?: number[];
  /** rnnlm's training threads (the data-parallel engine, as `rnnlm train --threads`). */
  threads: number;
  /** From bench.ts (passed in: a static import back into bench.js would deadlock its top-level await). */
  loadKernels(name: KernelName): Promise<KernelSetup | string>;
  date: string;
}

const B = 32;
const T = 64;
/** 2 passes over the ~1.0M training characters; see README for why. */
const DEFAULT_TOKENS = 2_000_000;

interface SideResult {
  system: string;
  seed: number;
  history: { step: number; tokens: number; valLoss: number }[];
  finalValLoss: number;
  seconds: number;
}

export async function runQuality(o: QualityOptions): Promise<number> {
  const out = (s: string): void => { if (!o.json) process.stdout.write(`${s}\n`); };
  const log = (s: string): void => { process.stderr.write(`${s}\n`); };
  const corpus = path.resolve(o.repoRoot, '..', 'shared', 'corpora', 'tinyshakespeare.txt');
  if (!existsSync(corpus)) {
    out(`quality: ${corpus} is missing; skipped`);
    return 0;
  }
  const defaults = o.setup === 'defaults';
  const tokens = o.tokens ?? (o.quick ? 200_000 : defaults ? 5_000_000 : DEFAULT_TOKENS);
  const steps = Math.ceil(tokens / (B * T));
  // defaults: a point every ~0.5M tokens, a curve
  const evalEvery = Math.max(1, defaults ? Math.round(500_000 / (B * T)) : Math.ceil(steps / 4));
  const seeds = o.seeds ?? [1];

  // data, exactly as `rnnlm train --sentence file --level char` prepares it
  const text = readFileSync(corpus, 'utf8');
  const tok: TokenizerConfig = { level: 'char', lowercase: false, unkToken: null };
  const split = splitTrainVal(splitSentences(text, 'file'), 0.1, createRng(0), 'file');
  const data = prepareData(split, tok, {});
  const V = data.vocab.tokens.length;
  const val = data.val!;
  out(`quality check — ${o.date}; ${corpus}`);
  out(`  ${data.train.ids.length.toLocaleString('en-US')} training and ${val.ids.length.toLocaleString('en-US')} validation tokens (EOS included), V = ${V}`);
  out(`  char LSTM 2×256, ${defaults ? 'embedding 256, each side at its own default initialisation' : 'one-hot input, PyTorch initialised as rnnlm'}, stream B=${B} T=${T}, Adam lr 2e-3, clip 5, ${steps} steps = ${(steps * B * T).toLocaleString('en-US')} training tokens, validation every ${evalEvery} steps`);

  const k = await o.loadKernels('wasm');
  const kernels = typeof k === 'string' ? await o.loadKernels('js') : k;
  if (typeof kernels === 'string') throw new Error(kernels);
  const kname = typeof k === 'string' ? 'js' : 'wasm';
  if (typeof k === 'string') out(`  note: ${k}; rnnlm uses the JavaScript reference kernels (slow)`);

  const results: SideResult[] = [];
  for (const seed of seeds) {
    const config: ModelConfig = { cell: 'lstm', peephole: false, layers: 2, hidden: 256, vocabSize: V, embedding: defaults ? 256 : 0, dropout: 0 };
    const model = createModel(config, kernels.backend);
    const rng = createRng(seed);
    initModel(model, rng);
    const cfg: TrainConfig = { ...defaultTrainConfig, mode: 'stream', batch: B, bptt: T, lr: 2e-3, clip: 5, epochs: 1000, maxSteps: steps, evalEvery };
    const state = newTrainState(model, cfg, rng.state());
    const t0 = performance.now();
    const engine = await createParallelEngine(model, T, B, o.threads);
    await train(model, { train: data.train, val }, cfg, state, {
      now: () => performance.now(),
      onStep: (r) => { if (r.step % 100 === 0) log(`  rnnlm seed ${seed}: step ${r.step}/${steps}, loss ${r.loss.toFixed(3)}, ${Math.round(r.tokensSeen / (r.elapsedMs / 1000))} tok/s`); },
      onEval: (r) => log(`  rnnlm seed ${seed}: step ${r.step} validation ${r.valLoss?.toFixed(4)}`),
    }, { engine }).finally(() => engine.close());
    const history = state.history.map((h: EvalRecord) => ({ step: h.step, tokens: h.tokensSeen, valLoss: h.valLoss! }));
    results.push({ system: `rnnlm (${kname}, ${engine.threads} thread${engine.threads > 1 ? 's' : ''})`, seed, history, finalValLoss: history[history.length - 1]!.valLoss, seconds: (performance.now() - t0) / 1000 });
  }

  // the PyTorch side, on the same ids
  const py = findTorchPython(o.python);
  if (py === null) {
    out('  PyTorch is not importable (python3 -c "import torch"): only rnnlm was run');
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rnnlm-quality-'));
    try {
      const trainPath = writeIds(path.join(dir, 'train.i32'), data.train.ids);
      const valPath = writeIds(path.join(dir, 'val.i32'), val.ids);
      for (const seed of seeds) {
        log(`  PyTorch seed ${seed} …`);
        const script = path.join(o.repoRoot, 'test', 'bench', 'quality_pytorch.py');
        const env = { ...torchEnv(2), OPENBLAS_CORETYPE: 'SkylakeX' };
        const t0 = performance.now();
        const r = spawnSync(py, [script, '--train', trainPath, '--val', valPath, '--vocab', String(V), '--steps', String(steps),
          '--eval-every', String(evalEvery), '--seed', String(seed), '--threads', '2', ...(defaults ? ['--defaults'] : [])], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
        if (r.status !== 0) {
          out(`  PyTorch run failed (exit ${r.status})`);
          continue;
        }
        const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { history: SideResult['history']; torch: string };
        results.push({ system: `PyTorch ${j.torch}`, seed, history: j.history, finalValLoss: j.history[j.history.length - 1]!.valLoss, seconds: (performance.now() - t0) / 1000 });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (o.json) {
    process.stdout.write(`${JSON.stringify({ date: o.date, setup: o.setup, steps, tokens: steps * B * T, V, results })}\n`);
    return 0;
  }
  out('\n  validation loss (nats/char) by training tokens');
  const stepsSeen = [...new Set(results.flatMap((r) => r.history.map((h) => h.step)))].sort((a, b) => a - b);
  const header = ['system', 'seed', ...stepsSeen.map((s) => `${((s * B * T) / 1e6).toFixed(2)}M`), 'wall s'];
  const rows = [header, ...results.map((r) => [r.system, String(r.seed), ...stepsSeen.map((s) => r.history.find((h) => h.step === s)?.valLoss.toFixed(4) ?? '-'), r.seconds.toFixed(0)])];
  const widths = header.map((_, j) => Math.max(...rows.map((x) => x[j]!.length)));
  for (const r of rows) out(`  ${r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ')}`);
  return 0;
}
