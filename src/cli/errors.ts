/**
 * Errors the CLI reports as one line on stderr: what went wrong and what to
 * do. UsageError exits 2, everything else 1. Stack traces only with --debug.
 */
import { OptionError, RnnlmError } from '../core/errors.js';
import { ExitCode } from './exit-codes.js';

/** The command line is wrong (exit 2). */
export class UsageError extends RnnlmError {}
/** A file or input the user gave cannot be used (exit 1). */
export class InputError extends RnnlmError {}

export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof UsageError || err instanceof OptionError ? ExitCode.usage : ExitCode.failure;
}

/** One line: `rnnlm: <problem> — <fix>`. */
export function formatError(err: unknown): string {
  if (err instanceof RnnlmError) return `rnnlm: ${oneLine(err.message)}${err.hint ? ` — ${oneLine(err.hint)}` : ''}`;
  const e = err as { code?: string; message?: string };
  if (e && typeof e.message === 'string') return `rnnlm: ${oneLine(e.message)} — this is a bug in rnnlm; run again with --debug and report it`;
  return `rnnlm: ${String(err)}`;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
