/** The cell registry: dispatch on the kind goes through this record, never an if/else chain. */
import type { CellKind, CellOps } from './cell.js';
import { rnn } from './rnn.js';
import { gru } from './gru.js';
import { gruSimple } from './gru-simple.js';
import { lstm } from './lstm.js';

export const cells: Readonly<Record<CellKind, CellOps>> = {
  rnn,
  gru,
  'gru-simple': gruSimple,
  lstm,
};
export type { CellKind, CellOps, LayerParams } from './cell.js';
export type { CellSteps, CellStep, LstmStep, LstmSteps, GruStep, GruSteps } from './steps.js';
export { CELL_KINDS } from './cell.js';
export { PEEPHOLE, referenceLstmSteps } from './lstm.js';
export { referenceGruSteps } from './gru.js';
