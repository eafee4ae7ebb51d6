/**
 * A loss curve for a terminal, in plain characters (no colour needed):
 *
 *   2.912 ┤·
 *         │ ··•
 *         │    ····•••
 *   1.934 ┤        ·····•••••
 *         └──────────────────
 *          10     step    1,200
 *   · train  • validation  nats/token  best 1.934 at step 1,200
 *
 * Each series is drawn at every column, linearly interpolated between its
 * evaluations (validation wins where both fall in one cell). Non-finite
 * losses are skipped. Pure: records in, lines out.
 */
import type { EvalRecord } from '../api/index.js';
import { formatInt, maxOf, minOf } from './format.js';

export const TRAIN_MARK = '·';
export const VAL_MARK = '•';

/** Characters of `s` as a terminal counts them (code points; the marks and box lines are one column each). */
function len(s: string): number {
  return [...s].length;
}

function fit(s: string, width: number): string {
  const cps = [...s];
  return cps.length <= width ? s : cps.slice(0, Math.max(0, width - 1)).join('') + (width > 0 ? '…' : '');
}

/** A series as (step, loss) points sorted by step, non-finite losses dropped. */
function points(history: readonly EvalRecord[], pick: (r: EvalRecord) => number | null): { step: number; loss: number }[] {
  return history
    .map((r) => ({ step: r.step, loss: pick(r) }))
    .filter((p): p is { step: number; loss: number } => p.loss !== null && Number.isFinite(p.loss))
    .sort((a, b) => a.step - b.step);
}

/** The series' value at `step`, linearly interpolated; null outside its steps. */
function at(pts: readonly { step: number; loss: number }[], step: number, tol: number): number | null {
  if (pts.length === 0) return null;
  if (step < pts[0]!.step - tol || step > pts[pts.length - 1]!.step + tol) return null;
  if (step <= pts[0]!.step) return pts[0]!.loss;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!, b = pts[i]!;
    if (step <= b.step) {
      if (b.step === a.step) return b.loss;
      // weighted, not a.loss + t·(b.loss − a.loss): the difference of ±1e308 overflows
      const t = (step - a.step) / (b.step - a.step);
      return a.loss * (1 - t) + b.loss * t;
    }
  }
  return pts[pts.length - 1]!.loss;
}

/**
 * `height` rows of plot (at least 1), then the x axis, its labels and a
 * legend: height + 3 lines, none wider than `width` columns (at least 8).
 */
export function lossChart(history: readonly EvalRecord[], width: number, height: number): string[] {
  const W = Math.max(8, Math.floor(width));
  const Hh = Math.max(1, Math.floor(height));
  const train = points(history, (r) => r.trainLoss);
  const val = points(history, (r) => r.valLoss);
  const all = [...train, ...val];
  const lo = all.length ? minOf(all.map((p) => p.loss)) : 0;
  const hi = all.length ? maxOf(all.map((p) => p.loss)) : 0;
  const digits = hi - lo >= 10 ? 1 : hi - lo >= 1 ? 2 : 3;
  const top = all.length ? hi.toFixed(digits) : '–';
  const bottom = all.length ? lo.toFixed(digits) : '–';
  const lw = Math.max(len(top), len(bottom));
  const cols = Math.max(1, W - lw - 2); // label, space, axis, plot

  const steps = history.map((r) => r.step);
  const s0 = steps.length ? minOf(steps) : 0;
  const s1 = steps.length ? maxOf(steps) : 0;
  const stepOf = (c: number) => (cols === 1 || s1 === s0 ? s0 : s0 + ((s1 - s0) * c) / (cols - 1));
  const tol = cols > 1 && s1 > s0 ? (s1 - s0) / (cols - 1) / 2 : 0;
  // halves: hi − lo overflows for losses of ±1e308 (and a span too small to halve is no span)
  const half = hi / 2 - lo / 2;
  const rowOf = (v: number) => (half > 0 ? Math.min(Hh - 1, Math.max(0, Math.round(((hi / 2 - v / 2) / half) * (Hh - 1)))) : Math.floor((Hh - 1) / 2));

  const grid: string[][] = Array.from({ length: Hh }, () => Array<string>(cols).fill(' '));
  const draw = (pts: { step: number; loss: number }[], mark: string) => {
    if (s1 === s0) { // one step: a single column
      for (const p of pts) grid[rowOf(p.loss)]![0] = mark;
      return;
    }
    let prev: number | null = null;
    for (let c = 0; c < cols; c++) {
      const v = at(pts, stepOf(c), tol);
      if (v === null) { prev = null; continue; }
      const r = rowOf(v);
      // join steep drops with a vertical run so the curve stays connected
      if (prev !== null && Math.abs(r - prev) > 1) {
        const [a, b] = r > prev ? [prev + 1, r] : [r + 1, prev];
        for (let k = a; k < b; k++) if (grid[k]![c] === ' ') grid[k]![c] = mark;
      }
      grid[r]![c] = mark;
      prev = r;
    }
  };
  draw(train, TRAIN_MARK);
  draw(val, VAL_MARK);

  const lines: string[] = [];
  const labels = new Map<number, string>(half > 0 ? [[Hh - 1, bottom], [0, top]] : [[rowOf(hi), top]]);
  grid.forEach((row, r) => {
    const label = labels.get(r) ?? '';
    lines.push(fit(`${label.padStart(lw)} ${label ? '┤' : '│'}${row.join('')}`.trimEnd(), W));
  });
  lines.push(fit(`${' '.repeat(lw)} └${'─'.repeat(cols)}`, W));

  // first step under the first column, last step ending under the last, "step" between when it fits
  const first = formatInt(s0), last = formatInt(s1);
  let under: string;
  if (s0 === s1) under = `${first} step`;
  else {
    const gap = cols - len(first) - len(last);
    const word = 'step';
    if (gap >= len(word) + 4) {
      const left = Math.floor((gap - len(word)) / 2);
      under = `${first}${' '.repeat(left)}${word}${' '.repeat(gap - len(word) - left)}${last}`;
    } else if (gap >= 1) under = `${first}${' '.repeat(gap)}${last}`;
    else under = `${first}–${last}`;
  }
  lines.push(fit(`${' '.repeat(lw + 2)}${under}`, W));

  let best: { step: number; loss: number } | null = null;
  for (const p of val) if (best === null || p.loss < best.loss) best = p;
  const legend = `${TRAIN_MARK} train  ${val.length ? `${VAL_MARK} validation` : '(no validation)'}  nats/token` +
    (best ? `  best ${best.loss.toFixed(digits)} at step ${formatInt(best.step)}` : '');
  lines.push(fit(legend, W));
  return lines;
}
