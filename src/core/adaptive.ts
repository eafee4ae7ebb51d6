/**
 * The adaptive softmax output layer (Grave et al. 2017, "Efficient softmax
 * approximation for GPUs"; PyTorch's AdaptiveLogSoftmaxWithLoss), for large
 * vocabularies. The vocabulary is sorted by frequency (ids 0 <EOS>, 1 <UNK>,
 * then the most frequent first), and cut at cutoffs c₀ < c₁ < … < c_{n−1} < V
 * into a head (the shortlist [0, c₀)) and n tail clusters [c_i, c_{i+1})
 * (c_n = V). With x = the top layer's output (H):
 *
 *   head    z_h = W_h · x + b_h                          (c₀ + n logits)
 *   tail i  z_i = W_{i,1} · (W_{i,0} · x)                  (h_i = ⌊H / d^{i+1}⌋ units, then c_{i+1} − c_i logits)
 *   log P(y) = log softmax(z_h)[y]                              y < c₀
 *            = log softmax(z_h)[c₀ + i] + log softmax(z_i)[y − c_i]   y in cluster i
 *
 * so the distribution is exactly normalized. Tensor names are PyTorch's for
 * AdaptiveLogSoftmaxWithLoss(H, V, cutoffs, div_value = d, head_bias = True)
 * held as the model's `decoder`: decoder.head.weight, decoder.head.bias,
 * decoder.tail.{i}.0.weight, decoder.tail.{i}.1.weight.
 *
 * Two computations: `adaptiveLogProbs` writes every row's full V
 * log-probabilities where a full softmax writes its logits (so scoring,
 * evaluation and sampling read them unchanged: softmax of log-probabilities
 * is the distribution itself); `adaptiveLoss` is training's, and computes
 * only the head for every row and, for each cluster, the tail of the rows
 * whose target is in it, with the gradient of Σ −log P(target).
 */
import type { Elementwise } from './elementwise.js';
import { addColumnSums, fillRows, type Kernels, type Vec } from './kernels.js';
import type { ParamSet, TensorSpec } from './params.js';
import { view } from './params.js';

/** What the adaptive layer is sized from (a ModelConfig is one). */
export interface AdaptiveConfig {
  readonly hidden: number;
  readonly vocabSize: number;
  /** c₀ < c₁ < …, each in [1, V). */
  readonly cutoffs: readonly number[];
  /** d (PyTorch's div_value): tail i has ⌊H / d^{i+1}⌋ units. */
  readonly adaptiveDiv: number;
}

export const DEFAULT_ADAPTIVE_DIV = 4;

/** The sizes of the layer: head width, each cluster's first id, width and projection size. */
export interface AdaptiveShape {
  readonly shortlist: number;
  readonly headSize: number;
  readonly clusters: readonly { readonly start: number; readonly size: number; readonly proj: number }[];
}

export function adaptiveShape(c: AdaptiveConfig): AdaptiveShape {
  const n = c.cutoffs.length;
  const ends = [...c.cutoffs, c.vocabSize];
  return {
    shortlist: c.cutoffs[0]!,
    headSize: c.cutoffs[0]! + n,
    clusters: c.cutoffs.map((start, i) => ({ start, size: ends[i + 1]! - start, proj: Math.floor(c.hidden / c.adaptiveDiv ** (i + 1)) })),
  };
}

/** Why the cut-offs cannot make a layer for this model (null when they can). */
export function adaptiveProblem(c: AdaptiveConfig): string | null {
  const cuts = c.cutoffs;
  if (!Array.isArray(cuts) || cuts.length === 0) return 'needs at least one cut-off';
  for (let i = 0; i < cuts.length; i++) {
    const x = cuts[i]!;
    if (!Number.isInteger(x) || x < 1 || x >= c.vocabSize) return `cut-off ${String(x)} is not a whole number from 1 to ${c.vocabSize - 1} (the vocabulary has ${c.vocabSize} tokens)`;
    if (i > 0 && x <= cuts[i - 1]!) return `cut-offs must increase (${cuts[i - 1]} then ${x})`;
  }
  if (!(typeof c.adaptiveDiv === 'number' && c.adaptiveDiv >= 1 && Number.isFinite(c.adaptiveDiv))) return `the divisor must be a number of at least 1 (got ${String(c.adaptiveDiv)})`;
  const s = adaptiveShape(c);
  const empty = s.clusters.findIndex((k) => k.proj < 1);
  if (empty >= 0) return `tail cluster ${empty + 1} would have ${Math.floor(c.hidden / c.adaptiveDiv ** (empty + 1))} units (${c.hidden} hidden / ${c.adaptiveDiv}^${empty + 1}): use fewer cut-offs or a smaller divisor`;
  return null;
}

/**
 * Cut-offs for a vocabulary from the training tokens (ids, the vocabulary
 * sorted by frequency after <EOS> and <UNK>): the head holds the fewest
 * first ids that cover 90% of the tokens, a first tail cluster up to 98%,
 * and a second the rest, when each of these has at least 2 ids.
 */
export function defaultCutoffs(ids: ArrayLike<number>, V: number): number[] {
  const count = new Float64Array(V);
  for (let i = 0; i < ids.length; i++) count[ids[i]!]++;
  const total = ids.length || 1;
  const at = (share: number): number => {
    let acc = 0;
    for (let v = 0; v < V; v++) {
      acc += count[v]!;
      if (acc >= share * total) return v + 1;
    }
    return V;
  };
  const c0 = Math.min(Math.max(at(0.9), 2), V - 1);
  const c1 = at(0.98);
  return c1 - c0 >= 2 && V - c1 >= 2 ? [c0, c1] : [c0];
}

const HEAD_W = 'decoder.head.weight';
const HEAD_B = 'decoder.head.bias';
const tailName = (i: number, k: 0 | 1): string => `decoder.tail.${i}.${k}.weight`;

export function adaptiveSpecs(c: AdaptiveConfig): TensorSpec[] {
  const s = adaptiveShape(c);
  const specs: TensorSpec[] = [{ name: HEAD_W, shape: [s.headSize, c.hidden] }, { name: HEAD_B, shape: [s.headSize] }];
  s.clusters.forEach((k, i) => {
    specs.push({ name: tailName(i, 0), shape: [k.proj, c.hidden] });
    specs.push({ name: tailName(i, 1), shape: [k.size, k.proj] });
  });
  return specs;
}

/** Typed views of the layer's tensors in a parameter set (the model's, or a gradient). */
export interface AdaptiveParams {
  readonly headW: Vec;
  readonly headB: Vec;
  readonly tails: readonly { readonly proj: Vec; readonly out: Vec }[];
}

export function adaptiveParams(c: AdaptiveConfig, set: ParamSet): AdaptiveParams {
  return {
    headW: view(set, HEAD_W), headB: view(set, HEAD_B),
    tails: c.cutoffs.map((_, i) => ({ proj: view(set, tailName(i, 0)), out: view(set, tailName(i, 1)) })),
  };
}

/** The layer's buffers in a workspace of R = T·B rows. */
export interface AdaptiveBuffers {
  /** (R, c₀ + n) head logits, then its log-softmax / gradient */
  readonly head: Vec;
  /** (R, max h_i) tail projections of the rows at hand */
  readonly proj: Vec;
  /** (R, H) gathered inputs of a cluster's rows; then their gradient */
  readonly rows: Vec;
  /** (R, H) ∂L/∂x, built by adaptiveLoss, read by backward */
  readonly dx: Vec;
  /** (R) the rows of a cluster */
  readonly index: Int32Array;
}

export function adaptiveBuffers(c: AdaptiveConfig, R: number, alloc: (n: number) => Vec, ints: (n: number) => Int32Array): AdaptiveBuffers {
  const s = adaptiveShape(c);
  const maxProj = Math.max(...s.clusters.map((k) => k.proj));
  return { head: alloc(R * s.headSize), proj: alloc(R * maxProj), rows: alloc(R * c.hidden), dx: alloc(R * c.hidden), index: ints(R) };
}

/**
 * Every row's full log-probabilities: out(R, V) at `out` (ld V). X (R, H) at
 * xOff: the top layer's output. `out` doubles as the tails' scratch.
 */
export function adaptiveLogProbs(K: Kernels, E: Elementwise, c: AdaptiveConfig, P: AdaptiveParams, buf: AdaptiveBuffers,
  X: Vec, xOff: number, R: number, out: Vec): void {
  const s = adaptiveShape(c);
  const H = c.hidden, V = c.vocabSize, S = s.headSize;
  fillRows(R, S, P.headB, 0, buf.head, 0, S);
  K.mmNT(R, S, H, X, xOff, H, P.headW, 0, H, buf.head, 0, S);
  for (let r = 0; r < R; r++) {
    const lse = E.softmaxLse(buf.head, r * S, S, null);
    for (let k = 0; k < S; k++) buf.head[r * S + k] = buf.head[r * S + k]! - lse;
    out.set(buf.head.subarray(r * S, r * S + s.shortlist), r * V);
  }
  s.clusters.forEach((k, i) => {
    const t = P.tails[i]!;
    buf.proj.fill(0, 0, R * k.proj);
    K.mmNT(R, k.proj, H, X, xOff, H, t.proj, 0, H, buf.proj, 0, k.proj);
    for (let r = 0; r < R; r++) out.fill(0, r * V + k.start, r * V + k.start + k.size);
    K.mmNT(R, k.size, k.proj, buf.proj, 0, k.proj, t.out, 0, k.proj, out, k.start, V);
    for (let r = 0; r < R; r++) {
      const o = r * V + k.start;
      const base = buf.head[r * S + s.shortlist + i]! - E.softmaxLse(out, o, k.size, null);
      for (let v = 0; v < k.size; v++) out[o + v] = out[o + v]! + base;
    }
  });
}

/**
 * Training: Σ −log P(target) over the rows with a target (≥ 0), and with
 * `grads` non-null the gradient of scale · that sum: the layer's tensors in
 * `grads` (added to), ∂L/∂X into buf.dx (overwritten). `scratch` (at least
 * R·max cluster size): the tails' logits. With `logp`, each row's natural-log
 * P(target) is written there (0 on rows without one): scoring without the
 * full distribution.
 */
export function adaptiveLoss(K: Kernels, E: Elementwise, c: AdaptiveConfig, P: AdaptiveParams, buf: AdaptiveBuffers,
  X: Vec, xOff: number, R: number, targets: Int32Array, scale: number, dP: AdaptiveParams | null, ones: Vec, scratch: Vec,
  logp: Float64Array | null = null): { sum: number; count: number } {
  const s = adaptiveShape(c);
  const H = c.hidden, S = s.headSize;
  const head = buf.head;
  fillRows(R, S, P.headB, 0, head, 0, S);
  K.mmNT(R, S, H, X, xOff, H, P.headW, 0, H, head, 0, S);
  const cluster = (y: number): number => {
    let i = -1;
    while (i + 1 < s.clusters.length && y >= s.clusters[i + 1]!.start) i++;
    return i;
  };
  let sum = 0, count = 0;
  // head: the shortlist token, or the target's cluster
  for (let r = 0; r < R; r++) {
    const y = targets[r]!;
    const o = r * S;
    if (y < 0) {
      if (dP) head.fill(0, o, o + S);
      if (logp) logp[r] = 0;
      continue;
    }
    const k = y < s.shortlist ? y : s.shortlist + cluster(y);
    const zk = head[o + k]!;
    const lse = E.softmaxLse(head, o, S, dP ? scale : null);
    sum -= zk - lse;
    if (logp) logp[r] = zk - lse;
    count++;
    if (dP) head[o + k] = head[o + k]! - scale;
  }
  if (dP) {
    buf.dx.fill(0, 0, R * H);
    K.mmTN(S, H, R, head, 0, S, X, xOff, H, dP.headW, 0, H);
    addColumnSums(K, R, S, head, 0, S, dP.headB, 0, ones);
    K.mmNN(R, H, S, head, 0, S, P.headW, 0, H, buf.dx, 0, H);
  }
  // each tail: only the rows whose target is in it
  s.clusters.forEach((k, i) => {
    let n = 0;
    for (let r = 0; r < R; r++) {
      const y = targets[r]!;
      if (y >= k.start && y < k.start + k.size) buf.index[n++] = r;
    }
    if (n === 0) return;
    const t = P.tails[i]!;
    const rows = buf.rows, proj = buf.proj, z = scratch;
    for (let j = 0; j < n; j++) rows.set(X.subarray(xOff + buf.index[j]! * H, xOff + buf.index[j]! * H + H), j * H);
    proj.fill(0, 0, n * k.proj);
    K.mmNT(n, k.proj, H, rows, 0, H, t.proj, 0, H, proj, 0, k.proj);
    z.fill(0, 0, n * k.size);
    K.mmNT(n, k.size, k.proj, proj, 0, k.proj, t.out, 0, k.proj, z, 0, k.size);
    for (let j = 0; j < n; j++) {
      const o = j * k.size;
      const y = targets[buf.index[j]!]! - k.start;
      const zy = z[o + y]!;
      const lse = E.softmaxLse(z, o, k.size, dP ? scale : null);
      sum -= zy - lse;
      if (logp) logp[buf.index[j]!] = logp[buf.index[j]!]! + zy - lse;
      if (dP) z[o + y] = z[o + y]! - scale;
    }
    if (!dP) return;
    const dt = dP.tails[i]!;
    // ∂W₁ += ∂zᵀ·proj;  ∂proj = ∂z·W₁;  ∂W₀ += ∂projᵀ·rows;  ∂rows = ∂proj·W₀, scattered into ∂X
    K.mmTN(k.size, k.proj, n, z, 0, k.size, proj, 0, k.proj, dt.out, 0, k.proj);
    const dproj = proj; // proj is no longer needed once ∂W₁ has it
    dproj.fill(0, 0, n * k.proj);
    K.mmNN(n, k.proj, k.size, z, 0, k.size, t.out, 0, k.proj, dproj, 0, k.proj);
    K.mmTN(k.proj, H, n, dproj, 0, k.proj, rows, 0, H, dt.proj, 0, H);
    rows.fill(0, 0, n * H);
    K.mmNN(n, H, k.proj, dproj, 0, k.proj, t.proj, 0, H, rows, 0, H);
    for (let j = 0; j < n; j++) {
      const d = buf.index[j]! * H;
      for (let h = 0; h < H; h++) buf.dx[d + h] = buf.dx[d + h]! + rows[j * H + h]!;
    }
  });
  return { sum, count };
}
