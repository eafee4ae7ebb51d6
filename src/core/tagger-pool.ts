/**
 * A tagger's workspaces for batches of sentences bucketed by length: a
 * batch whose longest sentence has T words holds at most batchLevel(T)
 * sentences (B, ⌈B/2⌉, … 1, with level·T ≤ batchWords), and each level has
 * one workspace. Training, prediction and the engines' threads use it (a
 * thread's share of a batch fits the level of the whole batch).
 */
import { ShapeError } from './errors.js';
import { createTaggerWorkspace, type Tagger, type TaggerWorkspace } from './tagger.js';
import type { TaggerBatch } from './tagger-batch.js';

/** How many sentences a batch whose longest has T words may hold: the largest of B, ⌈B/2⌉, … 1 with level·T ≤ batchWords. */
export function batchLevel(T: number, B: number, batchWords: number): number {
  let level = B;
  while (level > 1 && level * Math.max(1, T) > batchWords) level = Math.ceil(level / 2);
  return level;
}


/**
 * Workspaces by batch level, each made once at its final size: `reserve`
 * the shapes batches will have first (training does), or let them grow (at
 * least doubling, so a few sizes at most: the backend's memory is never given
 * back). `charWidth` is the longest char row (the cap on a word's chars).
 */
export interface TaggerWorkspacePool {
  reserve(T: number, count: number): void;
  for(batch: TaggerBatch): TaggerWorkspace;
}

export function createTaggerWorkspacePool(model: Tagger, B: number, batchWords: number, charWidth: number): TaggerWorkspacePool {
  const made = new Map<number, TaggerWorkspace>();
  const need = new Map<number, { T: number; B: number }>();
  const C = model.config.chars ? Math.max(1, charWidth) : 0;
  const reserve = (T: number, count: number) => {
    const level = batchLevel(T, B, batchWords);
    const n = need.get(level) ?? { T: 1, B: 1 };
    need.set(level, { T: Math.max(n.T, T), B: Math.max(n.B, count) });
  };
  return {
    reserve,
    for(batch) {
      const level = batchLevel(batch.T, B, batchWords);
      if (batch.B > level) throw new ShapeError(`a batch of ${batch.B} sentences of up to ${batch.T} words is larger than its level (${level})`);
      if (batch.chars && batch.chars.width > C) throw new ShapeError(`words of ${batch.chars.width} chars, the pool's rows hold ${C}`);
      const ws = made.get(level);
      if (ws && batch.T <= ws.T && batch.B <= ws.B) return ws;
      const n = need.get(level);
      const grow = (x: number, had: number) => (had > 0 ? Math.max(x, 2 * had) : x);
      // a level above 1 never holds more than batchWords slots: T·level ≤ batchWords for every batch of it
      const T = Math.min(Math.max(batch.T, n?.T ?? 0, ws ? grow(batch.T, ws.T) : 0), level > 1 ? Math.max(batch.T, n?.T ?? 0, Math.floor(batchWords / level)) : Infinity);
      const b = Math.min(level, Math.max(batch.B, n?.B ?? 0, ws ? grow(batch.B, ws.B) : 0));
      const fresh = createTaggerWorkspace(model, T, b, C);
      made.set(level, fresh);
      return fresh;
    },
  };
}
