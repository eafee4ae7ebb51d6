/** Small number and time formatting shared by the commands. */

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Smallest of a non-empty list (no spread: histories can be long). */
export function minOf(xs: readonly number[]): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

/** Largest of a non-empty list. */
export function maxOf(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}

/**
 * Untrusted text (from a file, a checkpoint or an argument) made safe to show
 * on a terminal: C0 and C1 control characters, DEL, lone surrogates, the
 * bidirectional embeddings, overrides and isolates and the Unicode line and
 * paragraph separators are written as escapes (`\x1b`, `\u202e`), so that no
 * character of it can move the cursor, change colours, retitle the window,
 * reorder what follows on the line or start a new line.
 * Tab and line feed are kept only when `keepLayout` is set.
 * Idempotent: what it returns has nothing left to escape.
 */
export function shown(text: string, keepLayout = false): string {
  return text.replace(UNSAFE, (c) => {
    if (keepLayout && (c === '\n' || c === '\t')) return c;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// C0, DEL, C1, bidi embedding/override/isolate controls, line/paragraph separators, lone surrogates
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * One line of JSON that is also safe on a terminal: JSON.stringify already
 * writes C0 controls and lone surrogates as `\u` escapes; this also escapes
 * DEL, the C1 controls, the bidi controls and U+2028/U+2029 (inside strings,
 * the only place non-ASCII can be), so the text parses to the same value.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const JSON_UNSAFE = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * A shell word: bare when it is plain, else in single quotes; text with a
 * character the terminal must not see raw (a line break, ESC) goes in bash's
 * $'…' quotes with that character escaped (\x0a, \x1b), so a suggested
 * command line can be pasted and names the same file.
 */
export function shellWord(s: string): string {
  if (/^[\w./:@%+,=-]+$/.test(s)) return s;
  const escaped = s.replace(/[\\']/g, '\\$&');
  return shown(escaped) === escaped ? `'${s.replace(/'/g, `'\\''`)}'` : `$'${shown(escaped)}'`;
}

/** "1 step", "2 steps", "1,024 steps": a count with its noun, singular for one. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${formatInt(n)} ${n === 1 ? noun : plural}`;
}
