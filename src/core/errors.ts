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
