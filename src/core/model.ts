/**
 * The language model: token → (embedding or one-hot) → L stacked recurrent
 * layers → affine decoder → softmax over the vocabulary.
 *
 *   x<t>     = onehot(y<t-1>)  or  E[y<t-1>]        (x<1> = 0: step 1 reads a zero input)
 *   a[1]<t>  = cell(a[1]<t-1>, x<t>)
 *   a[l]<t>  = cell(a[l]<t-1>, dropout(a[l-1]<t>))  l = 2..L
 *   ŷ<t>     = softmax(W_dec · dropout(a[L]<t>) + b_dec)  = P(y<t> | y<1..t-1>)
 *
 * Tensor names and shapes follow PyTorch (weight_ih_l{l} (G·H, in),
 * weight_hh_l{l} (G·H, H), bias_ih_l{l}, bias_hh_l{l} (G·H), a cell's extra
 * tensors such as weight_peephole_l{l} (3H), embedding.weight (V, E),
 * decoder.weight (V, H), decoder.bias (V)); see docs/checkpoint.md. Tied
 * embeddings: no decoder.weight, the decoder reads embedding.weight (E = H). The code
 * reads them through typed views (`ModelParams`: embedding, layers[l].Wih, …,
 * decoder.weight), built once per parameter set, not by name on every call.
 * Dropout (training only) is applied to the inputs of layers 2..L and to the
 * top layer's output: the non-recurrent connections between layers.
 *
 * Gradients: `backward` only ever ADDS into the gradient it is given (so does
 * every cell); whoever owns the gradient zeroes it once per step (the engine,
 * as llm.c does). Two forward + backward passes into one gradient therefore
 * give the sum of their gradients: micro-batches, and later the two
 * directions of a bidirectional layer, can share a gradient.
 */
import { referenceBackend, type Backend } from './backend.js';
import { addColumnSums, fillRows, transpose, type Vec } from './kernels.js';
import { allocParams, makeLayout, view, type ParamLayout, type ParamSet, type TensorSpec } from './params.js';
import { cells, PEEPHOLE, type CellKind, type LayerParams } from './cells/index.js';
import { ShapeError } from './errors.js';
import { softmaxCrossEntropy } from './loss.js';
import { adaptiveLogProbs, adaptiveLoss, adaptiveParams, adaptiveProblem, adaptiveSpecs, DEFAULT_ADAPTIVE_DIV, type AdaptiveConfig, type AdaptiveParams } from './adaptive.js';
import { hashCombine, hashUniform, type Rng } from './rng.js';
import type { Workspace } from './workspace.js';
import { liveRows, type LiveRows } from './live-rows.js';

export interface ModelConfig {
  readonly cell: CellKind;
  /** LSTM only: diagonal peephole weights from c<t-1> into the gates. */
  readonly peephole: boolean;
  /** L ≥ 1 */
  readonly layers: number;
  /** H */
  readonly hidden: number;
  /** V, specials included */
  readonly vocabSize: number;
  /** E; 0 means the input is the one-hot vector of the previous token (D = V). */
  readonly embedding: number;
  /** Probability of zeroing a unit between layers during training; 0 disables. */
  readonly dropout: number;
  /**
   * Tied input and output embeddings (Press & Wolf 2017; Inan et al. 2017):
   * the decoder's weight IS the embedding (V, E), so E must equal H; there is
   * no decoder.weight tensor. Absent = false.
   */
  readonly tied?: boolean;
  /** Dropout on the embedded input x<t>, unit by unit (AWD-LSTM's dropouti), training only; needs an embedding. Absent = 0. */
  readonly inputDropout?: number;
  /**
   * Embedding dropout (Gal & Ghahramani 2016; AWD-LSTM's dropoute): in each
   * training window, every row of the embedding (a word type) is dropped
   * whole with this probability, the kept ones scaled by 1/(1−p); needs an
   * embedding. Absent = 0.
   */
  readonly wordDropout?: number;
  /**
   * Locked (variational) dropout: one mask per window for every step of it
   * (per slot and unit), at every dropout site, instead of a new one per step.
   * Absent = false.
   */
  readonly lockedDropout?: boolean;
  /**
   * Adaptive softmax output (see adaptive.ts): the cut-offs of the
   * frequency-sorted vocabulary into a head and tail clusters. Absent: a full
   * softmax (decoder.weight, decoder.bias).
   */
  readonly cutoffs?: readonly number[];
  /** The adaptive softmax's divisor of the tails' sizes (PyTorch's div_value; absent = 4). */
  readonly adaptiveDiv?: number;
}

/** The adaptive layer's config of a model that has one, else null. */
export function adaptiveOf(c: ModelConfig): AdaptiveConfig | null {
  return c.cutoffs ? { hidden: c.hidden, vocabSize: c.vocabSize, cutoffs: c.cutoffs, adaptiveDiv: c.adaptiveDiv ?? DEFAULT_ADAPTIVE_DIV } : null;
}

/** Whether training draws any dropout mask with this config. */
export function usesDropout(c: ModelConfig): boolean {
  return c.dropout > 0 || (c.inputDropout ?? 0) > 0 || (c.wordDropout ?? 0) > 0;
}

export interface Model {
  readonly config: ModelConfig;
  readonly layout: ParamLayout;
  readonly params: ParamSet;
  /** What the model's arithmetic runs on; its buffers come from backend.alloc. */
  readonly backend: Backend;
}

/**
 * Typed views of a model's parameters, or of a gradient (or anything else)
 * with the same layout: subarrays of the ParamSet's arena, so writing through
 * them writes the arena. See `modelParams`.
 */
export interface ModelParams {
  /** (V, E) embedding.weight, or null (one-hot input) */
  readonly embedding: Vec | null;
  /** layer l: weight_ih_l{l} as Wih (G·H, D), weight_hh_l{l} as Whh (G·H, H), bias_ih_l{l}, bias_hh_l{l} (G·H), weight_peephole_l{l} (3H) or null */
  readonly layers: readonly LayerParams[];
  /** The full softmax's output layer, or null with an adaptive softmax. */
  readonly decoder: {
    /** (V, H) decoder.weight */
    readonly weight: Vec;
    /** (V) decoder.bias */
    readonly bias: Vec;
  } | null;
  /** The adaptive softmax's tensors, or null. */
  readonly adaptive: AdaptiveParams | null;
}

/** Input width D of layer l. */
export function inputSize(config: ModelConfig, l: number): number {
  if (l > 0) return config.hidden;
  return config.embedding > 0 ? config.embedding : config.vocabSize;
}

/** The tensor names of layer l (PyTorch's): one place for the layout and the typed views. */
const layerNames = (l: number) => ({ Wih: `weight_ih_l${l}`, Whh: `weight_hh_l${l}`, bih: `bias_ih_l${l}`, bhh: `bias_hh_l${l}` });
/** A cell's extra tensor of layer l (the `_l{n}` suffix added to `extraParams`' names). */
const extraName = (name: string, l: number): string => `${name}_l${l}`;
const EMBEDDING = 'embedding.weight';
const DECODER_WEIGHT = 'decoder.weight';
const DECODER_BIAS = 'decoder.bias';

export function modelLayout(config: ModelConfig): ParamLayout {
  const { hidden: H, vocabSize: V, embedding: Emb, layers: L } = config;
  const cell = cells[config.cell];
  const G = cell.gates;
  const specs: TensorSpec[] = [];
  if (Emb > 0) specs.push({ name: EMBEDDING, shape: [V, Emb] });
  for (let l = 0; l < L; l++) {
    const n = layerNames(l);
    specs.push({ name: n.Wih, shape: [G * H, inputSize(config, l)] });
    specs.push({ name: n.Whh, shape: [G * H, H] });
    specs.push({ name: n.bih, shape: [G * H] });
    specs.push({ name: n.bhh, shape: [G * H] });
    for (const x of cell.extraParams(H, config.peephole)) specs.push({ name: extraName(x.name, l), shape: x.shape });
  }
  const ad = adaptiveOf(config);
  if (ad) {
    specs.push(...adaptiveSpecs(ad));
  } else {
    if (!config.tied) specs.push({ name: DECODER_WEIGHT, shape: [V, H] });
    specs.push({ name: DECODER_BIAS, shape: [V] });
  }
  return makeLayout(specs);
}

/**
 * The block of the gradient that is row-sparse: an untied embedding, whose
 * gradient lives in the rows of the window's input ids alone (live-rows.ts).
 * Null for one-hot input and for a tied embedding (the decoder's gradient
 * fills every row).
 */
export function sparseGradientRows(config: ModelConfig): LiveRows | null {
  if (config.embedding <= 0 || config.tied) return null;
  const t = modelLayout(config).tensors.find((x) => x.name === EMBEDDING)!;
  return liveRows(t.offset, config.embedding, config.vocabSize);
}

/** Typed views, per parameter set: built on first use, then the same object (a ParamSet's arena and views never change). */
const typedViews = new WeakMap<ParamSet, ModelParams>();

/**
 * The typed views of `set` (the model's parameters, a gradient, …), laid out
 * by `modelLayout(config)`: built once per ParamSet and cached (the model's own
 * at createModel; a gradient's the first time forward or backward sees it).
 */
export function modelParams(config: ModelConfig, set: ParamSet): ModelParams {
  let p = typedViews.get(set);
  if (p === undefined) {
    const layers: LayerParams[] = [];
    for (let l = 0; l < config.layers; l++) {
      const n = layerNames(l);
      layers.push({
        Wih: view(set, n.Wih), Whh: view(set, n.Whh), bih: view(set, n.bih), bhh: view(set, n.bhh),
        peep: config.peephole ? view(set, extraName(PEEPHOLE, l)) : null,
      });
    }
    const embedding = config.embedding > 0 ? view(set, EMBEDDING) : null;
    p = {
      embedding,
      layers,
      // tied: the same floats (so the decoder's gradient adds into the embedding's, as backward only ever adds)
      decoder: config.cutoffs ? null : { weight: config.tied ? embedding! : view(set, DECODER_WEIGHT), bias: view(set, DECODER_BIAS) },
      adaptive: config.cutoffs ? adaptiveParams(adaptiveOf(config)!, set) : null,
    };
    typedViews.set(set, p);
  }
  return p;
}

export function validateConfig(config: ModelConfig): void {
  const ok = (n: number) => Number.isInteger(n) && n >= 1;
  if (!(config.cell in cells)) throw new ShapeError(`unknown cell kind ${String(config.cell)}`);
  if (!ok(config.layers) || !ok(config.hidden) || !ok(config.vocabSize) || config.vocabSize < 2) {
    throw new ShapeError('layers, hidden and vocabSize must be positive integers (vocabSize ≥ 2)');
  }
  if (!Number.isInteger(config.embedding) || config.embedding < 0) throw new ShapeError('embedding must be an integer ≥ 0');
  if (!(config.dropout >= 0 && config.dropout < 1)) throw new ShapeError('dropout must be in [0, 1)');
  if (config.peephole && config.cell !== 'lstm') throw new ShapeError('peephole connections exist only for the LSTM');
  if (config.tied !== undefined && typeof config.tied !== 'boolean') throw new ShapeError('tied must be true or false');
  if (config.cutoffs !== undefined) {
    const why = adaptiveProblem(adaptiveOf(config)!);
    if (why) throw new ShapeError(`adaptive softmax: ${why}`);
    if (config.tied) throw new ShapeError('tied embeddings need a full softmax: the adaptive softmax has no V×H decoder matrix to share');
  } else if (config.adaptiveDiv !== undefined) {
    throw new ShapeError('adaptiveDiv goes with an adaptive softmax (cutoffs)');
  }
  if (config.lockedDropout !== undefined && typeof config.lockedDropout !== 'boolean') throw new ShapeError('lockedDropout must be true or false');
  for (const k of ['inputDropout', 'wordDropout'] as const) {
    const p = config[k];
    if (p === undefined) continue;
    if (!(typeof p === 'number' && p >= 0 && p < 1)) throw new ShapeError(`${k} must be in [0, 1)`);
    if (p > 0 && config.embedding === 0) throw new ShapeError(`${k} needs an embedding (the input is one-hot)`);
  }
  if (config.tied && config.embedding !== config.hidden) {
    throw new ShapeError(`tied embeddings need the embedding size equal to the hidden size (embedding ${config.embedding}, hidden ${config.hidden})`);
  }
}

/** A model with all parameters zero. */
export function createModel(config: ModelConfig, backend: Backend = referenceBackend): Model {
  validateConfig(config);
  const layout = modelLayout(config);
  const params = allocParams(layout, backend.alloc);
  modelParams(config, params); // the typed views, built once
  return { config, layout, params, backend };
}

/**
 * The range of layer 0's W_ih with one-hot input: uniform ±4. Measured
 * (tinyshakespeare, LSTM 2×256, batch 32×64, Adam 2e-3, 1M tokens, one seed;
 * `rnnlm eval` nats/char on the last 10%): ±1/√H (PyTorch's Linear rule, the
 * old default) 2.111, ±0.5 1.936, ±1 1.817, ±2 1.735, ±3 1.719, ±4 1.700,
 * ±6 1.694, ±8 1.697; with a 256-wide embedding instead, N(0, 1) 1.749 (PyTorch
 * at its defaults: 1.754) and ±0.1 (the old default) 1.919. ±4 is where the
 * curve flattens.
 */
export const ONE_HOT_INIT = 4;

/**
 * What differs between the initialisations of the two levels (each chosen by
 * measurement against PyTorch at its defaults, issue 12).
 *   embedding   'normal': N(0, 1), PyTorch's nn.Embedding; 'uniform': ±0.1,
 *               the word_language_model's (a tied embedding is ±0.1 always:
 *               it is the decoder's weight too)
 *   forgetBias  the LSTM forget gate's bias (b_ih on the forget rows, b_hh 0
 *               there), so that c<t-1> flows at the start; null: drawn like
 *               every other bias (PyTorch's)
 */
export interface InitScheme {
  readonly embedding: 'normal' | 'uniform';
  readonly forgetBias: number | null;
}

/**
 * Character level: an embedding N(0, 1) and the forget-gate bias 1. Measured
 * on tinyshakespeare (see ONE_HOT_INIT): N(0, 1) 1.749 nats/char at 1M tokens
 * against 1.919 with ±0.1; with Adam the forget bias of 1 helps the start.
 */
export const CHAR_INIT: InitScheme = { embedding: 'normal', forgetBias: 1 };

/**
 * Word level: the word_language_model's initialisation (embedding ±0.1, no
 * forget-gate offset). Measured on kjv.txt (LSTM 2×200, adaptive softmax, SGD
 * lr 20, batch 20×35; validation perplexity at 0.35/0.70/1.05/1.40M tokens):
 * CHAR_INIT 175.9/131.1/111.8/103.7, falling behind PyTorch's
 * 214.7/133.2/107.1/97.1 after 1M tokens; this scheme 233.5/133.8/108.1/96.2;
 * the forget bias alone drawn 164.4/124.3/108.3/101.4; the embedding ±0.1
 * alone 283.7/157.9/125.1/110.8.
 */
export const WORD_INIT: InitScheme = { embedding: 'uniform', forgetBias: null };

/**
 * Initialise like PyTorch: every weight and bias uniform in ±1/√H, an
 * embedding N(0, 1) or ±0.1 (the scheme's; ±0.1 when tied), decoder bias 0;
 * layer 0's W_ih with one-hot input uniform in ±ONE_HOT_INIT; then the LSTM
 * forget-gate bias set as the scheme says. The default scheme is CHAR_INIT.
 */
export function initModel(model: Model, rng: Rng, scheme: InitScheme = CHAR_INIT): void {
  const { config, layout, params } = model;
  const k = 1 / Math.sqrt(config.hidden);
  const cell = cells[config.cell];
  // in layout order (the order of the draws is part of what a seed means)
  for (const t of layout.tensors) {
    const v = view(params, t.name);
    if (t.name === EMBEDDING && !config.tied && scheme.embedding === 'normal') {
      // PyTorch's nn.Embedding: N(0, 1) (a tied one is also the decoder's weight: ±0.1, the word_language_model's)
      for (let i = 0; i < v.length; i++) v[i] = rng.normal();
      continue;
    }
    // PyTorch's Linear: ±1/√(fan in) (a tail's output projection reads its h_i units); biases of the output 0;
    // one-hot input: a column of W_ih is the whole input, so it is drawn as large as an embedding's signal
    const r = t.name === EMBEDDING ? 0.1 : t.name === DECODER_BIAS || t.name === 'decoder.head.bias' ? 0
      : /^decoder\.tail\.\d+\.1\.weight$/.test(t.name) ? 1 / Math.sqrt(t.shape[1]!)
        : t.name === 'weight_ih_l0' && config.embedding === 0 ? ONE_HOT_INIT : k;
    for (let i = 0; i < v.length; i++) v[i] = r === 0 ? 0 : (2 * rng.uniform() - 1) * r;
  }
  const unit = cell.unitBias(config.hidden);
  if (unit && scheme.forgetBias !== null) {
    for (const p of modelParams(config, params).layers) {
      p.bih.fill(scheme.forgetBias, unit[0], unit[1]);
      p.bhh.fill(0, unit[0], unit[1]);
    }
  }
}

export function paramCount(config: ModelConfig): number {
  return modelLayout(config).total;
}

/** Input of layer l ≥ 1 (or the decoder, l = L): a[l-1]<1..T>, through the dropout mask when training. */
function layerInput(ws: Workspace, l: number, train: boolean): { X: Vec; off: number } {
  const below = ws.layers[l - 1]!;
  const BH = ws.B * ws.H;
  if (train && ws.dropped[l]) return { X: ws.dropped[l]!, off: 0 };
  return { X: below.hs, off: BH };
}

/**
 * Forward over one window: reads inputs (T, B) token ids (−1 = zero input),
 * the state in each layer's hs[0] / cs[0], and leaves the logits (T·B, V) in
 * ws.logits and every activation the backward pass needs in ws.
 * `dropout` non-null means training: masks are drawn as a function of its seed
 * and of each unit's (layer, step, slot, unit) — slot counted from `slot0`, the
 * position of this workspace's first slot in the whole batch — so a batch
 * split across threads gets the same masks as in one piece.
 */
export function forward(model: Model, ws: Workspace, inputs: Int32Array, T: number, dropout: Dropout | null, decode = true): void {
  const { config, backend: bk } = model;
  const K = bk.kernels;
  const P = modelParams(config, model.params);
  const { B, H } = ws;
  const V = config.vocabSize;
  const cell = cells[config.cell];
  const G = cell.gates;
  const GH = G * H;
  const TB = T * B;
  if (T > ws.T || inputs.length < TB) throw new ShapeError(`window of ${T} steps does not fit the workspace (${ws.T})`);
  ws.inputs.set(inputs.subarray(0, TB));
  const train = dropout !== null && usesDropout(config);
  const proj = ws.proj; // (T, B, G·H) xp

  for (let l = 0; l < config.layers; l++) {
    const p = P.layers[l]!;
    const { Wih, bih, bhh } = p;
    const D = inputSize(config, l);
    // xp = (b_ih + b_hh) + W_ih · x: the bias sum once, copied into every row
    const bias = ws.bias;
    for (let g = 0; g < GH; g++) bias[g] = bih[g]! + bhh[g]!;
    if (l === 0 && config.embedding === 0) {
      // one-hot input: W_ih · onehot(y) is column y of W_ih
      if (transposeOneHot(TB, V)) {
        // many rows: the table (V, G·H) of bias + column v of W_ih once, then each row is a copy of one of its rows
        const WT = ws.oneHotT!;
        for (let v = 0; v < D; v++) for (let g = 0; g < GH; g++) WT[v * GH + g] = bias[g]! + Wih[g * D + v]!;
        const rows = Array.from({ length: D }, (_, v) => WT.subarray(v * GH, v * GH + GH));
        const zeroInput = bias.subarray(0, GH);
        for (let r = 0; r < TB; r++) {
          const y = ws.inputs[r]!;
          proj.set(y < 0 ? zeroInput : rows[y]!, r * GH);
        }
      } else {
        fillRows(TB, GH, bias, 0, proj, 0, GH);
        for (let r = 0; r < TB; r++) {
          const y = ws.inputs[r]!;
          if (y < 0) continue;
          const o = r * GH;
          for (let g = 0; g < GH; g++) proj[o + g] += Wih[g * D + y]!;
        }
      }
    } else if (l === 0) {
      fillRows(TB, GH, bias, 0, proj, 0, GH);
      const Emb = config.embedding;
      const emb = P.embedding!;
      const X = ws.emb!;
      for (let r = 0; r < TB; r++) {
        const y = ws.inputs[r]!;
        if (y < 0) X.fill(0, r * Emb, r * Emb + Emb);
        else X.set(emb.subarray(y * Emb, y * Emb + Emb), r * Emb);
      }
      if (train && ws.masks[0]) {
        drawInputMask(ws, T, config, dropout!);
        const mask = ws.masks[0];
        for (let i = 0; i < TB * Emb; i++) X[i] = X[i]! * mask[i]!;
      }
      K.mmNT(TB, GH, Emb, X, 0, Emb, Wih, 0, Emb, proj, 0, GH);
    } else {
      fillRows(TB, GH, bias, 0, proj, 0, GH);
      if (train && ws.dropped[l]) drawDropout(ws, l, T, config.dropout, dropout!, config.lockedDropout === true);
      const { X, off } = layerInput(ws, l, train);
      K.mmNT(TB, GH, H, X, off, H, Wih, 0, H, proj, 0, GH);
    }
    const lb = ws.layers[l]!;
    cell.forward(bk, lb.hs, lb.cs, lb.cache, proj, p, T, B, H);
  }

  // logits (T·B, V) = b_dec + a[L] · W_decᵀ
  const L = config.layers;
  if (train && ws.dropped[L]) drawDropout(ws, L, T, config.dropout, dropout!, config.lockedDropout === true);
  ws.trained = train;
  if (!decode) return;
  const { X, off } = layerInput(ws, L, train);
  const logits = ws.logits;
  if (P.adaptive) {
    adaptiveLogProbs(K, bk.elementwise, adaptiveOf(config)!, P.adaptive, ws.adaptive!, X, off, TB, logits);
    return;
  }
  fillRows(TB, V, P.decoder!.bias, 0, logits, 0, V);
  K.mmNT(TB, V, H, X, off, H, P.decoder!.weight, 0, H, logits, 0, V);
}

/**
 * The training loss of the window of the last forward: Σ −log P(target) over
 * the rows with a target (≥ 0), and with `grads` the start of the gradient of
 * scale · that sum, for `backward` to finish. A full softmax needs the
 * forward's logits (it turns them into ∂L/∂logits, as softmaxCrossEntropy
 * does); an adaptive softmax needs none (forward with decode = false): it
 * computes the head for every row and each tail for the rows of its cluster,
 * adds the layer's gradient into grads and leaves ∂L/∂x for backward.
 * With `logp`, each row's natural-log P(target) is written there (0 without one).
 */
export function outputLoss(model: Model, ws: Workspace, T: number, targets: Int32Array, scale: number, grads: ParamSet | null,
  logp: Float64Array | null = null): { sum: number; count: number } {
  const { config, backend: bk } = model;
  const TB = T * ws.B;
  const P = modelParams(config, model.params);
  if (!P.adaptive) return softmaxCrossEntropy(bk.elementwise, ws.logits, TB, config.vocabSize, targets, grads !== null, scale, logp);
  const { X, off } = layerInput(ws, config.layers, ws.trained);
  return adaptiveLoss(bk.kernels, bk.elementwise, adaptiveOf(config)!, P.adaptive, ws.adaptive!, X, off, TB, targets, scale,
    grads ? modelParams(config, grads).adaptive : null, ws.ones, ws.logits, logp);
}

/** Which dropout masks a training forward uses (see `forward`). */
export interface Dropout {
  /** Drawn from the Rng once per step. */
  readonly seed: number;
  /** Index in the whole batch of this workspace's slot 0. */
  readonly slot0: number;
}

/**
 * One-hot input over T·B rows: transpose W_ih (G·H × V) first when that is
 * cheaper than T·B strided column reads, i.e. when there are enough rows.
 */
function transposeOneHot(rows: number, V: number): boolean {
  return rows * 4 >= V;
}

/** Inverted dropout on the input of layer l (l = L: the decoder): dropped = a[l-1] ⊙ mask, mask ∈ {0, 1/(1−p)}. */
function drawDropout(ws: Workspace, l: number, T: number, p: number, d: Dropout, locked: boolean): void {
  const mask = ws.masks[l]!;
  const out = ws.dropped[l]!;
  const hs = ws.layers[l - 1]!.hs;
  const { B, H } = ws;
  const keep = 1 / (1 - p);
  const off = B * H;
  const kl = hashCombine(d.seed, l);
  for (let t = 0; t < T; t++) {
    const kt = locked ? kl : hashCombine(kl, t);
    for (let b = 0; b < B; b++) {
      const key = hashCombine(kt, d.slot0 + b);
      const r = (t * B + b) * H;
      for (let j = 0; j < H; j++) {
        const m = hashUniform(key, j) < p ? 0 : keep;
        mask[r + j] = m;
        out[r + j] = hs[off + r + j]! * m;
      }
    }
  }
}

/** A key apart from every layer's (l ≥ 1) for the masks of the embedded input. */
const INPUT_KEY = 0x1a9e7;
const WORD_KEY = 0x3c0de;

/**
 * The mask of the embedded input, (T, B, E) into ws.masks[0]: for the row of
 * token y at (t, b), unit j: wordKeep(y) · unitKeep(t, b, j), each 0 or
 * 1/(1−p). wordKeep depends on the window's seed and y alone (a word type is
 * dropped everywhere in the window); unitKeep on (t, b, j), or (b, j) when locked.
 */
function drawInputMask(ws: Workspace, T: number, c: ModelConfig, d: Dropout): void {
  const mask = ws.masks[0]!;
  const E = c.embedding;
  const { B } = ws;
  const pi = c.inputDropout ?? 0, pw = c.wordDropout ?? 0;
  const keepI = 1 / (1 - pi), keepW = 1 / (1 - pw);
  const ki = hashCombine(d.seed, INPUT_KEY), kw = hashCombine(d.seed, WORD_KEY);
  for (let t = 0; t < T; t++) {
    const kt = c.lockedDropout ? ki : hashCombine(ki, t);
    for (let b = 0; b < B; b++) {
      const r = (t * B + b) * E;
      const y = ws.inputs[t * B + b]!;
      const w = pw > 0 && y >= 0 ? (hashUniform(kw, y) < pw ? 0 : keepW) : 1;
      if (pi > 0) {
        const key = hashCombine(kt, d.slot0 + b);
        for (let j = 0; j < E; j++) mask[r + j] = w * (hashUniform(key, j) < pi ? 0 : keepI);
      } else {
        mask.fill(w, r, r + E);
      }
    }
  }
}

/**
 * Backward over the window of the last forward. ws.logits must hold
 * ∂L/∂logits (see softmaxCrossEntropy with grad). Gradients are ADDED into
 * grads, never zeroed here: zero them once per step, before the first
 * backward that adds into them. Afterwards each layer's dhs[0] holds ∂L/∂a<0>
 * and dc holds ∂L/∂c<0>: the gradient of the initial state.
 *
 * Backward consumes the window: it reuses the embedded-input and dropout
 * buffers as scratch, so each backward needs its own forward before it.
 */
export function backward(model: Model, ws: Workspace, grads: ParamSet, T: number): void {
  const { config, backend: bk } = model;
  const { kernels: K, elementwise: E } = bk;
  const P = modelParams(config, model.params);
  const dP = modelParams(config, grads);
  const { B, H } = ws;
  const V = config.vocabSize;
  const L = config.layers;
  const cell = cells[config.cell];
  const GH = cell.gates * H;
  const TB = T * B;
  const BH = B * H;
  const train = ws.trained;
  for (const lb of ws.layers) {
    lb.dhs.fill(0, 0, (T + 1) * BH);
    if (lb.dc) lb.dc.fill(0);
  }

  // decoder: ∂W_dec += ∂zᵀ · x,  ∂b_dec += Σ ∂z,  ∂x = ∂z · W_dec
  const dz = ws.logits;
  if (P.adaptive) {
    // adaptiveLoss has added the layer's gradient and left ∂L/∂x in ws.adaptive.dx
    const dx = ws.adaptive!.dx;
    backInput(ws, L, T, train, (dst, dOff) => { for (let i = 0; i < TB * H; i++) dst[dOff + i] = dst[dOff + i]! + dx[i]!; });
  } else {
    const { X, off } = layerInput(ws, L, train);
    K.mmTN(V, H, TB, dz, 0, V, X, off, H, dP.decoder!.weight, 0, H);
    addColumnSums(K, TB, V, dz, 0, V, dP.decoder!.bias, 0, ws.ones);
    backInput(ws, L, T, train, (dst, dOff) => K.mmNN(TB, H, V, dz, 0, V, P.decoder!.weight, 0, H, dst, dOff, H));
  }

  const dxp = ws.proj;
  for (let l = L - 1; l >= 0; l--) {
    const lb = ws.layers[l]!;
    const p = P.layers[l]!, dp = dP.layers[l]!;
    transpose(GH, H, p.Whh, 0, ws.whhT, 0);
    cell.backward(bk, dxp, lb.dhs, lb.dc, dp, lb.hs, lb.cs, lb.cache, p, ws.whhT, ws.scratch, T, B, H);
    // b_ih and b_hh enter the same sum: one gradient, added to both
    const db = ws.bias;
    db.fill(0, 0, GH);
    addColumnSums(K, TB, GH, dxp, 0, GH, db, 0, ws.ones);
    const { bih: dbih, bhh: dbhh, Wih: dWih } = dp;
    for (let g = 0; g < GH; g++) {
      dbih[g] += db[g]!;
      dbhh[g] += db[g]!;
    }
    const Wih = p.Wih;
    const D = inputSize(config, l);
    if (l === 0 && config.embedding === 0) {
      // one-hot input: column y of ∂W_ih gathers ∂xp
      if (transposeOneHot(TB, V)) {
        // gather into a transposed (V, G·H) buffer row by row, then add it in transposed
        const dWT = ws.oneHotT!;
        dWT.fill(0, 0, D * GH);
        E.addRowsAt(dWT, 0, dxp, 0, ws.inputs, TB, GH);
        for (let g = 0; g < GH; g++) for (let v = 0; v < D; v++) dWih[g * D + v] += dWT[v * GH + g]!;
      } else {
        for (let r = 0; r < TB; r++) {
          const y = ws.inputs[r]!;
          if (y < 0) continue;
          const o = r * GH;
          for (let g = 0; g < GH; g++) dWih[g * D + y] += dxp[o + g]!;
        }
      }
    } else if (l === 0) {
      const Emb = config.embedding;
      const X = ws.emb!;
      K.mmTN(GH, Emb, TB, dxp, 0, GH, X, 0, Emb, dWih, 0, Emb);
      // ∂x = ∂xp · W_ih, then scatter into the embedding rows
      X.fill(0, 0, TB * Emb);
      K.mmNN(TB, Emb, GH, dxp, 0, GH, Wih, 0, Emb, X, 0, Emb);
      if (train && ws.masks[0]) {
        const mask = ws.masks[0];
        for (let i = 0; i < TB * Emb; i++) X[i] = X[i]! * mask[i]!;
      }
      E.addRowsAt(dP.embedding!, 0, X, 0, ws.inputs, TB, Emb);
    } else {
      const { X, off } = layerInput(ws, l, train);
      K.mmTN(GH, H, TB, dxp, 0, GH, X, off, H, dWih, 0, H);
      backInput(ws, l, T, train, (dst, dOff) => K.mmNN(TB, H, GH, dxp, 0, GH, Wih, 0, H, dst, dOff, H));
    }
  }
}

/**
 * Route ∂(input of layer l) into ∂a[l-1]<1..T>: `product(dst, off)` accumulates
 * the gradient with respect to the (possibly dropped-out) input there.
 */
function backInput(ws: Workspace, l: number, T: number, train: boolean, product: (dst: Vec, off: number) => void): void {
  const dhs = ws.layers[l - 1]!.dhs;
  const BH = ws.B * ws.H;
  if (train && ws.dropped[l]) {
    // the dropped buffer is free after its weight gradient: reuse it for ∂(dropped input)
    const tmp = ws.dropped[l]!;
    const mask = ws.masks[l]!;
    const n = T * BH;
    tmp.fill(0, 0, n);
    product(tmp, 0);
    for (let i = 0; i < n; i++) dhs[BH + i] += tmp[i]! * mask[i]!;
  } else {
    product(dhs, BH);
  }
}
