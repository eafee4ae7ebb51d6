/**
 * `rnnlm/api`: every use case, platform-neutral (no Node, no files): each
 * function takes a Platform first — `basicPlatform()` runs anywhere (one
 * thread, the TypeScript backend); Node's is src/node/platform.ts. This is
 * what a browser page or a bundle imports; `rnnlm` itself is these functions
 * on Node's platform.
 */
export { basicPlatform, type Platform, type FileSink, type Engine } from './platform.js';
export { train, type TrainRun, type TrainFiles, type TrainOutcome, type TrainStart, type EvalEvent, type Spelling } from './train.js';
export { score, scoreNow, createSentenceScorer, type ScoredSentence } from './score.js';
export { evaluate, evaluateStream, type Evaluation, type EvaluationProgress, type EvaluateOptionsInput, type TextSource } from './evaluate.js';
export { encodeText, idsSafetensors } from './encode.js';
export { sample, startSampling, trainSentencesOf, type Sample, type Sampling, type SampleOptionsInput } from './sample.js';
export { describeCheckpoint, trainingCurve } from './info.js';
export { createInspector, defaultMaxTokens, inspectedLength, patternIndicator, type Inspector, type Inspection, type InspectedToken, type UnitScore } from './inspect.js';
export { createStepper, type Stepper, type StepperOptions, type DrawOptions, type TokenProbability } from './step.js';
export { trainOptionsSchema, sampleOptionsSchema, type TrainOptionsInput } from './options.js';
export { parseCheckpoint, parseCheckpointBytes, type Checkpoint } from '../checkpoint/codec.js';
export { parseSafetensors } from '../checkpoint/safetensors.js';
export { ONNX_OPSET } from '../checkpoint/onnx.js';
export { onnxModel, safetensorsChunks, serializeCheckpoint, serializeCheckpointChunks, serializeTagger, serializeTaggerChunks, stripTagger, checkpointFromSafetensors } from './formats.js';
export { RnnlmError, DataError, OptionError, DivergedError, OutOfMemoryError, ShapeError, MEMORY_HINT } from '../core/errors.js';
export { CELL_KINDS, type CellKind } from '../core/cells/index.js';
export { UNK_TOKEN, EOS_TOKEN } from '../core/vocab.js';
export { firstInvalidUtf8, fastestBackend, ngramWord, ngramSentenceLogProbs, mixLogProb, combinedScore, encodeTagSentence, wordChars } from './checked.js';
export type { EvalRecord, EvalReport, StepReport, StopReason } from '../core/train.js';
export { referenceBackend, type Backend } from '../core/backend.js';
export { parseArpa, OOV_LOG10, type NgramModel } from './arpa.js';
export { parseNbestFields, parseKaldiNbest, attachScores, bestPerUtterance, type Hypothesis } from './nbest.js';
export { DEFAULT_LAMBDA, interpolated, type Interpolation } from './score.js';
export {
  parseConllu, parseConll, parseTagged, detectFormat, createSentenceReader, readSentences, conlluColumnIndex, CONLLU_COLUMNS, plainFields,
  formatConllu, formatConll, formatTagRecord, parseTagRecords,
  type TagFormat, type TaggedSentence, type TaggedText, type TagReadOptions, type TagReadStats, type SentenceReader, type TagRecord, type ConlluColumnName,
} from './conll.js';
export {
  conlleval, createConllevalCounter, formatConlleval, chunksOf, tokenAccuracy, confusionTable, createConfusionCounter, formatConfusion, isChunkLabelSet,
  type Chunk, type ChunkScore, type ConllevalResult, type ConllevalCounter, type TokenAccuracy, type ConfusionTable, type ConfusionCounter, type ConfusionStyle,
} from './tag-metrics.js';
export { tagTrain, WORDS_PER_SENTENCE, type TagTrainData, type TagTrainRun, type TagTrainFiles, type TagTrainStart, type TagTrainOutcome, type TagEvalEvent } from './tag-train.js';
export { tagPredict, tagEvaluate, evaluateText, columnFor, type TagPrediction, type TagEvaluation } from './tag-predict.js';
export { tagTrainOptionsSchema, tagReadOptionsSchema, type TagTrainOptionsInput, type TagReadOptionsInput } from './tag-options.js';
export { readLabelled, defaultColumn, columnValue } from './tag-data.js';
export {
  parseTagger, parseTaggerBytes, isTaggerCheckpoint, TAGGER_FORMAT, TAGGER_VERSION,
  type TaggerCheckpoint, type TaggerTrainingInfo, type TagVocab,
} from '../checkpoint/tagger-codec.js';
export type { TaggerStepReport, TaggerEvalReport, TaggerEvalRecord } from '../core/tagger-train.js';
export type { TaggerConfig } from '../core/tagger.js';
/** The epochs of a run bounded by its time budget alone (progress shows no total then). */
export { MAX_EPOCHS } from './setup.js';
