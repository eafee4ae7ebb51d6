/**
 * `npm run bench -- --score-memory`: `rnnlm score` as a filter (issue 13).
 * Runs the command line itself (`bin/rnnlm.js score -m MODEL -q`, all cores)
 * on N lines of "emma" written into its standard input by this process (as
 * `yes emma | head -N` would), for N = 10K, 100K and 1M by default, and
 * reports per N: the peak resident set (VmHWM from /proc/PID/status, sampled
 * every 20 ms until the process ends; the worker threads are in the same
 * process), the lines read back (one per line in), the wall time, and how
 * long after the first line went in the first answer came out, the input
 * still open. Target: peak RSS within 10% between 10K and 1M lines.
 * The model: `--score-memory-model PATH`, or a names model (LSTM 2×128, the
 * defaults) trained for 30 steps on corpora/names.txt (its weights do not
 * change the memory).
 * `--score-memory-eval` also runs `rnnlm eval` on a file of as many lines.
 * `--score-memory-node-options FLAGS` runs it with NODE_OPTIONS=FLAGS, e.g.
 * --max-semi-space-size=1 (V8's young generation kept at 1 MB per semi-space
 * instead of growing towards 16 MB as a run goes on).
 * Linux only (/proc).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readStatus } from './memory.js';

export interface ScoreMemoryOptions {
  repoRoot: string;
  model?: string | undefined;
  lines: number[];
  json: boolean;
  /** NODE_OPTIONS for the rnnlm process (e.g. --max-semi-space-size=1: V8's young generation kept small). */
  nodeOptions?: string | undefined;
  /** Also `rnnlm eval` on a file of as many lines (streamed a chunk at a time): its peak RSS per N. */
  eval?: boolean;
}

interface Row { lines: number; out: number; peakMB: number; seconds: number; firstAnswerMs: number | null }

const MB = 1e6;

function run(bin: string, model: string, n: number, nodeOptions: string | undefined): Promise<Row> {
  return new Promise((resolve, reject) => {
    const env = nodeOptions === undefined ? process.env : { ...process.env, NODE_OPTIONS: nodeOptions };
    const child = spawn(process.execPath, [bin, 'score', '-m', model, '-q'], { stdio: ['pipe', 'pipe', 'inherit'], env });
    const t0 = performance.now();
    let firstIn = 0;
    let firstAnswerMs: number | null = null;
    let out = 0;
    let peak = 0;
    // a read as the process exits can find the fields gone (NaN): keep the last good value
    const sampler = setInterval(() => { const s = readStatus(child.pid!); if (s && Number.isFinite(s.hwm)) peak = Math.max(peak, s.hwm); }, 20);
    child.stdout.on('data', (b: Buffer) => {
      if (firstAnswerMs === null) firstAnswerMs = performance.now() - firstIn;
      for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) out++;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      if (code !== 0) reject(new Error(`rnnlm score exited with ${code}`));
      else resolve({ lines: n, out, peakMB: peak / MB, seconds: (performance.now() - t0) / 1000, firstAnswerMs });
    });
    // the first line alone, then a pause: the first answer must come while the input is open
    const block = Buffer.from('emma\n'.repeat(4096));
    let sent = 0;
    const write = (): void => {
      while (sent < n) {
        const k = Math.min(4096, n - sent);
        sent += k;
        if (!child.stdin.write(k === 4096 ? block : block.subarray(0, 5 * k))) { child.stdin.once('drain', write); return; }
      }
      child.stdin.end();
    };
    firstIn = performance.now();
    child.stdin.write('emma\n');
    sent = 1;
    setTimeout(write, 500);
  });
}

/** `rnnlm eval -m MODEL FILE -q --json` on a file of n lines of "emma": its peak RSS and the sentences it counted. */
function runEval(bin: string, model: string, n: number, nodeOptions: string | undefined, dir: string): Promise<Row> {
  const file = path.join(dir, `emma-${n}.txt`);
  const fd = openSync(file, 'w');
  const block = Buffer.from('emma\n'.repeat(4096));
  for (let sent = 0; sent < n; sent += 4096) writeSync(fd, block, 0, 5 * Math.min(4096, n - sent));
  closeSync(fd);
  return new Promise((resolve, reject) => {
    const env = nodeOptions === undefined ? process.env : { ...process.env, NODE_OPTIONS: nodeOptions };
    const child = spawn(process.execPath, [bin, 'eval', '-m', model, file, '-q', '--json'], { stdio: ['ignore', 'pipe', 'inherit'], env });
    const t0 = performance.now();
    let peak = 0;
    let json = '';
    const sampler = setInterval(() => { const s = readStatus(child.pid!); if (s && Number.isFinite(s.hwm)) peak = Math.max(peak, s.hwm); }, 20);
    child.stdout.on('data', (b: Buffer) => { json += b.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      rmSync(file, { force: true });
      if (code !== 0) reject(new Error(`rnnlm eval exited with ${code}`));
      else resolve({ lines: n, out: (JSON.parse(json) as { sentences: number }).sentences, peakMB: peak / MB, seconds: (performance.now() - t0) / 1000, firstAnswerMs: null });
    });
  });
}

export async function runScoreMemory(o: ScoreMemoryOptions): Promise<number> {
  const out = (s: string): void => { if (!o.json) process.stdout.write(`${s}\n`); };
  if (!existsSync('/proc/self/status')) {
    out('bench --score-memory: needs Linux /proc to sample the resident set');
    return 2;
  }
  const bin = path.join(o.repoRoot, 'bin', 'rnnlm.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rnnlm-score-memory-'));
  try {
    let model = o.model;
    if (model === undefined) {
      model = path.join(dir, 'names.json');
      const t = spawnSync(process.execPath, [bin, 'train', path.join(o.repoRoot, 'corpora', 'names.txt'), '-o', model, '--max-steps', '30', '-q', '--samples', '0'], { stdio: 'inherit' });
      if (t.status !== 0) throw new Error('training the names model failed');
    }
    out(`rnnlm bench --score-memory — ${new Date().toISOString()}; Node ${process.version}; model ${o.model ?? 'names (LSTM 2×128, 30 steps)'}${o.nodeOptions !== undefined ? `; NODE_OPTIONS=${o.nodeOptions}` : ''}`);
    const rows: Row[] = [];
    for (const n of o.lines) {
      process.stderr.write(`  ${n.toLocaleString('en-US')} lines …\n`);
      rows.push(await run(bin, model, n, o.nodeOptions));
    }
    const evalRows: Row[] = [];
    if (o.eval) {
      for (const n of o.lines) {
        process.stderr.write(`  eval, ${n.toLocaleString('en-US')} lines …\n`);
        evalRows.push(await runEval(bin, model, n, o.nodeOptions, dir));
      }
    }
    if (o.json) {
      process.stdout.write(`${JSON.stringify(o.eval ? { rows, evalRows } : { rows })}\n`);
      return 0;
    }
    out('lines in   lines out   peak RSS MB   seconds   first answer (input open)');
    for (const r of rows) {
      out(`${r.lines.toLocaleString('en-US').padStart(9)}  ${r.out.toLocaleString('en-US').padStart(10)}  ${r.peakMB.toFixed(1).padStart(12)}  ${r.seconds.toFixed(1).padStart(8)}   ${r.firstAnswerMs === null ? '–' : `${r.firstAnswerMs.toFixed(0)} ms`}`);
    }
    const first = rows[0]!, last = rows[rows.length - 1]!;
    out(`peak RSS at ${last.lines.toLocaleString('en-US')} lines / at ${first.lines.toLocaleString('en-US')}: ${(last.peakMB / first.peakMB).toFixed(3)} (target ≤ 1.10)`);
    // bounded, or growing with the input: the last step up (e.g. 1M → 3M lines with --score-memory-lines 10000,1000000,3000000)
    if (rows.length > 2) {
      const prev = rows[rows.length - 2]!;
      out(`peak RSS at ${last.lines.toLocaleString('en-US')} lines / at ${prev.lines.toLocaleString('en-US')}: ${(last.peakMB / prev.peakMB).toFixed(3)}`);
    }
    if (evalRows.length > 0) {
      out('');
      out('rnnlm eval on a file of that many lines (read a chunk at a time):');
      out('lines      sentences   peak RSS MB   seconds');
      for (const r of evalRows) out(`${r.lines.toLocaleString('en-US').padStart(9)}  ${r.out.toLocaleString('en-US').padStart(10)}  ${r.peakMB.toFixed(1).padStart(12)}  ${r.seconds.toFixed(1).padStart(8)}`);
      const e0 = evalRows[0]!, e1 = evalRows[evalRows.length - 1]!;
      out(`eval peak RSS at ${e1.lines.toLocaleString('en-US')} lines / at ${e0.lines.toLocaleString('en-US')}: ${(e1.peakMB / e0.peakMB).toFixed(3)}`);
    }
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
