/**
 * Lanes: the rows of a one-step batch, each carrying a sequence of its own,
 * which is how samples are drawn side by side (sample.ts, sampleLanes). On
 * one thread the lanes are a workspace of T = 1; on several
 * (src/parallel/lanes.ts) each thread has such a workspace of the same width,
 * so a lane's numbers are the same on any number of threads (the products
 * group rows by the width, never mix them).
 */
import type { Vec } from './kernels.js';
import { forward, type Model } from './model.js';
import { carryState, type Workspace } from './workspace.js';

export interface Lanes {
  /** How many lanes. */
  readonly count: number;
  /** Lane b's logits after the last step: V floats, a view overwritten by the next step. */
  logits(b: number): Vec;
  /** Lane b starts from this state: per layer its h, and its c (an LSTM's) or null; H floats each. */
  setState(b: number, h: readonly Vec[], c: readonly (Vec | null)[]): void;
  /** One step of every lane: lane b reads ids[b] (−1: the zero input, for a lane with nothing to do). */
  step(ids: Int32Array): void;
}

/** The lanes of one workspace (T ≥ 1): its B rows, stepped on this thread. */
export function workspaceLanes(model: Model, ws: Workspace): Lanes {
  const V = model.config.vocabSize;
  const { B, H } = ws;
  const rows = Array.from({ length: B }, (_, b) => ws.logits.subarray(b * V, b * V + V));
  return {
    count: B,
    logits: (b) => rows[b]!,
    setState(b, h, c) {
      ws.layers.forEach((lb, l) => {
        lb.hs.set(h[l]!.subarray(0, H), b * H);
        if (lb.cs) lb.cs.set(c[l]!.subarray(0, H), b * H);
      });
    },
    step(ids) {
      forward(model, ws, ids, 1, null);
      carryState(ws, 1);
    },
  };
}

/** Lanes with a lifetime: how many threads step them, and how to stop those. */
export interface ThreadLanes extends Lanes {
  readonly threads: number;
  close(): Promise<void>;
}

/** `width` lanes of one workspace on this thread (nothing to stop). */
export function localLanes(model: Model, ws: Workspace): ThreadLanes {
  return { ...workspaceLanes(model, ws), threads: 1, close: async () => {} };
}
