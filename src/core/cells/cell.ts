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
 * Parameters come as typed views of one layer (`LayerParams`), built once per
 * parameter set (model.ts `modelParams`); the cell reads W_hh (and the
 * peepholes), the model does the input projection with W_ih and the biases.
 *
 * Backward only ever ADDS into the parameter gradients (`g`) and into dhs;
 * it OVERWRITES dxp (and dc, carried backwards in place). The gradients are
 * zeroed once per step by whoever owns them (the engine, as llm.c does), never
 * by a cell, so two backward passes into the same gradient sum their
 * contributions: micro-batches, and later the two directions of a
 * bidirectional layer, add into one gradient. Both passes run on the backend
 * `bk` (its products and, where it has them, its fast element-wise steps),
 * the model's.
 */
import type { Backend } from '../backend.js';
import type { Vec } from '../kernels.js';
import type { TensorSpec } from '../params.js';

export type CellKind = 'rnn' | 'gru' | 'gru-simple' | 'lstm';
export const CELL_KINDS: readonly CellKind[] = ['rnn', 'gru', 'gru-simple', 'lstm'];

/**
 * One layer's parameters (or their gradients: same shapes), typed views into
 * the parameter arena, G gate blocks of H rows each, in the cell's gate order.
 * The tensors behind them keep PyTorch's names (weight_ih_l{l}, …; model.ts).
 */
export interface LayerParams {
  /** (G·H, D) W_ih: input weights, D = the layer's input width */
  readonly Wih: Vec;
  /** (G·H, H) W_hh: recurrent weights */
  readonly Whh: Vec;
  /** (G·H) b_ih */
  readonly bih: Vec;
  /** (G·H) b_hh */
  readonly bhh: Vec;
  /** (3H) peephole diagonals for Γu | Γf | Γo (LSTM with peepholes only), else null */
  readonly peep: Vec | null;
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
  forward(bk: Backend, hs: Vec, cs: Vec | null, cache: Vec, xp: Vec, p: LayerParams, T: number, B: number, H: number): void;
  /**
   * Backward over a window. In: dhs[1..T] = ∂L/∂a<t> from above (and any
   * carried gradient at T), dc (B, H) = ∂L/∂c<T> carried in (LSTM; else null).
   * Out: dxp (T, B, G·H) = ∂L/∂xp; dhs[0] += ∂L/∂a<0>; dc = ∂L/∂c<0>;
   * g.Whh and g.peep += this window's gradient (added, never zeroed here).
   * WhhT (H, G·H) holds p.Whh transposed, for the per-step products
   * (∂a<t-1> = ∂pre · W_hh as mmNT, which reads this operand in place where
   * mmNN would repack W_hh at every step). scratch has B·H floats.
   */
  backward(
    bk: Backend, dxp: Vec, dhs: Vec, dc: Vec | null, g: LayerParams,
    hs: Vec, cs: Vec | null, cache: Vec, p: LayerParams, WhhT: Vec, scratch: Vec,
    T: number, B: number, H: number,
  ): void;
}
