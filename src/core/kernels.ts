/**
 * The heavy arithmetic: every matrix product of the cells, the embedding and
 * the output layer goes through these few functions. Matrices are row-major
 * in a flat typed array, addressed by an offset and a leading dimension
 * (the distance between the starts of two rows), so a product can read and
 * write blocks of larger buffers (one gate's rows, one time step's batch).
 *
 * All products ACCUMULATE into C (C += …); clear or pre-fill C first.
 *
 * A `Kernels` value is part of a backend (backend.ts): the plain TypeScript
 * reference implementations below, or a faster one (WebAssembly SIMD). Every
 * implementation must give the same results as the reference up to
 * floating-point summation order, and must fall back to the reference for
 * arrays it cannot handle (Float64Array, memory it does not own).
 */

/** A vector or matrix of reals. Float32 for training and use, Float64 for gradient checks. */
export type Vec = Float32Array | Float64Array;

export interface Kernels {
  /** C(M×N) += A(M×K) · B(N×K)ᵀ */
  mmNT(M: number, N: number, Kd: number, A: Vec, aOff: number, lda: number, B: Vec, bOff: number, ldb: number, C: Vec, cOff: number, ldc: number): void;
  /** C(M×N) += A(M×K) · B(K×N) */
  mmNN(M: number, N: number, Kd: number, A: Vec, aOff: number, lda: number, B: Vec, bOff: number, ldb: number, C: Vec, cOff: number, ldc: number): void;
  /** C(M×N) += A(K×M)ᵀ · B(K×N) */
  mmTN(M: number, N: number, Kd: number, A: Vec, aOff: number, lda: number, B: Vec, bOff: number, ldb: number, C: Vec, cOff: number, ldc: number): void;
}

/** C(M×N) += A(M×K) · B(N×K)ᵀ — each output is a dot product of two contiguous rows. */
function mmNT(M: number, N: number, Kd: number, A: Vec, aOff: number, lda: number, B: Vec, bOff: number, ldb: number, C: Vec, cOff: number, ldc: number): void {
  for (let m = 0; m < M; m++) {
    const a0 = aOff + m * lda;
    const c0 = cOff + m * ldc;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const b0 = bOff + n * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < Kd; k++) {
        const a = A[a0 + k]!;
        s0 += a * B[b0 + k]!;
        s1 += a * B[b1 + k]!;
        s2 += a * B[b2 + k]!;
        s3 += a * B[b3 + k]!;
      }
      C[c0 + n] += s0;
      C[c0 + n + 1] += s1;
      C[c0 + n + 2] += s2;
      C[c0 + n + 3] += s3;
    }
    for (; n < N; n++) {
      const b0 = bOff + n * ldb;
      let s = 0;
      for (let k = 0; k < Kd; k++) s += A[a0 + k]! * B[b0 + k]!;
      C[c0 + n] += s;
    }
  }
}

/** C(M×N) += A(M×K) · B(K×N) — row m of C gathers rows of B weighted by row m of A. */
function mmNN(M: number, N: number, Kd: number, A: Vec, aOff: number, lda: number, B: Vec, bOff: number, ldb: number, C: Vec, cOff: number, ldc: number): void {
  for (let m = 0; m < M; m++) {
    const a0 = aOff + m * lda;
    const c0 = cOff + m * ldc;
    for (let k = 0; k < Kd; k++) {
      const a = A[a0 + k]!;
      if (a === 0) continue;
      const b0 = bOff + k * ldb;
      for (let n = 0; n < N; n++) C[c0 + n] += a * B[b0 + n]!;
    }
  }
}

/** C(M×N) += A(K×M)ᵀ · B(K×N) — a sum over k of outer products of row k of A and row k of B. */
function mmTN(M: number, N: number, Kd: number, A: Vec, aOff: number, lda: number, B: Vec, bOff: number, ldb: number, C: Vec, cOff: number, ldc: number): void {
  for (let k = 0; k < Kd; k++) {
    const a0 = aOff + k * lda;
    const b0 = bOff + k * ldb;
    for (let m = 0; m < M; m++) {
      const a = A[a0 + m]!;
      if (a === 0) continue;
      const c0 = cOff + m * ldc;
      for (let n = 0; n < N; n++) C[c0 + n] += a * B[b0 + n]!;
    }
  }
}

/** The plain TypeScript kernels: the reference every faster variant is tested against. */
export const referenceKernels: Readonly<Kernels> = Object.freeze({ mmNT, mmNN, mmTN });

/** dst(cols × rows) = src(rows × cols)ᵀ, both dense; in 32×32 blocks (each side stays in the cache). */
export function transpose(rows: number, cols: number, src: Vec, sOff: number, dst: Vec, dOff: number): void {
  const BS = 32;
  for (let i0 = 0; i0 < rows; i0 += BS) {
    const i1 = Math.min(rows, i0 + BS);
    for (let j0 = 0; j0 < cols; j0 += BS) {
      const j1 = Math.min(cols, j0 + BS);
      for (let i = i0; i < i1; i++) {
        const s = sOff + i * cols;
        for (let j = j0; j < j1; j++) dst[dOff + j * rows + i] = src[s + j]!;
      }
    }
  }
}

/** Row broadcast: C(M×N)[m, :] = row[rOff .. rOff+N) for every m (a copy per row: memcpy speed). */
export function fillRows(M: number, N: number, row: Vec, rOff: number, C: Vec, cOff: number, ldc: number): void {
  const src = row.subarray(rOff, rOff + N);
  for (let m = 0; m < M; m++) C.set(src, cOff + m * ldc);
}

/**
 * Column sums: out[oOff + n] += Σ_m A(M×N)[m, n] — the gradient of a
 * row-broadcast bias — as the product onesᵀ · A, so the backend's kernels do it
 * (`ones`: at least M ones).
 */
export function addColumnSums(K: Kernels, M: number, N: number, A: Vec, aOff: number, lda: number, out: Vec, oOff: number, ones: Vec): void {
  K.mmNN(1, N, M, ones, 0, M, A, aOff, lda, out, oOff, N);
}
