/**
 * The file a command reads, given as its argument or with -m: `rnnlm sample
 * names.json` and `rnnlm sample -m names.json` are the same command (so are
 * info's and plot's). Both at once are accepted when they name the same
 * file; two different files are a usage error naming both, and neither is a
 * usage error showing both ways.
 */
import { UsageError } from './errors.js';

export interface ModelArgument {
  /** The command, in messages: 'sample'. */
  command: string;
  /** What the file is, in messages: 'model', 'input'. */
  what: string;
  /** What it is, at more length, for the message when it is missing: 'the checkpoint to sample from'. */
  needed: string;
  /** An example file name: 'model.json'. */
  example: string;
  /** The rest of a suggested command line: ' -o curve.svg'. */
  rest?: string;
}

/** The file named by the argument or by -m. */
export function modelArgument(positional: unknown, option: unknown, naming: ModelArgument): string {
  const arg = typeof positional === 'string' ? positional : undefined;
  const opt = typeof option === 'string' ? option : undefined;
  const { command, what, rest = '' } = naming;
  if (arg !== undefined && opt !== undefined && arg !== opt) {
    throw new UsageError(`two ${what}s given: ${JSON.stringify(arg)} (the argument) and ${JSON.stringify(opt)} (-m)`,
      `give the ${what} once, as the argument or with -m (they are the same); see 'rnnlm ${command} --help'`);
  }
  const file = arg ?? opt;
  if (file === undefined) {
    throw new UsageError(`no ${what} given: name ${naming.needed}`,
      `e.g. rnnlm ${command} ${naming.example}${rest} (or -m ${naming.example}); see 'rnnlm ${command} --help'`);
  }
  return file;
}
