/**
 * The address space a process may reserve (ulimit -v), which WebAssembly's
 * memory needs a lot of: with V8's trap handler (Node's default) a memory
 * reserves about 10 GB of addresses up front, whatever its size, and each
 * worker thread about 1 GB more for its first and less for the others. Under
 * a lower limit the memory cannot be made (rnnlm falls back to TypeScript,
 * many times slower) or a worker cannot start (V8 ends the whole process:
 * "Fatal process OOM … CodeRange"). Node's --disable-wasm-trap-handler makes a
 * memory reserve only what it uses. Linux tells the limit and the use in
 * /proc; elsewhere nothing is known and nothing is changed.
 */
import { readFileSync } from 'node:fs';

const GB = 2 ** 30, MB = 2 ** 20;
/** Addresses the first worker thread reserves (measured: ~780 MB on Node 20, Linux x64), and each further one (~65 MB). */
const FIRST_WORKER = GB, NEXT_WORKER = 256 * MB;

/** The soft limit on the address space, and the addresses in use, in bytes; null when unlimited or not known. */
export function addressSpace(limits = readProc('limits'), status = readProc('status')): { limit: number; used: number } | null {
  const m = /^Max address space\s+(\S+)/m.exec(limits ?? '');
  if (!m || m[1] === 'unlimited' || !/^\d+$/.test(m[1]!)) return null;
  const used = /^VmSize:\s+(\d+) kB/m.exec(status ?? '');
  return { limit: Number(m[1]), used: used ? Number(used[1]) * 1024 : 0 };
}

function readProc(name: string): string | null {
  try {
    return readFileSync(`/proc/self/${name}`, 'utf8');
  } catch {
    return null;
  }
}

/** Whether WebAssembly memories reserve their guard regions (Node's default: the trap handler is on). */
export function guardRegions(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env['NODE_OPTIONS'] ?? ''): boolean {
  const flag = '--disable-wasm-trap-handler';
  return !execArgv.includes(flag) && !nodeOptions.split(/\s+/).includes(flag);
}

/** How many of `threads` (the main one and its workers) the address space leaves room for: all of them when unlimited. */
export function roomForThreads(threads: number, space = addressSpace(), guarded = guardRegions()): number {
  if (space === null || !guarded || threads <= 1) return threads;
  const free = space.limit - space.used;
  const workers = free < FIRST_WORKER ? 0 : 1 + Math.floor((free - FIRST_WORKER) / NEXT_WORKER);
  return Math.min(threads, 1 + workers);
}

const shownSize = (bytes: number) => (bytes >= GB ? `${(bytes / GB).toFixed(1)} GB` : `${Math.round(bytes / MB)} MB`);

/** What to tell the user when the address space cost them the WebAssembly kernels or threads; null when nothing was lost. */
export function addressSpaceNote(lost: { kernels: boolean; threads: [wanted: number, got: number] | null }, space = addressSpace()): string | null {
  const limit = space ? ` (ulimit -v: the address space is limited to ${shownSize(space.limit)})` : '';
  const fix = `run it with NODE_OPTIONS=--disable-wasm-trap-handler (WebAssembly then reserves only what it uses)${space ? ', or raise the limit (ulimit -v unlimited)' : ''}`;
  if (lost.kernels) return `WebAssembly's memory could not be reserved${limit}: rnnlm computes in TypeScript, on one thread, many times slower — ${fix}`;
  if (lost.threads && lost.threads[1] < lost.threads[0]) {
    const [wanted, got] = lost.threads;
    return `${got} of ${wanted} threads: the address space has no room for more${limit} — ${fix}`;
  }
  return null;
}
