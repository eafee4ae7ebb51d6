/**
 * Error bounds of the WebAssembly backend's float32 element-wise functions
 * against float64, shared by the element-wise tests and the cells' step
 * tests. Derived (and checked) in test/core/elementwise.test.ts's header.
 */

/** The unit roundoff of float32. */
export const u = 2 ** -24;

/** Relative error bounds of exp, σ and tanh in float32 SIMD against the float64 reference. */
export const BOUND = { exp: 2.7 * u, sigmoid: 4.7 * u, tanh: 4.7 * u } as const;
