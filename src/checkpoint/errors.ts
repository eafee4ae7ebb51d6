/**
 * The one error a checkpoint read (or write) throws: a one-line message naming
 * the problem (the field path or tensor name included) and a hint naming the
 * fix. parseCheckpoint turns every failure into one, whatever the input text.
 */
import { RnnlmError } from '../core/errors.js';

export class CheckpointError extends RnnlmError {}

/** The usual hint for a file that rnnlm did not write, or that was damaged afterwards. */
export const RETRAIN = 'retrain, or pass a checkpoint written by `rnnlm train`';
export const DAMAGED_HINT = `the file is damaged or was not written by rnnlm; ${RETRAIN}`;
/** The hint for a file that is no rnnlm checkpoint at all. */
export const NOT_A_CHECKPOINT_HINT = 'pass a model file written by `rnnlm train`';
