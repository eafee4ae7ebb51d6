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
import { nodeBackend } from './backend.js';
import { appendLine, readFileIfExists, writeFileAtomic } from './files.js';

export function nodePlatform(env: Readonly<Record<string, string | undefined>> = process.env): Platform {
  return {
    backend: nodeBackend(env),
    engine: createParallelEngine,
    taggerEngine: createTaggerParallelEngine,
    lanes: createThreadLanes,
    threads: availableParallelism(),
    now: () => performance.now(),
    pause: () => new Promise<void>((done) => setImmediate(done)),
  };
}

export const nodeFiles: FileSink = {
  write: (path, content) => writeFileAtomic(path, content),
  read: async (path) => readFileIfExists(path),
  append: async (path, text, check) => appendLine(path, text, check),
};
