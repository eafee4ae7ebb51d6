/**
 * Shared pieces of option validation (zod), and turning a ZodError into one
 * line that names the flag and the allowed values.
 */
import { z } from 'zod';
import { UsageError } from './errors.js';

/** A whole number in [min, max], given as text or number. */
export function int(min: number, max: number) {
  const msg = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: msg }).refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: msg });
}

/** A real number in [min, max] (or an open end with `open`). */
export function real(min: number, max: number, open: { min?: boolean; max?: boolean } = {}) {
  const lo = open.min ? `greater than ${min}` : `at least ${min}`;
  const hi = open.max ? `less than ${max}` : `at most ${max}`;
  const msg = max === Infinity ? `must be a number ${lo}` : `must be a number ${lo} and ${hi}`;
  return z.coerce.number({ error: msg }).refine(
    (n) => Number.isFinite(n) && (open.min ? n > min : n >= min) && (open.max ? n < max : n <= max), { error: msg });
}

/** One of the listed words. */
export function oneOf<T extends string>(values: readonly [T, ...T[]]) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

/** A seed: a whole number from 0 to 2^53 − 1. */
export const seed = int(0, Number.MAX_SAFE_INTEGER);

/** A duration like 90s, 10m, 1h30m or a plain number of seconds → milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const text = String(v).trim();
  const plain = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : null;
  let ms = plain;
  if (ms === null) {
    const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
    if (m && text !== '') ms = (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
  }
  if (ms === null || !(ms > 0)) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration such as 90s, 10m or 1h30m' });
    return z.NEVER;
  }
  return ms;
});

function flagName(key: PropertyKey): string {
  return '--' + String(key).replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** Parse raw options with a schema; on failure, one UsageError naming the first bad flag. */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown, command: string): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = issue.path[0];
  const given = key !== undefined ? (raw as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  const flag = key !== undefined ? flagName(key) : 'options';
  const got = given !== undefined ? ` (got ${JSON.stringify(given)})` : '';
  throw new UsageError(`${flag} ${issue.message}${got}`, `see 'rnnlm ${command} --help'`);
}
