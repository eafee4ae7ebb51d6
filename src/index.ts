/**
 * rnnlm as a library: the pure core (tokenizer, model, training loop,
 * scoring, sampling) and the checkpoint codec. Nothing here does I/O:
 * read and write files yourself, e.g.
 *
 *   import { parseCheckpoint, scoreSentences, encode } from 'rnnlm';
 *   const ck = parseCheckpoint(await readFile('model.json', 'utf8'));
 *   const [s] = scoreSentences(ck.model, [encode('Emma', ck.vocab, ck.tokenizer).ids]);
 */
export * from './core/errors.js';
export { createRng, shuffle, type Rng, type RngState } from './core/rng.js';
export { K, referenceKernels, useKernels, type Kernels, type Vec } from './core/kernels.js';
export { useFastKernels, useReferenceKernels, fastKernels } from './core/fast.js';
export { alloc32, alloc64, useAlloc32, type Alloc, type ParamLayout, type ParamSet } from './core/params.js';
export { cells, CELL_KINDS, type CellKind, type CellOps } from './core/cells/index.js';
export { createModel, initModel, modelLayout, paramCount, forward, backward, type Model, type ModelConfig } from './core/model.js';
export { createWorkspace, resetState, carryState, type Workspace } from './core/workspace.js';
export { softmaxCrossEntropy, softmaxRow, logSumExp } from './core/loss.js';
export { clipGlobalNorm, globalNorm, optimizerStep, createOptimizerState, type OptimizerConfig, type OptimizerState } from './core/optimizer.js';
export * from './core/vocab.js';
export * from './core/tokenize.js';
export { splitTrainVal, prepareData, encodeSplit, type Split, type PreparedData } from './core/data.js';
export { epochPlan, type ReadMode, type EpochPlan, type Window } from './core/batches.js';
export * from './core/train.js';
export { scoreSentences, perplexity, type SentenceScore, type ScoreOptions } from './core/score.js';
export { createSampler, sampleTokens, pickToken, chooseToken, topK, defaultSampleOptions, type SampleOptions, type Sampler } from './core/sample.js';
export {
  parseCheckpoint, serializeCheckpoint, CheckpointError, CHECKPOINT_FORMAT, CHECKPOINT_VERSION,
  type Checkpoint, type TokenizerSettings, type TrainingInfo,
} from './checkpoint/codec.js';
