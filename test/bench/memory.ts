/**
 * `npm run bench -- --memory`: the memory of a real training run, epoch by
 * epoch. Runs the command line itself (`bin/rnnlm.js train`, char LSTM 2×256
 * by default, on `--threads`, with per-evaluation checkpoints and an NDJSON
 * log) and samples the process's resident set every 100 ms from
 * /proc/PID/status (VmRSS: now; VmHWM: the peak so far; the worker threads
 * are in the same process). Each evaluation line of the log is matched with
 * the samples since the previous one, so the table says, per evaluation,
 * per epoch, the lowest and highest RSS sampled and the RSS at its last
 * evaluation. The RSS swings with garbage not yet collected (each checkpoint
 * is serialised to a string of several MB), so a leak shows in the lows:
 * growth = the lowest RSS of the last-but-one epoch minus that of epoch 2
 * (epoch 1 includes start-up: reading the corpus, the first allocations; the
 * last one runs into the end of training).
 * Linux only (/proc).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface MemoryOptions {
  repoRoot: string;
  corpus?: string;
  epochs?: number;
  threads: number;
  json: boolean;
  /** extra `rnnlm train` arguments */
  args?: string[];
}

interface Sample { t: number; rssMB: number; hwmMB: number }
interface EvalRow { step: number; epoch: number; valLoss: number | null; rssMB: number; maxMB: number; t: number }

const MB = 1e6;

/** VmRSS (now) and VmHWM (the peak so far) of a process, in bytes; null when it is gone. */
export function readStatus(pid: number): { rss: number; hwm: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

function logLines(file: string): Array<{ step: number; epoch: number; valLoss: number | null }> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { step: number; epoch: number; valLoss: number | null });
}

export async function runMemory(o: MemoryOptions): Promise<number> {
  const out = (s: string): void => { process.stdout.write(`${s}\n`); };
  if (!existsSync('/proc/self/status')) {
    out('bench --memory: needs Linux /proc to sample the resident set');
    return 2;
  }
  const corpus = path.resolve(o.repoRoot, o.corpus ?? 'corpora/names.txt');
  if (!existsSync(corpus)) {
    out(`bench --memory: no corpus at ${corpus} (give one with --memory-corpus PATH)`);
    return 2;
  }
  const epochs = o.epochs ?? 5;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rnnlm-mem-'));
  const log = path.join(dir, 'log.ndjson');
  const args = [path.join(o.repoRoot, 'bin', 'rnnlm.js'), 'train', corpus, '-o', path.join(dir, 'm.json'), '--log', log,
    '--layers', '2', '--hidden', '256', '--epochs', String(epochs), '--threads', String(o.threads), '--seed', '1', '-q', ...(o.args ?? [])];
  out(`rnnlm bench --memory — ${new Date().toISOString()}; Node ${process.version}, ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}`);
  out(`running: node ${args.map((a) => (a.startsWith(dir) ? path.join('$TMP', path.relative(dir, a)) : path.relative(o.repoRoot, a) || a)).join(' ')}`);
  const t0 = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const samples: Sample[] = [];
  const rows: EvalRow[] = [];
  let seen = 0;
  let since = 0; // highest RSS since the last evaluation line
  const poll = (): void => {
    const st = child.pid === undefined ? null : readStatus(child.pid);
    if (st && Number.isFinite(st.rss)) {
      const s = { t: (Date.now() - t0) / 1000, rssMB: st.rss / MB, hwmMB: st.hwm / MB };
      samples.push(s);
      since = Math.max(since, s.rssMB);
    }
    const lines = logLines(log);
    for (; seen < lines.length; seen++) {
      const l = lines[seen]!;
      const last = samples[samples.length - 1];
      rows.push({ step: l.step, epoch: l.epoch, valLoss: l.valLoss, rssMB: last?.rssMB ?? NaN, maxMB: since, t: last?.t ?? 0 });
      since = last?.rssMB ?? 0;
    }
  };
  const timer = setInterval(poll, 100);
  const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearInterval(timer);
  poll();
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) {
    out(`bench --memory: rnnlm train exited with ${code}`);
    return 1;
  }
  const peak = Math.max(...samples.map((s) => s.hwmMB));
  // each sample belongs to the group of the next evaluation, by the epochs completed when it ran
  // (samples after the last one: shutdown, left out)
  const epochsSeen: Array<{ epoch: number; evals: number; minMB: number; maxMB: number; endMB: number; lastStep: number }> = [];
  let k = 0;
  for (const r of rows) {
    let e = epochsSeen[epochsSeen.length - 1];
    if (!e || e.epoch !== r.epoch) {
      e = { epoch: r.epoch, evals: 0, minMB: Infinity, maxMB: -Infinity, endMB: NaN, lastStep: 0 };
      epochsSeen.push(e);
    }
    for (; k < samples.length && samples[k]!.t <= r.t; k++) {
      e.minMB = Math.min(e.minMB, samples[k]!.rssMB);
      e.maxMB = Math.max(e.maxMB, samples[k]!.rssMB);
    }
    e.evals++;
    e.endMB = r.rssMB;
    e.lastStep = r.step;
  }
  // the last epoch's samples run into the end of training (threads closed, buffers let go): compare up to the one before
  const second = epochsSeen[1], last = epochsSeen[epochsSeen.length - 2];
  const growth = second && last && last !== second ? last.minMB - second.minMB : NaN;
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ corpus: path.basename(corpus), epochs, threads: o.threads, peakMB: peak, growthMB: growth, perEpoch: epochsSeen, evals: rows, samples: samples.length })}\n`);
    return 0;
  }
  out('');
  out('epochs done  evals  last step  min RSS MB  max RSS MB  RSS at its last eval');
  for (const e of epochsSeen) {
    out(`${String(e.epoch).padStart(11)}  ${String(e.evals).padStart(5)}  ${String(e.lastStep).padStart(9)}  ${e.minMB.toFixed(1).padStart(10)}  ${e.maxMB.toFixed(1).padStart(10)}  ${e.endMB.toFixed(1).padStart(20)}`);
  }
  out('');
  out(`peak RSS (VmHWM) ${peak.toFixed(1)} MB (${samples.length} samples every 100 ms). Growth: the lowest RSS while ${last?.epoch ?? '?'} epochs were done − that`);
  out(`while ${second?.epoch ?? '?'} were = ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB (the first group includes start-up, the last one the end of training; above the lows, garbage not yet collected).`);
  return 0;
}
