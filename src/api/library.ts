/**
 * The library in five functions, with the command line's options and
 * behaviour:
 *
 *   import { train, score, sample, loadModel, saveModel } from 'rnnlm';
 *   const { checkpoint } = await train(text, { hidden: 64, maxTime: '30s' });
 *   await saveModel(checkpoint, 'model.json');
 *   score(checkpoint, ['emma'])[0].logProb;   sample(checkpoint, { n: 3, seed: 1 });
 *
 * Progress comes through callbacks, cancellation through an AbortSignal.
 */
import { availableParallelism } from 'node:os';
import { readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { parseCheckpoint, serializeCheckpoint, type Checkpoint } from '../checkpoint/codec.js';
import { useFastKernels } from '../core/fast.js';
import { createRng } from '../core/rng.js';
import { PRIME_WINDOW, createSampler, defaultSampleOptions } from '../core/sample.js';
import { createScorer, perplexity, type Scorer } from '../core/score.js';
import { createWorkspace, type Workspace } from '../core/workspace.js';
import type { Model } from '../core/model.js';
import { decode, encode, type TokenizerConfig } from '../core/tokenize.js';
import { train as trainLoop, type EvalReport, type StepReport, type StopReason } from '../core/train.js';
import { createParallelEngine } from '../parallel/engine.js';
import { parseWith, trainOptionsSchema, type TrainOptionsInput } from './options.js';
import { checkpointOf, prepareTraining } from './setup.js';

export interface TrainCallbacks {
  onStep?(r: StepReport): void | Promise<void>;
  /** After each evaluation; `r.state` is the live state (see checkpointOf to save it). */
  onEval?(r: EvalReport): void | Promise<void>;
  /** Abort to stop after the current step; the result then holds the state reached. */
  signal?: AbortSignal;
  /** Continue this checkpoint's training exactly (same text, same options). */
  resume?: Checkpoint;
}

export interface TrainOutcome {
  /** The final model with its training state (resumable). */
  checkpoint: Checkpoint;
  reason: StopReason;
  /** Best validation loss per token (nats), null without validation data. */
  bestValLoss: number | null;
  /** What the command line would print as notes (validation skipped, vocabulary capped, batch reduced). */
  notes: string[];
}

function tokConfig(ck: Checkpoint): TokenizerConfig {
  return { level: ck.tokenizer.level, lowercase: ck.tokenizer.lowercase, unkToken: ck.tokenizer.unkToken };
}

/** Train on `text` (a corpus as a string) with the options of `rnnlm train` (camelCase). */
export async function train(text: string, options: TrainOptionsInput = {}, callbacks: TrainCallbacks = {}): Promise<TrainOutcome> {
  const opts = parseWith(trainOptionsSchema, options, (k) => k, 'see the options of `rnnlm train --help` (camelCase)');
  const given = new Set(Object.keys(options).filter((k) => (options as Record<string, unknown>)[k] !== undefined));
  useFastKernels();
  const setup = prepareTraining(text, opts, given, callbacks.resume ?? null);
  const engine = await createParallelEngine(setup.model, setup.cfg.bptt, setup.cfg.batch, opts.threads ?? availableParallelism());
  try {
    const result = await trainLoop(setup.model, { train: setup.train, val: setup.val }, setup.cfg, setup.state, {
      now: () => performance.now(),
      onStep: async (r) => {
        await callbacks.onStep?.(r);
        // let timers and signals (an AbortController's) run between steps
        await new Promise<void>((done) => setImmediate(done));
      },
      onEval: callbacks.onEval,
    }, { signal: callbacks.signal, engine });
    return {
      checkpoint: checkpointOf(setup, result.state, { createdBy: 'rnnlm' }),
      reason: result.reason, bestValLoss: result.state.bestValLoss, notes: setup.notes,
    };
  } finally {
    await engine.close();
  }
}

export interface ScoredSentence {
  sentence: string;
  /** log P(sentence), natural log, <EOS> included. */
  logProb: number;
  /** Tokens scored, <EOS> included. */
  tokens: number;
  unk: number;
  perplexity: number;
  perToken: { token: string; logProb: number }[];
}

/**
 * Buffers kept per model, so that calling score() or sample() again and again
 * takes no more memory (buffers in the WebAssembly memory are never freed).
 */
const scorers = new WeakMap<Model, Scorer>();
const sampleSpaces = new WeakMap<Model, Workspace>();

/** log P of each sentence under the model (natural log, <EOS> included). */
export function score(ck: Checkpoint, sentences: readonly string[]): ScoredSentence[] {
  useFastKernels();
  const tok = tokConfig(ck);
  let scorer = scorers.get(ck.model);
  if (!scorer) scorers.set(ck.model, (scorer = createScorer(ck.model)));
  const scores = scorer.score(sentences.map((s) => encode(s, ck.vocab, tok).ids));
  return scores.map((sc, i) => ({
    sentence: sentences[i]!, logProb: sc.logProb, tokens: sc.tokens, unk: sc.unk, perplexity: perplexity(sc.logProb, sc.tokens),
    perToken: Array.from(sc.ids, (id, t) => ({ token: ck.vocab.tokens[id]!, logProb: sc.tokenLogProbs[t]! })),
  }));
}

export interface SampleOptionsInput {
  n?: number;
  temperature?: number;
  topK?: number;
  prime?: string;
  maxLength?: number;
  seed?: number;
  greedy?: boolean;
  allowUnk?: boolean;
}

/** Draw sentences (the prime included, as `rnnlm sample` prints them). */
export function sample(ck: Checkpoint, options: SampleOptionsInput = {}): string[] {
  useFastKernels();
  const tok = tokConfig(ck);
  const prime = encode(options.prime ?? '', ck.vocab, tok).ids;
  let ws = sampleSpaces.get(ck.model);
  if (!ws) sampleSpaces.set(ck.model, (ws = createWorkspace(ck.model, PRIME_WINDOW, 1)));
  const sampler = createSampler(ck.model, {
    ...defaultSampleOptions, prime,
    maxLength: options.maxLength ?? (tok.level === 'char' ? 200 : 50),
    temperature: options.temperature ?? 1, topK: options.topK ?? 0, greedy: options.greedy ?? false, allowUnk: options.allowUnk ?? false,
  }, undefined, ws);
  const rng = createRng(options.seed ?? 1);
  const out: string[] = [];
  for (let i = 0; i < (options.n ?? 1); i++) out.push(decode([...prime, ...sampler.sample(rng)], ck.vocab, tok));
  return out;
}

/** Read and validate a checkpoint (throws CheckpointError with a one-line message). */
export async function loadModel(path: string): Promise<Checkpoint> {
  useFastKernels();
  return parseCheckpoint(await readFile(path, 'utf8'));
}

/** Write a checkpoint atomically (temporary file, then rename). */
export async function saveModel(ck: Checkpoint, path: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, serializeCheckpoint(ck));
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}
