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

/** Ends the process with 128 + the signal's number: what a command that handles no signal does with one. */
const exitWithSignal = (sig: NodeJS.Signals): void => process.exit(128 + constants.signals[sig]);
let exitingOnSignals = false;

/**
 * Until a command installs its own handler (onStopSignal), a stop signal
 * ends the process with 128 + its number — at the end of the current
 * synchronous work, not in its middle: every file rnnlm writes is written
 * synchronously to a temporary and renamed, so a signal during a write of
 * `strip`, `export` or `view` lets the write finish (or clean up after
 * itself) instead of leaving a hidden temporary behind. Called once, by the
 * command-line entry point.
 */
export function exitOnStopSignals(): void {
  if (exitingOnSignals) return;
  exitingOnSignals = true;
  for (const sig of STOP_SIGNALS) process.on(sig, exitWithSignal);
}

export function onStopSignal(handler: (signal: number) => void): () => void {
  // while this handler is installed, it alone answers the signals
  const fallback = exitingOnSignals;
  if (fallback) for (const sig of STOP_SIGNALS) process.off(sig, exitWithSignal);
  let signalled = false;
  const remove = () => { for (const sig of STOP_SIGNALS) process.off(sig, h); };
  let removed = false;
  const off = () => {
    if (removed) return;
    removed = true;
    remove();
    // taken off by its command (not by a signal): the signals end the process as before it
    if (fallback && !signalled) for (const sig of STOP_SIGNALS) process.on(sig, exitWithSignal);
  };
  const h = (sig: NodeJS.Signals) => {
    if (!signalled) {
      signalled = true;
      setImmediate(off);
    }
    handler(constants.signals[sig]);
  };
  for (const sig of STOP_SIGNALS) process.on(sig, h);
  return off;
}
