/**
 * Node's pieces for the api (src/api/platform.ts): the per-process backend
 * (WebAssembly SIMD), the data-parallel engines on worker threads (language
 * models and taggers), sampling lanes on worker threads, all cores,
 * the monotonic clock, setImmediate between steps; and the atomic file writer
 * (with its O_APPEND appender for logs) as the api's FileSink.
 */
import { availableParallelism } from 'node:os';
import type { FileSink, Platform } from '../api/platform.js';
import { createParallelEngine } from '../parallel/engine.js';
import { createTaggerParallelEngine } from '../parallel/tagger-engine.js';
import { createThreadLanes } from '../parallel/lanes.js';
import { kernelsLost, nodeBackend } from './backend.js';
import { addressSpaceNote, roomForThreads } from './address-space.js';
import { appendLine, readFileIfExists, writeFileAtomic } from './files.js';

/**
 * `onThreadsCapped` hears of each engine or set of lanes started on fewer
 * threads than asked for because the address space has no room for more.
 */
export function nodePlatform(
  env: Readonly<Record<string, string | undefined>> = process.env,
  onThreadsCapped?: (wanted: number, got: number) => void,
): Platform {
  const backend = nodeBackend(env);
  // no more threads than the address space leaves room for (past that, V8 would end the process)
  const room = roomForThreads(Number.MAX_SAFE_INTEGER);
  const cap = (threads: number) => {
    const got = Math.min(threads, room);
    if (got < threads) onThreadsCapped?.(threads, got);
    return got;
  };
  return {
    backend,
    engine: (model, T, B, threads) => createParallelEngine(model, T, B, cap(threads)),
    taggerEngine: (model, threads, capacity) => createTaggerParallelEngine(model, cap(threads), capacity),
    lanes: (model, width, threads) => createThreadLanes(model, width, cap(threads)),
    // all cores, as asked for: the engines and lanes started are capped (and say so), not the work that needs no thread
    threads: availableParallelism(),
    now: () => performance.now(),
    pause: () => new Promise<void>((done) => setImmediate(done)),
  };
}

/**
 * What this process lost to an address-space limit (ulimit -v), in one line
 * for the user: the WebAssembly kernels (`threads` null), or threads when an
 * engine was started on `got` of the `wanted` (see nodePlatform's
 * onThreadsCapped). Null when nothing.
 */
export function nodePlatformNote(env: Readonly<Record<string, string | undefined>> = process.env, threads: [wanted: number, got: number] | null = null): string | null {
  return addressSpaceNote({ kernels: kernelsLost(env), threads });
}

export const nodeFiles: FileSink = {
  write: (path, content) => writeFileAtomic(path, content),
  read: async (path) => readFileIfExists(path),
  append: async (path, text, check) => appendLine(path, text, check),
};
