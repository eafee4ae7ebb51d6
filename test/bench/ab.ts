/**
 * A/B speed of two builds of rnnlm in one process, for checking that a change
 * costs nothing: `node dist/test/bench/ab.js OTHER_TREE [--threads 1|2] [--rounds N]`
 * (OTHER_TREE: a built checkout, e.g. `git worktree add /tmp/before <commit>`
 * then `npm ci && npm run build` there). Each configuration of bench.ts is
 * built from both trees and the two are timed alternately, ~0.3 s each, for N
 * rounds; the median of the per-round speed ratios (this tree / the other) is
 * printed, with its range. Alternating cancels the slow drift of a shared
 * machine that separate runs cannot (rows of one `npm run bench` move by ±15%
 * from run to run here). 2 threads: each tree's data-parallel engine.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

interface Steps { trainStep(): void; scoreStep(): void; model: unknown; par: { engine: unknown } }
interface BenchModule { CONFIGS: { name: string; window: number; batch: number }[]; loadKernels(k: 'wasm'): Promise<unknown>; makeSteps(c: unknown, k: unknown): Steps }
interface EngineModule { createParallelEngine(model: unknown, T: number, B: number, threads: number): Promise<{ close(): Promise<void> }> }

const { values, positionals } = parseArgs({ allowPositionals: true, options: { threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '8' } } });
const other = positionals[0];
if (!other) throw new Error('usage: node dist/test/bench/ab.js OTHER_TREE [--threads 1|2] [--rounds N]');
const here = resolve(fileURLToPath(import.meta.url), '../../../..');
const threads = Number(values.threads);
const rounds = Number(values.rounds);

const load = async (tree: string) => ({
  bench: (await import(`${tree}/dist/test/bench/bench.js`)) as BenchModule,
  engine: (await import(`${tree}/dist/src/parallel/engine.js`)) as EngineModule,
});
const [A, B] = [await load(resolve(other)), await load(here)];
const [ka, kb] = [await A.bench.loadKernels('wasm'), await B.bench.loadKernels('wasm')];
// bench.ts's loadKernels returned the kernels themselves before the Backend value; makeSteps takes what it returned
const arg = (k: unknown) => (k as { backend?: unknown }).backend ?? k;

function time(fn: () => void, ms: number): number {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) { fn(); n++; }
  return (performance.now() - t0) / n;
}
const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;

console.log(`this tree / ${other}, ${threads} thread${threads === 1 ? '' : 's'}, ${rounds} alternating rounds (speed ratio: > 1 is faster here)`);
for (const c of A.bench.CONFIGS) {
  const sa = A.bench.makeSteps(c, arg(ka)), sb = B.bench.makeSteps(c, arg(kb));
  const engines = threads > 1
    ? [sa.par.engine = await A.engine.createParallelEngine(sa.model, c.window, c.batch, threads), sb.par.engine = await B.engine.createParallelEngine(sb.model, c.window, c.batch, threads)]
    : [];
  const ratios: Record<'trainStep' | 'scoreStep', number[]> = { trainStep: [], scoreStep: [] };
  for (const f of ['trainStep', 'scoreStep'] as const) { time(() => sa[f](), 300); time(() => sb[f](), 300); }
  for (let r = 0; r < rounds; r++) {
    for (const f of ['trainStep', 'scoreStep'] as const) ratios[f].push(time(() => sa[f](), 300) / time(() => sb[f](), 300));
  }
  const show = (x: number[]) => `${median(x).toFixed(3)} (${Math.min(...x).toFixed(2)}–${Math.max(...x).toFixed(2)})`;
  console.log(`${c.name.padEnd(16)} train ${show(ratios.trainStep)}   score ${show(ratios.scoreStep)}`);
  for (const e of engines) await (e as { close(): Promise<void> }).close();
}
