/**
 * Training progress on stderr: a cli-progress bar on a terminal, plain
 * periodic lines otherwise (logs, pipes, CI). Fed by the core's hooks.
 */
import cliProgress from 'cli-progress';
import type { ChalkInstance } from 'chalk';
import type { Host } from './host.js';
import { formatDuration, formatInt } from './format.js';

export interface ProgressInfo {
  /** null: unbounded (a time budget alone ends the run) — no total shown */
  epochs: number | null;
  epochWindows: number;
  maxTimeMs: number;
}

export interface StepInfo {
  step: number;
  epoch: number;
  epochProgress: number;
  loss: number;
  tokensPerSec: number;
  elapsedMs: number;
  valLoss: number | null;
}

export interface Reporter {
  step(s: StepInfo): void;
  /** A line that must not be lost in the bar (evaluations, warnings). */
  line(text: string): void;
  stop(): void;
}

const LINE_EVERY_MS = 10_000;

export function createReporter(host: Host, style: ChalkInstance, info: ProgressInfo, quiet: boolean): Reporter {
  if (quiet) return { step() {}, line() {}, stop() {} };
  const eta = (s: StepInfo): number => {
    const done = s.epoch + s.epochProgress;
    const perEpoch = done > 0 ? s.elapsedMs / done : NaN;
    let left = info.epochs === null ? Infinity : (info.epochs - done) * perEpoch;
    if (info.maxTimeMs > 0) left = Math.min(left, info.maxTimeMs - s.elapsedMs);
    return left;
  };
  const fmtLoss = (v: number | null) => (v === null ? '–' : v.toFixed(3));
  const epochText = (s: StepInfo): string => (info.epochs === null ? `${s.epoch + 1}` : `${s.epoch + 1}/${info.epochs}`);

  if (host.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream: { write: (t: string) => host.stderr.write(t), isTTY: true, columns: host.stderr.columns, cursorTo() { return true; }, clearLine() { return true; }, moveCursor() { return true; }, on() { return this; } } as unknown as NodeJS.WritableStream,
      format: `epoch {ep} ${style.cyan('{bar}')} {percentage}% | step {step} | loss {loss} | val {val} | {tps} tok/s | ETA {etaText}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      noTTYOutput: false,
      notTTYSchedule: 0,
      fps: 5,
    }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      step(s) {
        const payload = { ep: epochText(s), step: s.step, loss: fmtLoss(s.loss), val: fmtLoss(s.valLoss), tps: formatInt(s.tokensPerSec), etaText: formatDuration(eta(s)) };
        const value = Math.round(s.epochProgress * 1000);
        if (!started) { bar.start(1000, value, payload); started = true; } else bar.update(value, payload);
      },
      line(text) {
        if (started) { bar.stop(); started = false; }
        host.stderr.write(text + '\n');
      },
      stop() { if (started) bar.stop(); started = false; },
    };
  }

  let last = -Infinity;
  return {
    step(s) {
      if (s.elapsedMs - last < LINE_EVERY_MS) return;
      last = s.elapsedMs;
      host.stderr.write(
        `step ${s.step} · epoch ${epochText(s)} (${Math.round(s.epochProgress * 100)}%) · loss ${fmtLoss(s.loss)} · ${formatInt(s.tokensPerSec)} tok/s · elapsed ${formatDuration(s.elapsedMs)} · ETA ${formatDuration(eta(s))}\n`);
    },
    line(text) { host.stderr.write(text + '\n'); },
    stop() {},
  };
}
