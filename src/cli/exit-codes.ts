/** The exit codes rnnlm uses, and only these. */
export const ExitCode = {
  /** Success. */
  ok: 0,
  /** The command ran and failed: missing or unreadable file, bad corpus, corrupt checkpoint, diverged training. */
  failure: 1,
  /** The command line is wrong: unknown option, bad option value, missing argument. */
  usage: 2,
  /** Stopped by Ctrl-C / SIGTERM (after saving what there was to save). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
