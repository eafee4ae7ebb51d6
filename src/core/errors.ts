/**
 * Errors the core throws. Each carries a one-line message naming the problem
 * and, where there is one, a hint naming the fix; the CLI prints them as one
 * line. ShapeError means a bug in rnnlm (sizes that cannot happen), DataError
 * means bad input from the user (an empty corpus, an unusable option value).
 */
export class RnnlmError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Inconsistent sizes inside rnnlm: a bug, not a user error. */
export class ShapeError extends RnnlmError {}

/** Input the user can fix: corpus, prime, option values. */
export class DataError extends RnnlmError {}

/** An option value that cannot be used (a usage error on the command line). */
export class OptionError extends RnnlmError {}

/** Training diverged (the loss became NaN or infinite). */
export class DivergedError extends RnnlmError {}

/** A buffer could not be allocated: the run needs more memory than there is (or than 4 GB of WebAssembly memory). */
export class OutOfMemoryError extends RnnlmError {}

/** "1.2 GB", "340.0 MB": sizes for memory messages. */
export function formatSize(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GB` : `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

export const MEMORY_HINT = 'lower --hidden, --layers, --batch or --bptt (or --threads), or free some memory';
