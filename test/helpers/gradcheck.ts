/**
 * Central finite differences in float64 (torch-rnn's gradcheck): perturb each
 * element by ±eps, compare (L(x+ε) − L(x−ε)) / 2ε with the analytic gradient
 * by |a − n| / max(|a| + |n|, 1e-12). A difference below `absTol`
 * (default 1e-9) counts as zero: with ε = 1e-5 in float64 the difference
 * quotient itself is only good to about 1e-10 (truncation ε²·f'''/6 plus
 * rounding 1e-16·|L|/ε), so below that the relative error of a tiny gradient
 * measures the check's own noise, not the backward pass.
 */
export interface GradcheckResult {
  maxRel: number;
  /** Largest |analytic − numeric| over all elements. */
  maxAbs: number;
  worst: number;
  analytic: number;
  numeric: number;
}

export function gradcheck(
  loss: () => number, x: Float64Array, analytic: ArrayLike<number>, eps = 1e-5, absTol = 1e-9,
): GradcheckResult {
  const res: GradcheckResult = { maxRel: 0, maxAbs: 0, worst: -1, analytic: 0, numeric: 0 };
  for (let i = 0; i < x.length; i++) {
    const keep = x[i]!;
    x[i] = keep + eps;
    const lp = loss();
    x[i] = keep - eps;
    const lm = loss();
    x[i] = keep;
    const n = (lp - lm) / (2 * eps);
    const a = analytic[i]!;
    const diff = Math.abs(a - n);
    const rel = diff < absTol ? 0 : diff / Math.max(Math.abs(a) + Math.abs(n), 1e-12);
    if (diff > res.maxAbs) res.maxAbs = diff;
    if (rel > res.maxRel) Object.assign(res, { maxRel: rel, worst: i, analytic: a, numeric: n });
  }
  return res;
}

/** Uniform values in [-s, s) from a simple deterministic generator (tests only). */
export function randomFill(x: Float64Array | Float32Array, seed: number, s = 1): void {
  let z = seed >>> 0 || 1;
  for (let i = 0; i < x.length; i++) {
    z ^= z << 13; z >>>= 0;
    z ^= z >>> 17;
    z ^= z << 5; z >>>= 0;
    x[i] = ((z / 4294967296) * 2 - 1) * s;
  }
}
