/**
 * Bidirectional recurrent layers over a padded batch: B sequences of lengths
 * n_b ≤ T, time-major (T, B) like the language model's windows. Each layer
 * runs one cell (cells/) twice, with two sets of parameters:
 *
 *   forward:  f<t> = cell(f<t-1>, x<t>)                      t = 1 … n_b
 *   reverse:  r<t> = cell(r<t+1>, x<t>)                      t = n_b … 1
 *   y<t>     = [f<t>; r<t>]   (2H)                          zero for t > n_b
 *
 * The reverse direction is the SAME cell forward/backward run on a
 * time-reversed copy of the input: per slot, xr<t'> = x<n_b+1−t'>
 * (t' = 1 … n_b), so each sequence's reverse pass starts at its own last
 * element, not at the padding. Past a sequence's end both passes keep
 * stepping over zero inputs (the padding rows of x and xr are zero); those
 * states feed nothing (y is zero there and their gradient is zero), so the
 * padding contributes exactly nothing to the outputs or the gradients.
 * Both directions start from the zero state.
 *
 * Tensor names (PyTorch's nn.LSTM(bidirectional=True), with an optional
 * prefix such as 'char_rnn.'): weight_ih_l{l} (G·H, D_l), weight_hh_l{l}
 * (G·H, H), bias_ih_l{l}, bias_hh_l{l} (G·H), the cell's extra tensors
 * (weight_peephole_l{l} (3H), LSTM with peepholes), then the same with the
 * suffix _reverse for the reverse direction.
 *
 * As everywhere in the core, backward only ADDS into the parameter gradients.
 */
import type { Backend } from './backend.js';
import { addColumnSums, fillRows, transpose, type Vec } from './kernels.js';
import { view, type Alloc, type ParamSet, type TensorSpec } from './params.js';
import { cells, PEEPHOLE, type CellKind, type LayerParams } from './cells/index.js';
import { ShapeError } from './errors.js';

/** The suffix of a reverse direction's tensor names (PyTorch's). */
export const REVERSE_SUFFIX = '_reverse';

/** The shape of a stack of bidirectional layers. */
export interface BiStackShape {
  readonly cell: CellKind;
  /** LSTM only: peephole diagonals in every direction of every layer. */
  readonly peephole: boolean;
  /** H, per direction (a layer's output is 2H wide). */
  readonly hidden: number;
  /** The input width D_l of each layer (its length is the number of layers L). */
  readonly inputs: readonly number[];
}

/** One layer's parameters (or gradients): the two directions' typed views. */
export interface BiLayerParams {
  readonly fwd: LayerParams;
  readonly rev: LayerParams;
}

/** The tensor names of layer l, one direction, with a prefix ('' or 'char_rnn.'). */
function names(prefix: string, l: number, reverse: boolean) {
  const s = `_l${l}${reverse ? REVERSE_SUFFIX : ''}`;
  return {
    Wih: `${prefix}weight_ih${s}`, Whh: `${prefix}weight_hh${s}`, bih: `${prefix}bias_ih${s}`, bhh: `${prefix}bias_hh${s}`,
    extra: (name: string) => `${prefix}${name}${s}`,
  };
}

/** The tensors of the stack, layer by layer: forward direction (PyTorch's four, then the cell's extras), then reverse. */
export function biStackSpecs(prefix: string, s: BiStackShape): TensorSpec[] {
  const cell = cells[s.cell];
  const GH = cell.gates * s.hidden;
  const specs: TensorSpec[] = [];
  s.inputs.forEach((D, l) => {
    for (const reverse of [false, true]) {
      const n = names(prefix, l, reverse);
      specs.push({ name: n.Wih, shape: [GH, D] });
      specs.push({ name: n.Whh, shape: [GH, s.hidden] });
      specs.push({ name: n.bih, shape: [GH] });
      specs.push({ name: n.bhh, shape: [GH] });
      for (const x of cell.extraParams(s.hidden, s.peephole)) specs.push({ name: n.extra(x.name), shape: x.shape });
    }
  });
  return specs;
}

/** Typed views of the stack's tensors in `set` (parameters or a gradient with the same layout). */
export function biStackParams(prefix: string, s: BiStackShape, set: ParamSet): BiLayerParams[] {
  const one = (l: number, reverse: boolean): LayerParams => {
    const n = names(prefix, l, reverse);
    return {
      Wih: view(set, n.Wih), Whh: view(set, n.Whh), bih: view(set, n.bih), bhh: view(set, n.bhh),
      peep: s.peephole ? view(set, n.extra(PEEPHOLE)) : null,
    };
  };
  return s.inputs.map((_, l) => ({ fwd: one(l, false), rev: one(l, true) }));
}

/** One direction's activations and gradients (the cell's buffers, cells/cell.ts). */
export interface DirectionBuffers {
  /** (T+1, B, H): hs[0] = 0, hs[t] = the state after t steps (of this direction's time) */
  readonly hs: Vec;
  /** (T+1, B, H) memory cells (LSTM), else null */
  readonly cs: Vec | null;
  /** (T, B, cacheWidth) */
  readonly cache: Vec;
  /** (T+1, B, H) ∂L/∂hs */
  readonly dhs: Vec;
  /** (B, H) ∂L/∂c carried backwards (LSTM), else null */
  readonly dc: Vec | null;
}

export interface BiLayerBuffers {
  /** D: the layer's input width */
  readonly D: number;
  /** (T, B, D) the layer's input as fed to it (the caller writes it; padding rows zero) */
  readonly x: Vec;
  /** (T, B, D) x reversed slot by slot: xr[t'] = x[n_b−1−t'] for t' < n_b, zero rows after */
  readonly xr: Vec;
  readonly fwd: DirectionBuffers;
  readonly rev: DirectionBuffers;
  /** (T, B, 2H) the output [forward; reverse] at each position t < n_b, zero rows after */
  readonly y: Vec;
}

/**
 * The buffers of one stack, sized for at most T steps and B slots: every
 * run over (T' ≤ T, B' ≤ B) lays its arrays out as (T', B', …) from offset 0.
 */
export interface BiStack {
  readonly T: number;
  readonly B: number;
  readonly H: number;
  readonly cell: CellKind;
  readonly layers: readonly BiLayerBuffers[];
  /** (B) the length n_b of each slot of the current run; the caller writes it before forward */
  readonly lengths: Int32Array;
  /** (T, B, G·H) the input projection in forward, ∂ of it in backward; shared by every layer and direction */
  readonly proj: Vec;
  /** (G·H) bias sum in forward, the bias gradient in backward */
  readonly bias: Vec;
  /** (H, G·H) W_hh transposed, in backward */
  readonly whhT: Vec;
  /** (T·B) ones, for column sums */
  readonly ones: Vec;
  /** (B, H) the cells' scratch */
  readonly scratch: Vec;
  /** (T, B, max D) ∂ of the reversed input, in backward */
  readonly dxr: Vec;
}

export function createBiStack(s: BiStackShape, T: number, B: number, alloc: Alloc): BiStack {
  const cell = cells[s.cell];
  const H = s.hidden;
  const GH = cell.gates * H;
  const direction = (): DirectionBuffers => ({
    hs: alloc((T + 1) * B * H),
    cs: cell.hasMemory ? alloc((T + 1) * B * H) : null,
    cache: alloc(Math.max(1, T * B * cell.cacheWidth(H))),
    dhs: alloc((T + 1) * B * H),
    dc: cell.hasMemory ? alloc(B * H) : null,
  });
  const layers = s.inputs.map((D) => ({
    D, x: alloc(T * B * D), xr: alloc(T * B * D), fwd: direction(), rev: direction(), y: alloc(T * B * 2 * H),
  }));
  return {
    T, B, H, cell: s.cell, layers,
    lengths: new Int32Array(B),
    proj: alloc(T * B * GH),
    bias: alloc(GH),
    whhT: alloc(GH * H),
    ones: alloc(T * B).fill(1),
    scratch: alloc(B * H),
    dxr: alloc(T * B * Math.max(...s.inputs)),
  };
}

/** dst[t', b] = src[n_b−1−t', b] (rows of width W) for t' < n_b; zero rows for t' ≥ n_b. */
function reverseRows(src: Vec, dst: Vec, T: number, B: number, W: number, lengths: Int32Array): void {
  for (let b = 0; b < B; b++) {
    const n = lengths[b]!;
    for (let t = 0; t < T; t++) {
      const o = (t * B + b) * W;
      if (t < n) {
        const s = ((n - 1 - t) * B + b) * W;
        dst.set(src.subarray(s, s + W), o);
      } else {
        dst.fill(0, o, o + W);
      }
    }
  }
}

/** dst[t, b] += src[n_b−1−t, b] (rows of width W) for t < n_b: the reversal's gradient, back into the original order. */
function addUnreversed(src: Vec, dst: Vec, B: number, W: number, lengths: Int32Array): void {
  for (let b = 0; b < B; b++) {
    const n = lengths[b]!;
    for (let t = 0; t < n; t++) {
      const o = (t * B + b) * W, s = ((n - 1 - t) * B + b) * W;
      for (let j = 0; j < W; j++) dst[o + j] += src[s + j]!;
    }
  }
}

function checkRun(st: BiStack, T: number, B: number): void {
  if (!(T >= 0 && T <= st.T && B >= 1 && B <= st.B)) throw new ShapeError(`a run of ${T} steps × ${B} slots does not fit the buffers (${st.T} × ${st.B})`);
  for (let b = 0; b < B; b++) {
    const n = st.lengths[b]!;
    if (!(n >= 0 && n <= T)) throw new ShapeError(`slot ${b} has length ${n}, outside 0…${T}`);
  }
}

/** One direction forward over X (T, B, D): xp = b_ih + b_hh + X·W_ihᵀ, then the cell from the zero state. */
function directionForward(bk: Backend, st: BiStack, d: DirectionBuffers, p: LayerParams, X: Vec, D: number, T: number, B: number): void {
  const cell = cells[st.cell];
  const H = st.H;
  const GH = cell.gates * H;
  const TB = T * B;
  for (let g = 0; g < GH; g++) st.bias[g] = p.bih[g]! + p.bhh[g]!;
  fillRows(TB, GH, st.bias, 0, st.proj, 0, GH);
  bk.kernels.mmNT(TB, GH, D, X, 0, D, p.Wih, 0, D, st.proj, 0, GH);
  d.hs.fill(0, 0, B * H);
  d.cs?.fill(0, 0, B * H);
  cell.forward(bk, d.hs, d.cs, d.cache, st.proj, p, T, B, H);
}

/**
 * Forward of layer l over T steps of the first B slots: reads the layer's x
 * (written by the caller, padding rows zero) and st.lengths; writes xr, both
 * directions' states and y.
 */
export function biLayerForward(bk: Backend, st: BiStack, l: number, p: BiLayerParams, T: number, B: number): void {
  checkRun(st, T, B);
  const lb = st.layers[l]!;
  const { H } = st;
  const BH = B * H;
  reverseRows(lb.x, lb.xr, T, B, lb.D, st.lengths);
  directionForward(bk, st, lb.fwd, p.fwd, lb.x, lb.D, T, B);
  directionForward(bk, st, lb.rev, p.rev, lb.xr, lb.D, T, B);
  const y = lb.y, f = lb.fwd.hs, r = lb.rev.hs;
  for (let b = 0; b < B; b++) {
    const n = st.lengths[b]!;
    for (let t = 0; t < T; t++) {
      const o = (t * B + b) * 2 * H;
      if (t < n) {
        const fo = (t + 1) * BH + b * H; // f<t+1>: after x[0..t]
        const ro = (n - t) * BH + b * H; // reverse step n−t: after x[n−1] … x[t]
        y.set(f.subarray(fo, fo + H), o);
        y.set(r.subarray(ro, ro + H), o + H);
      } else {
        y.fill(0, o, o + 2 * H);
      }
    }
  }
}

/**
 * One direction backward, from its dhs (set by the caller): ∂xp into st.proj,
 * the parameter gradients added into g, and dX (T, B, D) OVERWRITTEN with
 * ∂L/∂X through this direction.
 */
function directionBackward(
  bk: Backend, st: BiStack, d: DirectionBuffers, p: LayerParams, g: LayerParams, X: Vec, D: number, dX: Vec, T: number, B: number,
): void {
  const cell = cells[st.cell];
  const K = bk.kernels;
  const H = st.H;
  const GH = cell.gates * H;
  const TB = T * B;
  transpose(GH, H, p.Whh, 0, st.whhT, 0);
  d.dc?.fill(0);
  cell.backward(bk, st.proj, d.dhs, d.dc, g, d.hs, d.cs, d.cache, p, st.whhT, st.scratch, T, B, H);
  // b_ih and b_hh enter the same sum: one gradient, added to both
  const db = st.bias;
  db.fill(0, 0, GH);
  addColumnSums(K, TB, GH, st.proj, 0, GH, db, 0, st.ones);
  for (let i = 0; i < GH; i++) {
    g.bih[i] += db[i]!;
    g.bhh[i] += db[i]!;
  }
  K.mmTN(GH, D, TB, st.proj, 0, GH, X, 0, D, g.Wih, 0, D);
  dX.fill(0, 0, TB * D);
  K.mmNN(TB, D, GH, st.proj, 0, GH, p.Wih, 0, D, dX, 0, D);
}

/**
 * Backward of layer l over the run of its last forward: dy (T, B, 2H) is
 * ∂L/∂y (rows past a slot's length are ignored); the gradients of both
 * directions are ADDED into g; dx (T, B, D) is OVERWRITTEN with ∂L/∂x (zero
 * rows past each length). Leaves the forward's activations intact: a second
 * backward over the same forward adds the same gradient again.
 */
export function biLayerBackward(bk: Backend, st: BiStack, l: number, p: BiLayerParams, g: BiLayerParams, dy: Vec, dx: Vec, T: number, B: number): void {
  checkRun(st, T, B);
  const lb = st.layers[l]!;
  const { H } = st;
  const BH = B * H;
  const D = lb.D;
  const df = lb.fwd.dhs, dr = lb.rev.dhs;
  df.fill(0, 0, (T + 1) * BH);
  dr.fill(0, 0, (T + 1) * BH);
  for (let b = 0; b < B; b++) {
    const n = st.lengths[b]!;
    for (let t = 0; t < n; t++) {
      const o = (t * B + b) * 2 * H;
      const fo = (t + 1) * BH + b * H, ro = (n - t) * BH + b * H;
      for (let j = 0; j < H; j++) {
        df[fo + j] = dy[o + j]!;
        dr[ro + j] = dy[o + H + j]!;
      }
    }
  }
  directionBackward(bk, st, lb.fwd, p.fwd, g.fwd, lb.x, D, dx, T, B);
  directionBackward(bk, st, lb.rev, p.rev, g.rev, lb.xr, D, st.dxr, T, B);
  addUnreversed(st.dxr, dx, B, D, st.lengths);
  // the forward direction's ∂x past a slot's end is exactly zero already (nothing there has a gradient); make it so by construction
  for (let b = 0; b < B; b++) for (let t = st.lengths[b]!; t < T; t++) dx.fill(0, (t * B + b) * D, (t * B + b + 1) * D);
}
