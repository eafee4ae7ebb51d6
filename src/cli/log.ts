/**
 * Reading a training log: NDJSON, one EvalRecord (core/train.ts) per line,
 *
 *   {"step":10,"epoch":0,"tokensSeen":10240,"trainLoss":3.21,"valLoss":3.05,"lr":0.002,"elapsedMs":812}
 *
 * JSON has no NaN or Infinity, so those may be written as the strings "NaN",
 * "Infinity", "-Infinity" (as in the checkpoint) or, for the losses, the
 * learning rate and the time, as null (what JSON.stringify makes of NaN);
 * a null valLoss means "no validation data". Blank lines are skipped, extra
 * fields are ignored. Pure: text in, records out; a bad line is an InputError
 * naming the line.
 */
import { z } from 'zod';
import type { EvalRecord } from '../api/index.js';
import { InputError } from './errors.js';

const NON_FINITE = ['NaN', 'Infinity', '-Infinity'] as const;

/** Any JSON number: one past the double range (1e309) is read as ±Infinity, as "Infinity" is (z.number() refuses it). */
const anyNumber = z.custom<number>((v) => typeof v === 'number');
/** A number that may be non-finite: a JSON number or "NaN" / "Infinity" / "-Infinity". */
const real = z
  .union([anyNumber, z.enum(NON_FINITE)], { error: 'should be a number (or "NaN", "Infinity", "-Infinity")' })
  .transform((v) => (typeof v === 'number' ? v : Number(v)));
/** As `real`, and null (JSON.stringify(NaN)) reads as NaN. */
const realOrNull = z
  .union([anyNumber, z.enum(NON_FINITE), z.null()], { error: 'should be a number (or "NaN", "Infinity", "-Infinity", null)' })
  .transform((v) => (v === null ? NaN : Number(v)));
const count = z.number({ error: 'should be a whole number ≥ 0' }).int({ error: 'should be a whole number ≥ 0' }).min(0, { error: 'should be a whole number ≥ 0' });

export const logRecordSchema = z.object({
  step: count,
  epoch: count,
  tokensSeen: count,
  trainLoss: realOrNull,
  valLoss: real.nullable().default(null),
  lr: realOrNull,
  elapsedMs: realOrNull,
});

const HINT = 'give a checkpoint, or a training log with one JSON evaluation record per line (step, epoch, tokensSeen, trainLoss, valLoss, lr, elapsedMs)';

function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/**
 * The evaluation records of an NDJSON training log, in file order. `name`
 * (e.g. the file name) starts every error message.
 */
export function parseTrainLog(text: string, name = 'training log'): EvalRecord[] {
  const out: EvalRecord[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${name} line ${i + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new InputError(`${where} is not JSON: ${JSON.stringify(clip(line.trim()))}`, HINT);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new InputError(`${where} is not a JSON object: ${JSON.stringify(clip(line.trim()))}`, HINT);
    }
    const r = logRecordSchema.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const field = issue.path.map(String).join('.');
      const got = (raw as Record<string, unknown>)[String(issue.path[0])];
      // a number as read (JSON.stringify writes 1e309, read as Infinity, as null)
      const message = got === undefined ? 'is missing' : `${issue.message} (got ${clip(typeof got === 'number' ? String(got) : JSON.stringify(got) ?? String(got), 40)})`;
      throw new InputError(`${where}: ${field} ${message}`, HINT);
    }
    out.push(r.data);
  });
  return out;
}
