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

/** Ends the process with 128 + the signal's number: what a signal that comes during a write does when nothing else handles it. */
const exitWithSignal = (sig: NodeJS.Signals): void => process.exit(128 + constants.signals[sig]);

/**
 * For the length of a synchronous file write (src/node/files.ts): a stop
 * signal that nothing else handles ends the process with 128 + its number
 * just after the write — whole, or cleaned up — instead of in its middle,
 * which would leave a hidden temporary behind (`strip`, `export`, `view`,
 * the library's saveModel). Where a handler is installed (training's
 * onStopSignal, a program's own), it is left to answer. Outside writes the
 * default action stands: a signal ends a command at once. The returned
 * release keeps the handler SIGNAL_GRACE_MS longer, so that a signal that
 * came during the write is answered even when nothing else is left to do.
 */
const SIGNAL_GRACE_MS = 20;

export function deferStopSignals(): () => void {
  if (STOP_SIGNALS.some((sig) => process.listenerCount(sig) > 0)) return () => {};
  for (const sig of STOP_SIGNALS) process.on(sig, exitWithSignal);
  // Not an immediate alone: with one pending, the loop's poll may not read the signal before it runs. Not a timer
  // alone either: after a long pause once the write is done (garbage collection of a large model, a busy caller)
  // the timer has expired when the loop next turns, and runs before the poll that would deliver the signal,
  // which was then lost (export exited 0 after a Ctrl-C). A timer, then an immediate: the immediate runs after
  // the poll of the timer's turn of the loop, which reads any signal that came before it.
  return () => { setTimeout(() => setImmediate(() => { for (const sig of STOP_SIGNALS) process.off(sig, exitWithSignal); }), SIGNAL_GRACE_MS); };
}

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
