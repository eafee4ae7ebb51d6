/**
 * The signals that stop a run gracefully: Ctrl-C (SIGINT), SIGTERM, SIGHUP
 * (the terminal closed) and SIGQUIT. `onStopSignal` calls `handler` with the
 * signal's number for the first one, then removes itself from all four, so
 * that Node restores their default action: a second signal ends the process
 * at once, whatever it is doing (every file rnnlm writes is written
 * atomically, so nothing is left half-written). Returns a function that
 * removes the handler.
 */
import { constants } from 'node:os';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

export function onStopSignal(handler: (signal: number) => void): () => void {
  const off = () => { for (const sig of STOP_SIGNALS) process.off(sig, h); };
  const h = (sig: NodeJS.Signals) => { off(); handler(constants.signals[sig]); };
  for (const sig of STOP_SIGNALS) process.on(sig, h);
  return off;
}
