/**
 * The fused element-wise steps of the cells that have one (LSTM, GRU): where
 * one step's rows are (the layout types), and the functions a backend may
 * supply for them, by cell kind. Types only, so that backend.ts, the cell
 * files and the WebAssembly backend can all refer to them without importing
 * one another (no cycle).
 *
 * The reference (plain TypeScript, float64 arithmetic) version of each step
 * lives in its cell's file (`referenceLstmSteps` in lstm.ts, `referenceGruSteps`
 * in gru.ts); a backend's `steps` may hold faster versions of the same steps
 * (the WebAssembly backend's, in float32 SIMD), which must give the reference's
 * results up to float32 rounding and run the reference on arrays they cannot
 * handle. A cell uses `bk.steps.<kind> ?? reference<Kind>Steps`.
 */
import type { Vec } from '../kernels.js';

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

/** The LSTM's element-wise step (see `LstmStep` for the layout). */
export interface LstmSteps {
  /**
   * From the gate pre-activations in `xp`, Γu = σ, Γf = σ, c̃ = tanh, Γo = σ
   * into the cache; c<t> = Γu ∗ c̃ + Γf ∗ c<t-1>; the fifth block gets
   * tanh(c<t>); a<t> = Γo ∗ tanh(c<t>).
   */
  forward(s: LstmStep): void;
  /**
   * The same step backwards: from the cache of `forward`, c<t-1>, ∂a<t>
   * and ∂c<t> (in `dc`), writes ∂pre (4 blocks per row) to `dxp` and
   * ∂c<t-1> to `dc`; with peepholes also adds their terms to ∂c<t-1> and
   * ADDS their gradient into `dpeep`.
   */
  backward(s: LstmStep): void;
}

/**
 * The GRU's element-wise work of one step (see `GruStep` for the layout),
 * forward in two parts around the candidate's product, backward in two parts
 * around the product that gives ∂(Γr ∗ c<t-1>).
 */
export interface GruSteps {
  /** Γr = σ(pre_r), Γu = σ(pre_u), and Γr ∗ c<t-1>, into the cache. */
  gates(s: GruStep): void;
  /** c̃ = tanh(pre_c̃) into the cache, c<t> = Γu ∗ c̃ + (1 − Γu) ∗ c<t-1>. */
  output(s: GruStep): void;
  /** ∂pre_u, ∂pre_c̃ into dxp, ∂c<t-1> += ∂c<t> ∗ (1 − Γu). */
  backUpdate(s: GruStep): void;
  /** From drh = ∂(Γr ∗ c<t-1>): ∂pre_r into dxp, ∂c<t-1> += drh ∗ Γr. */
  backReset(s: GruStep): void;
}

/**
 * A backend's fast cell steps, registered by cell kind; a kind left out runs
 * its cell's reference step.
 */
export interface CellSteps {
  readonly lstm?: LstmSteps;
  readonly gru?: GruSteps;
}
