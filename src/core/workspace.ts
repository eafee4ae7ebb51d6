/**
 * Every activation and gradient buffer one window needs, sized once from
 * (T, B, H, V) and reused: nothing is allocated inside the time loop.
 */
import { cells, type CellKind } from './cells/index.js';
import type { Vec } from './kernels.js';
import type { Alloc } from './params.js';
import { adaptiveBuffers, DEFAULT_ADAPTIVE_DIV, type AdaptiveBuffers } from './adaptive.js';

/**
 * What a workspace is sized from: a Model (model.ts) is one. Written out here
 * rather than imported, so that model.ts (which takes a Workspace) and this
 * file do not import each other.
 */
export interface WorkspaceModel {
  readonly config: {
    readonly cell: CellKind;
    readonly layers: number;
    readonly hidden: number;
    readonly vocabSize: number;
    readonly embedding: number;
    readonly dropout: number;
    readonly inputDropout?: number;
    readonly wordDropout?: number;
    readonly cutoffs?: readonly number[];
    readonly adaptiveDiv?: number;
  };
  readonly backend: { readonly alloc: Alloc };
}

export interface LayerBuffers {
  /** (T+1, B, H): hs[0] = a<0> (the state carried in), hs[t] = a<t> */
  readonly hs: Vec;
  /** (T+1, B, H) memory cells c<t> (LSTM), else null */
  readonly cs: Vec | null;
  /** (T, B, cacheWidth) what the cell's backward needs */
  readonly cache: Vec;
  /** (T+1, B, H) ∂L/∂a<t>; after backward, dhs[0] = ∂L/∂a<0> */
  readonly dhs: Vec;
  /** (B, H) ∂L/∂c, carried backwards (LSTM), else null; after backward, ∂L/∂c<0> */
  readonly dc: Vec | null;
}

export interface Workspace {
  /** Longest window (time steps) this workspace holds. */
  readonly T: number;
  readonly B: number;
  readonly H: number;
  readonly layers: readonly LayerBuffers[];
  /** (T, B, G·H) the input projection xp in forward, reused for ∂xp in backward */
  readonly proj: Vec;
  /** (T, B, E) embedded inputs (and their gradient in backward), or null */
  readonly emb: Vec | null;
  /** dropped[l] (T, B, H): dropout(a[l-1]) as fed to layer l (l = L: the decoder); null when dropout is 0 */
  readonly dropped: readonly (Vec | null)[];
  /** masks[l] (T, B, H) ∈ {0, 1/(1−p)}; masks[0] (T, B, E): the embedded input's (input and word dropout), or null */
  readonly masks: readonly (Vec | null)[];
  /** (T·B, V) logits after forward; ∂L/∂logits after the loss with grad */
  readonly logits: Vec;
  /** (B, H) scratch for the cells */
  readonly scratch: Vec;
  /** (T·B) the token ids of the last forward */
  readonly inputs: Int32Array;
  /** (G·H) b_ih + b_hh of the layer at hand in forward; the bias gradient of the window in backward */
  readonly bias: Vec;
  /** (H, G·H) the recurrent weights of the layer at hand transposed, in backward (the `WhhT` of `CellOps.backward`) */
  readonly whhT: Vec;
  /** (T·B) ones: column sums as a product (see `addColumnSums`) */
  readonly ones: Vec;
  /** (V, G·H) W_ih of layer 0 transposed plus the biases (one-hot input), reused for its gradient; else null */
  readonly oneHotT: Vec | null;
  /** The adaptive softmax's buffers, or null (a full softmax). */
  readonly adaptive: AdaptiveBuffers | null;
  /** Whether the last forward drew dropout masks. */
  trained: boolean;
}

/** `ints` makes the Int32Array of token ids (memory.ts counts without allocating). */
export function createWorkspace(model: WorkspaceModel, T: number, B: number, alloc: Alloc = model.backend.alloc, ints: (n: number) => Int32Array = (n) => new Int32Array(n)): Workspace {
  const { config } = model;
  const H = config.hidden;
  const cell = cells[config.cell];
  const layers: LayerBuffers[] = [];
  for (let l = 0; l < config.layers; l++) {
    layers.push({
      hs: alloc((T + 1) * B * H),
      cs: cell.hasMemory ? alloc((T + 1) * B * H) : null,
      cache: alloc(Math.max(1, T * B * cell.cacheWidth(H))),
      dhs: alloc((T + 1) * B * H),
      dc: cell.hasMemory ? alloc(B * H) : null,
    });
  }
  const dropped: (Vec | null)[] = [];
  const masks: (Vec | null)[] = [];
  for (let l = 0; l <= config.layers; l++) {
    const has = l > 0 && config.dropout > 0;
    dropped.push(has ? alloc(T * B * H) : null);
    const input = l === 0 && config.embedding > 0 && ((config.inputDropout ?? 0) > 0 || (config.wordDropout ?? 0) > 0);
    masks.push(has ? alloc(T * B * H) : input ? alloc(T * B * config.embedding) : null);
  }
  return {
    T, B, H, layers, dropped, masks,
    proj: alloc(T * B * cell.gates * H),
    emb: config.embedding > 0 ? alloc(T * B * config.embedding) : null,
    logits: alloc(T * B * config.vocabSize),
    scratch: alloc(B * H),
    bias: alloc(cell.gates * H),
    ones: alloc(T * B).fill(1),
    whhT: alloc(cell.gates * H * H),
    inputs: ints(T * B),
    oneHotT: config.embedding === 0 ? alloc(config.vocabSize * cell.gates * H) : null,
    adaptive: config.cutoffs
      ? adaptiveBuffers({ hidden: H, vocabSize: config.vocabSize, cutoffs: config.cutoffs, adaptiveDiv: config.adaptiveDiv ?? DEFAULT_ADAPTIVE_DIV }, T * B, alloc, ints)
      : null,
    trained: false,
  };
}

/** Zero the recurrent state of every layer (all batch slots, or those with reset[b] true). */
export function resetState(ws: Workspace, reset?: ArrayLike<boolean | number>): void {
  const { B, H } = ws;
  for (const lb of ws.layers) {
    for (let b = 0; b < B; b++) {
      if (reset && !reset[b]) continue;
      lb.hs.fill(0, b * H, b * H + H);
      lb.cs?.fill(0, b * H, b * H + H);
    }
  }
}

/** Carry the state at the end of a window of T steps into the start of the next (truncated BPTT). */
export function carryState(ws: Workspace, T: number): void {
  const BH = ws.B * ws.H;
  for (const lb of ws.layers) {
    lb.hs.copyWithin(0, T * BH, T * BH + BH);
    lb.cs?.copyWithin(0, T * BH, T * BH + BH);
  }
}
