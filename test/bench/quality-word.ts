/**
 * `npm run bench -- --quality-word`: word level against PyTorch at equal wall
 * time (issue 12), on ../shared/corpora/kjv.txt (the King James Bible, one
 * verse per line).
 *
 * Split, fixed: line i (from 0) is validation when i % 10 == 9, training
 * otherwise. Tokens: whitespace split (rnnlm's --pretokenized), every line
 * ending with <EOS>, the lines read as one stream with the state carried
 * (--sentence stream). Vocabulary: every word of the training part (none
 * capped), sorted by frequency after <EOS> and <UNK>; validation words
 * unseen in training are <UNK> (about 1.6% of the tokens).
 *
 * The model is PyTorch's word_language_model at its defaults: LSTM 2×200,
 * embedding 200, dropout 0.2 on the embedding, between the layers and on the
 * output, SGD lr 20, clip 0.25, batch 20 × 35, the learning rate divided by
 * 4 after an evaluation that does not improve validation. Two output layers
 * on each side: a full softmax tied to the embedding, and the adaptive softmax
 * (untied, cut-offs from rnnlm's defaultCutoffs for this vocabulary, div 4,
 * head bias), PyTorch's AdaptiveLogSoftmaxWithLoss on its side. rnnlm runs at
 * its own defaults otherwise (initialisation), through core train() and the
 * data-parallel engine, as `rnnlm train` does; PyTorch
 * (quality_word_pytorch.py) reads the very same token ids and windows, with
 * the example's initialisation.
 *
 * Each of the four runs gets the same wall-time budget (evaluations
 * included), one after another on the otherwise idle machine, both cores.
 * Validation (mean nats per token over the validation stream, 20 lanes) every
 * --quality-eval-tokens training tokens and at the end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { defaultCutoffs } from '../../src/core/adaptive.js';
import { prepareData } from '../../src/core/data.js';
import { createModel, initModel, WORD_INIT, type ModelConfig } from '../../src/core/model.js';
import { createRng } from '../../src/core/rng.js';
import { splitSentences, type TokenizerConfig } from '../../src/core/tokenize.js';
import { defaultTrainConfig, newTrainState, train, type TrainConfig } from '../../src/core/train.js';
import { createParallelEngine } from '../../src/parallel/engine.js';
import type { KernelName, KernelSetup } from './bench.js';
import { findTorchPython, torchEnv, writeIds } from './torch.js';

export interface QualityWordOptions {
  repoRoot: string;
  /** Wall time per run, minutes. */
  minutes: number;
  /** Validation every this many training tokens (rounded to whole steps of 20 × 35). */
  evalTokens: number;
  python?: string | undefined;
  json: boolean;
  threads: number;
  /** Which runs: rnnlm-full, rnnlm-adaptive, pytorch-full, pytorch-adaptive. */
  systems: string[];
  loadKernels(name: KernelName): Promise<KernelSetup | string>;
  date: string;
}

const B = 20;
const T = 35;
const H = 200;
export const WORD_SYSTEMS = ['rnnlm-full', 'rnnlm-adaptive', 'pytorch-full', 'pytorch-adaptive'] as const;

interface Point { step: number; tokens: number; seconds: number; valLoss: number; lr: number }
interface Run { system: string; params: number; history: Point[]; tokPerS: number }

export async function runQualityWord(o: QualityWordOptions): Promise<number> {
  const out = (s: string): void => { if (!o.json) process.stdout.write(`${s}\n`); };
  const log = (s: string): void => { process.stderr.write(`${s}\n`); };
  const corpus = path.resolve(o.repoRoot, '..', 'shared', 'corpora', 'kjv.txt');
  if (!existsSync(corpus)) {
    out(`quality-word: ${corpus} is missing; skipped`);
    return 0;
  }
  const bad = o.systems.filter((s) => !(WORD_SYSTEMS as readonly string[]).includes(s));
  if (bad.length) throw new Error(`--quality-systems: unknown ${bad.join(', ')} (known: ${WORD_SYSTEMS.join(', ')})`);

  const lines = splitSentences(readFileSync(corpus, 'utf8'), 'stream');
  const split = { train: lines.filter((_, i) => i % 10 !== 9), val: lines.filter((_, i) => i % 10 === 9) };
  const tok: TokenizerConfig = { level: 'word', lowercase: false, unkToken: null, split: 'whitespace' };
  const data = prepareData(split, tok, { order: 'frequency' });
  const V = data.vocab.tokens.length;
  const val = data.val!;
  let unk = 0;
  for (const id of val.ids) if (id === 1) unk++;
  const cutoffs = defaultCutoffs(data.train.ids, V);
  const evalEvery = Math.max(1, Math.round(o.evalTokens / (B * T)));
  out(`word-level quality — ${o.date}; ${corpus}, line i % 10 == 9 held out`);
  out(`  ${data.train.ids.length.toLocaleString('en-US')} training and ${val.ids.length.toLocaleString('en-US')} validation tokens (<EOS> included, ${(100 * unk / val.ids.length).toFixed(2)}% <UNK>), V = ${V.toLocaleString('en-US')}`);
  out(`  LSTM 2×${H}, embedding ${H}, dropout 0.2 (embedding, between layers, output), SGD lr 20 (÷4 when validation does not improve), clip 0.25, B ${B} × T ${T}`);
  out(`  full softmax tied; adaptive softmax cut-offs ${cutoffs.join(', ')}, div 4; ${o.minutes} min per run (evaluations included), validation every ${evalEvery} steps (${(evalEvery * B * T).toLocaleString('en-US')} tokens)`);

  const runs: Run[] = [];
  const k = await o.loadKernels('wasm');
  if (typeof k === 'string') throw new Error(`rnnlm needs the WebAssembly kernels here: ${k}`);
  for (const output of ['full', 'adaptive'] as const) {
    if (!o.systems.includes(`rnnlm-${output}`)) continue;
    const config: ModelConfig = {
      cell: 'lstm', peephole: false, layers: 2, hidden: H, vocabSize: V, embedding: H, dropout: 0.2, inputDropout: 0.2,
      ...(output === 'full' ? { tied: true } : { cutoffs, adaptiveDiv: 4 }),
    };
    const model = createModel(config, k.backend);
    const rng = createRng(1);
    initModel(model, rng, WORD_INIT); // rnnlm train's word-level default
    const cfg: TrainConfig = {
      ...defaultTrainConfig, mode: 'stream', batch: B, bptt: T, lr: 20, optimizer: { kind: 'sgd', beta1: 0.9, beta2: 0.999, eps: 1e-8 },
      clip: 0.25, lrPlateau: 0.25, epochs: 1_000_000, maxTimeMs: o.minutes * 60_000, evalEvery,
    };
    const state = newTrainState(model, cfg, rng.state());
    const engine = await createParallelEngine(model, T, B, o.threads);
    log(`  rnnlm ${output}: ${model.layout.total.toLocaleString('en-US')} parameters, ${engine.threads} thread(s)`);
    const t0 = performance.now();
    await train(model, { train: data.train, val }, cfg, state, {
      now: () => performance.now(),
      onStep: (r) => { if (r.step % 200 === 0) log(`  rnnlm ${output}: step ${r.step}, loss ${r.loss.toFixed(3)}, ${Math.round(r.tokensSeen / (r.elapsedMs / 1000))} tok/s`); },
      onEval: (r) => log(`  rnnlm ${output}: step ${r.step}, ${r.tokensSeen} tokens, validation ${r.valLoss?.toFixed(4)} (ppl ${Math.exp(r.valLoss ?? NaN).toFixed(1)})`),
    }, { engine }).finally(() => engine.close());
    const seconds = (performance.now() - t0) / 1000;
    const history = state.history.map((h) => ({ step: h.step, tokens: h.tokensSeen, seconds: h.elapsedMs / 1000, valLoss: h.valLoss!, lr: h.lr }));
    runs.push({ system: `rnnlm ${output}`, params: model.layout.total, history, tokPerS: state.tokensSeen / seconds });
  }

  const torchSystems = o.systems.filter((s) => s.startsWith('pytorch-'));
  const py = torchSystems.length ? findTorchPython(o.python) : null;
  if (torchSystems.length && py === null) out('  PyTorch is not importable (python3 -c "import torch"): only rnnlm was run');
  if (py !== null) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rnnlm-quality-word-'));
    try {
      const trainPath = writeIds(path.join(dir, 'train.i32'), data.train.ids);
      const valPath = writeIds(path.join(dir, 'val.i32'), val.ids);
      for (const system of torchSystems) {
        const output = system.slice('pytorch-'.length);
        log(`  PyTorch ${output} …`);
        const script = path.join(o.repoRoot, 'test', 'bench', 'quality_word_pytorch.py');
        const r = spawnSync(py, [script, '--train', trainPath, '--val', valPath, '--vocab', String(V), '--output', output, '--cutoffs', cutoffs.join(','),
          '--minutes', String(o.minutes), '--eval-every', String(evalEvery), '--threads', String(o.threads)],
        { env: torchEnv(o.threads), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
        if (r.status !== 0) {
          out(`  PyTorch ${output} failed (exit ${r.status})`);
          continue;
        }
        const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { torch: string; params: number; history: Point[] };
        const last = j.history[j.history.length - 1]!;
        runs.push({ system: `PyTorch ${j.torch} ${output}`, params: j.params, history: j.history, tokPerS: last.tokens / last.seconds });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (o.json) {
    process.stdout.write(`${JSON.stringify({ date: o.date, V, cutoffs, minutes: o.minutes, evalEvery, trainTokens: data.train.ids.length, valTokens: val.ids.length, runs })}\n`);
    return 0;
  }
  const ppl = (x: number): string => Math.exp(x).toFixed(1);
  out('\n  at the end of the time budget');
  const table = (rows: string[][]): void => {
    const widths = rows[0]!.map((_, j) => Math.max(...rows.map((x) => x[j]!.length)));
    for (const r of rows) out(`  ${r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ')}`);
  };
  table([['system', 'parameters', 'tokens/s', 'tokens', 'steps', 'val ppl', 'best ppl'],
    ...runs.map((r) => {
      const last = r.history[r.history.length - 1]!;
      return [r.system, r.params.toLocaleString('en-US'), Math.round(r.tokPerS).toLocaleString('en-US'), last.tokens.toLocaleString('en-US'),
        String(last.step), ppl(last.valLoss), ppl(Math.min(...r.history.map((h) => h.valLoss)))];
    })]);
  // validation perplexity at equal training tokens: the evaluations fall on the same steps on every side
  const steps = [...new Set(runs.flatMap((r) => r.history.filter((h) => h.step % evalEvery === 0).map((h) => h.step)))].sort((a, b) => a - b);
  out('\n  validation perplexity by training tokens (the same steps on every side)');
  table([['system', ...steps.map((s) => `${((s * B * T) / 1e6).toFixed(2)}M`)],
    ...runs.map((r) => [r.system, ...steps.map((s) => { const h = r.history.find((x) => x.step === s); return h ? ppl(h.valLoss) : '-'; })])]);
  return 0;
}
