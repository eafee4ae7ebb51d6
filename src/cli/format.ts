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
 * on a terminal: C0 and C1 control characters, DEL, lone surrogates and the
 * bidirectional overrides are written as escapes (`\x1b`, `\u202e`), so that
 * no byte of it can move the cursor, change colours or retitle the window.
 * Tab and line feed are kept only when `keepLayout` is set.
 */
export function shown(text: string, keepLayout = false): string {
  return text.replace(UNSAFE, (c) => {
    if (keepLayout && (c === '\n' || c === '\t')) return c;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// C0, DEL, C1, lone surrogates, bidi embedding/override/isolate controls
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
