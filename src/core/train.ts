/**
 * The training loop: windows of the corpus → forward → cross-entropy →
 * backward (BPTT) → gradient clipping → optimizer step, with periodic
 * evaluation on held-out data. Pure: progress, checkpoints and the clock
 * reach the caller only through hooks, and cancellation through a signal.
 *
 * Everything needed to continue exactly is in TrainState (step, epoch,
 * position in the epoch, the epoch's shuffle seed, RNG state, optimizer
 * moments, the recurrent state carried between windows), so that N steps,
 * a save, a load and M more steps give the same parameters, bit for bit,
 * as N+M steps in one run.
 *
 * The objective of a step is the mean cross-entropy per target token in the
 * window (EOS included); `evaluate` reports the same mean over a corpus.
 */
import { epochPlan, type ReadMode, type Window } from './batches.js';
import { DivergedError } from './errors.js';
import type { Vec } from './kernels.js';
import { softmaxCrossEntropy } from './loss.js';
import { forward, usesDropout, type Model } from './model.js';
import { localEngine, type StepEngine } from './engine.js';
import { createOptimizerState, type OptimizerConfig, type OptimizerState } from './optimizer.js';
import { allocParams } from './params.js';
import { createRng, type RngState } from './rng.js';
import type { EncodedCorpus } from './tokenize.js';
import { UNK } from './vocab.js';
import { carryState, resetState, type Workspace } from './workspace.js';

export interface TrainConfig {
  /** How the corpus is read: batches of sentences, or one stream of tokens. */
  mode: ReadMode;
  /** B: sentences (or stream lanes) per step. */
  batch: number;
  /** T: time steps per window (truncated BPTT length). */
  bptt: number;
  lr: number;
  /** Learning rate multiplied by lrDecay once per epoch after lrDecayAfter epochs. */
  lrDecay: number;
  lrDecayAfter: number;
  /**
   * Cut on a plateau (PyTorch's ReduceLROnPlateau; the word_language_model's
   * divide-by-4): after an evaluation that does not improve the validation
   * loss, and then after every lrPlateauPatience + 1 of them in a row, the
   * learning rate is multiplied by this. 1 = off.
   */
  lrPlateau: number;
  lrPlateauPatience: number;
  /** Linear warm-up: the rate of step s (from 0) is scaled by min(1, (s + 1) / lrWarmup). 0 = none. */
  lrWarmup: number;
  optimizer: OptimizerConfig;
  /** Global gradient norm threshold; 0 = no clipping. */
  clip: number;
  /** Stop after this many epochs. */
  epochs: number;
  /** Stop after this many steps in total (0 = no limit). */
  maxSteps: number;
  /** Stop after this much training time in total, by hooks.now (0 = no limit). */
  maxTimeMs: number;
  /** Evaluate every this many steps (0 = at the end of each epoch only). */
  evalEvery: number;
  /** Stop when this many evaluations in a row do not improve the validation loss (0 = never). */
  patience: number;
}

export const defaultTrainConfig: TrainConfig = {
  mode: 'sentences', batch: 32, bptt: 64, lr: 2e-3, lrDecay: 1, lrDecayAfter: 0, lrPlateau: 1, lrPlateauPatience: 0, lrWarmup: 0,
  optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  clip: 5, epochs: 10, maxSteps: 0, maxTimeMs: 0, evalEvery: 0, patience: 0,
};

export interface EvalRecord {
  step: number;
  epoch: number;
  tokensSeen: number;
  /** Mean training loss per token since the previous evaluation (nats). */
  trainLoss: number;
  /** Mean validation loss per token (nats), null without validation data. */
  valLoss: number | null;
  lr: number;
  elapsedMs: number;
}

export interface TrainState {
  /** Optimizer steps taken. */
  step: number;
  /** Current epoch, from 0. */
  epoch: number;
  /** Windows of the current epoch already trained on. */
  windowInEpoch: number;
  /** Shuffle seed of the current epoch (drawn from the RNG when the epoch starts). */
  epochSeed: number;
  rng: RngState;
  opt: OptimizerState;
  /** Recurrent state carried into the next window: per layer a<·> (B·H) then c<·> (B·H, LSTM). */
  carry: Vec | null;
  history: EvalRecord[];
  bestValLoss: number | null;
  bestStep: number;
  evalsSinceBest: number;
  /** The product of the plateau cuts so far (1: none). */
  lrScale: number;
  tokensSeen: number;
  elapsedMs: number;
  /**
   * The schedule's own best, when a closing evaluation did better: the one a
   * run makes at its last step when it stops between scheduled evaluations
   * (max steps, time, a signal, the last epoch ending off the schedule), so
   * that the best file holds the best model seen. A closing evaluation never
   * advances the schedule (the plateau cut, the patience count, the best they
   * compare with): the run that did not stop there made no such evaluation,
   * so a resumed run continues as it would have. bestValLoss and bestStep stay
   * the best of all evaluations (what the best file holds). Null (or absent)
   * when the two bests are the same.
   */
  scheduled?: ScheduledBest | null;
}

/** The best of the scheduled evaluations (null: none had a validation loss), where a closing evaluation did better. */
export interface ScheduledBest {
  bestValLoss: number | null;
  bestStep: number;
}

export function newTrainState(model: Model, cfg: TrainConfig, rng: RngState): TrainState {
  return {
    step: 0, epoch: 0, windowInEpoch: 0, epochSeed: -1, rng,
    opt: createOptimizerState(cfg.optimizer, model.layout.total, model.backend.alloc),
    carry: null, history: [], bestValLoss: null, bestStep: 0, evalsSinceBest: 0, lrScale: 1, tokensSeen: 0, elapsedMs: 0,
  };
}

export interface StepReport {
  step: number;
  epoch: number;
  /** Fraction of the current epoch done, 0..1. */
  epochProgress: number;
  /** Windows in an epoch. */
  epochWindows: number;
  loss: number;
  gradNorm: number;
  lr: number;
  tokens: number;
  tokensSeen: number;
  elapsedMs: number;
}

export interface EvalReport extends EvalRecord {
  /** This evaluation is the best so far (by validation loss, or the latest without validation data). */
  best: boolean;
  /** The live training state, carry included: what a checkpoint saves. */
  state: TrainState;
}

export interface TrainHooks {
  onStep?(r: StepReport): void | Promise<void>;
  onEval?(r: EvalReport): void | Promise<void>;
  /** Milliseconds from any fixed origin; without it time limits and timings are off. */
  now?(): number;
  /** Let the platform deliver signals and timers in the middle of a validation pass (every ~50 ms of `now`). */
  pause?(): Promise<void>;
}

export type StopReason = 'epochs' | 'max-steps' | 'max-time' | 'early-stop' | 'interrupted';

export interface TrainResult {
  reason: StopReason;
  state: TrainState;
}

export interface TrainData {
  train: EncodedCorpus;
  val: EncodedCorpus | null;
}

/**
 * The learning rate of the next step: the base rate, the per-epoch decay, the
 * plateau cuts so far, and the warm-up at this step.
 */
export function learningRate(cfg: TrainConfig, state: Pick<TrainState, 'epoch' | 'step' | 'lrScale'>): number {
  const warm = cfg.lrWarmup > 0 ? Math.min(1, (state.step + 1) / cfg.lrWarmup) : 1;
  return cfg.lr * Math.pow(cfg.lrDecay, Math.max(0, state.epoch - cfg.lrDecayAfter)) * state.lrScale * warm;
}

/** Mean loss per token (nats) of `corpus` read as in training, in corpus order, no dropout. */
export function evaluate(model: Model, corpus: EncodedCorpus, mode: ReadMode, ws: Workspace): { loss: number; tokens: number } {
  const V = model.config.vocabSize;
  const plan = epochPlan(corpus, mode, ws.B, ws.T, null);
  let sum = 0;
  let count = 0;
  for (const w of plan.iterate()) {
    if (w.reset) resetState(ws);
    forward(model, ws, w.inputs, w.T, null);
    const r = softmaxCrossEntropy(model.backend.elementwise, ws.logits, w.T * ws.B, V, w.targets, false, 1);
    sum += r.sum;
    count += r.count;
    carryState(ws, w.T);
  }
  return { loss: count > 0 ? sum / count : NaN, tokens: count };
}

/** A corpus's mean loss over all its targets, and over those that are not <UNK> (KenLM's perplexity excluding OOVs). */
export interface Evaluated {
  loss: number;
  tokens: number;
  /** Mean −log P over the targets that are not <UNK> (NaN when there are none). */
  knownLoss: number;
  knownTokens: number;
}

/** The sums behind an `Evaluated`: Σ −log P and the count, over all targets and over those that are not <UNK>. */
export interface EvaluationSums {
  sum: number;
  count: number;
  knownSum: number;
  knownCount: number;
}

/**
 * What a walk counts for one target: given the model's log P of the target at
 * step `t` of window `w` in lane `b`, the log P to sum in its place (an
 * interpolation mixes in another model's here).
 */
export type TargetLogProb = (logProb: number, w: Window, t: number, b: number) => number;

const means = (s: EvaluationSums): Evaluated => ({
  loss: s.count > 0 ? s.sum / s.count : NaN, tokens: s.count,
  knownLoss: s.knownCount > 0 ? s.knownSum / s.knownCount : NaN, knownTokens: s.knownCount,
});

/**
 * The evaluation sums through an engine (its B and T, on its threads), from a
 * zero state; the engine's carried state is put back afterwards, so a
 * training run can evaluate between two windows.
 */
export function evaluationSums(engine: StepEngine, corpus: EncodedCorpus, mode: ReadMode, target?: TargetLogProb, T = engine.T): EvaluationSums {
  const walk = evaluationWalk(engine, corpus, mode, target, T);
  let r = walk.next();
  while (!r.done) r = walk.next();
  return r.value;
}

/** `evaluate` through an engine: the means of `evaluationSums`. */
export function evaluateOn(engine: StepEngine, corpus: EncodedCorpus, mode: ReadMode): Evaluated {
  return means(evaluationSums(engine, corpus, mode));
}

/**
 * `evaluateOn` that lets the caller's `pause` run between windows (at most
 * every `everyMs` of `now`), so that a long validation pass does not hold up
 * signals and timers.
 */
export async function evaluateOnPausing(
  engine: StepEngine, corpus: EncodedCorpus, mode: ReadMode, pause: () => Promise<void>, now: () => number, everyMs = 50,
): Promise<Evaluated> {
  const walk = evaluationWalk(engine, corpus, mode);
  let last = now();
  let r = walk.next();
  while (!r.done) {
    if (now() - last >= everyMs) {
      await pause();
      last = now();
    }
    r = walk.next();
  }
  return means(r.value);
}

/** The evaluation, a window per step of the generator (one loop for the drivers above). */
function* evaluationWalk(engine: StepEngine, corpus: EncodedCorpus, mode: ReadMode, target?: TargetLogProb, T = engine.T): Generator<void, EvaluationSums, undefined> {
  const B = engine.B;
  const saved = Float32Array.from(engine.saveCarry());
  // windows of T ≤ engine.T steps (a shorter T reads the same tokens with the same state: the same numbers, up to rounding)
  const plan = epochPlan(corpus, mode, B, Math.min(T, engine.T), null);
  const logp = new Float64Array(engine.T * B);
  let sum = 0;
  let count = 0;
  let knownSum = 0;
  let knownCount = 0;
  engine.reset();
  for (const w of plan.iterate()) {
    if (w.reset) engine.reset();
    const r = engine.logProbs(w, logp);
    count += r.count;
    if (!target) sum += r.sum;
    for (let t = 0; t < w.T; t++) {
      for (let b = 0; b < B; b++) {
        const i = t * B + b;
        const y = w.targets[i]!;
        if (y < 0) continue;
        let lp = logp[i]!;
        if (target) {
          lp = target(lp, w, t, b);
          sum -= lp;
        }
        if (y !== UNK) {
          knownSum -= lp;
          knownCount++;
        }
      }
    }
    engine.carry(w.T);
    yield;
  }
  engine.loadCarry(saved);
  return { sum, count, knownSum, knownCount };
}

export interface TrainOptions {
  /** Checked after every step: when aborted, training stops after the current step. */
  signal?: { readonly aborted: boolean };
  /** Who computes each window's gradient (default: this thread). Made for (cfg.bptt, cfg.batch). */
  engine?: StepEngine;
}

export async function train(
  model: Model, data: TrainData, cfg: TrainConfig, state: TrainState,
  hooks: TrainHooks = {}, options: TrainOptions = {},
): Promise<TrainResult> {
  const { batch: B, bptt: T } = cfg;
  const { signal } = options;
  const engine = options.engine ?? localEngine(model, T, B);
  const grads = allocParams(model.layout, model.backend.alloc);
  const rng = createRng(0, state.rng);
  const dropout = usesDropout(model.config);
  const now = hooks.now ?? (() => 0);
  let clock = now();
  const tick = () => { const t = now(); state.elapsedMs += t - clock; clock = t; };
  if (state.carry) engine.loadCarry(state.carry);

  let sinceEvalSum = 0;
  let sinceEvalCount = 0;
  let lastEvalStep = state.history.length ? state.history[state.history.length - 1]!.step : -1;

  /** `closing`: the evaluation at the last step of a run that stops between scheduled ones (see TrainState.scheduled). */
  const runEval = async (closing = false): Promise<boolean> => {
    tick();
    let valLoss: number | null = null;
    if (data.val) {
      // a validation part too short for the engine's lanes predicts nothing: no loss rather than 0/0
      const r = hooks.pause ? await evaluateOnPausing(engine, data.val, cfg.mode, hooks.pause, now) : evaluateOn(engine, data.val, cfg.mode);
      valLoss = r.tokens > 0 ? r.loss : null;
    }
    const lr = learningRate(cfg, state);
    const rec: EvalRecord = {
      step: state.step, epoch: state.epoch, tokensSeen: state.tokensSeen,
      trainLoss: sinceEvalCount > 0 ? sinceEvalSum / sinceEvalCount : NaN,
      valLoss, lr, elapsedMs: state.elapsedMs,
    };
    sinceEvalSum = 0;
    sinceEvalCount = 0;
    lastEvalStep = state.step;
    state.history.push(rec);
    let best = true;
    if (valLoss !== null) {
      // the schedule's best, before this evaluation
      const sched: ScheduledBest = state.scheduled ?? { bestValLoss: state.bestValLoss, bestStep: state.bestStep };
      best = state.bestValLoss === null || valLoss < state.bestValLoss;
      if (best) {
        state.bestValLoss = valLoss;
        state.bestStep = state.step;
      }
      if (closing) {
        // the best file follows it; the schedule does not see it
        if (best) state.scheduled = sched;
      } else if (sched.bestValLoss === null || valLoss < sched.bestValLoss) {
        state.evalsSinceBest = 0;
        state.scheduled = best ? null : { bestValLoss: valLoss, bestStep: state.step };
      } else {
        state.evalsSinceBest++;
        if (cfg.lrPlateau < 1 && state.evalsSinceBest % (cfg.lrPlateauPatience + 1) === 0) state.lrScale *= cfg.lrPlateau;
      }
    } else {
      state.bestStep = state.step;
    }
    state.rng = rng.state();
    state.carry = engine.saveCarry();
    await hooks.onEval?.({ ...rec, best, state });
    return cfg.patience > 0 && state.evalsSinceBest >= cfg.patience;
  };

  const stopNow = (): StopReason | null => {
    if (signal?.aborted) return 'interrupted';
    if (cfg.maxSteps > 0 && state.step >= cfg.maxSteps) return 'max-steps';
    if (cfg.maxTimeMs > 0 && state.elapsedMs >= cfg.maxTimeMs) return 'max-time';
    return null;
  };
  // a step the uninterrupted run evaluates at: every evalEvery steps, or (evalEvery 0) the end of an epoch, the last one's included
  // (never step 0: a run stopped before its first step, by a signal, evaluates there off the schedule)
  const onSchedule = () => state.step > 0 && (cfg.evalEvery > 0 ? state.step % cfg.evalEvery === 0 : state.windowInEpoch === 0);
  const finish = async (reason: StopReason): Promise<TrainResult> => {
    // a closing evaluation off the schedule; on it (the end of the last epoch with evalEvery 0), a scheduled one
    if (reason !== 'early-stop' && lastEvalStep !== state.step) await runEval(!onSchedule());
    tick();
    state.rng = rng.state();
    state.carry = engine.saveCarry();
    return { reason, state };
  };

  const early = stopNow();
  if (early) return finish(early);

  while (state.epoch < cfg.epochs) {
    if (state.windowInEpoch === 0) state.epochSeed = rng.nextU32();
    const plan = epochPlan(data.train, cfg.mode, B, T, state.epochSeed);
    let w = 0;
    for (const win of plan.iterate()) {
      if (w++ < state.windowInEpoch) continue; // done before a resume
      if (win.reset) engine.reset();
      const n = win.tokens;
      const sum = engine.gradients(win, grads, n > 0 ? 1 / n : 0, dropout ? rng.nextU32() : null);
      const loss = n > 0 ? sum / n : 0;
      if (!Number.isFinite(loss)) {
        throw new DivergedError(`training diverged: the loss became ${loss} at step ${state.step + 1}`,
          'lower the learning rate (--lr) or clip gradients (--clip)');
      }
      const lr = learningRate(cfg, state);
      const gradNorm = engine.update(model.params, grads, state.opt, cfg.optimizer, lr, cfg.clip);
      if (!Number.isFinite(gradNorm)) {
        throw new DivergedError(`training diverged: the gradient norm became ${gradNorm} at step ${state.step + 1}`,
          'lower the learning rate (--lr) or clip gradients (--clip)');
      }
      engine.carry(win.T);
      state.step++;
      state.windowInEpoch++;
      state.tokensSeen += n;
      sinceEvalSum += sum;
      sinceEvalCount += n;
      tick();
      await hooks.onStep?.({
        step: state.step, epoch: state.epoch, epochProgress: state.windowInEpoch / plan.windows,
        epochWindows: plan.windows, loss, gradNorm, lr, tokens: n, tokensSeen: state.tokensSeen, elapsedMs: state.elapsedMs,
      });
      if (cfg.evalEvery > 0 && state.step % cfg.evalEvery === 0) {
        if (await runEval()) return finish('early-stop');
      }
      // a stop at an epoch's last window waits for the epoch's end below (its scheduled evaluation with evalEvery 0):
      // stopping before it, the resumed run made that evaluation again, a second record of the same step
      if (state.windowInEpoch === plan.windows) break;
      const reason = stopNow();
      if (reason) return finish(reason);
    }
    state.epoch++;
    state.windowInEpoch = 0;
    // with evalEvery 0, evaluate after every epoch but the last (finish evaluates that one)
    if (cfg.evalEvery === 0 && state.epoch < cfg.epochs && (await runEval())) return finish('early-stop');
    const reason = stopNow();
    if (reason) return finish(reason);
  }
  return finish('epochs');
}
