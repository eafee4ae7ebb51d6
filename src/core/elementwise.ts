/**
 * The element-wise work: the cells' non-linearities (and the fused LSTM
 * step), the softmax: part of a backend (backend.ts), like the products
 * (kernels.ts).
 */
import type { Vec } from './kernels.js';

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * The element-wise transcendental work: the cells' non-linearities and the
 * softmax. The plain TypeScript reference is below (exactly `sigmoid` above
 * and Math.tanh / Math.exp, in float64); the WebAssembly backend has a faster
 * implementation (SIMD, float32 approximations accurate to a few ulps) that
 * must fall back to the reference for arrays it does not own.
 *
 * The map functions work in place on `rows` rows of `n` elements, row r
 * starting at off + r·ld (defaults: one row; ld = n), so a cell can apply a
 * non-linearity to one gate block of all B rows of a step in one call.
 */
export interface Elementwise {
  /** x ← σ(x) = 1/(1 + e^−x) */
  sigmoid(x: Vec, off: number, n: number, rows?: number, ld?: number): void;
  /** x ← tanh(x) */
  tanh(x: Vec, off: number, n: number, rows?: number, ld?: number): void;
  /** x ← e^x */
  exp(x: Vec, off: number, n: number, rows?: number, ld?: number): void;
  /**
   * Returns lse = log Σ_v exp(z[off + v]) over one row of V (stable: shifted
   * by the row max; −∞ when every entry is −∞). With a `scale`, also
   * overwrites the row with scale · softmax(z), i.e. z[off + v] ← scale · e^(z − lse).
   */
  softmaxLse(z: Vec, off: number, V: number, scale: number | null): number;
  /** out[0..V) ← softmax(z[off..off+V) / temperature); temperature > 0. */
  softmaxTo(z: Vec, off: number, V: number, temperature: number, out: Float64Array): void;
  /**
   * The LSTM's element-wise step, forward (see `LstmStep` for the layout):
   * from the gate pre-activations in `xp`, Γu = σ, Γf = σ, c̃ = tanh, Γo = σ
   * into the cache; c<t> = Γu ∗ c̃ + Γf ∗ c<t-1>; the fifth block gets
   * tanh(c<t>); a<t> = Γo ∗ tanh(c<t>).
   */
  lstmForward(s: LstmStep): void;
  /**
   * The same step backwards: from the cache of `lstmForward`, c<t-1>, ∂a<t>
   * and ∂c<t> (in `dc`), writes ∂pre (4 blocks per row) to `dxp` and
   * ∂c<t-1> to `dc`; with peepholes also adds their terms to ∂c<t-1> and
   * accumulates their gradient into `dpeep`.
   */
  lstmBackward(s: LstmStep): void;
  /**
   * The GRU's element-wise work of one step (see `GruStep` for the layout),
   * forward in two parts around the candidate's product:
   * `gruGates`: Γr = σ(pre_r), Γu = σ(pre_u), and Γr ∗ c<t-1>, into the cache;
   * `gruOutput`: c̃ = tanh(pre_c̃) into the cache, c<t> = Γu ∗ c̃ + (1 − Γu) ∗ c<t-1>.
   */
  gruGates(s: GruStep): void;
  gruOutput(s: GruStep): void;
  /**
   * Backwards, in two parts around the product that gives ∂(Γr ∗ c<t-1>):
   * `gruBackUpdate`: ∂pre_u, ∂pre_c̃ into dxp, ∂c<t-1> += ∂c<t> ∗ (1 − Γu);
   * `gruBackReset`: from drh = ∂(Γr ∗ c<t-1>), ∂pre_r into dxp, ∂c<t-1> += drh ∗ Γr.
   */
  gruBackUpdate(s: GruStep): void;
  gruBackReset(s: GruStep): void;
  /**
   * Scatter-add rows: for r < rows with y = idx[r] ≥ 0,
   * dst[dOff + y·width + j] += src[sOff + r·width + j] for j < width, in
   * order of r (the gradient of a lookup: one-hot input, embedding).
   */
  addRowsAt(dst: Vec, dOff: number, src: Vec, sOff: number, idx: Int32Array, rows: number, width: number): void;
}

/**
 * Where one GRU step's rows are, for B rows of H units (offsets in elements;
 * row b of each block at its offset + b·stride):
 * - `xp` at `xOff`, row stride 3H: pre_r | pre_u | pre_c̃ (forward);
 * - `cache` at `off`, row stride 4H: Γr | Γu | c̃ | Γr ∗ c<t-1>;
 * - `hs`: c<t-1> at `hPrev`, c<t> at `hCur`, row stride H;
 * - backward: `dhs` ∂c<t> at `hCur` (in) and ∂c<t-1> at `hPrev` (added to);
 *   `dxp` at `dOff`, row stride 3H; `drh` (B, H) ∂(Γr ∗ c<t-1>).
 */
export interface GruStep extends CellStep {
  hPrev: number;
  drh: Vec;
}

/**
 * What the LSTM and GRU steps share: B rows of H units; the pre-activations
 * (`xp` at `xOff`), the cache (`cache` at `off`), the state (`hs`, this step's
 * at `hCur`), its gradient (`dhs`) and ∂pre (`dxp` at `dOff`). Each cell's
 * own interface says the row strides.
 */
export interface CellStep {
  B: number;
  H: number;
  xp: Vec;
  xOff: number;
  cache: Vec;
  off: number;
  hs: Vec;
  hCur: number;
  dhs: Vec;
  dxp: Vec;
  dOff: number;
}

/**
 * Where one LSTM step's rows are, for B rows of H units (every offset in
 * elements; row b of each block at its offset + b·stride):
 * - forward: `xp` at `xOff`, row stride 4H: the pre-activations pre_u | pre_f | pre_c̃ | pre_o;
 * - `cache` at `off`, row stride 5H: Γu | Γf | c̃ | Γo | tanh(c<t>);
 * - `cs`: c<t-1> at `cPrev` and c<t> at `cCur`, row stride H;
 * - `hs`: a<t> at `hCur` (forward); `dhs`: ∂a<t> at `hCur` (backward), row stride H;
 * - backward: `dc` (B, H) ∂c<t> in, ∂c<t-1> out; `dxp` at `dOff`, row stride 4H;
 *   `peep`/`dpeep`: the peephole diagonals Γu | Γf | Γo (3H) and their gradient, or null.
 */
export interface LstmStep extends CellStep {
  cs: Vec;
  cPrev: number;
  cCur: number;
  dc: Vec;
  peep: Vec | null;
  dpeep: Vec | null;
}

function sigmoidRows(x: Vec, off: number, n: number, rows = 1, ld = n): void {
  for (let r = 0; r < rows; r++) {
    const o = off + r * ld;
    for (let i = o; i < o + n; i++) x[i] = sigmoid(x[i]!);
  }
}

function tanhRows(x: Vec, off: number, n: number, rows = 1, ld = n): void {
  for (let r = 0; r < rows; r++) {
    const o = off + r * ld;
    for (let i = o; i < o + n; i++) x[i] = Math.tanh(x[i]!);
  }
}

function expRows(x: Vec, off: number, n: number, rows = 1, ld = n): void {
  for (let r = 0; r < rows; r++) {
    const o = off + r * ld;
    for (let i = o; i < o + n; i++) x[i] = Math.exp(x[i]!);
  }
}

function softmaxLse(z: Vec, off: number, V: number, scale: number | null): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (z[off + v]! > max) max = z[off + v]!;
  let lse = -Infinity;
  if (max !== -Infinity) {
    let s = 0;
    for (let v = 0; v < V; v++) s += Math.exp(z[off + v]! - max);
    lse = max + Math.log(s);
  }
  if (scale !== null) for (let v = 0; v < V; v++) z[off + v] = scale * Math.exp(z[off + v]! - lse);
  return lse;
}

function softmaxTo(z: Vec, off: number, V: number, temperature: number, out: Float64Array): void {
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (z[off + v]! > max) max = z[off + v]!;
  let s = 0;
  for (let v = 0; v < V; v++) {
    const e = Math.exp((z[off + v]! - max) / temperature);
    out[v] = e;
    s += e;
  }
  for (let v = 0; v < V; v++) out[v] = out[v]! / s;
}

/** `lstmForward` over the units j0 ≤ j < j1 of every row (float64 arithmetic, one rounding per stored value). */
export function lstmForwardUnits(s: LstmStep, j0: number, j1: number): void {
  const { B, H, xp, xOff, cache, off, cs, cPrev, cCur, hs, hCur } = s;
  const W = 5 * H;
  for (let b = 0; b < B; b++) {
    const r = off + b * W;
    const x = xOff + b * 4 * H;
    const sb = b * H;
    for (let j = j0; j < j1; j++) {
      const u = sigmoid(xp[x + j]!), f = sigmoid(xp[x + H + j]!);
      const ct = Math.tanh(xp[x + 2 * H + j]!), o = sigmoid(xp[x + 3 * H + j]!);
      cache[r + j] = u;
      cache[r + H + j] = f;
      cache[r + 2 * H + j] = ct;
      cache[r + 3 * H + j] = o;
      // from the stored (rounded) gate values, as the backward pass sees them
      const cn = cache[r + j]! * cache[r + 2 * H + j]! + cache[r + H + j]! * cs[cPrev + sb + j]!;
      cs[cCur + sb + j] = cn;
      cache[r + 4 * H + j] = Math.tanh(cs[cCur + sb + j]!);
      hs[hCur + sb + j] = cache[r + 3 * H + j]! * cache[r + 4 * H + j]!;
    }
  }
}

/** `lstmBackward` over the units j0 ≤ j < j1 of every row. */
export function lstmBackwardUnits(s: LstmStep, j0: number, j1: number): void {
  const { B, H, cache, off, cs, cPrev, dhs, hCur, dc, dxp, dOff, peep, dpeep } = s;
  const W = 5 * H;
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const r = off + b * W;
    const d = dOff + b * G;
    const sb = b * H;
    for (let j = j0; j < j1; j++) {
      const u = cache[r + j]!, f = cache[r + H + j]!, ct = cache[r + 2 * H + j]!;
      const o = cache[r + 3 * H + j]!, tc = cache[r + 4 * H + j]!;
      const cp = cs[cPrev + sb + j]!;
      const dh = dhs[hCur + sb + j]!;
      // a = Γo tanh(c): ∂Γo, and ∂c gains the path through tanh
      const dpo = dh * tc * o * (1 - o);
      const dct = dc[sb + j]! + dh * o * (1 - tc * tc);
      // c = Γu c̃ + Γf c<t-1>
      const dpu = dct * ct * u * (1 - u);
      const dpf = dct * cp * f * (1 - f);
      const dpg = dct * u * (1 - ct * ct);
      dxp[d + j] = dpu;
      dxp[d + H + j] = dpf;
      dxp[d + 2 * H + j] = dpg;
      dxp[d + 3 * H + j] = dpo;
      let dcp = dct * f;
      if (peep) {
        // the peepholes read c<t-1>
        dcp += peep[j]! * dpu + peep[H + j]! * dpf + peep[2 * H + j]! * dpo;
        dpeep![j] += dpu * cp;
        dpeep![H + j] += dpf * cp;
        dpeep![2 * H + j] += dpo * cp;
      }
      dc[sb + j] = dcp;
    }
  }
}

/** `gruGates` over the units j0 ≤ j < j1 of every row. */
export function gruGatesUnits(s: GruStep, j0: number, j1: number): void {
  const { B, H, xp, xOff, cache, off, hs, hPrev } = s;
  for (let b = 0; b < B; b++) {
    const r = off + b * 4 * H, x = xOff + b * 3 * H, hp = hPrev + b * H;
    for (let j = j0; j < j1; j++) {
      cache[r + j] = sigmoid(xp[x + j]!);
      cache[r + H + j] = sigmoid(xp[x + H + j]!);
      cache[r + 3 * H + j] = cache[r + j]! * hs[hp + j]!; // from the stored Γr, as backward sees it
    }
  }
}

/** `gruOutput` over the units j0 ≤ j < j1 of every row. */
export function gruOutputUnits(s: GruStep, j0: number, j1: number): void {
  const { B, H, xp, xOff, cache, off, hs, hPrev, hCur } = s;
  for (let b = 0; b < B; b++) {
    const r = off + b * 4 * H, x = xOff + b * 3 * H;
    for (let j = j0; j < j1; j++) {
      cache[r + 2 * H + j] = Math.tanh(xp[x + 2 * H + j]!);
      const ct = cache[r + 2 * H + j]!, u = cache[r + H + j]!;
      hs[hCur + b * H + j] = u * ct + (1 - u) * hs[hPrev + b * H + j]!;
    }
  }
}

/** `gruBackUpdate` over the units j0 ≤ j < j1 of every row. */
export function gruBackUpdateUnits(s: GruStep, j0: number, j1: number): void {
  const { B, H, cache, off, hs, hPrev, hCur, dhs, dxp, dOff } = s;
  for (let b = 0; b < B; b++) {
    const r = off + b * 4 * H, d = dOff + b * 3 * H;
    for (let j = j0; j < j1; j++) {
      const u = cache[r + H + j]!, ct = cache[r + 2 * H + j]!;
      const hp = hs[hPrev + b * H + j]!, dh = dhs[hCur + b * H + j]!;
      // c = Γu c̃ + (1 − Γu) c<t-1>
      dxp[d + H + j] = dh * (ct - hp) * u * (1 - u); // ∂pre_u through σ
      dxp[d + 2 * H + j] = dh * u * (1 - ct * ct); // ∂pre_c̃ through tanh
      dhs[hPrev + b * H + j] += dh * (1 - u); // the direct path to c<t-1>
    }
  }
}

/** `gruBackReset` over the units j0 ≤ j < j1 of every row. */
export function gruBackResetUnits(s: GruStep, j0: number, j1: number): void {
  const { B, H, cache, off, hs, hPrev, dhs, dxp, dOff, drh } = s;
  for (let b = 0; b < B; b++) {
    const r = off + b * 4 * H, d = dOff + b * 3 * H;
    for (let j = j0; j < j1; j++) {
      const gr = cache[r + j]!, hp = hs[hPrev + b * H + j]!, dr = drh[b * H + j]!;
      dxp[d + j] = dr * hp * gr * (1 - gr); // ∂pre_r through σ
      dhs[hPrev + b * H + j] += dr * gr; // through the reset product
    }
  }
}

function addRowsAt(dst: Vec, dOff: number, src: Vec, sOff: number, idx: Int32Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const y = idx[r]!;
    if (y < 0) continue;
    const d = dOff + y * width, s = sOff + r * width;
    for (let j = 0; j < width; j++) dst[d + j] += src[s + j]!;
  }
}

/** The plain TypeScript element-wise functions (float64 Math): the reference. */
export const referenceElementwise: Readonly<Elementwise> = Object.freeze({
  sigmoid: sigmoidRows,
  tanh: tanhRows,
  exp: expRows,
  softmaxLse,
  softmaxTo,
  lstmForward: (st: LstmStep) => lstmForwardUnits(st, 0, st.H),
  lstmBackward: (st: LstmStep) => lstmBackwardUnits(st, 0, st.H),
  addRowsAt,
  gruGates: (st: GruStep) => gruGatesUnits(st, 0, st.H),
  gruOutput: (st: GruStep) => gruOutputUnits(st, 0, st.H),
  gruBackUpdate: (st: GruStep) => gruBackUpdateUnits(st, 0, st.H),
  gruBackReset: (st: GruStep) => gruBackResetUnits(st, 0, st.H),
});
