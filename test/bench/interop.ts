/**
 * `npm run bench -- --interop`: the PyTorch round trip of issue 15, for each
 * cell and option. For each: `rnnlm train` a small word-level stream-mode
 * model (one step: the weights to start from), `rnnlm export` it, `rnnlm
 * encode` the training and validation text, train it for --interop-steps
 * steps under `torchrun --nproc_per_node 2` (gloo) with
 * examples/pytorch/train_ddp.py, `rnnlm import` the result, and compare
 * `rnnlm eval --batch 1` on the validation text with PyTorch's own
 * evaluation (the script's valNatsPerToken): they must agree within 1e-5
 * nats/token. Prints tokens/s per process too. Needs PyTorch and Python's
 * safetensors (`apt-get install python3-torch`, `pip install safetensors`);
 * never part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface InteropOptions { repoRoot: string; corpus?: string; steps: number; json: boolean }

const CASES: [string, string[]][] = [
  ['lstm 2×64', ['--hidden', '64', '--embedding', '64']],
  ['gru 2×32', ['--cell', 'gru', '--hidden', '32', '--embedding', '32']],
  ['gru-simple 1×32', ['--cell', 'gru-simple', '--layers', '1', '--hidden', '32', '--embedding', '32']],
  ['lstm + peepholes, dropout 0.2', ['--peephole', '--dropout', '0.2', '--hidden', '32', '--embedding', '32']],
  ['rnn, adaptive softmax', ['--cell', 'rnn', '--adaptive', '--hidden', '32', '--embedding', '32']],
  ['lstm, tied', ['--tied', '--hidden', '32']],
  ['gru, one-hot input', ['--cell', 'gru', '--embedding', '0', '--hidden', '32', '--max-vocab', '300']],
];

export async function runInterop(o: InteropOptions): Promise<number> {
  const corpus = o.corpus ?? path.join(o.repoRoot, '../shared/corpora/kjv.txt');
  if (!existsSync(corpus)) {
    process.stderr.write(`bench --interop: no corpus at ${corpus} (give --interop-corpus PATH, a word-level text)\n`);
    return 2;
  }
  const torchrun = spawnSync('torchrun', ['--help'], { stdio: 'ignore' });
  if (torchrun.status !== 0) {
    process.stderr.write('bench --interop: torchrun is not here: apt-get install python3-torch, then pip install safetensors\n');
    return 2;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rnnlm-interop-'));
  const lines = readFileSync(corpus, 'utf8').split('\n');
  writeFileSync(path.join(dir, 'train.txt'), lines.slice(0, Math.min(20000, lines.length - 300)).join('\n'));
  writeFileSync(path.join(dir, 'val.txt'), lines.slice(-300).join('\n'));
  const rnnlm = (args: string[]): string => {
    const r = spawnSync(process.execPath, [path.join(o.repoRoot, 'bin/rnnlm.js'), ...args], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`rnnlm ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const rows: { case: string; torch: number; rnnlm: number; diff: number; tokensPerSecond: number[]; lastLoss: number[] }[] = [];
  try {
    CASES.forEach(([name, extra], i) => {
      const m = `m${i}`;
      rnnlm(['train', 'train.txt', '--level', 'word', '--pretokenized', '--sentence', 'stream', '--max-steps', '1', '--max-vocab', '3000', '--samples', '0', '-q', '--force', '-o', `${m}.json`, ...extra]);
      rnnlm(['export', `${m}.json`, '-o', `${m}.safetensors`, '-q']);
      rnnlm(['encode', '-m', `${m}.json`, 'train.txt', '-o', `${m}.train.ids.safetensors`, '-q']);
      rnnlm(['encode', '-m', `${m}.json`, 'val.txt', '-o', `${m}.val.ids.safetensors`, '-q']);
      // --redirects 2 --tee 1: Debian's torch 1.13 under Python 3.11 cannot parse the default (0) of these flags
      const t = spawnSync('torchrun', ['--nproc_per_node', '2', '--redirects', '2', '--tee', '1', '--log_dir', path.join(dir, `logs${i}`),
        path.join(o.repoRoot, 'examples/pytorch/train_ddp.py'), '--model', `${m}.safetensors`, '--ids', `${m}.train.ids.safetensors`,
        '--val', `${m}.val.ids.safetensors`, '--steps', String(o.steps), '--bptt', '20', '--out', `${m}.trained.safetensors`], { cwd: dir, encoding: 'utf8' });
      if (t.status !== 0) throw new Error(`torchrun for ${name}: ${t.stderr.slice(-2000)}`);
      const records = t.stdout.split('\n').map((l) => l.replace(/^\[default\d+\]:/, '')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, number>);
      const torch = records.find((r) => r['valNatsPerToken'] !== undefined)!['valNatsPerToken']!;
      rnnlm(['import', `${m}.trained.safetensors`, '-o', `${m}.back.json`, '-q']);
      const ours = (JSON.parse(rnnlm(['eval', '-m', `${m}.back.json`, 'val.txt', '--batch', '1', '--json'])) as { crossEntropy: number }).crossEntropy;
      rows.push({ case: name, torch, rnnlm: ours, diff: Math.abs(torch - ours), tokensPerSecond: records.filter((r) => r['tokensPerSecond']).map((r) => r['tokensPerSecond']!),
        lastLoss: records.filter((r) => r['lastLoss'] !== undefined).map((r) => r['lastLoss']!) });
      process.stderr.write(`  ${name}: PyTorch ${torch.toFixed(9)}, rnnlm ${ours.toFixed(9)} nats/token\n`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const worst = Math.max(...rows.map((r) => r.diff));
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ steps: o.steps, rows, worst })}\n`);
  } else {
    process.stdout.write(`PyTorch round trip: train ${o.steps} steps with examples/pytorch/train_ddp.py under torchrun --nproc_per_node 2 (gloo), rnnlm import, rnnlm eval --batch 1\n\n`);
    process.stdout.write('case                              PyTorch nats/tok  rnnlm nats/tok   |diff|     tok/s per process   final train loss per process (mean of the last 10 steps)\n');
    for (const r of rows) {
      process.stdout.write(`${r.case.padEnd(33)} ${r.torch.toFixed(9).padStart(15)}  ${r.rnnlm.toFixed(9).padStart(14)}  ${r.diff.toExponential(1).padStart(8)}   ${r.tokensPerSecond.map((x) => x.toFixed(0)).join(', ').padEnd(18)}  ${r.lastLoss.map((x) => x.toFixed(3)).join(', ')}\n`);
    }
    process.stdout.write(`\nworst difference ${worst.toExponential(2)} nats/token (target: within 1e-5)\n`);
  }
  return worst <= 1e-5 ? 0 : 1;
}
