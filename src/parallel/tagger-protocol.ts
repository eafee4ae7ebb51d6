/**
 * What the tagger's training threads share (tagger-engine.ts): a control
 * block of Int32 words read and written with Atomics, a Float64 block (the
 * gradient's scale, then each thread's loss sum), and the batch block, laid
 * out once for the largest batch: a header [T, B, C], then words (T·B),
 * labels (T·B), lengths (B), char lengths (T·B) and char ids (T·B·C).
 */
import type { TaggerConfig } from '../core/tagger.js';
import type { TaggerEngineCapacity } from '../core/tagger-engine.js';
import type { TaggerBatch } from '../core/tagger-batch.js';
import type { WasmMemory } from '../core/wasm/wasm-kernels.js';

export const TCmd = { gradients: 1, reduce: 2, exit: 3 } as const;

/** Int32 words of the control block; from `arenas` on, the byte offset of each thread's gradient arena (thread 0's: the caller's). */
export const TCtl = { seq: 0, cmd: 1, done: 2, failed: 3, hasSeed: 4, seed: 5, arenas: 8 } as const;

export interface TaggerWorkerSetup {
  memory: WasmMemory;
  config: TaggerConfig;
  paramsOffset: number;
  index: number;
  threads: number;
  capacity: TaggerEngineCapacity;
  control: SharedArrayBuffer;
  numbers: SharedArrayBuffer;
  batch: SharedArrayBuffer;
}

export interface TaggerWorkerReady {
  gradsOffset: number;
}

const HEADER = 3;

/** Int32 words of the batch block for batches up to `cap`. */
export function batchBlock(cap: TaggerEngineCapacity): number {
  return HEADER + 3 * cap.words + cap.sentences + cap.words * cap.chars;
}

function parts(ints: Int32Array, cap: TaggerEngineCapacity) {
  let o = HEADER;
  const take = (n: number): Int32Array => { const a = ints.subarray(o, o + n); o += n; return a; };
  return { words: take(cap.words), labels: take(cap.words), lengths: take(cap.sentences), charLengths: take(cap.words), charIds: take(cap.words * cap.chars) };
}

/** Write a batch and its labels into the block; refuses one larger than the capacity. */
export function writeBatch(ints: Int32Array, batch: TaggerBatch, labels: Int32Array, cap: TaggerEngineCapacity): void {
  const { T, B } = batch;
  const C = batch.chars ? batch.chars.width : 0;
  if (T * B > cap.words || B > cap.sentences || C > cap.chars) {
    throw new Error(`tagger engine: a batch of ${T}×${B} words (${C} chars) is larger than the engine was made for (${cap.words} words, ${cap.sentences} sentences, ${cap.chars} chars)`);
  }
  ints[0] = T; ints[1] = B; ints[2] = C;
  const p = parts(ints, cap);
  p.words.set(batch.words.subarray(0, T * B));
  p.labels.set(labels.subarray(0, T * B));
  p.lengths.set(batch.lengths.subarray(0, B));
  if (batch.chars) {
    p.charLengths.set(batch.chars.lengths.subarray(0, T * B));
    p.charIds.set(batch.chars.ids.subarray(0, T * B * C));
  }
}

/** The batch in the block (views, no copies). */
export function readBatch(ints: Int32Array, cap: TaggerEngineCapacity): TaggerBatch & { labels: Int32Array } {
  const T = ints[0]!, B = ints[1]!, C = ints[2]!;
  const p = parts(ints, cap);
  return {
    T, B, words: p.words.subarray(0, T * B), labels: p.labels.subarray(0, T * B), lengths: p.lengths.subarray(0, B),
    chars: C > 0 ? { width: C, ids: p.charIds.subarray(0, T * B * C), lengths: p.charLengths.subarray(0, T * B) } : null,
  };
}
