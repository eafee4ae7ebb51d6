/**
 * The sequence tagger: one label per word, read from both sides of the word.
 *
 *   x<t>     = [ E[w<t>] ; charRep(w<t>) ]            (E + 2H_c; without chars: E)
 *   y[1]<t>  = BiRNN_1(dropout(x))<t>                  (2H: [forward; reverse])
 *   y[l]<t>  = BiRNN_l(dropout(y[l-1]))<t>             l = 2..L
 *   P(label<t> | sentence) = softmax(W_cls · dropout(y[L]<t>) + b_cls)    (K labels)
 *   loss     = Σ over the real, labelled words of −log P(label<t>)        (natural log)
 *
 * Each BiRNN layer (bidirectional.ts) runs the chosen cell (rnn, gru,
 * gru-simple, lstm, lstm with peepholes) forwards from the first word and, with
 * its own parameters, backwards from each sentence's OWN last word (not from
 * the padding); both start from the zero state. The char representation is a
 * one-layer BiRNN of the same cell over the word's characters: its forward
 * direction's state after the last char and its reverse direction's state
 * after the first char, concatenated (zero for a word of no chars).
 * Dropout (training only; probability `dropout`, inverted, one mask per
 * position and unit) is applied to the input of every layer and to the
 * classifier's input — every connection that is not recurrent. The masks
 * are a function of one seed drawn from the Rng passed to forward and of
 * each unit's (site, t, slot, unit).
 *
 * Tensors, in layout order (G = the cell's gate blocks: rnn 1, gru-simple 2,
 * gru 3, lstm 4; H = hidden, per direction; V_w = vocabSize; E = embedding;
 * K = labels; D_0 = E + 2·H_c, or E without chars; D_l = 2H for l ≥ 1;
 * V_c, E_c, H_c = chars.vocabSize, chars.embedding, chars.hidden):
 *
 *   embedding.weight                          (V_w, E)
 *   char_embedding.weight                     (V_c, E_c)     with chars
 *   char_rnn.weight_ih_l0                     (G·H_c, E_c)   with chars
 *   char_rnn.weight_hh_l0                     (G·H_c, H_c)   with chars
 *   char_rnn.bias_ih_l0                       (G·H_c)        with chars
 *   char_rnn.bias_hh_l0                       (G·H_c)        with chars
 *   char_rnn.weight_peephole_l0               (3·H_c)        with chars, LSTM with peepholes
 *   char_rnn.weight_ih_l0_reverse … char_rnn.weight_peephole_l0_reverse: the same, reverse direction
 *   for l = 0 … L−1:
 *     weight_ih_l{l}                          (G·H, D_l)
 *     weight_hh_l{l}                          (G·H, H)
 *     bias_ih_l{l}                            (G·H)
 *     bias_hh_l{l}                            (G·H)
 *     weight_peephole_l{l}                    (3H)           LSTM with peepholes: Γu | Γf | Γo
 *     weight_ih_l{l}_reverse                  (G·H, D_l)
 *     weight_hh_l{l}_reverse                  (G·H, H)
 *     bias_ih_l{l}_reverse                    (G·H)
 *     bias_hh_l{l}_reverse                    (G·H)
 *     weight_peephole_l{l}_reverse            (3H)           LSTM with peepholes
 *   classifier.weight                         (K, 2H)        columns 0…H−1 read the forward direction, H…2H−1 the reverse
 *   classifier.bias                           (K)
 *
 * The gate blocks of the rows of weight_ih/weight_hh/bias_* are each cell's
 * (cells/*.ts: LSTM Γu | Γf | c̃ | Γo = PyTorch's i | f | g | o; GRU Γr | Γu | c̃;
 * gru-simple Γu | c̃; rnn one block). Columns of weight_ih_l0: the first E
 * read the word embedding, the next H_c the char forward state, the last H_c
 * the char reverse state.
 *
 * Gradients: `taggerBackward` only ever ADDS into the gradient it is given;
 * its owner zeroes it once per step, then the existing optimizer
 * (optimizer.ts) updates `params.data` from `grads.data`, one flat loop.
 */
import { referenceBackend, type Backend } from './backend.js';
import { addColumnSums, fillRows, type Vec } from './kernels.js';
import { allocParams, makeLayout, view, type Alloc, type ParamLayout, type ParamSet, type TensorSpec } from './params.js';
import { cells, type CellKind } from './cells/index.js';
import { ShapeError } from './errors.js';
import { hashCombine, hashUniform, type Rng } from './rng.js';
import {
  biLayerBackward, biLayerForward, biStackParams, biStackSpecs, createBiStack, type BiLayerParams, type BiStack, type BiStackShape,
} from './bidirectional.js';
import type { TaggerBatch } from './tagger-batch.js';

/** The character-level word representation's sizes. */
export interface TaggerCharConfig {
  /** V_c: the char vocabulary, its <UNK> (and any other specials) included. */
  readonly vocabSize: number;
  /** E_c: char embedding width. */
  readonly embedding: number;
  /** H_c: hidden units per direction of the char BiRNN (the representation is 2·H_c wide). */
  readonly hidden: number;
}

export interface TaggerConfig {
  /** The cell of every recurrent layer (word and char level). */
  readonly cell: CellKind;
  /** LSTM only: diagonal peephole weights, in every direction of every layer. */
  readonly peephole: boolean;
  /** L ≥ 1 stacked bidirectional layers. */
  readonly layers: number;
  /** H: hidden units per direction (a layer's output is 2H wide). */
  readonly hidden: number;
  /** V_w: the word vocabulary, its <UNK> included. */
  readonly vocabSize: number;
  /** E ≥ 1: word embedding width. */
  readonly embedding: number;
  /** K ≥ 1: the number of labels. */
  readonly labels: number;
  /** Probability of zeroing a unit of a layer's input or of the classifier's input, training only; 0 disables. */
  readonly dropout: number;
  /** The character-level word representation; absent (or null): words only. */
  readonly chars?: TaggerCharConfig | null;
}

export interface Tagger {
  readonly config: TaggerConfig;
  readonly layout: ParamLayout;
  readonly params: ParamSet;
  /** What the tagger's arithmetic runs on; its buffers come from backend.alloc. */
  readonly backend: Backend;
}

const EMBEDDING = 'embedding.weight';
const CHAR_EMBEDDING = 'char_embedding.weight';
const CHAR_RNN = 'char_rnn.';
const CLASSIFIER_WEIGHT = 'classifier.weight';
const CLASSIFIER_BIAS = 'classifier.bias';

/** D_0: the width of a word's representation, the first layer's input. */
export function taggerInputSize(c: TaggerConfig): number {
  return c.embedding + (c.chars ? 2 * c.chars.hidden : 0);
}

function wordShape(c: TaggerConfig): BiStackShape {
  return {
    cell: c.cell, peephole: c.peephole, hidden: c.hidden,
    inputs: Array.from({ length: c.layers }, (_, l) => (l === 0 ? taggerInputSize(c) : 2 * c.hidden)),
  };
}

function charShape(c: TaggerConfig): BiStackShape | null {
  return c.chars ? { cell: c.cell, peephole: c.peephole, hidden: c.chars.hidden, inputs: [c.chars.embedding] } : null;
}

export function validateTaggerConfig(c: TaggerConfig): void {
  const pos = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1;
  if (!(c.cell in cells)) throw new ShapeError(`unknown cell kind ${String(c.cell)}`);
  for (const k of ['layers', 'hidden', 'vocabSize', 'embedding', 'labels'] as const) {
    if (!pos(c[k])) throw new ShapeError(`tagger ${k} must be a positive integer (got ${String(c[k])})`);
  }
  if (!(typeof c.dropout === 'number' && c.dropout >= 0 && c.dropout < 1)) throw new ShapeError('dropout must be in [0, 1)');
  if (typeof c.peephole !== 'boolean') throw new ShapeError('peephole must be true or false');
  if (c.peephole && c.cell !== 'lstm') throw new ShapeError('peephole connections exist only for the LSTM');
  if (c.chars) {
    for (const k of ['vocabSize', 'embedding', 'hidden'] as const) {
      if (!pos(c.chars[k])) throw new ShapeError(`tagger chars.${k} must be a positive integer (got ${String(c.chars[k])})`);
    }
  }
}

export function taggerLayout(c: TaggerConfig): ParamLayout {
  const specs: TensorSpec[] = [{ name: EMBEDDING, shape: [c.vocabSize, c.embedding] }];
  const cs = charShape(c);
  if (c.chars && cs) {
    specs.push({ name: CHAR_EMBEDDING, shape: [c.chars.vocabSize, c.chars.embedding] });
    specs.push(...biStackSpecs(CHAR_RNN, cs));
  }
  specs.push(...biStackSpecs('', wordShape(c)));
  specs.push({ name: CLASSIFIER_WEIGHT, shape: [c.labels, 2 * c.hidden] });
  specs.push({ name: CLASSIFIER_BIAS, shape: [c.labels] });
  return makeLayout(specs);
}

export function taggerParamCount(c: TaggerConfig): number {
  return taggerLayout(c).total;
}

/** Typed views of a tagger's parameters (or of a gradient with the same layout). */
export interface TaggerParams {
  /** (V_w, E) */
  readonly embedding: Vec;
  /** (V_c, E_c), or null without chars */
  readonly charEmbedding: Vec | null;
  /** The char BiRNN's one layer, or null */
  readonly charRnn: BiLayerParams | null;
  /** The L word-level layers */
  readonly layers: readonly BiLayerParams[];
  readonly classifier: {
    /** (K, 2H) */
    readonly weight: Vec;
    /** (K) */
    readonly bias: Vec;
  };
}

const typedViews = new WeakMap<ParamSet, TaggerParams>();

/** The typed views of `set`, laid out by taggerLayout(config): built once per ParamSet. */
export function taggerParams(c: TaggerConfig, set: ParamSet): TaggerParams {
  let p = typedViews.get(set);
  if (p === undefined) {
    const cs = charShape(c);
    p = {
      embedding: view(set, EMBEDDING),
      charEmbedding: cs ? view(set, CHAR_EMBEDDING) : null,
      charRnn: cs ? biStackParams(CHAR_RNN, cs, set)[0]! : null,
      layers: biStackParams('', wordShape(c), set),
      classifier: { weight: view(set, CLASSIFIER_WEIGHT), bias: view(set, CLASSIFIER_BIAS) },
    };
    typedViews.set(set, p);
  }
  return p;
}

/** A tagger with all parameters zero (initTagger draws them). */
export function createTagger(config: TaggerConfig, backend: Backend = referenceBackend): Tagger {
  validateTaggerConfig(config);
  const layout = taggerLayout(config);
  const params = allocParams(layout, backend.alloc);
  taggerParams(config, params);
  return { config, layout, params, backend };
}

/**
 * Initialise like PyTorch (and like model.ts): the embeddings N(0, 1); every
 * recurrent weight and bias uniform in ±1/√H of its own stack (H_c for
 * char_rnn.*); classifier.weight uniform in ±1/√(2H) (nn.Linear's fan-in rule),
 * classifier.bias 0; then the LSTM forget-gate bias of every direction is set
 * to 1 (b_ih = 1, b_hh = 0 on the forget rows). Draws in layout order.
 */
export function initTagger(model: Tagger, rng: Rng): void {
  const { config: c, layout, params } = model;
  for (const t of layout.tensors) {
    const v = view(params, t.name);
    if (t.name === EMBEDDING || t.name === CHAR_EMBEDDING) {
      for (let i = 0; i < v.length; i++) v[i] = rng.normal();
      continue;
    }
    const r = t.name === CLASSIFIER_BIAS ? 0
      : t.name === CLASSIFIER_WEIGHT ? 1 / Math.sqrt(2 * c.hidden)
        : t.name.startsWith(CHAR_RNN) ? 1 / Math.sqrt(c.chars!.hidden) : 1 / Math.sqrt(c.hidden);
    for (let i = 0; i < v.length; i++) v[i] = r === 0 ? 0 : (2 * rng.uniform() - 1) * r;
  }
  const P = taggerParams(c, params);
  const stacks: [BiLayerParams, number][] = P.layers.map((l) => [l, c.hidden]);
  if (P.charRnn) stacks.push([P.charRnn, c.chars!.hidden]);
  for (const [layer, H] of stacks) {
    const unit = cells[c.cell].unitBias(H);
    if (!unit) continue;
    for (const d of [layer.fwd, layer.rev]) {
      d.bih.fill(1, unit[0], unit[1]);
      d.bhh.fill(0, unit[0], unit[1]);
    }
  }
}

/** What the last forward ran over (backward and the loss read it). */
interface TaggerRun {
  readonly T: number;
  readonly B: number;
  /** Real words (the char BiRNN's slots). */
  readonly N: number;
  /** Steps of the char BiRNN: the longest word's chars. */
  readonly Tc: number;
  /** Whether dropout masks were drawn. */
  readonly trained: boolean;
}

/**
 * Every buffer a batch needs, sized once for at most T words × B sentences
 * (and C chars per word), reused: nothing is allocated per batch.
 */
export interface TaggerWorkspace {
  readonly T: number;
  readonly B: number;
  /** Chars per word (0 for a model without chars). */
  readonly C: number;
  /** The word-level layers' buffers. */
  readonly words: BiStack;
  /** The char BiRNN's buffers (C steps × T·B words), or null. */
  readonly chars: BiStack | null;
  /** masks[s] (T, B, width of site s) ∈ {0, 1/(1−p)}: s = l < L the input of layer l, s = L the classifier's; null without dropout */
  readonly masks: readonly (Vec | null)[];
  /** (T, B, 2H) the classifier's input */
  readonly top: Vec;
  /** (T·B, K) log P(label) after forward */
  readonly logp: Vec;
  /** (T·B, K) ∂L/∂logits in backward */
  readonly dlogits: Vec;
  /** (T, B, max(D_0, 2H)) ×2: gradients flowing down the stack */
  readonly dA: Vec;
  readonly dB: Vec;
  /** (T·B) word ids of the last forward, −1 past each end */
  readonly ids: Int32Array;
  /** (C, T·B) char ids fed to the char BiRNN (time-major over real words), −1 past each word's end */
  readonly charIds: Int32Array;
  /** (T·B) the batch row t·B + b of each real word (char slot n) */
  readonly charRows: Int32Array;
  /** (C·T·B·2H_c) and (C·T·B·E_c): the char BiRNN's gradient buffers, or null */
  readonly charDy: Vec | null;
  readonly charDx: Vec | null;
  /** The last forward's run, null before the first. */
  run: TaggerRun | null;
}

export function createTaggerWorkspace(model: Tagger, T: number, B: number, C = 0, alloc: Alloc = model.backend.alloc): TaggerWorkspace {
  const c = model.config;
  if (!(Number.isInteger(T) && T >= 1 && Number.isInteger(B) && B >= 1 && Number.isInteger(C) && C >= 0)) {
    throw new ShapeError(`a tagger workspace needs T ≥ 1, B ≥ 1, C ≥ 0 (got ${T}, ${B}, ${C})`);
  }
  const H = c.hidden, TB = T * B, D0 = taggerInputSize(c);
  const ws = wordShape(c);
  const cs = charShape(c);
  const Cc = cs ? Math.max(1, C) : 0;
  const masks: (Vec | null)[] = [];
  for (let s = 0; s <= c.layers; s++) masks.push(c.dropout > 0 ? alloc(TB * (s < c.layers ? ws.inputs[s]! : 2 * H)) : null);
  return {
    T, B, C: Cc,
    words: createBiStack(ws, T, B, alloc),
    chars: cs ? createBiStack(cs, Cc, TB, alloc) : null,
    masks,
    top: alloc(TB * 2 * H),
    logp: alloc(TB * c.labels),
    dlogits: alloc(TB * c.labels),
    dA: alloc(TB * Math.max(D0, 2 * H)),
    dB: alloc(TB * Math.max(D0, 2 * H)),
    ids: new Int32Array(TB),
    charIds: new Int32Array(cs ? Cc * TB : 0),
    charRows: new Int32Array(cs ? TB : 0),
    charDy: cs ? alloc(Cc * TB * 2 * c.chars!.hidden) : null,
    charDx: cs ? alloc(Cc * TB * c.chars!.embedding) : null,
    run: null,
  };
}

/** The widest char row a batch asks for (0 without chars). */
function charWidth(batch: TaggerBatch): number {
  return batch.chars ? batch.chars.width : 0;
}

/** `ws` when the batch fits it, else a new workspace large enough for both (for callers whose batches vary in size). */
export function taggerWorkspaceFor(model: Tagger, batch: TaggerBatch, ws: TaggerWorkspace | null = null): TaggerWorkspace {
  const C = model.config.chars ? charWidth(batch) : 0;
  if (ws && batch.T <= ws.T && batch.B <= ws.B && C <= ws.C) return ws;
  return createTaggerWorkspace(model, Math.max(batch.T, ws?.T ?? 1), Math.max(batch.B, ws?.B ?? 1), Math.max(C, ws?.C ?? 0));
}

function checkBatch(c: TaggerConfig, ws: TaggerWorkspace, batch: TaggerBatch): void {
  const { T, B } = batch;
  if (!(Number.isInteger(T) && T >= 1 && Number.isInteger(B) && B >= 1)) throw new ShapeError(`a batch needs T ≥ 1 and B ≥ 1 (got ${T}, ${B})`);
  if (T > ws.T || B > ws.B) throw new ShapeError(`a batch of ${T} words × ${B} sentences does not fit the workspace (${ws.T} × ${ws.B})`);
  if (batch.words.length < T * B) throw new ShapeError(`words has ${batch.words.length} ids, the batch needs ${T * B}`);
  if (batch.lengths.length < B) throw new ShapeError(`lengths has ${batch.lengths.length} entries, the batch has ${B} sentences`);
  for (let b = 0; b < B; b++) {
    const n = batch.lengths[b]!;
    if (!(n >= 0 && n <= T)) throw new ShapeError(`sentence ${b} has length ${n}, outside 0…${T}`);
  }
  if (c.chars) {
    const ch = batch.chars;
    if (!ch) throw new ShapeError('this tagger reads characters: the batch needs chars');
    if (ch.width > ws.C) throw new ShapeError(`words of up to ${ch.width} chars do not fit the workspace (${ws.C})`);
    if (ch.ids.length < T * B * ch.width || ch.lengths.length < T * B) throw new ShapeError('chars.ids must be (T·B, width) and chars.lengths (T·B)');
  }
}

/** Inverted dropout on the real rows of x (T, B, W) at site s; padding rows are zero and stay so. */
function dropoutSite(mask: Vec, x: Vec, W: number, s: number, seed: number, p: number, T: number, B: number, lengths: Int32Array, slot0: number): void {
  const keep = 1 / (1 - p);
  const ks = hashCombine(seed, s);
  for (let t = 0; t < T; t++) {
    const kt = hashCombine(ks, t);
    for (let b = 0; b < B; b++) {
      const o = (t * B + b) * W;
      if (t >= lengths[b]!) {
        mask.fill(0, o, o + W);
        continue;
      }
      const key = hashCombine(kt, slot0 + b);
      for (let j = 0; j < W; j++) {
        const m = hashUniform(key, j) < p ? 0 : keep;
        mask[o + j] = m;
        x[o + j] = x[o + j]! * m;
      }
    }
  }
}

function applyMask(d: Vec, mask: Vec, n: number): void {
  for (let i = 0; i < n; i++) d[i] = d[i]! * mask[i]!;
}

/**
 * The char BiRNN over the batch's real words: writes each word's
 * representation into columns E … E+2H_c of its row of x0 (T, B, D0).
 */
function charForward(model: Tagger, ws: TaggerWorkspace, batch: TaggerBatch, x0: Vec, D0: number): { N: number; Tc: number } {
  const c = model.config;
  const ch = batch.chars!;
  const st = ws.chars!;
  const P = taggerParams(c, model.params);
  const { T, B } = batch;
  const Ec = c.chars!.embedding, Hc = c.chars!.hidden, Vc = c.chars!.vocabSize, E = c.embedding;
  const rows = ws.charRows;
  let N = 0, Tc = 0;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      if (t >= batch.lengths[b]!) continue;
      const r = t * B + b;
      const m = ch.lengths[r]!;
      if (!(m >= 0 && m <= ch.width)) throw new ShapeError(`word ${t} of sentence ${b} has ${m} chars, outside 0…${ch.width}`);
      rows[N] = r;
      st.lengths[N] = m;
      N++;
      if (m > Tc) Tc = m;
    }
  }
  for (let n = 0; n < N; n++) x0.fill(0, rows[n]! * D0 + E, rows[n]! * D0 + D0);
  if (N === 0 || Tc === 0) return { N, Tc };
  const emb = P.charEmbedding!;
  const xc = st.layers[0]!.x;
  for (let i = 0; i < Tc; i++) {
    for (let n = 0; n < N; n++) {
      const o = (i * N + n) * Ec;
      if (i < st.lengths[n]!) {
        const id = ch.ids[rows[n]! * ch.width + i]!;
        if (!(id >= 0 && id < Vc)) throw new ShapeError(`char id ${id} outside the char vocabulary (0…${Vc - 1})`);
        ws.charIds[i * N + n] = id;
        xc.set(emb.subarray(id * Ec, id * Ec + Ec), o);
      } else {
        ws.charIds[i * N + n] = -1;
        xc.fill(0, o, o + Ec);
      }
    }
  }
  biLayerForward(model.backend, st, 0, P.charRnn!, Tc, N);
  // the forward direction after the last char (y at m−1, first half), the reverse after the first char (y at 0, second half)
  const y = st.layers[0]!.y;
  for (let n = 0; n < N; n++) {
    const m = st.lengths[n]!;
    if (m === 0) continue;
    const o = rows[n]! * D0 + E;
    const f = ((m - 1) * N + n) * 2 * Hc, r = n * 2 * Hc + Hc;
    x0.set(y.subarray(f, f + Hc), o);
    x0.set(y.subarray(r, r + Hc), o + Hc);
  }
  return { N, Tc };
}

/** From ∂x0 (T, B, D0): the char representation's gradient through the char BiRNN into the char embedding. */
function charBackward(model: Tagger, ws: TaggerWorkspace, grads: ParamSet, dx0: Vec, D0: number, run: TaggerRun): void {
  const { N, Tc } = run;
  if (N === 0 || Tc === 0) return;
  const c = model.config;
  const st = ws.chars!;
  const P = taggerParams(c, model.params), dP = taggerParams(c, grads);
  const Ec = c.chars!.embedding, Hc = c.chars!.hidden, E = c.embedding;
  const dy = ws.charDy!, dx = ws.charDx!;
  dy.fill(0, 0, Tc * N * 2 * Hc);
  for (let n = 0; n < N; n++) {
    const m = st.lengths[n]!;
    if (m === 0) continue;
    const o = ws.charRows[n]! * D0 + E;
    const f = ((m - 1) * N + n) * 2 * Hc, r = n * 2 * Hc + Hc;
    for (let j = 0; j < Hc; j++) {
      dy[f + j] += dx0[o + j]!;
      dy[r + j] += dx0[o + Hc + j]!;
    }
  }
  biLayerBackward(model.backend, st, 0, P.charRnn!, dP.charRnn!, dy, dx, Tc, N);
  model.backend.elementwise.addRowsAt(dP.charEmbedding!, 0, dx, 0, ws.charIds, Tc * N, Ec);
}

/**
 * Forward over a batch. With `rng` (training), dropout masks are drawn (one
 * uint32 seed from it per call, only when dropout > 0); without, no dropout.
 * Returns log P(label) per position: (T·B, K), row t·B + b, natural log — a
 * view of the workspace, overwritten by the next forward. Rows past a
 * sentence's end hold the classifier's output for a zero input: ignore them.
 * Keeps everything taggerBackward needs in `ws`. `slot0`: the batch is
 * slots slot0… of a larger one (a thread's share): the dropout masks are
 * those of the larger batch's slots, so a split batch drops what the whole
 * one would.
 */
export function taggerForward(model: Tagger, ws: TaggerWorkspace, batch: TaggerBatch, rng: Rng | null = null, slot0 = 0): Vec {
  const { config: c, backend: bk } = model;
  checkBatch(c, ws, batch);
  const P = taggerParams(c, model.params);
  const { T, B } = batch;
  const H = c.hidden, K = c.labels, E = c.embedding, L = c.layers, V = c.vocabSize;
  const TB = T * B, D0 = taggerInputSize(c);
  const train = rng !== null && c.dropout > 0;
  const seed = train ? rng.nextU32() : 0;
  const st = ws.words;
  st.lengths.set(batch.lengths.subarray(0, B));
  ws.run = null;

  // layer 0's input: [E[w]; char representation] on the real rows, zero rows past each end
  const x0 = st.layers[0]!.x;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const r = t * B + b;
      if (t >= batch.lengths[b]!) {
        ws.ids[r] = -1;
        x0.fill(0, r * D0, r * D0 + D0);
        continue;
      }
      const id = batch.words[r]!;
      if (!(id >= 0 && id < V)) throw new ShapeError(`word id ${id} (word ${t} of sentence ${b}) outside the vocabulary (0…${V - 1})`);
      ws.ids[r] = id;
      x0.set(P.embedding.subarray(id * E, id * E + E), r * D0);
    }
  }
  const { N, Tc } = c.chars ? charForward(model, ws, batch, x0, D0) : { N: 0, Tc: 0 };

  for (let l = 0; l < L; l++) {
    const lb = st.layers[l]!;
    if (l > 0) lb.x.set(st.layers[l - 1]!.y.subarray(0, TB * 2 * H));
    if (train) dropoutSite(ws.masks[l]!, lb.x, lb.D, l, seed, c.dropout, T, B, st.lengths, slot0);
    biLayerForward(bk, st, l, P.layers[l]!, T, B);
  }
  const top = ws.top;
  top.set(st.layers[L - 1]!.y.subarray(0, TB * 2 * H));
  if (train) dropoutSite(ws.masks[L]!, top, 2 * H, L, seed, c.dropout, T, B, st.lengths, slot0);

  // logits = b_cls + top · W_clsᵀ, then log-softmax row by row (float64 arithmetic)
  const logp = ws.logp;
  fillRows(TB, K, P.classifier.bias, 0, logp, 0, K);
  bk.kernels.mmNT(TB, K, 2 * H, top, 0, 2 * H, P.classifier.weight, 0, 2 * H, logp, 0, K);
  for (let r = 0; r < TB; r++) {
    const o = r * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (logp[o + k]! > max) max = logp[o + k]!;
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(logp[o + k]! - max);
    const lse = max + Math.log(s);
    for (let k = 0; k < K; k++) logp[o + k] = logp[o + k]! - lse;
  }
  ws.run = { T, B, N, Tc, trained: train };
  return logp.subarray(0, TB * K);
}

export interface TaggerLoss {
  /** Σ −log P(label) over the real, labelled words (natural log, float64). */
  sum: number;
  /** The number of those words. */
  count: number;
}

function lastRun(ws: TaggerWorkspace): TaggerRun {
  if (!ws.run) throw new ShapeError('the tagger loss and backward need a forward over the batch first');
  return ws.run;
}

/** The loss over the rows of the last forward; with dz, also ∂(scale · loss)/∂logits into dz. */
function lossRows(model: Tagger, ws: TaggerWorkspace, labels: Int32Array, dz: Vec | null, scale: number): TaggerLoss {
  const { T, B } = lastRun(ws);
  const K = model.config.labels;
  if (labels.length < T * B) throw new ShapeError(`labels has ${labels.length} entries, the batch needs ${T * B}`);
  const logp = ws.logp;
  let sum = 0, count = 0;
  for (let r = 0; r < T * B; r++) {
    const o = r * K;
    const y = ws.ids[r]! < 0 ? -1 : labels[r]!; // nothing past a sentence's end counts, whatever its label
    if (y >= K) throw new ShapeError(`label ${y} outside 0…${K - 1}`);
    if (y < 0) {
      dz?.fill(0, o, o + K);
      continue;
    }
    sum -= logp[o + y]!;
    count++;
    if (dz) {
      for (let k = 0; k < K; k++) dz[o + k] = scale * Math.exp(logp[o + k]!);
      dz[o + y] = dz[o + y]! - scale;
    }
  }
  return { sum, count };
}

/**
 * The loss of the last forward against `labels` (T·B, row t·B + b; −1 = no
 * label; anything past a sentence's end is ignored).
 */
export function taggerLoss(model: Tagger, ws: TaggerWorkspace, labels: Int32Array): TaggerLoss {
  return lossRows(model, ws, labels, null, 0);
}

/**
 * The loss of the last forward (as taggerLoss) and the gradient of
 * scale · loss with respect to every parameter, ADDED into `grads` (a
 * ParamSet with the tagger's layout: allocParams(model.layout, …)), never
 * zeroed here. Leaves the forward's activations intact (a second call adds
 * the same gradient again).
 */
export function taggerBackward(model: Tagger, ws: TaggerWorkspace, labels: Int32Array, grads: ParamSet, scale = 1): TaggerLoss {
  const { config: c, backend: bk } = model;
  const run = lastRun(ws);
  const { T, B, trained } = run;
  const loss = lossRows(model, ws, labels, ws.dlogits, scale);
  const Kr = bk.kernels;
  const P = taggerParams(c, model.params), dP = taggerParams(c, grads);
  const H = c.hidden, K = c.labels, E = c.embedding, L = c.layers;
  const TB = T * B, D0 = taggerInputSize(c);
  const st = ws.words;
  const dz = ws.dlogits;

  // classifier: ∂W += ∂zᵀ · top, ∂b += Σ ∂z, ∂top = ∂z · W
  Kr.mmTN(K, 2 * H, TB, dz, 0, K, ws.top, 0, 2 * H, dP.classifier.weight, 0, 2 * H);
  addColumnSums(Kr, TB, K, dz, 0, K, dP.classifier.bias, 0, st.ones);
  let dy = ws.dA;
  dy.fill(0, 0, TB * 2 * H);
  Kr.mmNN(TB, 2 * H, K, dz, 0, K, P.classifier.weight, 0, 2 * H, dy, 0, 2 * H);
  if (trained) applyMask(dy, ws.masks[L]!, TB * 2 * H);

  for (let l = L - 1; l >= 0; l--) {
    const dx = dy === ws.dA ? ws.dB : ws.dA;
    biLayerBackward(bk, st, l, P.layers[l]!, dP.layers[l]!, dy, dx, T, B);
    if (trained) applyMask(dx, ws.masks[l]!, TB * st.layers[l]!.D);
    dy = dx;
  }

  // dy = ∂x0 (T, B, D0): the embedding rows, then the char representation
  const dEmb = dP.embedding;
  for (let r = 0; r < TB; r++) {
    const id = ws.ids[r]!;
    if (id < 0) continue;
    const o = r * D0, e = id * E;
    for (let j = 0; j < E; j++) dEmb[e + j] += dy[o + j]!;
  }
  if (c.chars) charBackward(model, ws, grads, dy, D0, run);
  return loss;
}

export interface TaggerPrediction {
  /** (T·B) the most probable label of each word (the lowest id on a tie), −1 past each sentence's end. */
  readonly labels: Int32Array;
  /** (T·B, K) P(label) of each word, zero rows past each end. */
  readonly probs: Float64Array;
  /** Sentence b: its n_b labels and its (n_b, K) probabilities. */
  readonly sentences: readonly { readonly labels: Int32Array; readonly probs: Float64Array }[];
}

/** Forward without dropout, then the argmax label and the label distribution of every real word. */
export function taggerPredict(model: Tagger, ws: TaggerWorkspace, batch: TaggerBatch): TaggerPrediction {
  const logp = taggerForward(model, ws, batch, null);
  const { T, B } = batch;
  const K = model.config.labels;
  const labels = new Int32Array(T * B).fill(-1);
  const probs = new Float64Array(T * B * K);
  const sentences = Array.from({ length: B }, (_, b) => ({ labels: new Int32Array(batch.lengths[b]!), probs: new Float64Array(batch.lengths[b]! * K) }));
  for (let b = 0; b < B; b++) {
    const s = sentences[b]!;
    for (let t = 0; t < batch.lengths[b]!; t++) {
      const r = t * B + b;
      let best = 0;
      for (let k = 0; k < K; k++) {
        const p = Math.exp(logp[r * K + k]!);
        probs[r * K + k] = p;
        s.probs[t * K + k] = p;
        if (logp[r * K + k]! > logp[r * K + best]!) best = k;
      }
      labels[r] = best;
      s.labels[t] = best;
    }
  }
  return { labels, probs, sentences };
}
