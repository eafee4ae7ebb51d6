/**
 * Data-parallel training on several cores: the batch slots are split among
 * the main thread and `threads − 1` workers (worker_threads), all working on
 * one shared WebAssembly memory, so the parameters are shared in place and
 * no arrays are copied. Per window: each thread computes the gradient of its
 * slots; then the gradients are summed into the main thread's arena, each
 * thread adding up one slice of it, always in thread order. Results equal the
 * one-thread run up to floating-point summation order, and a given thread
 * count is reproducible bit for bit (dropout masks depend on the slot, see
 * core/model.ts).
 *
 * Synchronisation is a control block of Int32 words with Atomics.wait/notify:
 * no messages per step.
 */
import type { Worker } from 'node:worker_threads';
import { localEngine, localUpdate, singleThreadEngine, type Engine } from '../core/engine.js';
import type { Vec } from '../core/kernels.js';
import type { Window } from '../core/batches.js';
import { sparseGradientRows, type Model } from '../core/model.js';
import { markRows, shareSpans } from '../core/live-rows.js';
import type { ParamSet } from '../core/params.js';
import { clipScale, reduceSpans, updateSlice, updateSpans } from '../core/optimizer.js';
import { command, offsetAt, sharedBackend, startWorker, stopWorkers } from './control.js';
import { Cmd, Ctl, Num, controlWords, numCount, numLoss, numSquares, numberWords, slice, type WorkerReady, type WorkerSetup } from './protocol.js';

/** The engine createParallelEngine makes (core/engine.ts's Engine). */
export type ParallelEngine = Engine;

/**
 * An engine for (T, B) windows on `threads` threads. Runs on one thread (the
 * local engine), and says why in `fallback`, when the model's backend is not
 * one threads can share (the TypeScript reference) or when there are fewer
 * batch slots than threads.
 */
export async function createParallelEngine(model: Model, T: number, B: number, threads: number): Promise<ParallelEngine> {
  const wasm = sharedBackend(model);
  const W = Math.max(1, Math.min(threads, B));
  if (W === 1 || !wasm) {
    const fallback = threads <= 1 ? null
      : !wasm ? `the ${model.backend.name} backend runs on one thread (threads share a WebAssembly memory)`
        : `the batch has ${B} slot${B === 1 ? '' : 's'}, fewer than ${threads} threads`;
    return singleThreadEngine(model, T, B, fallback);
  }
  const H = model.config.hidden;
  const per = model.config.cell === 'lstm' ? 2 : 1;
  const L = model.config.layers;
  const control = new SharedArrayBuffer(controlWords(W) * 4);
  const numbers = new SharedArrayBuffer(numberWords(W) * 8);
  const windowBuf = new SharedArrayBuffer(2 * T * B * 4);
  const logpBuf = new SharedArrayBuffer(T * B * 8);
  const logp = new Float64Array(logpBuf);
  const ctl = new Int32Array(control);
  const nums = new Float64Array(numbers);
  const ints = new Int32Array(windowBuf);
  const ranges = Array.from({ length: W }, (_, w) => slice(B, W, w));
  const main = localEngine(model, T, ranges[0]![1] - ranges[0]![0], 0, B);
  // the rows of a row-sparse gradient (an untied embedding) the window makes live in any thread's arena
  const live = sparseGradientRows(model.config);

  const workers: Worker[] = [];
  const readies: WorkerReady[] = [];
  try {
    for (let w = 1; w < W; w++) {
      const [s0, s1] = ranges[w]!;
      const setup: WorkerSetup = {
        memory: wasm.memory, config: model.config, paramsOffset: model.params.data.byteOffset,
        T, fullB: B, slot0: s0, B: s1 - s0, index: w, threads: W, control, numbers, window: windowBuf, logProbs: logpBuf,
      };
      const { worker, ready } = await startWorker<WorkerReady>(new URL('./worker.js', import.meta.url), setup, ctl, Ctl);
      workers.push(worker);
      readies.push(ready);
    }
  } catch (err) {
    // one did not start: the others must not stay parked
    await stopWorkers(ctl, Ctl, Cmd.exit, workers);
    throw err;
  }
  const workerCarries = readies.map((r) => wasm.view(r.carryOffset, r.carryLength));
  const workerGrads = readies.map((r) => wasm.view(r.gradsOffset, model.layout.total));
  readies.forEach((r, i) => { ctl[Ctl.gradsOffsets + 1 + i] = r.gradsOffset; });

  /** Post a command to every worker, run `own` here, wait for all of them. */
  const run = (cmd: number, own: () => void): void => command(ctl, Ctl, cmd, W - 1, own, 'a training thread failed');

  /** The window's ids into the shared block the workers read. */
  const post = (win: Window): void => {
    const TB = win.T * B;
    ints.set(win.inputs.subarray(0, TB), 0);
    ints.set(win.targets.subarray(0, TB), T * B);
    ctl[Ctl.T] = win.T;
  };

  /** Whole-batch carry layout (per layer a then c, each B·H) ⇄ per-thread parts. */
  const partOf = (w: number): Vec => (w === 0 ? main.saveCarry() : workerCarries[w - 1]!);
  const blocks = L * per;
  const whole = wasm.alloc(blocks * B * H);

  let closed = false;
  const engine: ParallelEngine = {
    B, T, threads: W, fallback: W < threads ? `the batch has ${B} slot${B === 1 ? '' : 's'}, fewer than ${threads} threads` : null,
    reset() { run(Cmd.reset, () => main.reset()); },
    carry(t) { ctl[Ctl.T] = t; run(Cmd.carry, () => main.carry(t)); },
    saveCarry() {
      run(Cmd.saveCarry, () => {});
      const out = whole;
      for (let w = 0; w < W; w++) {
        const [s0, s1] = ranges[w]!;
        const part = partOf(w);
        const n = (s1 - s0) * H;
        for (let k = 0; k < blocks; k++) out.set(part.subarray(k * n, k * n + n), k * B * H + s0 * H);
      }
      return out;
    },
    loadCarry(carry) {
      if (carry.length !== blocks * B * H) return;
      const mainPart = main.saveCarry();
      for (let w = 0; w < W; w++) {
        const [s0, s1] = ranges[w]!;
        const part = w === 0 ? mainPart : workerCarries[w - 1]!;
        const n = (s1 - s0) * H;
        for (let k = 0; k < blocks; k++) part.set(carry.subarray(k * B * H + s0 * H, k * B * H + s1 * H), k * n);
      }
      run(Cmd.loadCarry, () => main.loadCarry(mainPart));
    },
    gradients(win, grads: ParamSet, scale, dropoutSeed) {
      if (!wasm.owns(grads.data)) throw new Error('parallel engine: gradients must live in the shared memory');
      ctl[Ctl.gradsOffsets] = grads.data.byteOffset;
      post(win);
      if (live) markRows(live, ints, win.T * B);
      ctl[Ctl.hasSeed] = dropoutSeed === null ? 0 : 1;
      ctl[Ctl.seed] = dropoutSeed ?? 0;
      nums[Num.scale] = scale;
      let own = 0;
      run(Cmd.gradients, () => { own = main.gradients(win, grads, scale, dropoutSeed); });
      let sum = own;
      for (let w = 1; w < W; w++) sum += nums[numLoss(w)]!;
      // thread 0's arena += the others', each thread one slice of it, and that slice's Σ g² (for the clipping norm)
      run(Cmd.reduce, () => {
        nums[numSquares(0)] = reduceSpans(grads.data, workerGrads, shareSpans(live, grads.data.length, W, 0));
      });
      return sum;
    },
    logProbs(win, out) {
      post(win);
      let own = { sum: 0, count: 0 };
      run(Cmd.logProbs, () => { own = main.logProbs(win, logp); });
      let { sum, count } = own;
      for (let w = 1; w < W; w++) {
        sum += nums[numLoss(w)]!;
        count += nums[numCount(w)]!;
      }
      out.set(logp.subarray(0, win.T * B));
      return { sum, count };
    },
    update(params, grads, opt, cfg, lr, clip) {
      if (grads.data.byteOffset !== offsetAt(ctl, Ctl.gradsOffsets) || !wasm.owns(grads.data)) return localUpdate(params, grads, opt, cfg, lr, clip);
      // the norm from the slices' sums of squares (in thread order), then each thread clips and updates its slice
      let sq = 0;
      for (let w = 0; w < W; w++) sq += nums[numSquares(w)]!;
      const norm = Math.sqrt(sq);
      if (!Number.isFinite(norm)) return norm;
      const s = clipScale(norm, clip);
      opt.step++;
      const adam = cfg.kind === 'adam';
      if (adam && !(wasm.owns(opt.m!) && wasm.owns(opt.v!))) {
        // moments outside the shared memory: the same element-wise update, all here (same bits)
        updateSlice(params.data, grads.data, opt, cfg, lr, opt.step, s, 0, grads.data.length, live);
        return norm;
      }
      nums[Num.lr] = lr;
      nums[Num.clipScale] = s;
      nums[Num.step] = opt.step;
      nums[Num.beta1] = cfg.beta1;
      nums[Num.beta2] = cfg.beta2;
      nums[Num.eps] = cfg.eps;
      ctl[Ctl.sgd] = adam ? 0 : 1;
      ctl[Ctl.mOffset] = adam ? opt.m!.byteOffset : 0;
      ctl[Ctl.vOffset] = adam ? opt.v!.byteOffset : 0;
      run(Cmd.update, () => updateSpans(params.data, grads.data, opt, cfg, lr, opt.step, s, shareSpans(adam ? null : live, grads.data.length, W, 0)));
      return norm;
    },
    async close() {
      // a second close finds the workers gone: nothing to wait for
      if (closed) return;
      closed = true;
      await stopWorkers(ctl, Ctl, Cmd.exit, workers);
    },
  };
  return engine;
}
