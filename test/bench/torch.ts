/**
 * How the bench runs PyTorch: which Python has it, and the environment every
 * PyTorch run gets (threads, OpenMP waiting, glibc's allocator).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/**
 * glibc's allocator kept from returning PyTorch's large blocks to the system:
 * without it PyTorch trains the word-level models at a fraction of its speed
 * on this machine (issue 12: ~590 tokens/s instead of ~3,500). Every PyTorch
 * run of the bench gets it.
 */
export const TORCH_MALLOC_ENV = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '100000000000', MALLOC_TOP_PAD_: '1000000000' } as const;

/** PyTorch's environment on `threads` threads: OpenMP and OpenBLAS pinned to them, passive waiting, the allocator settings. */
export function torchEnv(threads: number, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const t = String(threads);
  return { ...base, ...TORCH_MALLOC_ENV, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t };
}

/** A Python that can import torch (`explicit`, or python3, or Debian's /usr/bin/python3), or null. */
export function findTorchPython(explicit: string | undefined): string | null {
  for (const py of explicit ? [explicit] : ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return py;
  }
  return null;
}

/** Token ids as the PyTorch scripts read them (numpy.fromfile(path, '<i4')): little-endian int32, no header. */
export function writeIds(path: string, ids: Int32Array): string {
  writeFileSync(path, Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength));
  return path;
}
