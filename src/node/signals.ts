/**
 * The signals that stop a run gracefully: Ctrl-C (SIGINT), SIGTERM, SIGHUP
 * (the terminal closed) and SIGQUIT. `onStopSignal` calls `handler` with the
 * signal's number, and after the first one removes itself from all four, so
 * that Node restores their default action: a later signal ends the process at
 * once, whatever it is doing — in the middle of a long step or a save (every
 * file rnnlm writes is written atomically, so nothing is left half-written).
 * The removal waits for the next turn of the event loop: a second signal that
 * came while the first was waiting (both during one long step) is still
 * delivered to `handler`, never lost. Returns a function that removes it.
 */
import { constants } from 'node:os';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

export function onStopSignal(handler: (signal: number) => void): () => void {
  const off = () => { for (const sig of STOP_SIGNALS) process.off(sig, h); };
  let first = true;
  const h = (sig: NodeJS.Signals) => {
    if (first) {
      first = false;
      setImmediate(off);
    }
    handler(constants.signals[sig]);
  };
  for (const sig of STOP_SIGNALS) process.on(sig, h);
  return off;
}
