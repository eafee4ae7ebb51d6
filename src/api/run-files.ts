/**
 * What a training run writes, one policy for the language model and the
 * tagger: the best checkpoint at each evaluation that improves (a failed
 * write is reported, the last good file stays, and it is tried again at the
 * next evaluation and at the end), the latest state at the end when it is not
 * the best already written (for --resume), and the log, one NDJSON record
 * per evaluation, rewritten whole each time so it is never half-written.
 * Every write goes through the FileSink (Node's: atomic).
 */
import { DivergedError, RnnlmError } from '../core/errors.js';
import type { FileSink, Platform } from './platform.js';

export interface RunFilePaths {
  sink: FileSink;
  /** The best checkpoint, written at each evaluation that improves. */
  best: string;
  /** The latest state, written at the end when it is not the best (for --resume). */
  last: string;
  /** NDJSON, one record per evaluation, appended to what the file held. */
  log?: string | undefined;
}

/** The best checkpoint's write at an evaluation: null when there was none to make. */
export type SavedReport = { path: string; error: string | null; stillHolds: number | null } | null;

/** What an evaluation hands the keeper: its record (logged without `state` and `best`). */
export interface KeptEvaluation<S> {
  step: number;
  best: boolean;
  state: S;
  elapsedMs: number;
  tokensSeen: number;
}

export interface RunKeeper<S> {
  /** At an evaluation: the best checkpoint written when it is one, the record appended to the log. */
  evaluated(r: KeptEvaluation<S>): Promise<{ saved: SavedReport; logError: string | null }>;
  /** A diverged run's error, naming the best checkpoint kept so far. */
  diverged(err: DivergedError): DivergedError;
  /** At the end: the latest state written unless the best file already holds it; the log's last write retried. */
  finish(state: S & { step: number; bestStep: number }): Promise<{ latest: string | null; logError: string | null }>;
  /** The step the best file holds (−1: none written). */
  readonly savedBestStep: number;
}

/**
 * A log file: what it held, then the records of this run, rewritten whole at
 * each evaluation. A failed write is reported and tried again with every
 * record at the next evaluation (and once more at the end).
 */
export async function openLog(sink: FileSink, path: string) {
  const before = await sink.read(path);
  const head: (Uint8Array | string)[] = before && before.length > 0 && before[before.length - 1] !== 0x0a ? [before, '\n'] : before ? [before] : [];
  const lines: string[] = [];
  let pending = false;
  const flush = async (): Promise<string | null> => {
    try {
      await sink.write(path, [...head, ...lines]);
      pending = false;
      return null;
    } catch (err) {
      if (!(err instanceof RnnlmError)) throw err;
      pending = true;
      return err.message;
    }
  };
  return {
    get pending() { return pending; },
    flush,
    append: async (line: string) => { lines.push(line); return flush(); },
  };
}

/** The keeper of a run's files (`files` null: a run that writes nothing). `chunks` serializes a checkpoint at a state. */
export async function openRunKeeper<S>(platform: Platform, files: RunFilePaths | null | undefined, chunks: (state: S) => Iterable<string>): Promise<RunKeeper<S>> {
  const save = async (path: string, state: S) => {
    // a turn of the event loop first: a signal that came in is seen before the (synchronous) write starts
    await platform.pause();
    await files!.sink.write(path, chunks(state));
  };
  const log = files?.log !== undefined ? await openLog(files.sink, files.log) : null;
  let savedBestStep = -1;
  let pendingBest = false;
  return {
    get savedBestStep() { return savedBestStep; },
    async evaluated(r) {
      let saved: SavedReport = null;
      if (files && r.best) {
        try {
          await save(files.best, r.state);
          savedBestStep = r.step;
          pendingBest = false;
          saved = { path: files.best, error: null, stillHolds: null };
        } catch (err) {
          if (!(err instanceof RnnlmError)) throw err;
          pendingBest = true;
          saved = { path: files.best, error: err.message, stillHolds: savedBestStep >= 0 ? savedBestStep : null };
        }
      }
      let logError: string | null = null;
      if (log) {
        const { state: _s, best: _b, ...rec } = r as KeptEvaluation<S> & Record<string, unknown>;
        const line = { ...rec, tokensPerSec: r.elapsedMs > 0 ? (r.tokensSeen * 1000) / r.elapsedMs : null };
        logError = await log.append(JSON.stringify(line, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) + '\n');
      }
      return { saved, logError };
    },
    diverged(err) {
      if (!files) return err;
      const kept = savedBestStep >= 0 ? `; the best checkpoint so far (step ${savedBestStep}) is in ${files.best}` : '';
      return new DivergedError(`${err.message}${kept}`, err.hint);
    },
    async finish(state) {
      let latest: string | null = null;
      if (files) {
        latest = files.best;
        if (savedBestStep !== state.step) {
          // the latest state (for --resume), and the best one again if its write had failed
          latest = pendingBest && state.bestStep === state.step ? files.best : files.last;
          await save(latest, state);
          if (latest === files.best) savedBestStep = state.step;
        }
      }
      const logError = log?.pending ? await log.flush() : null;
      return { latest, logError };
    },
  };
}
