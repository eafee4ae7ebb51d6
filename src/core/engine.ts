/**
 * The gradient of one training window: forward, cross-entropy, backward.
 * train() asks a StepEngine for it, so the work can be done in this thread
 * (localEngine) or split across threads by batch slots (src/parallel), with
 * the same results up to floating-point summation order.
 */
import type { Window } from './batches.js';
import type { Vec } from './kernels.js';
import { backward, forward, outputLoss, sparseGradientRows, type Model } from './model.js';
import { markRows, liveSumOfSquares, type LiveRows } from './live-rows.js';
import { clipScale, updateSlice, type OptimizerConfig, type OptimizerState } from './optimizer.js';
import type { ParamSet } from './params.js';
import { carryState, createWorkspace, resetState, type Workspace } from './workspace.js';

export interface StepEngine {
  /** Batch slots and window length the engine was made for. */
  readonly B: number;
  readonly T: number;
  /** Zero the recurrent state of every slot. */
  reset(): void;
  /** After a window of T steps: its last state becomes the next window's initial state. */
  carry(T: number): void;
  /**
   * The carried state, per layer a (B·H) then c (B·H, LSTM): what a checkpoint
   * saves. The buffer belongs to the engine and is overwritten by the next call.
   */
  saveCarry(): Vec;
  loadCarry(carry: Vec): void;
  /**
   * grads := ∂(scale · Σ loss)/∂θ over the window (overwritten, not accumulated);
   * returns Σ loss over its targets (nats). dropoutSeed null = no dropout.
   */
  gradients(win: Window, grads: ParamSet, scale: number, dropoutSeed: number | null): number;
  /**
   * After `gradients` into the same `grads`: clip them to the global norm
   * `clip` (≤ 0: no clipping) and take one optimizer step on `params`
   * (opt.step + 1). Returns the norm before clipping; when it is not finite,
   * changes nothing (the caller reports the divergence).
   */
  update(params: ParamSet, grads: ParamSet, opt: OptimizerState, cfg: OptimizerConfig, lr: number, clip: number): number;
  /**
   * Forward only (no dropout) over the window from the current state, which
   * then moves on as in training (call `carry` next): the natural-log
   * probability of each target into out[t·B + b] (0 where there is none);
   * returns the loss Σ −log P and the number of targets.
   */
  logProbs(win: Window, out: Float64Array): { sum: number; count: number };
}

/**
 * `update` on one thread: the global norm, then updateSlice over the whole
 * arena. `live`: the rows the gradient can be nonzero in (live-rows.ts; null:
 * every element).
 */
export function localUpdate(params: ParamSet, grads: ParamSet, opt: OptimizerState, cfg: OptimizerConfig, lr: number, clip: number,
  live: LiveRows | null = null): number {
  const norm = Math.sqrt(liveSumOfSquares(grads.data, live, 0, grads.data.length));
  if (!Number.isFinite(norm)) return norm;
  opt.step++;
  updateSlice(params.data, grads.data, opt, cfg, lr, opt.step, clipScale(norm, clip), 0, grads.data.length, live);
  return norm;
}

/** Floats in the carried state of a workspace. */
export function carrySize(ws: Workspace): number {
  return ws.layers.length * (ws.layers[0]!.cs ? 2 : 1) * ws.B * ws.H;
}

/** Carried state of a workspace, per layer a then c, into out (carrySize floats). */
export function saveWorkspaceCarry(ws: Workspace, out: Vec): Vec {
  const BH = ws.B * ws.H;
  const per = ws.layers[0]!.cs ? 2 : 1;
  ws.layers.forEach((lb, l) => {
    out.set(lb.hs.subarray(0, BH), l * per * BH);
    if (lb.cs) out.set(lb.cs.subarray(0, BH), (l * per + 1) * BH);
  });
  return out;
}

/** Restore what saveWorkspaceCarry saved; a carry of another size (another batch) is ignored: zero state. */
export function loadWorkspaceCarry(ws: Workspace, carry: Vec): void {
  const BH = ws.B * ws.H;
  const per = ws.layers[0]!.cs ? 2 : 1;
  if (carry.length !== ws.layers.length * per * BH) return;
  ws.layers.forEach((lb, l) => {
    lb.hs.set(carry.subarray(l * per * BH, l * per * BH + BH));
    lb.cs?.set(carry.subarray((l * per + 1) * BH, (l * per + 2) * BH));
  });
}

/**
 * The engine for slots [slot0, slot0 + B) of windows that are `fullB` slots wide,
 * in this thread. With slot0 = 0 and B = fullB it is the whole batch.
 */
export function localEngine(model: Model, T: number, B: number, slot0 = 0, fullB = B): StepEngine {
  const ws = createWorkspace(model, T, B);
  const whole = slot0 === 0 && B === fullB;
  const inputs = whole ? null : new Int32Array(T * B);
  const targets = whole ? null : new Int32Array(T * B);
  const carried = model.backend.alloc(carrySize(ws));
  const logp = whole ? null : new Float64Array(T * B);
  // the rows of a row-sparse gradient the last window made live, and the arena it went into (the whole
  // batch's engine: a thread's part is reduced and stepped by the parallel engine, which marks its own)
  const live = whole ? sparseGradientRows(model.config) : null;
  let liveIn: Vec | null = null;
  /** This engine's columns of the (T, fullB) window. */
  const columns = (win: Window): { x: Int32Array; y: Int32Array } => {
    if (!inputs || !targets) return { x: win.inputs, y: win.targets };
    for (let t = 0; t < win.T; t++) {
      for (let b = 0; b < B; b++) {
        inputs[t * B + b] = win.inputs[t * fullB + slot0 + b]!;
        targets[t * B + b] = win.targets[t * fullB + slot0 + b]!;
      }
    }
    return { x: inputs, y: targets };
  };
  return {
    B, T,
    reset: () => resetState(ws),
    carry: (t) => carryState(ws, t),
    saveCarry: () => saveWorkspaceCarry(ws, carried),
    loadCarry: (c) => loadWorkspaceCarry(ws, c),
    gradients(win, grads, scale, dropoutSeed) {
      const { x, y } = columns(win);
      // an adaptive softmax computes its loss without the full logits
      forward(model, ws, x, win.T, dropoutSeed === null ? null : { seed: dropoutSeed, slot0 }, model.config.cutoffs === undefined);
      grads.data.fill(0);
      const { sum } = outputLoss(model, ws, win.T, y, scale, grads);
      backward(model, ws, grads, win.T);
      if (live) {
        markRows(live, x, win.T * B);
        liveIn = grads.data;
      }
      return sum;
    },
    update: (params, grads, opt, cfg, lr, clip) => localUpdate(params, grads, opt, cfg, lr, clip, grads.data === liveIn ? live : null),
    logProbs(win, out) {
      const { x, y } = columns(win);
      forward(model, ws, x, win.T, null, model.config.cutoffs === undefined);
      const r = outputLoss(model, ws, win.T, y, 1, null, logp ?? out);
      if (logp) for (let t = 0; t < win.T; t++) for (let b = 0; b < B; b++) out[t * fullB + slot0 + b] = logp[t * B + b]!;
      return { sum: r.sum, count: r.count };
    },
  };
}

/** A StepEngine with a lifetime: how many threads it runs on, why not more, and how to stop it. */
export interface Engine extends StepEngine {
  /** Threads in use (1 = everything on the calling thread). */
  readonly threads: number;
  /** Why fewer threads run than were asked for (null when all of them do). */
  readonly fallback: string | null;
  /** Stop its threads, if any. */
  close(): Promise<void>;
}

/** The local engine as an Engine: one thread, `fallback` saying why when more were asked for. */
export function singleThreadEngine(model: Model, T: number, B: number, fallback: string | null = null): Engine {
  return { ...localEngine(model, T, B), threads: 1, fallback, close: async () => {} };
}
