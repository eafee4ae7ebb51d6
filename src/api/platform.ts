/**
 * What the api needs from the platform it runs on, passed in as a value and
 * never imported: Node supplies one (src/node/platform.ts: the WebAssembly
 * backend, worker threads, the clock, setImmediate), a browser page or a
 * test another (`basicPlatform`: one thread, the TypeScript reference, runs
 * anywhere). Files are not here: the functions that write (training's
 * checkpoints and log) take a `FileSink` of their own.
 */
import { referenceBackend, type Backend } from '../core/backend.js';
import { singleThreadEngine, type Engine } from '../core/engine.js';
import { OptionError } from '../core/errors.js';
import type { Model } from '../core/model.js';
import type { ThreadLanes } from '../core/lanes.js';
import { localTaggerEngine, type TaggerEngine, type TaggerEngineCapacity } from '../core/tagger-engine.js';
import type { Tagger } from '../core/tagger.js';
import { describeValue } from './options.js';

export type { Engine } from '../core/engine.js';

export interface Platform {
  /** What new models compute on, and what checkpoints are read into. */
  readonly backend: Backend;
  /** An engine for (T, B) windows on up to `threads` threads; it says why in `fallback` when it uses fewer. */
  engine(model: Model, T: number, B: number, threads: number): Promise<Engine>;
  /** An engine for a tagger's batches (up to `capacity`) on up to `threads` threads; it says why in `fallback` when it uses fewer. */
  taggerEngine(model: Tagger, threads: number, capacity: TaggerEngineCapacity): Promise<TaggerEngine>;
  /** `width` lanes per thread on up to `threads` threads, for sampling (optional: without it, samples are drawn on one thread). */
  lanes?(model: Model, width: number, threads: number): Promise<ThreadLanes>;
  /** Threads to use when none are asked for (all cores). */
  readonly threads: number;
  /** Milliseconds, monotonic. */
  now(): number;
  /** Let the platform deliver timers and signals between two steps of work (Node: setImmediate). */
  pause(): Promise<void>;
}

/** Writes and reads whole files for the api (Node: the atomic writer of src/node/files.ts). */
export interface FileSink {
  /** Replace `path` with `content` (written chunk by chunk), atomically; throws an RnnlmError naming the problem. */
  write(path: string, content: Iterable<string | Uint8Array>): Promise<void>;
  /** The bytes of `path`, or null when there is no file there. */
  read(path: string): Promise<Uint8Array | null>;
  /**
   * Optional (the training log uses it when present, else reads and rewrites
   * the file whole): add `text` at the end of `path` in one write, creating it
   * when absent, so that writers sharing the file keep each other's lines; a
   * line end first when the file's last line has none. `check` first gets the
   * file's last bytes (`whole`: all of them) and may throw an RnnlmError to
   * refuse. A failed write leaves the file as it was; throws an RnnlmError.
   */
  append?(path: string, text: string, check: (tail: Uint8Array, whole: boolean) => void): Promise<void>;
}

/** A platform with nothing but the language: one thread, the TypeScript reference, a clock of its own. */
export function basicPlatform(backend: Backend = referenceBackend): Platform {
  // checked here, not with checks.ts (which takes the Platform type from this file: no cycle)
  const isObj = (v: unknown): boolean => typeof v === 'object' && v !== null;
  if (!isObj(backend) || typeof backend.name !== 'string' || typeof backend.alloc !== 'function' || !isObj(backend.kernels)) {
    throw new OptionError(`basicPlatform()'s backend must be a Backend such as referenceBackend or fastestBackend() returns (got ${describeValue(backend)})`,
      "pass nothing (the TypeScript reference), referenceBackend or fastestBackend() (from 'rnnlm/api')");
  }
  const start = Date.now();
  return {
    backend,
    engine: async (model, T, B, threads) => singleThreadEngine(model, T, B, threads > 1 ? 'this platform has no threads' : null),
    taggerEngine: async (model, threads, capacity) => localTaggerEngine(model, capacity, threads > 1 ? 'this platform has no threads' : null),
    threads: 1,
    now: () => Date.now() - start,
    pause: async () => {},
  };
}
