/**
 * The page's small DOM helpers: elements made with their text set through
 * textContent (never markup: tokens, the model's vocabulary and the user's
 * text go in as text, whatever characters they hold), and the two colour
 * scales of the views.
 */

type Attrs = Record<string, string | number | boolean | undefined>;

/** <tag attrs…>children</tag>; a string child is a text node. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') e.className = String(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

/** A labelled control: <label>text <control></label>. */
export function labelled(text: string, control: HTMLElement, title?: string): HTMLLabelElement {
  return el('label', { title }, text + ' ', control);
}

export function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
}

/**
 * Surprise −log P as a background: white at 0, deepening red up to the
 * surprise of a uniform guess (ln V) and beyond.
 */
export function surpriseColour(surprise: number, logV: number): string {
  const t = Math.min(1, Math.max(0, surprise / Math.max(logV, 1e-9)));
  return `hsl(0, 90%, ${(100 - 52 * t).toFixed(1)}%)`;
}

/** An activation in [−1, 1] (clamped): blue below 0, white at 0, red above (Karpathy's colours). */
export function activationColour(v: number): string {
  if (!Number.isFinite(v)) return 'transparent';
  const t = Math.min(1, Math.abs(v));
  return v >= 0 ? `hsl(0, 85%, ${(100 - 45 * t).toFixed(1)}%)` : `hsl(215, 85%, ${(100 - 45 * t).toFixed(1)}%)`;
}

/** How a token shows in the coloured text: visible stand-ins for whitespace a span would hide. */
export function shownToken(text: string): string {
  if (text === '\t') return '→\t';
  return text;
}

export function formatNumber(x: number, digits = 4): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}
