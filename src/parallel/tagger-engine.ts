/**
 * Data-parallel training of a tagger on several cores: each batch's sentences
 * are split among the main thread and `threads − 1` workers (worker_threads),
 * all on the model's one shared WebAssembly memory (the parameters are read
 * in place). Per batch: the main thread writes the batch into a shared block
 * and draws the dropout seed; each thread computes the gradient of its
 * sentences (its masks those of its slots in the whole batch) into its own
 * arena; then the arenas are summed into the caller's, each thread adding up
 * one slice, in thread order. The result is the one-thread gradient up to the
 * order of the sums, and a given thread count is reproducible bit for bit.
 * Synchronisation as in engine.ts: a control block and Atomics.wait/notify.
 */
import type { Worker } from 'node:worker_threads';
import { command, sharedBackend, startWorker, stopWorkers } from './control.js';
import type { ParamSet } from '../core/params.js';
import { reduceSlice } from '../core/optimizer.js';
import { dropoutSeed, localTaggerEngine, seedOnly, type TaggerEngine, type TaggerEngineCapacity } from '../core/tagger-engine.js';
import { taggerBackward, taggerForward, type Tagger } from '../core/tagger.js';
import { createTaggerWorkspacePool } from '../core/tagger-pool.js';
import { sliceTaggerBatch, type TaggerBatch } from '../core/tagger-batch.js';
import { slice } from './protocol.js';
import { TCmd, TCtl, batchBlock, writeBatch, type TaggerWorkerReady, type TaggerWorkerSetup } from './tagger-protocol.js';

/**
 * A tagger engine on `threads` threads (one here, the rest workers). Runs on
 * this thread alone, saying why in `fallback`, when the backend cannot be
 * shared (the TypeScript reference) or one thread is asked for.
 */
export async function createTaggerParallelEngine(model: Tagger, threads: number, capacity: TaggerEngineCapacity): Promise<TaggerEngine> {
  const wasm = sharedBackend(model);
  const W = Math.max(1, Math.min(threads, capacity.sentences));
  if (W === 1 || !wasm) {
    const fallback = threads <= 1 ? null
      : !wasm ? `the ${model.backend.name} backend runs on one thread (threads share a WebAssembly memory)`
        : `batches have at most ${capacity.sentences} sentence${capacity.sentences === 1 ? '' : 's'}`;
    return localTaggerEngine(model, capacity, fallback);
  }
  const control = new SharedArrayBuffer((TCtl.arenas + W) * 4);
  const numbers = new SharedArrayBuffer((1 + W) * 8);
  const block = new SharedArrayBuffer(batchBlock(capacity) * 4);
  const ctl = new Int32Array(control);
  const nums = new Float64Array(numbers);
  const ints = new Int32Array(block);
  const workers: Worker[] = [];
  const arenas: Float32Array[] = [];
  try {
    for (let w = 1; w < W; w++) {
      const setup: TaggerWorkerSetup = {
        memory: wasm.memory, config: model.config, paramsOffset: model.params.data.byteOffset,
        index: w, threads: W, capacity, control, numbers, batch: block,
      };
      const { worker, ready } = await startWorker<TaggerWorkerReady>(new URL('./tagger-worker.js', import.meta.url), setup, ctl, TCtl);
      workers.push(worker);
      ctl[TCtl.arenas + w] = ready.gradsOffset;
      arenas.push(wasm.view(ready.gradsOffset, model.layout.total));
    }
  } catch (err) {
    // one did not start: the others must not stay parked
    await stopWorkers(ctl, TCtl, TCmd.exit, workers);
    throw err;
  }
  const run = (cmd: number, own: () => void): void => command(ctl, TCtl, cmd, W - 1, own, 'a tagger training thread failed');
  // each thread's share of a batch fits the level of the whole batch: every thread has a pool like the one-thread engine's
  const pool = createTaggerWorkspacePool(model, capacity.sentences, capacity.batchWords, capacity.chars);
  let closed = false;
  return {
    threads: W, fallback: W < threads ? `batches have at most ${capacity.sentences} sentences` : null,
    gradients(batch: TaggerBatch, labels: Int32Array, grads: ParamSet, scale: number, rng) {
      if (!wasm.owns(grads.data)) throw new Error('tagger engine: gradients must live in the shared memory');
      const seed = dropoutSeed(model, rng);
      writeBatch(ints, batch, labels, capacity);
      ctl[TCtl.hasSeed] = seed === null ? 0 : 1;
      ctl[TCtl.seed] = seed ?? 0;
      ctl[TCtl.arenas] = grads.data.byteOffset;
      nums[0] = scale;
      // the main thread takes slice 0 of the sentences
      let own = 0;
      run(TCmd.gradients, () => {
        const [b0, b1] = slice(batch.B, W, 0);
        if (b1 <= b0) return;
        const part = b0 === 0 && b1 === batch.B ? { ...batch, labels } : sliceTaggerBatch(batch, labels, b0, b1);
        const ws = pool.for(part);
        taggerForward(model, ws, part, seed === null ? null : seedOnly(seed), b0);
        own = taggerBackward(model, ws, part.labels, grads, scale).sum;
      });
      let sum = own;
      for (let w = 1; w < W; w++) sum += nums[1 + w]!;
      const [a, b] = slice(grads.data.length, W, 0);
      run(TCmd.reduce, () => { reduceSlice(grads.data, arenas, a, b); });
      return sum;
    },
    reserve(shapes) {
      // the main thread's share: its sentences of each shape (the workers' pools grow as the batches come)
      for (const s of shapes) {
        const [b0, b1] = slice(s.B, W, 0);
        if (b1 > b0) pool.reserve(s.T, b1 - b0);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await stopWorkers(ctl, TCtl, TCmd.exit, workers);
    },
  };
}

