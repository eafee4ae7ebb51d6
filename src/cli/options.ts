/**
 * Option validation for the commands: the zod pieces are shared with the
 * library (src/api/options.ts); here a bad value becomes one line naming the
 * flag, the allowed values and the help to read.
 */
import type { z } from 'zod';
import { parseWith } from '../api/options.js';
import { UsageError } from './errors.js';
import { OptionError } from '../api/index.js';

export { int, real, oneOf, seed, duration } from '../api/options.js';


/** `maxTime` → `--max-time` */
export function flagName(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** Parse raw options with a schema; on failure, one UsageError naming the first bad flag. */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown, command: string): z.output<S> {
  try {
    return parseWith(schema, raw, flagName, `see 'rnnlm ${command} --help'`);
  } catch (err) {
    if (err instanceof OptionError) throw new UsageError(err.message, err.hint);
    throw err;
  }
}
