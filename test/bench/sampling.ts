/**
 * `npm run bench -- --sampling`: samples per second of `rnnlm sample -n N
 * --max-length L`, the way it draws them now (sampleLanes: SAMPLE_LANES
 * samples side by side as the rows of one batch) against one sample after
 * another (createSampler, the way it drew them before), on the same model
 * and backend (nodeBackend: wasm when it loads). The model is a checkpoint
 * given with --sampling-model, else a char LSTM 2×256 (V = 65) initialised
 * with seed 1 (samples of about 60 tokens). Also the tokens per second, and
 * each width of --sampling-lanes. Samples vary in length, so the lanes idle
 * at the end of a run while the last ones finish.
 */
import { performance } from 'node:perf_hooks';
import { createModel, initModel, paramCount, type Model } from '../../src/core/model.js';
import { createRng, streamRng } from '../../src/core/rng.js';
import { createSampler, defaultSampleOptions, sampleLanes, SAMPLE_LANES } from '../../src/core/sample.js';
import { nodeBackend } from '../../src/node/backend.js';
import { loadModel } from '../../src/node/library.js';
import { createThreadLanes } from '../../src/parallel/lanes.js';
import { availableParallelism } from 'node:os';

export interface SamplingOptions { model?: string; n: number; maxLength: number; lanes: number[]; json: boolean }

interface Row { how: string; lanes: number; seconds: number; samplesPerS: number; tokensPerS: number }

export async function runSampling(o: SamplingOptions): Promise<number> {
  let model: Model;
  let label: string;
  if (o.model) {
    model = (await loadModel(o.model)).model;
    label = o.model;
  } else {
    model = createModel({ cell: 'lstm', peephole: false, layers: 2, hidden: 256, vocabSize: 65, embedding: 0, dropout: 0 }, nodeBackend({}));
    initModel(model, createRng(1));
    label = 'char LSTM 2×256, V 65, seed-1 initialisation';
  }
  const opts = { ...defaultSampleOptions, maxLength: o.maxLength };
  const rows: Row[] = [];
  const time = (how: string, lanes: number, run: () => number): void => {
    run(); // warm-up (and the workspaces made)
    const t0 = performance.now();
    const tokens = run();
    const s = (performance.now() - t0) / 1000;
    rows.push({ how, lanes, seconds: s, samplesPerS: o.n / s, tokensPerS: tokens / s });
    process.stderr.write(`  ${how} ${lanes}: ${(o.n / s).toFixed(1)} samples/s\n`);
  };
  time('one after another', 1, () => {
    const sampler = createSampler(model, opts);
    const rng = createRng(1);
    let tokens = 0;
    for (let i = 0; i < o.n; i++) for (const _ of sampler.sample(rng)) tokens++;
    return tokens + o.n;
  });
  for (const lanes of o.lanes) {
    time('side by side', lanes, () => {
      let tokens = 0;
      for (const s of sampleLanes(model, opts, o.n, (i) => streamRng(1, i), lanes)) tokens += s.ids.length + 1;
      return tokens;
    });
  }
  // as rnnlm sample draws 64 samples or more: SAMPLE_LANES per thread, on each core (the same samples)
  const threads = availableParallelism();
  if (threads > 1) {
    const lanes = await createThreadLanes(model, SAMPLE_LANES, threads);
    try {
      time(`side by side, ${lanes.threads} threads`, lanes.count, () => {
        let tokens = 0;
        for (const s of sampleLanes(model, opts, o.n, (i) => streamRng(1, i), lanes)) tokens += s.ids.length + 1;
        return tokens;
      });
    } finally {
      await lanes.close();
    }
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ model: label, params: paramCount(model.config), backend: model.backend.name, n: o.n, maxLength: o.maxLength, rows })}\n`);
    return 0;
  }
  const base = rows[0]!.samplesPerS;
  process.stdout.write(`sampling: ${label} (${paramCount(model.config).toLocaleString('en-US')} parameters, ${(paramCount(model.config) * 4 / 1e6).toFixed(2)} MB), ${model.backend.name} kernels, one thread but where said,\n`);
  process.stdout.write(`-n ${o.n} --max-length ${o.maxLength}; tokens count each sample's <EOS> or cap step. The default width is ${SAMPLE_LANES}.\n\n`);
  process.stdout.write('how                           lanes  seconds  samples/s  tokens/s  vs one after another\n');
  for (const r of rows) {
    process.stdout.write(`${r.how.padEnd(29)} ${String(r.lanes).padStart(5)}  ${r.seconds.toFixed(2).padStart(7)}  ${r.samplesPerS.toFixed(1).padStart(9)}  ${r.tokensPerS.toFixed(0).padStart(8)}  ${(r.samplesPerS / base).toFixed(2)}×\n`);
  }
  return 0;
}
