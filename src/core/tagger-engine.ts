/**
 * What runs a tagger's training step on one thread or several: the gradient
 * of a batch, ADDED into the caller's gradient (zeroed by the caller), and
 * the loss sum. `localTaggerEngine` runs it here; src/parallel/tagger-engine.ts
 * splits the batch's sentences among worker threads on one WebAssembly
 * memory. The dropout seed is drawn from the Rng here, once per batch, as
 * taggerForward draws it, and each thread's masks are those of its slots in
 * the whole batch (taggerForward's slot0): a split batch computes what the
 * whole one does, up to the order of the gradient's sums.
 */
import type { Rng } from './rng.js';
import type { ParamSet } from './params.js';
import { taggerBackward, taggerForward, type Tagger } from './tagger.js';
import type { TaggerBatch } from './tagger-batch.js';
import { createTaggerWorkspacePool } from './tagger-pool.js';

export interface TaggerEngine {
  /** Threads in use (1 = everything on the calling thread). */
  readonly threads: number;
  /** Why fewer threads run than were asked for (null when all of them do). */
  readonly fallback: string | null;
  /**
   * ∂(scale · Σ −log P(label)) of the batch's real, labelled words added into
   * `grads`; returns Σ −log P. With `rng` (training) and dropout, one seed is
   * drawn from it for the masks.
   */
  gradients(batch: TaggerBatch, labels: Int32Array, grads: ParamSet, scale: number, rng: Rng | null): number;
  /** Size the workspaces for batches of these shapes now (T words × B sentences), before the first step. */
  reserve(shapes: readonly { T: number; B: number }[]): void;
  /** Stop its threads, if any. */
  close(): Promise<void>;
}

/** The most a batch may hold, for engines that size shared buffers once. */
export interface TaggerEngineCapacity {
  /** T·B: padded words of the largest batch. */
  words: number;
  /** Sentences of the largest batch. */
  sentences: number;
  /** Chars per word at most (0 for a tagger without chars). */
  chars: number;
  /** The bucketing's cap on a batch's padded words (see tagger-pool.ts): sizes each thread's workspaces. */
  batchWords: number;
}

/** An Rng that gives one number: the seed a thread's share of a batch was drawn with. */
export function seedOnly(seed: number): Rng {
  const unused = (): never => { throw new Error('seedOnly: only nextU32 is drawn'); };
  return { nextU32: () => seed, uniform: unused, normal: unused, int: unused, state: unused };
}

/** The dropout seed of a batch: one draw when training with dropout, as taggerForward draws it; else null. */
export function dropoutSeed(model: Tagger, rng: Rng | null): number | null {
  return rng !== null && model.config.dropout > 0 ? rng.nextU32() : null;
}

/** The engine on this thread, its workspaces a pool for batches up to `capacity`; `fallback` says why when more threads were asked for. */
export function localTaggerEngine(model: Tagger, capacity: TaggerEngineCapacity, fallback: string | null = null): TaggerEngine {
  const pool = createTaggerWorkspacePool(model, capacity.sentences, capacity.batchWords, capacity.chars);
  return {
    threads: 1, fallback,
    gradients(batch, labels, grads, scale, rng) {
      const ws = pool.for(batch);
      taggerForward(model, ws, batch, rng);
      return taggerBackward(model, ws, labels, grads, scale).sum;
    },
    reserve(shapes) { for (const s of shapes) pool.reserve(s.T, s.B); },
    close: async () => {},
  };
}
