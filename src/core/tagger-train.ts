/**
 * Training the sequence tagger (tagger.ts), the loop: batches of whole
 * sentences bucketed by length → forward (dropout) → the mean cross-entropy
 * per labelled word → backward → gradient clipping → optimizer step, with an
 * evaluation on a dev set by token accuracy. Pure, as train.ts: progress,
 * checkpoints and the clock reach the caller only through hooks, and
 * cancellation through a signal.
 *
 * Batches. An epoch's sentences are shuffled (by the epoch's seed), sorted by
 * length (a stable sort: equal lengths stay shuffled), cut into batches of at
 * most B sentences and at most `batchWords` padded words (T·B), and the
 * batches are shuffled (the same seed). So a batch holds sentences of nearly
 * one length (little padding), and a long sentence comes in a smaller batch:
 * the batch of a longest sentence of T words holds at most level(T) of them,
 * the largest of B, ⌈B/2⌉, ⌈B/4⌉, … 1 with level·T ≤ batchWords. The cut
 * points depend on the lengths alone, so every epoch has the same number of
 * batches.
 *
 * Workspaces. A tagger workspace holds T × B slots (~90 KB each at the default
 * size); one sized for the longest sentence times B would be large (EWT's 159
 * words × 32 sentences: 460 MB). The pool keeps one workspace per level,
 * each at most batchWords slots (level 1 excepted: a single sentence of any
 * length), sized once before training from the shapes the batches will have.
 *
 * Randomness, all from the one Rng in the state: the epoch's seed (one draw
 * when an epoch starts), then per step the word-dropout seed (only with word
 * dropout) and the dropout masks' seed (taggerForward, only with dropout).
 * The state holds everything needed to continue exactly — step, epoch, batch
 * in the epoch, the epoch's seed, the Rng, the optimizer's moments — so that
 * N steps, a save, a load and M more steps give the same parameters, bit for
 * bit, as N + M steps in one run.
 */
import { DivergedError, ShapeError } from './errors.js';
import { clipGlobalNorm, createOptimizerState, optimizerStep, type OptimizerConfig, type OptimizerState } from './optimizer.js';
import { allocParams } from './params.js';
import { createRng, hashCombine, hashUniform, shuffle, type RngState } from './rng.js';
import { taggerForward, type Tagger } from './tagger.js';
import { localTaggerEngine, type TaggerEngine, type TaggerEngineCapacity } from './tagger-engine.js';
import { labelledCount, makeTaggerBatch, type TaggerBatch } from './tagger-batch.js';
import type { StopReason } from './train.js';
import { batchLevel, createTaggerWorkspacePool, type TaggerWorkspacePool } from './tagger-pool.js';

export { batchLevel, createTaggerWorkspacePool, type TaggerWorkspacePool };

/** The word id of <UNK> in a tagger's vocabulary (what word dropout reads a word as). */
export const TAG_UNK = 0;
/** A gold label the model does not have (a dev set's label unseen in training): never predicted, always an error. */
export const UNKNOWN_LABEL = -2;

/** One sentence as ids. */
export interface EncodedTagSentence {
  /** Word ids (TAG_UNK for words outside the vocabulary). */
  readonly words: Int32Array;
  /** Each word's char ids (capped), or null for a model without chars. */
  readonly chars: readonly Int32Array[] | null;
  /** Label ids; −1: no label (not counted); UNKNOWN_LABEL: a label the model lacks. Null: none (prediction). */
  readonly labels: Int32Array | null;
}

export interface TaggerTrainConfig {
  /** B: at most this many sentences per step. */
  batch: number;
  /** At most this many padded words (T·B) per step; a longer sentence comes alone. */
  batchWords: number;
  lr: number;
  /** The learning rate is multiplied by this once per epoch after the first lrDecayAfter epochs (1 = constant). */
  lrDecay: number;
  /** Epochs at the full rate before the decay starts. */
  lrDecayAfter: number;
  optimizer: OptimizerConfig;
  /** Global gradient norm threshold; 0 = no clipping. */
  clip: number;
  /**
   * Training only, α: a word seen c times in the training data is read as
   * <UNK> with probability α/(α + c) (its chars still seen; Kiperwasser &
   * Goldberg 2016): the rare words often, so <UNK> learns what they look
   * like, the frequent ones almost never. 0 = off.
   */
  wordDropout: number;
  epochs: number;
  /** Stop after this many steps in total (0 = no limit). */
  maxSteps: number;
  /** Stop after this much training time in total, by hooks.now (0 = no limit). */
  maxTimeMs: number;
  /** Evaluate every this many steps (0 = at the end of each epoch only). */
  evalEvery: number;
  /** Stop when this many evaluations in a row do not improve the dev accuracy (0 = never). */
  patience: number;
}

export const defaultTaggerTrainConfig: TaggerTrainConfig = {
  batch: 32, batchWords: 32 * 40, lr: 2e-3, lrDecay: 1, lrDecayAfter: 0, optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }, clip: 5, wordDropout: 0,
  epochs: 10, maxSteps: 0, maxTimeMs: 0, evalEvery: 0, patience: 0,
};

export interface TaggerEvalRecord {
  step: number;
  epoch: number;
  /** Labelled words trained on so far. */
  tokensSeen: number;
  /** Mean training loss per labelled word since the previous evaluation (nats); NaN when no step was taken. */
  trainLoss: number;
  /** Share of the dev set's words tagged right, null without a dev set. */
  devAccuracy: number | null;
  /** The caller's extra score of the dev predictions (entity F1 for chunk labels), null when there is none. */
  devScore: number | null;
  lr: number;
  elapsedMs: number;
}

export interface TaggerTrainState {
  step: number;
  /** Current epoch, from 0. */
  epoch: number;
  /** Batches of the current epoch already trained on. */
  batchInEpoch: number;
  /** The current epoch's shuffle seed (−1 before the first). */
  epochSeed: number;
  rng: RngState;
  opt: OptimizerState;
  history: TaggerEvalRecord[];
  bestDevAccuracy: number | null;
  bestStep: number;
  evalsSinceBest: number;
  tokensSeen: number;
  elapsedMs: number;
  /**
   * The best of the scheduled evaluations, when a closing evaluation (at the
   * last step of a run that stops between scheduled ones) did better: the
   * best file and bestDevAccuracy follow the closing evaluation, the patience
   * count never does, so a resumed run continues as the uninterrupted one
   * (as TrainState.scheduled for the language model). Null or absent when the
   * two bests are the same.
   */
  scheduled?: { bestDevAccuracy: number | null; bestStep: number } | null;
}

export function newTaggerTrainState(model: Tagger, cfg: TaggerTrainConfig, rng: RngState): TaggerTrainState {
  return {
    step: 0, epoch: 0, batchInEpoch: 0, epochSeed: -1, rng,
    opt: createOptimizerState(cfg.optimizer, model.layout.total, model.backend.alloc),
    history: [], bestDevAccuracy: null, bestStep: 0, evalsSinceBest: 0, tokensSeen: 0, elapsedMs: 0,
  };
}

// ── batches ──────────────────────────────────────────────────────────────────

/**
 * The sentences `order` lists, sorted by length (stable), cut into batches
 * (each at most batchLevel of its longest sentence). Lists of sentence indices.
 */
export function bucketBatches(lengths: ArrayLike<number>, order: readonly number[], B: number, batchWords: number): number[][] {
  const sorted = [...order].sort((a, b) => lengths[a]! - lengths[b]!);
  const batches: number[][] = [];
  let cur: number[] = [];
  for (const i of sorted) {
    // ascending lengths: this sentence is the longest of the batch so far
    if (cur.length > 0 && cur.length + 1 > batchLevel(lengths[i]!, B, batchWords)) {
      batches.push(cur);
      cur = [];
    }
    cur.push(i);
  }
  if (cur.length) batches.push(cur);
  return batches;
}

/** An epoch's batches: shuffled by `seed`, bucketed, the batches shuffled (seed null: in length order, for evaluation). */
export function epochBatches(lengths: ArrayLike<number>, B: number, batchWords: number, seed: number | null): number[][] {
  const order = Array.from({ length: lengths.length }, (_, i) => i);
  if (seed === null) return bucketBatches(lengths, order, B, batchWords);
  const rng = createRng(seed);
  shuffle(order, rng);
  const batches = bucketBatches(lengths, order, B, batchWords);
  shuffle(batches, rng);
  return batches;
}

/**
 * The batch of sentences `idx` (labels included when they have them); with
 * word dropout, each word is read as TAG_UNK with probability p, the draw a
 * function of (seed, sentence, word).
 */
export function sentenceBatch(sentences: readonly EncodedTagSentence[], idx: readonly number[], dropProb: ArrayLike<number> | null = null, seed = 0): TaggerBatch & { labels: Int32Array } {
  return makeTaggerBatch(idx.map((i) => {
    const s = sentences[i]!;
    let words: ArrayLike<number> = s.words;
    if (dropProb) {
      const key = hashCombine(seed, i);
      const w = Int32Array.from(s.words);
      for (let t = 0; t < w.length; t++) if (hashUniform(key, t) < dropProb[w[t]!]!) w[t] = TAG_UNK;
      words = w;
    }
    return {
      words,
      ...(s.labels ? { labels: s.labels } : {}),
      ...(s.chars ? { chars: s.chars } : {}),
    };
  }));
}

// ── prediction and evaluation ───────────────────────────────────────────────

export interface SentencePrediction {
  /** The most probable label of each word (the lowest id on a tie). */
  labels: Int32Array;
  /** (n, K) P(label) of each word, or null when not asked for. */
  probs: Float64Array | null;
}

/**
 * Tag `sentences` (no dropout), batch by batch in length order, yielding
 * after each batch; returns the predictions in the sentences' order.
 */
export function* predictWalk(
  model: Tagger, pool: TaggerWorkspacePool, sentences: readonly EncodedTagSentence[], B: number, batchWords: number, withProbs: boolean,
): Generator<void, SentencePrediction[], undefined> {
  const K = model.config.labels;
  const out: SentencePrediction[] = new Array(sentences.length);
  const lengths = sentences.map((s) => s.words.length);
  for (const idx of epochBatches(lengths, B, batchWords, null)) {
    const batch = sentenceBatch(sentences, idx);
    const logp = taggerForward(model, pool.for(batch), batch, null);
    idx.forEach((i, b) => {
      const n = lengths[i]!;
      const labels = new Int32Array(n);
      const probs = withProbs ? new Float64Array(n * K) : null;
      for (let t = 0; t < n; t++) {
        const o = (t * batch.B + b) * K;
        let best = 0;
        for (let k = 1; k < K; k++) if (logp[o + k]! > logp[o + best]!) best = k;
        labels[t] = best;
        if (probs) for (let k = 0; k < K; k++) probs[t * K + k] = Math.exp(logp[o + k]!);
      }
      out[i] = { labels, probs };
    });
    yield;
  }
  return out;
}

/** predictWalk run to its end. */
export function predictAll(
  model: Tagger, pool: TaggerWorkspacePool, sentences: readonly EncodedTagSentence[], B: number, batchWords: number, withProbs: boolean,
): SentencePrediction[] {
  const walk = predictWalk(model, pool, sentences, B, batchWords, withProbs);
  let r = walk.next();
  while (!r.done) r = walk.next();
  return r.value;
}

/** Words whose predicted label is the gold one, and words with a gold label (−1 skipped; UNKNOWN_LABEL counted, always wrong). */
export function countCorrect(sentences: readonly EncodedTagSentence[], predicted: readonly SentencePrediction[]): { correct: number; total: number } {
  let correct = 0, total = 0;
  sentences.forEach((s, i) => {
    const gold = s.labels;
    if (!gold) return;
    const p = predicted[i]!.labels;
    for (let t = 0; t < gold.length; t++) {
      if (gold[t] === -1) continue;
      total++;
      if (gold[t] === p[t]) correct++;
    }
  });
  return { correct, total };
}

// ── the loop ────────────────────────────────────────────────────────────────

export interface TaggerStepReport {
  step: number;
  epoch: number;
  /** Fraction of the current epoch done, 0..1. */
  epochProgress: number;
  epochBatches: number;
  /** Mean loss per labelled word of this step. */
  loss: number;
  gradNorm: number;
  lr: number;
  /** Labelled words in this step. */
  tokens: number;
  tokensSeen: number;
  elapsedMs: number;
}

export interface TaggerEvalReport extends TaggerEvalRecord {
  /** Best so far by dev accuracy (the latest without a dev set). */
  best: boolean;
  /** The live state: what a checkpoint saves. */
  state: TaggerTrainState;
}

export interface TaggerTrainHooks {
  onStep?(r: TaggerStepReport): void | Promise<void>;
  onEval?(r: TaggerEvalReport): void | Promise<void>;
  /** An extra score of the dev predictions (entity F1), or null. */
  scoreDev?(predicted: readonly SentencePrediction[]): number | null;
  /** Milliseconds from any fixed origin; without it time limits and timings are off. */
  now?(): number;
  /** Let the caller deliver signals and timers in the middle of an evaluation (every ~50 ms of `now`). */
  pause?(): Promise<void>;
}

export interface TaggerTrainData {
  train: readonly EncodedTagSentence[];
  dev: readonly EncodedTagSentence[] | null;
  /** The longest char row (the cap on a word's chars; 0 without chars). */
  charWidth: number;
}

/** What a run's training batches may hold, for the engine's buffers: the bucketing's bounds on the training data. */
export function taggerEngineCapacity(data: TaggerTrainData, cfg: Pick<TaggerTrainConfig, 'batch' | 'batchWords'>): TaggerEngineCapacity {
  let longest = 1;
  for (const s of data.train) longest = Math.max(longest, s.words.length);
  return { words: Math.max(cfg.batchWords, longest), sentences: cfg.batch, chars: data.charWidth, batchWords: cfg.batchWords };
}

export function taggerLearningRate(cfg: TaggerTrainConfig, state: Pick<TaggerTrainState, 'epoch'>): number {
  return cfg.lr * Math.pow(cfg.lrDecay, Math.max(0, state.epoch - cfg.lrDecayAfter));
}

/** Word dropout's probability for each word id: α/(α + its count in the training sentences); 0 for <UNK> itself. */
export function wordDropProbabilities(vocabSize: number, train: readonly EncodedTagSentence[], alpha: number): Float64Array {
  const counts = new Float64Array(vocabSize);
  for (const s of train) for (let t = 0; t < s.words.length; t++) counts[s.words[t]!]!++;
  const p = counts.map((c) => alpha / (alpha + c));
  p[TAG_UNK] = 0;
  return p;
}

export async function trainTagger(
  model: Tagger, data: TaggerTrainData, cfg: TaggerTrainConfig, state: TaggerTrainState,
  hooks: TaggerTrainHooks = {}, options: { signal?: { readonly aborted: boolean }; engine?: TaggerEngine } = {},
): Promise<{ reason: StopReason; state: TaggerTrainState }> {
  const { signal } = options;
  if (data.train.length === 0) throw new ShapeError('no training sentences');
  const B = cfg.batch, W = cfg.batchWords;
  const rng = createRng(0, state.rng);
  const grads = allocParams(model.layout, model.backend.alloc);
  const lengths = data.train.map((s) => s.words.length);
  const dropProb = cfg.wordDropout > 0 ? wordDropProbabilities(model.config.vocabSize, data.train, cfg.wordDropout) : null;
  const dev = data.dev && data.dev.length ? data.dev : null;
  // every workspace at its final size before the first step (the cut points depend on the lengths alone)
  const pool = createTaggerWorkspacePool(model, B, W, data.charWidth);
  for (const idx of epochBatches(dev ? dev.map((s) => s.words.length) : [], B, W, null)) pool.reserve(Math.max(1, ...idx.map((i) => dev![i]!.words.length)), idx.length);
  const engine = options.engine ?? localTaggerEngine(model, taggerEngineCapacity(data, cfg));
  engine.reserve(epochBatches(lengths, B, W, null).map((idx) => ({ T: Math.max(1, ...idx.map((i) => lengths[i]!)), B: idx.length })));
  const now = hooks.now ?? (() => 0);
  let clock = now();
  const tick = () => { const t = now(); state.elapsedMs += t - clock; clock = t; };
  let sinceEvalSum = 0, sinceEvalCount = 0;
  let lastEvalStep = state.history.length ? state.history[state.history.length - 1]!.step : -1;

  const evaluateDev = async (): Promise<SentencePrediction[]> => {
    const walk = predictWalk(model, pool, dev!, B, W, false);
    let last = now();
    let r = walk.next();
    while (!r.done) {
      if (hooks.pause && now() - last >= 50) {
        await hooks.pause();
        last = now();
      }
      r = walk.next();
    }
    return r.value;
  };

  const runEval = async (closing = false): Promise<boolean> => {
    tick();
    let devAccuracy: number | null = null, devScore: number | null = null;
    if (dev) {
      const predicted = await evaluateDev();
      const { correct, total } = countCorrect(dev, predicted);
      devAccuracy = total > 0 ? correct / total : null;
      devScore = hooks.scoreDev ? hooks.scoreDev(predicted) : null;
    }
    tick();
    const rec: TaggerEvalRecord = {
      step: state.step, epoch: state.epoch, tokensSeen: state.tokensSeen,
      trainLoss: sinceEvalCount > 0 ? sinceEvalSum / sinceEvalCount : NaN,
      devAccuracy, devScore, lr: taggerLearningRate(cfg, state), elapsedMs: state.elapsedMs,
    };
    sinceEvalSum = 0;
    sinceEvalCount = 0;
    lastEvalStep = state.step;
    state.history.push(rec);
    let best = true;
    if (devAccuracy !== null) {
      // the schedule's best, before this evaluation
      const sched = state.scheduled ?? { bestDevAccuracy: state.bestDevAccuracy, bestStep: state.bestStep };
      best = state.bestDevAccuracy === null || devAccuracy > state.bestDevAccuracy;
      if (best) {
        state.bestDevAccuracy = devAccuracy;
        state.bestStep = state.step;
      }
      if (closing) {
        // the best file follows it; the patience count does not see it
        if (best) state.scheduled = sched;
      } else if (sched.bestDevAccuracy === null || devAccuracy > sched.bestDevAccuracy) {
        state.evalsSinceBest = 0;
        state.scheduled = best ? null : { bestDevAccuracy: devAccuracy, bestStep: state.step };
      } else {
        state.evalsSinceBest++;
      }
    } else {
      state.bestStep = state.step;
    }
    state.rng = rng.state();
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
  const onSchedule = () => state.step > 0 && (cfg.evalEvery > 0 ? state.step % cfg.evalEvery === 0 : state.batchInEpoch === 0);
  const finish = async (reason: StopReason) => {
    // the last state evaluated (the best checkpoint is chosen at evaluations), unless an early stop just did
    // off the schedule (a closing evaluation), except at the end of the last epoch when the schedule is once per epoch
    if (reason !== 'early-stop' && lastEvalStep !== state.step) await runEval(!onSchedule());
    tick();
    state.rng = rng.state();
    return { reason, state };
  };

  const early = stopNow();
  if (early) return finish(early);
  while (state.epoch < cfg.epochs) {
    if (state.batchInEpoch === 0) state.epochSeed = rng.nextU32();
    const plan = epochBatches(lengths, B, W, state.epochSeed);
    for (let i = state.batchInEpoch; i < plan.length; i++) {
      const wordSeed = dropProb ? rng.nextU32() : 0;
      const batch = sentenceBatch(data.train, plan[i]!, dropProb, wordSeed);
      const n = labelledCount(batch, batch.labels);
      grads.data.fill(0);
      const sum = engine.gradients(batch, batch.labels, grads, n > 0 ? 1 / n : 0, rng);
      const loss = n > 0 ? sum / n : 0;
      if (!Number.isFinite(loss)) {
        throw new DivergedError(`training diverged: the loss became ${loss} at step ${state.step + 1}`, 'lower the learning rate (--lr) or clip gradients (--clip)');
      }
      const lr = taggerLearningRate(cfg, state);
      const gradNorm = clipGlobalNorm(grads.data, cfg.clip);
      if (!Number.isFinite(gradNorm)) {
        throw new DivergedError(`training diverged: the gradient norm became ${gradNorm} at step ${state.step + 1}`, 'lower the learning rate (--lr) or clip gradients (--clip)');
      }
      if (n > 0) optimizerStep(model.params.data, grads.data, state.opt, cfg.optimizer, lr);
      state.step++;
      state.batchInEpoch++;
      state.tokensSeen += n;
      sinceEvalSum += sum;
      sinceEvalCount += n;
      tick();
      await hooks.onStep?.({
        step: state.step, epoch: state.epoch, epochProgress: state.batchInEpoch / plan.length, epochBatches: plan.length,
        loss, gradNorm, lr, tokens: n, tokensSeen: state.tokensSeen, elapsedMs: state.elapsedMs,
      });
      if (cfg.evalEvery > 0 && state.step % cfg.evalEvery === 0 && (await runEval())) return finish('early-stop');
      // a stop at an epoch's last batch waits for the epoch's end below (its scheduled evaluation with evalEvery 0):
      // stopping before it, the resumed run made that evaluation again, a second record of the same step
      if (state.batchInEpoch === plan.length) break;
      const reason = stopNow();
      if (reason) return finish(reason);
    }
    state.epoch++;
    state.batchInEpoch = 0;
    // with evalEvery 0, evaluate after every epoch but the last (finish evaluates that one)
    if (cfg.evalEvery === 0 && state.epoch < cfg.epochs && (await runEval())) return finish('early-stop');
    const reason = stopNow();
    if (reason) return finish(reason);
  }
  return finish('epochs');
}
