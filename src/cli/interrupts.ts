/**
 * What a training command does with signals (Ctrl-C, SIGTERM, SIGHUP,
 * SIGQUIT), `rnnlm train`'s and `rnnlm tag train`'s alike: the first asks the
 * run to finish its step and save (the api sees `signal.aborted`); a second
 * quits at once — what is on disk is whole, written atomically at the last
 * evaluation. The exit code is then 128 + the signal's number.
 */
import type { Host } from './host.js';
import { shown } from './format.js';
import type { Reporter } from './progress.js';

export const SIGNAL_NAMES: Record<number, string> = { 1: 'hangup (SIGHUP)', 2: 'interrupted', 3: 'quit (SIGQUIT)', 15: 'terminated (SIGTERM)' };

export interface Interrupts {
  /** What the api polls between steps. */
  readonly signal: { aborted: boolean };
  /** The first signal's number (2 until one came). */
  readonly number: number;
  /** Start listening (once training starts: before, there is nothing to save and a signal ends the process at once). */
  listen(reporter: Reporter | null): void;
  /** Stop listening. */
  off(): void;
}

/** `say` prints a line to stderr; `yellow` styles it; `output` and `what` name what the best file keeps ("model", "tagger"). */
export function trainingInterrupts(host: Host, say: (line: string) => void, yellow: (s: string) => string, output: string, what: string): Interrupts {
  const signal = { aborted: false };
  let count = 0;
  let number = 2;
  let stop: (() => void) | null = null;
  return {
    signal,
    get number() { return number; },
    listen(reporter) {
      stop = host.onInterrupt((sig) => {
        count++;
        const name = SIGNAL_NAMES[sig] ?? `signal ${sig}`;
        if (count === 1) {
          signal.aborted = true;
          number = sig;
          const line = yellow(`${name}: finishing this step and saving (press Ctrl-C again to quit at once)`);
          if (reporter) reporter.line(line); else say(line);
        } else {
          say(yellow(`${name} again: quitting now without saving this step (${shown(output)} keeps the best ${what} saved so far)`));
          host.exitNow(128 + sig);
        }
      });
    },
    off() {
      stop?.();
      stop = null;
    },
  };
}
