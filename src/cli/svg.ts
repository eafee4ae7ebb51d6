/**
 * A training curve as an SVG document: training and validation loss
 * (nats/token) against the optimizer step, the best validation point marked
 * and labelled, nice-number ticks, a legend, a title, a second x axis with
 * the tokens seen and (at char level) a second y axis in bits per character.
 *
 * Pure: records in, SVG text out (no dependencies, no I/O). Non-finite
 * losses (the NaN training loss of an evaluation with no step since the last
 * one) are skipped; a single record is drawn as points.
 */
import type { EvalRecord } from '../api/index.js';
import { formatInt, maxOf, minOf } from './format.js';

export interface LossPlotOptions {
  /** Top line, e.g. the model summary. */
  title: string;
  /** Second line under the title (smaller, grey). */
  subtitle?: string;
  /** A line under the x axis, e.g. "3 epochs · 1.2M tokens · 40s of training". */
  caption?: string;
  /** Add a right-hand axis in bits (loss / ln 2): bits per character at char level. */
  bitsAxis?: boolean;
  /** Pixels; default 820 × 520. */
  width?: number;
  height?: number;
}

/**
 * Text safe inside an SVG element or a double- or single-quoted attribute,
 * whatever it holds: & < > " ' become entities; the characters XML 1.0 does
 * not allow at all (C0 controls but tab, line feed and carriage return; lone
 * surrogates; U+FFFE, U+FFFF) are dropped; tab, line feed and carriage return
 * become character references (kept as they are in an attribute too, one
 * element per line); DEL, the C1 controls, the bidi controls and U+2028/U+2029,
 * allowed but unsafe on a terminal (`plot -o -`), become references as well.
 */
export function escapeXml(s: string): string {
  return s.replace(XML_FORBIDDEN, '').replace(XML_ESCAPED, (c) => ENTITY[c] ?? `&#x${c.charCodeAt(0).toString(16)};`);
}

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
// not a Char of XML 1.0: C0 but \t \n \r, U+FFFE, U+FFFF, a surrogate not in a pair
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const XML_ESCAPED = /[&<>"'\t\n\r\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

export interface Ticks {
  /** The axis range, widened to whole tick steps. */
  lo: number;
  hi: number;
  step: number;
  values: number[];
}

/** Rounds away the binary noise of k·step (0.30000000000000004 → 0.3). */
function clean(x: number): number {
  return Number(x.toPrecision(12));
}

/**
 * The largest magnitude an axis shows: values beyond it are drawn at it.
 * An axis of ±1e308 would overflow (its span, its ticks widened to whole
 * steps), and no loss worth reading is near it.
 */
export const AXIS_LIMIT = 1e300;

/** The narrowest range an axis spans: a narrower one is widened (as one value is). */
const MIN_SPAN = 1e-200;

/** `v` within ±AXIS_LIMIT. */
export function onAxis(v: number): number {
  return Math.min(AXIS_LIMIT, Math.max(-AXIS_LIMIT, v));
}

/**
 * Nice ticks (1, 2 or 5 × 10^k apart) covering [lo, hi] with about `target`
 * intervals (at least `minStep` apart: 1 for whole numbers); the range is
 * widened to whole steps. lo = hi gets a range ±10% (±1 around 0), and so
 * does a range too narrow for its ticks to be told apart (1e15 to 1e15 + 1,
 * 0 to 5e-324);
 * lo and hi are taken within ±AXIS_LIMIT. The result is always finite, with
 * lo < hi.
 */
export function niceTicks(lo: number, hi: number, target = 5, minStep = 0): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new RangeError(`niceTicks: range [${lo}, ${hi}] is not finite`);
  if (hi < lo) [lo, hi] = [hi, lo];
  lo = onAxis(lo);
  hi = onAxis(hi);
  // ticks are cleaned to 12 significant digits: a narrower range (relative to its values) would have one tick,
  // and a step under 1e-300 is not a number log10 can size
  if (hi - lo <= Math.max(Math.abs(lo), Math.abs(hi)) * 1e-9 || hi - lo < MIN_SPAN) {
    const mid = lo / 2 + hi / 2;
    const d = Math.abs(mid) * 0.1 >= MIN_SPAN ? Math.abs(mid) * 0.1 : 1;
    lo = mid - d;
    hi = mid + d;
  }
  const raw = (hi - lo) / Math.max(1, target);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const step = Math.max(minStep, clean((norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag));
  const a = Math.floor(clean(lo / step));
  const b = Math.ceil(clean(hi / step));
  const values: number[] = [];
  for (let k = a; k <= b; k++) values.push(clean(k * step));
  return { lo: clean(a * step), hi: clean(b * step), step, values };
}

/** Digits after the point that tick labels `step` apart need. */
function decimals(step: number): number {
  return Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
}

/** 950, 12k, 1.5M, 2G: a short label for a count. */
export function compactCount(n: number): string {
  return compactLabels([n])[0]!;
}

/**
 * Labels for counts (tick values) in one unit chosen by the largest of them,
 * k, M or G from 10,000 up, with as many decimals as the spacing needs:
 * 0, 5k, 10k, 15k rather than 0, 5,000, 10k, 15k.
 */
export function compactLabels(values: readonly number[]): string[] {
  const max = Math.max(0, ...values.map((v) => Math.abs(v)));
  const [div, unit] = max >= 1e9 ? [1e9, 'G'] : max >= 1e6 ? [1e6, 'M'] : max >= 1e4 ? [1e3, 'k'] : [1, ''];
  if (div === 1) return values.map((v) => formatInt(v));
  let gap = Infinity;
  for (let i = 1; i < values.length; i++) gap = Math.min(gap, Math.abs(values[i]! - values[i - 1]!));
  const d = values.length > 1 && gap > 0 ? decimals(gap / div) : Math.abs(values[0]! / div) < 10 ? 1 : 0;
  return values.map((v) => (v === 0 ? '0' : `${Number((v / div).toFixed(d))}${unit}`));
}

interface Pt { x: number; y: number }

const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const COLOR = { train: '#1f77b4', val: '#e6550d', best: '#b30000', grid: '#e5e5e5', axis: '#333333', muted: '#666666' };

/** The plot of `history` (in the order given; sort by step first). */
export function lossPlotSvg(history: readonly EvalRecord[], o: LossPlotOptions): string {
  const W = o.width ?? 820;
  const H = o.height ?? 520;
  const train = history.filter((r) => Number.isFinite(r.trainLoss)).map((r) => ({ step: r.step, loss: r.trainLoss }));
  const val = history.filter((r) => r.valLoss !== null && Number.isFinite(r.valLoss)).map((r) => ({ step: r.step, loss: r.valLoss as number }));
  let best: { step: number; loss: number } | null = null;
  for (const v of val) if (best === null || v.loss < best.loss) best = v;
  // drawn within the axis's limit (labels give the values as they are)
  const drawn = (pts: { step: number; loss: number }[]) => pts.map((p) => ({ step: p.step, loss: onAxis(p.loss) }));

  // ── scales ──
  const steps = history.map((r) => r.step);
  const sMin = steps.length ? minOf(steps) : 0;
  const sMax = steps.length ? maxOf(steps) : 1;
  let xLo: number, xHi: number;
  if (sMin === sMax) {
    const d = Math.max(1, sMax / 2);
    xLo = Math.max(0, sMin - d);
    xHi = sMax + d;
  } else {
    xLo = sMin <= 0.25 * sMax ? 0 : sMin;
    xHi = sMax;
  }
  const xt = niceTicks(xLo, xHi, 6, 1);
  const losses = [...train, ...val].map((p) => onAxis(p.loss));
  const yt = losses.length ? niceTicks(minOf(losses), maxOf(losses), 6) : niceTicks(0, 1, 5);

  const top = o.subtitle ? 100 : 84;
  const margin = { left: 74, right: o.bitsAxis ? 74 : 30, top, bottom: o.caption ? 86 : 64 };
  const pw = W - margin.left - margin.right;
  const ph = H - margin.top - margin.bottom;
  const X = (s: number) => margin.left + ((s - xt.lo) / (xt.hi - xt.lo)) * pw;
  const Y = (l: number) => margin.top + (1 - (l - yt.lo) / (yt.hi - yt.lo)) * ph;
  const f = (v: number) => v.toFixed(1);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${escapeXml(FONT)}" font-size="12">`);
  out.push(`<title>${escapeXml(o.title)}: training and validation loss</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="26" text-anchor="middle" font-size="16" font-weight="bold" fill="${COLOR.axis}">${escapeXml(o.title)}</text>`);
  if (o.subtitle) out.push(`<text x="${W / 2}" y="46" text-anchor="middle" fill="${COLOR.muted}">${escapeXml(o.subtitle)}</text>`);

  // ── grid and left/bottom axes ──
  out.push('<g class="grid">');
  for (const v of yt.values) out.push(`<line x1="${margin.left}" y1="${f(Y(v))}" x2="${margin.left + pw}" y2="${f(Y(v))}" stroke="${COLOR.grid}"/>`);
  for (const v of xt.values) out.push(`<line x1="${f(X(v))}" y1="${margin.top}" x2="${f(X(v))}" y2="${margin.top + ph}" stroke="${COLOR.grid}"/>`);
  out.push('</g>');
  out.push(`<rect x="${margin.left}" y="${margin.top}" width="${pw}" height="${ph}" fill="none" stroke="${COLOR.axis}"/>`);
  const yd = decimals(yt.step);
  out.push(`<g class="y-axis" text-anchor="end" fill="${COLOR.axis}">`);
  for (const v of yt.values) {
    out.push(`<line x1="${margin.left - 5}" y1="${f(Y(v))}" x2="${margin.left}" y2="${f(Y(v))}" stroke="${COLOR.axis}"/>`);
    out.push(`<text x="${margin.left - 8}" y="${f(Y(v) + 4)}">${v.toFixed(yd)}</text>`);
  }
  out.push('</g>');
  const yMid = margin.top + ph / 2;
  out.push(`<text x="18" y="${f(yMid)}" text-anchor="middle" transform="rotate(-90 18 ${f(yMid)})" fill="${COLOR.axis}">loss (nats/token)</text>`);
  out.push(`<g class="x-axis" text-anchor="middle" fill="${COLOR.axis}">`);
  for (const v of xt.values) {
    out.push(`<line x1="${f(X(v))}" y1="${margin.top + ph}" x2="${f(X(v))}" y2="${margin.top + ph + 5}" stroke="${COLOR.axis}"/>`);
    out.push(`<text x="${f(X(v))}" y="${margin.top + ph + 19}">${formatInt(v)}</text>`);
  }
  out.push('</g>');
  out.push(`<text x="${margin.left + pw / 2}" y="${margin.top + ph + 40}" text-anchor="middle" fill="${COLOR.axis}">step</text>`);
  if (o.caption) out.push(`<text x="${margin.left + pw / 2}" y="${H - 16}" text-anchor="middle" fill="${COLOR.muted}">${escapeXml(o.caption)}</text>`);

  // ── top axis: tokens seen, through the (step, tokensSeen) records ──
  const tokenAxis = tokensAxis(history, xt.lo, xt.hi);
  if (tokenAxis) {
    const labels = compactLabels(tokenAxis.map((t) => t.tokens));
    out.push(`<g class="tokens-axis" text-anchor="middle" fill="${COLOR.muted}">`);
    tokenAxis.forEach(({ step }, i) => {
      out.push(`<line x1="${f(X(step))}" y1="${margin.top - 5}" x2="${f(X(step))}" y2="${margin.top}" stroke="${COLOR.muted}"/>`);
      out.push(`<text x="${f(X(step))}" y="${margin.top - 9}">${escapeXml(labels[i]!)}</text>`);
    });
    out.push('</g>');
    out.push(`<text x="${margin.left + pw / 2}" y="${margin.top - 26}" text-anchor="middle" fill="${COLOR.muted}">tokens seen</text>`);
  }

  // ── right axis: bits ──
  if (o.bitsAxis) {
    const bt = niceTicks(yt.lo / Math.LN2, yt.hi / Math.LN2, 6);
    const bd = decimals(bt.step);
    const x0 = margin.left + pw;
    out.push(`<g class="bits-axis" text-anchor="start" fill="${COLOR.muted}">`);
    for (const b of bt.values) {
      const y = Y(b * Math.LN2);
      if (y < margin.top - 0.5 || y > margin.top + ph + 0.5) continue;
      out.push(`<line x1="${x0}" y1="${f(y)}" x2="${x0 + 5}" y2="${f(y)}" stroke="${COLOR.muted}"/>`);
      out.push(`<text x="${x0 + 8}" y="${f(y + 4)}">${b.toFixed(bd)}</text>`);
    }
    out.push('</g>');
    const xr = W - 16;
    out.push(`<text x="${xr}" y="${f(yMid)}" text-anchor="middle" transform="rotate(90 ${xr} ${f(yMid)})" fill="${COLOR.muted}">bits per character (loss / ln 2)</text>`);
  }

  // ── series ──
  const ink: Pt[] = []; // points along the drawn lines, for placing the best label clear of them
  const series = (name: 'train' | 'val', pts: { step: number; loss: number }[], width: number) => {
    const p: Pt[] = pts.map((q) => ({ x: X(q.step), y: Y(q.loss) }));
    const color = COLOR[name];
    out.push(`<polyline class="series series-${name}" fill="none" stroke="${color}" stroke-width="${width}" stroke-linejoin="round" points="${p.map((q) => `${f(q.x)},${f(q.y)}`).join(' ')}"/>`);
    if (p.length <= 40) {
      out.push(`<g class="points points-${name}" fill="${color}">`);
      for (const q of p) out.push(`<circle cx="${f(q.x)}" cy="${f(q.y)}" r="${p.length === 1 ? 4 : 2.5}"/>`);
      out.push('</g>');
    }
    p.forEach((q, i) => {
      ink.push(q);
      const r = p[i + 1];
      if (!r) return;
      const n = Math.ceil(Math.hypot(r.x - q.x, r.y - q.y) / 3);
      for (let k = 1; k < n; k++) ink.push({ x: q.x + ((r.x - q.x) * k) / n, y: q.y + ((r.y - q.y) * k) / n });
    });
  };
  if (train.length) series('train', drawn(train), 1.5);
  if (val.length) series('val', drawn(val), 2);

  // ── legend (top right, inside the plot) ──
  const items: [string, string][] = [];
  if (train.length) items.push([COLOR.train, 'training loss (mean since the previous evaluation)']);
  if (val.length) items.push([COLOR.val, 'validation loss']);
  else items.push([COLOR.muted, 'no validation data']);
  const legend = { w: 56 + Math.max(...items.map(([, t]) => t.length)) * 6.6, h: items.length * 20 + 10, x: 0, y: margin.top + 10 };
  legend.x = margin.left + pw - legend.w - 10;

  // ── best validation point, its label where it covers the fewest drawn points ──
  if (best) {
    const bx = X(best.step), by = Y(onAxis(best.loss));
    out.push(`<line class="best-guide" x1="${f(bx)}" y1="${f(by)}" x2="${f(bx)}" y2="${margin.top + ph}" stroke="${COLOR.best}" stroke-dasharray="3 3" stroke-width="1"/>`);
    // the perplexity and the bits of a loss near the float range's ends overflow: said in words
    const num = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : x > 0 ? 'over 1e308' : 'below -1e308');
    const label = `best ${best.loss.toFixed(4)} at step ${formatInt(best.step)} (ppl ${num(Math.exp(best.loss), 2)}${o.bitsAxis ? `, ${num(best.loss / Math.LN2, 3)} bits/char` : ''})`;
    const at = placeLabel(bx, by, label.length * 7, ink, { x0: margin.left, y0: margin.top, x1: margin.left + pw, y1: margin.top + ph }, legend);
    out.push(`<line class="best-leader" x1="${f(bx)}" y1="${f(by)}" x2="${f(at.x)}" y2="${f(at.y - 4)}" stroke="${COLOR.best}" stroke-width="1"/>`);
    out.push(`<circle class="best" cx="${f(bx)}" cy="${f(by)}" r="6" fill="#ffffff" fill-opacity="0.6" stroke="${COLOR.best}" stroke-width="2"/>`);
    out.push(`<text class="best-label" x="${f(at.x)}" y="${f(at.y)}" text-anchor="${at.anchor}" fill="${COLOR.best}" stroke="#ffffff" stroke-width="4" paint-order="stroke" font-weight="bold">${escapeXml(label)}</text>`);
  }

  out.push(`<g class="legend">`);
  out.push(`<rect x="${f(legend.x)}" y="${legend.y}" width="${f(legend.w)}" height="${legend.h}" fill="#ffffff" fill-opacity="0.9" stroke="#cccccc" rx="3"/>`);
  items.forEach(([color, text], i) => {
    const y = legend.y + 20 + i * 20;
    out.push(`<line x1="${f(legend.x + 10)}" y1="${y - 4}" x2="${f(legend.x + 34)}" y2="${y - 4}" stroke="${color}" stroke-width="2.5"/>`);
    out.push(`<text x="${f(legend.x + 42)}" y="${y}" fill="${COLOR.axis}">${escapeXml(text)}</text>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}

interface Box { x0: number; y0: number; x1: number; y1: number }

/**
 * Where to put a label of width `w` for the point (px, py): to its left or
 * right, above or below at any distance within `area`, off the legend,
 * covering as few `ink` points as possible (a point covered costs as much
 * as 100 px of distance; nearer first on a tie). A leader line joins them.
 * Returns the text anchor point (baseline).
 */
function placeLabel(px: number, py: number, w: number, ink: readonly Pt[], area: Box, legend: { x: number; y: number; w: number; h: number }):
  { x: number; y: number; anchor: 'start' | 'end' } {
  let best: { x: number; y: number; anchor: 'start' | 'end'; cost: number } | null = null;
  const dys: number[] = [];
  for (let d = 24; d <= area.y1 - area.y0; d += 16) dys.push(-d, d + 6);
  for (const dy of dys) {
    for (const anchor of ['end', 'start'] as const) {
      const x = anchor === 'end' ? px - 12 : px + 12;
      const y = py + dy;
      const box = { x0: anchor === 'end' ? x - w : x, x1: anchor === 'end' ? x : x + w, y0: y - 12, y1: y + 4 };
      const inside = box.x0 >= area.x0 + 4 && box.x1 <= area.x1 - 4 && box.y0 >= area.y0 + 4 && box.y1 <= area.y1 - 4;
      const onLegend = box.x1 > legend.x && box.x0 < legend.x + legend.w && box.y1 > legend.y && box.y0 < legend.y + legend.h;
      let covered = 0;
      for (const q of ink) if (q.x >= box.x0 - 4 && q.x <= box.x1 + 4 && q.y >= box.y0 - 4 && q.y <= box.y1 + 4) covered++;
      const cost = (inside ? 0 : 1e6) + (onLegend ? 1e5 : 0) + covered * 10 + Math.abs(dy) / 10;
      if (best === null || cost < best.cost) best = { x, y, anchor, cost };
    }
  }
  return best!;
}

/**
 * Ticks for the tokens-seen axis: nice token counts placed at the step where
 * training had seen them, by linear interpolation between records (with
 * (0, 0) when the records start after step 0, and the average rate past the
 * last record). Null when there is nothing to show.
 */
function tokensAxis(history: readonly EvalRecord[], lo: number, hi: number): { step: number; tokens: number }[] | null {
  const pts = [...history].filter((r) => Number.isFinite(r.tokensSeen)).sort((a, b) => a.step - b.step);
  if (pts.length === 0 || pts[pts.length - 1]!.tokensSeen <= 0) return null;
  const known = pts[0]!.step > 0 ? [{ step: 0, tokensSeen: 0 }, ...pts] : pts;
  const last = known[known.length - 1]!;
  const rate = last.step > 0 ? last.tokensSeen / last.step : 0;
  if (!(rate > 0)) return null;
  const tokensAt = (s: number): number => {
    if (s >= last.step) return last.tokensSeen + (s - last.step) * rate;
    for (let i = 1; i < known.length; i++) {
      const a = known[i - 1]!, b = known[i]!;
      if (s <= b.step) return b.step === a.step ? b.tokensSeen : a.tokensSeen + ((s - a.step) / (b.step - a.step)) * (b.tokensSeen - a.tokensSeen);
    }
    return last.tokensSeen;
  };
  const stepAt = (t: number): number => {
    if (t >= last.tokensSeen) return last.step + (t - last.tokensSeen) / rate;
    for (let i = 1; i < known.length; i++) {
      const a = known[i - 1]!, b = known[i]!;
      if (t <= b.tokensSeen) return b.tokensSeen === a.tokensSeen ? b.step : a.step + ((t - a.tokensSeen) / (b.tokensSeen - a.tokensSeen)) * (b.step - a.step);
    }
    return last.step;
  };
  const t0 = Math.max(0, tokensAt(lo)), t1 = tokensAt(hi);
  if (!(t1 > t0)) return null;
  const ticks = niceTicks(t0, t1, 5, 1).values.filter((t) => t >= t0 - 1e-9 && t <= t1 + 1e-9);
  return ticks.map((t) => ({ step: Math.min(hi, Math.max(lo, stepAt(t))), tokens: t }));
}
