/**
 * What every recurrent cell provides. A cell processes one layer over a
 * window of T time steps for a batch of B sequences, hidden size H.
 *
 * The input projection is done by the model for all time steps at once
 * (one large product), so the cell receives
 *   xp (T, B, G·H) = W_ih · x<t> + b_ih + b_hh
 * and adds the recurrent part W_hh · (…a<t-1>…) step by step. G is the number
 * of gate blocks (rows of W_ih / W_hh are G blocks of H).
 *
 * Hidden states are kept in hs (T+1, B, H): hs[0] is the initial state a<0>
 * and hs[t] is a<t>. The LSTM memory cell uses cs (T+1, B, H) likewise.
 * That layout makes "the previous state" of every step one contiguous block,
 * so the weight gradient of W_hh is one product over the window.
 *
 * Backward ACCUMULATES into the parameter gradients and into dhs, and
 * OVERWRITES dxp. Both run on the backend `bk` (its products and element-wise
 * steps), the model's.
 */
import type { Backend } from '../backend.js';
import type { Vec } from '../kernels.js';
import type { TensorSpec } from '../params.js';

export type CellKind = 'rnn' | 'gru' | 'gru-simple' | 'lstm';
export const CELL_KINDS: readonly CellKind[] = ['rnn', 'gru', 'gru-simple', 'lstm'];

/** The recurrent weights of one layer (or their gradients: same shapes). */
export interface RecurrentParams {
  /** (G·H, H) */
  readonly Whh: Vec;
  /** (3H) peephole diagonals for Γu | Γf | Γo (LSTM with peepholes only), else null */
  readonly peep: Vec | null;
  /**
   * (H, G·H) W_hh transposed, for the backward pass's per-step products
   * (∂a<t-1> = ∂pre · W_hh as mmNT, which reads this operand in place where
   * mmNN would repack W_hh at every step); filled by the model before
   * `backward`, null otherwise.
   */
  readonly WhhT: Vec | null;
}

export interface CellOps {
  /** Gate blocks G. */
  readonly gates: number;
  /** True when the cell keeps a memory cell c<t> apart from a<t> (LSTM). */
  readonly hasMemory: boolean;
  /** Short description of the gate order of the G blocks, for docs and errors. */
  readonly gateOrder: readonly string[];
  /** Floats of cache per (t, b). */
  cacheWidth(H: number): number;
  /** Extra per-layer tensors (names without the `_l{n}` suffix). */
  extraParams(H: number, peephole: boolean): TensorSpec[];
  /** Index ranges [start, end) in the G·H bias that start at 1 instead of 0 (LSTM forget gate). */
  unitBias(H: number): [number, number] | null;
  /**
   * Forward over a window. Reads xp (the LSTM adds the recurrent part into it
   * in place), hs[0] (and cs[0]); writes hs[1..T], cs[1..T] and cache
   * (T, B, cacheWidth).
   */
  forward(bk: Backend, hs: Vec, cs: Vec | null, cache: Vec, xp: Vec, p: RecurrentParams, T: number, B: number, H: number): void;
  /**
   * Backward over a window. In: dhs[1..T] = ∂L/∂a<t> from above (and any
   * carried gradient at T), dc (B, H) = ∂L/∂c<T> carried in (LSTM; else null).
   * Out: dxp (T, B, G·H) = ∂L/∂xp; dhs[0] += ∂L/∂a<0>; dc = ∂L/∂c<0>;
   * g.Whh and g.peep accumulate. scratch has B·H floats.
   */
  backward(
    bk: Backend, dxp: Vec, dhs: Vec, dc: Vec | null, g: RecurrentParams,
    hs: Vec, cs: Vec | null, cache: Vec, p: RecurrentParams, scratch: Vec,
    T: number, B: number, H: number,
  ): void;
}
