/**
 * Colour for messages on stderr, never for data on stdout. Off when NO_COLOR
 * is set, TERM=dumb, --no-color is given or stderr is not a terminal;
 * FORCE_COLOR turns it on.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Host } from './host.js';

export function makeStyle(host: Host, noColor = false): ChalkInstance {
  const env = host.env;
  let level: 0 | 1 | 2 | 3 = host.stderr.isTTY ? 1 : 0;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') level = 1;
  if (noColor || (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb' || env.FORCE_COLOR === '0') level = 0;
  return new Chalk({ level });
}
