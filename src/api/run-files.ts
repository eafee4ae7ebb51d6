/**
 * What a training run writes, one policy for the language model and the
 * tagger: the best checkpoint at each evaluation that improves (a failed
 * write is reported, the last good file stays, and it is tried again at the
 * next evaluation and at the end), the latest state at the end when it is not
 * the best already written (for --resume), and the log, one NDJSON record
 * per evaluation, appended (never left half-written: see openLog).
 * Every write goes through the FileSink (Node's: atomic).
 */
import { DataError, DivergedError, RnnlmError } from '../core/errors.js';
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
 * The first line of `bytes` that is not an evaluation record (a JSON object
 * with a numeric `step`, as every run's log holds), numbered from 1; 0 when
 * every non-blank line is one.
 */
export function firstNonRecordLine(bytes: Uint8Array): number {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 1;
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      return i + 1;
    }
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec) || typeof (rec as { step?: unknown }).step !== 'number') return i + 1;
  }
  return 0;
}

const notALog = (path: string, line: number, now = false): string =>
  `${path} is ${now ? 'no longer' : 'not'} a training log (line ${line} is not an evaluation record)`;

/**
 * What keeps a log from taking more records: its last bytes (`whole`: the
 * file) hold a line that is not an evaluation record, or a line longer than
 * they are. Null when records may follow.
 */
function tailProblem(path: string, tail: Uint8Array, whole: boolean): string | null {
  let lines = tail;
  if (!whole) {
    // the first line may be cut (maybe inside a character): from the first line end on (not the last byte's)
    const cut = tail.subarray(0, tail.length - 1).indexOf(0x0a);
    if (cut < 0) return `${path} is no longer a training log (its last line is not an evaluation record)`;
    lines = tail.subarray(cut + 1);
  }
  const bad = firstNonRecordLine(lines);
  if (bad === 0) return null;
  return whole ? notALog(path, bad, true) : `${path} is no longer a training log (a line near its end is not an evaluation record)`;
}

/**
 * A log file: records appended to what it holds. It must hold records
 * already (or nothing): a checkpoint or a text given as --log by mistake is
 * refused, not appended to. With a sink that appends (Node's: O_APPEND, one
 * write per evaluation) the records go at the end, checked against the
 * file's last lines only, so two runs sharing a log keep all of each other's
 * records and a long run's writes stay small. A sink without `append` gets
 * the file re-read and replaced whole at each write (atomic; a write by
 * another run between that read and this replacement is lost). Either way a
 * failed write is reported and tried again with those records at the next
 * evaluation (and once more at the end); the file is never left half-written.
 */
export async function openLog(sink: FileSink, path: string) {
  const before = await sink.read(path);
  const bad = before ? firstNonRecordLine(before) : 0;
  if (bad > 0) throw new DataError(notALog(path, bad), 'give --log a new file, or a log written by an earlier run (its records are kept and this run\'s appended)');
  let unwritten: string[] = [];
  const notWritten = (why: string) => `${why}: its records were not written`;
  const rewrite = async (): Promise<void> => {
    const now = await sink.read(path);
    const nowBad = now ? firstNonRecordLine(now) : 0;
    if (nowBad > 0) throw new DataError(notWritten(notALog(path, nowBad, true)));
    const head: (Uint8Array | string)[] = now && now.length > 0 ? (now[now.length - 1] !== 0x0a ? [now, '\n'] : [now]) : [];
    await sink.write(path, [...head, ...unwritten]);
  };
  const flush = async (): Promise<string | null> => {
    try {
      if (sink.append) {
        await sink.append(path, unwritten.join(''), (tail, whole) => {
          const why = tailProblem(path, tail, whole);
          if (why !== null) throw new DataError(notWritten(why));
        });
      } else {
        await rewrite();
      }
      unwritten = [];
      return null;
    } catch (err) {
      if (!(err instanceof RnnlmError)) throw err;
      return err.message;
    }
  };
  return {
    get pending() { return unwritten.length > 0; },
    flush,
    append: async (line: string) => { unwritten.push(line); return flush(); },
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
