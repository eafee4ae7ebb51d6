/**
 * What a checkpoint holds, for `rnnlm info` (which formats it as a report or
 * prints it as JSON): the architecture and its parameter count, the
 * vocabulary and tokenizer with the most frequent tokens, and how it was
 * trained (steps, epochs, tokens, time, best validation loss, the settings
 * and the options used). A plain object, computed from the checkpoint alone.
 * And the training curve `rnnlm plot` draws.
 */
import type { Checkpoint } from '../checkpoint/codec.js';
import type { EvalRecord } from '../core/train.js';
import { OptionError } from '../core/errors.js';
import { checkCheckpoint, isObject } from './checks.js';
import { describeValue } from './options.js';

export interface TokenCount {
  token: string;
  count: number;
}

/** The `top` most frequent tokens by the checkpoint's corpus counts (ties: lower id first); [] without counts. */
export function topTokens(ck: Checkpoint, top: number): TokenCount[] {
  if (!ck.counts) return [];
  return ck.counts
    .map((count, id) => ({ id, count }))
    .filter((t) => t.count > 0)
    .sort((a, b) => b.count - a.count || a.id - b.id)
    .slice(0, top)
    .map(({ id, count }) => ({ token: ck.vocab.tokens[id]!, count }));
}

/**
 * The description of `ck`: `top` most frequent tokens listed (default 10).
 * Field order is the order `rnnlm info --json` prints.
 */
export function describeCheckpoint(ck: Checkpoint, top = 10) {
  checkCheckpoint(ck, "describeCheckpoint()'s model");
  if (typeof top !== 'number' || !Number.isInteger(top) || top < 0) throw new OptionError(`describeCheckpoint()'s top must be a whole number of at least 0 (got ${describeValue(top)})`, 'how many of the most frequent tokens to list, e.g. 10 (the default)');
  const c = ck.model.config;
  const char = ck.tokenizer.level === 'char';
  const tr = ck.training;
  const s = tr?.state;
  return {
    /** "full": with the training state (train --resume continues it); "model-only": without (rnnlm strip, saveModel's modelOnly). */
    kind: tr ? 'full' as const : 'model-only' as const,
    model: {
      cell: c.cell,
      peephole: c.peephole,
      layers: c.layers,
      hidden: c.hidden,
      input: c.embedding > 0 ? 'embedding' as const : 'one-hot' as const,
      embedding: c.embedding,
      /** The decoder reads the embedding matrix (no decoder.weight). */
      tied: c.tied === true,
      /** The output layer: a full softmax, or an adaptive softmax with its cut-offs and divisor. */
      output: c.cutoffs ? { kind: 'adaptive' as const, cutoffs: [...c.cutoffs], div: c.adaptiveDiv ?? 4 } : { kind: 'softmax' as const },
      dropout: c.dropout,
      inputDropout: c.inputDropout ?? 0,
      wordDropout: c.wordDropout ?? 0,
      lockedDropout: c.lockedDropout === true,
      parameters: ck.model.layout.total,
      parameterBytes: ck.model.layout.total * 4,
      sizeMB: (ck.model.layout.total * 4) / (1024 * 1024),
    },
    vocabulary: {
      size: ck.vocab.tokens.length,
      level: ck.tokenizer.level,
      lowercase: ck.tokenizer.lowercase,
      unkToken: ck.tokenizer.unkToken,
      sentence: ck.tokenizer.sentence,
      counted: ck.counts ? ck.counts.reduce((a, b) => a + b, 0) : null,
      top: topTokens(ck, top),
    },
    /** Training sentences whose copies sample can mark (the checkpoint's set), null when it has none. */
    trainSentences: ck.trainSentences ? ck.trainSentences.length / 2 : null,
    training: tr && s ? {
      steps: s.step,
      epochs: s.epoch,
      stepsIntoNextEpoch: s.windowInEpoch,
      tokensSeen: s.tokensSeen,
      elapsedMs: s.elapsedMs,
      evaluations: s.history.length,
      bestValLoss: s.bestValLoss,
      bestStep: s.bestStep,
      bestPerplexity: s.bestValLoss === null ? null : Math.exp(s.bestValLoss),
      bestBitsPerChar: s.bestValLoss === null || !char ? null : s.bestValLoss / Math.LN2,
      lastTrainLoss: lastFinite(s.history.map((h) => h.trainLoss)),
      config: {
        mode: tr.config.mode, batch: tr.config.batch, bptt: tr.config.bptt, optimizer: tr.config.optimizer.kind,
        lr: tr.config.lr, lrDecay: tr.config.lrDecay, lrDecayAfter: tr.config.lrDecayAfter, clip: tr.config.clip,
        epochs: tr.config.epochs, evalEvery: tr.config.evalEvery, patience: tr.config.patience,
      },
      options: tr.options,
    } : null,
    meta: ck.meta,
  };
}

export type CheckpointInfo = ReturnType<typeof describeCheckpoint>;

function lastFinite(xs: number[]): number | null {
  for (let i = xs.length - 1; i >= 0; i--) if (Number.isFinite(xs[i])) return xs[i]!;
  return null;
}

export type { EvalRecord } from '../core/train.js';

/**
 * A training curve (a checkpoint's history, or a training log's records): the
 * evaluations in step order, and the one with the lowest finite validation
 * loss (the first of equals), null when none has one.
 */
export function trainingCurve(history: readonly EvalRecord[]): { history: EvalRecord[]; best: EvalRecord | null } {
  const hint = 'pass a checkpoint\'s training.state.history, or the records of a training log';
  if (!Array.isArray(history)) throw new OptionError(`trainingCurve()'s history must be an array of evaluation records (got ${describeValue(history)})`, hint);
  const bad = history.findIndex((r: unknown) => !isObject(r) || typeof r['step'] !== 'number' || (r['valLoss'] !== null && typeof r['valLoss'] !== 'number'));
  if (bad >= 0) throw new OptionError(`trainingCurve()'s history[${bad}] must be an evaluation record { step, valLoss, … } (got ${describeValue(history[bad])})`, hint);
  const sorted = [...history].sort((a, b) => a.step - b.step);
  const best = sorted.reduce<EvalRecord | null>((b, r) => (r.valLoss !== null && Number.isFinite(r.valLoss) && (b === null || r.valLoss < b.valLoss!) ? r : b), null);
  return { history: sorted, best };
}
