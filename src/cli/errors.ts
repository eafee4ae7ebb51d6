/**
 * Errors the CLI reports as one line on stderr: what went wrong and what to
 * do. UsageError exits 2, everything else 1. Stack traces only with --debug.
 */
import { MEMORY_HINT, OptionError, RnnlmError } from '../api/index.js';
import { ExitCode } from './exit-codes.js';
import { shown } from './format.js';

/** The command line is wrong (exit 2). */
export class UsageError extends RnnlmError {}
/** A file or input the user gave cannot be used (exit 1). */
export class InputError extends RnnlmError {}

export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof UsageError || err instanceof OptionError ? ExitCode.usage : ExitCode.failure;
}

/**
 * One line: `rnnlm: <problem> — <fix>`. Messages quote paths, tokens and
 * checkpoint fields, so both parts go through shown(): no raw control
 * character, NUL, ESC, bidi override or lone surrogate reaches stderr, and a
 * line break inside a quoted name is shown as `\x0a` (the name as it is).
 */
export function formatError(err: unknown): string {
  if (err instanceof RnnlmError) return `rnnlm: ${shown(err.message.trim())}${err.hint ? ` — ${shown(err.hint.trim())}` : ''}`;
  const e = err as { code?: string; message?: string };
  // the JavaScript engine could not allocate a buffer (a memory limit, or a machine without the memory)
  if (err instanceof RangeError && /allocation failed|out of memory|Out of memory|Cannot allocate|could not allocate/i.test(e.message ?? '')) {
    return `rnnlm: out of memory (${oneLine(e.message ?? '')}) — ${MEMORY_HINT}`;
  }
  if (e && typeof e.message === 'string') return `rnnlm: ${oneLine(e.message)} — this is a bug in rnnlm; run again with --debug and report it`;
  return `rnnlm: ${oneLine(String(err))}`;
}

/**
 * Commander's message of a command-line error as one line of ours: no
 * "error: " prefix, and its suggestion on the same line ("unknown option
 * '--hiden'\n(Did you mean --hidden?)" → "unknown option '--hiden' (did you
 * mean --hidden?)"), not an escaped line break.
 */
export function commanderMessage(s: string): string {
  return oneLine(s.replace(/^error: /, '').replace(/\n\s*\(Did you mean /g, ' (did you mean '));
}

/** A foreign (multi-line) message: line breaks with the blanks around them become one space, anything else unsafe an escape. */
function oneLine(s: string): string {
  return shown(s.replace(/\s*\n\s*/g, ' ').trim());
}
