/**
 * A tiny model for the api's tests, trained through the api on the basic
 * platform (one thread, the TypeScript reference), then the same parameters
 * read onto each backend: the reference (for basicPlatform) and the one the
 * command line computes on (for nodePlatform and the CLI, whose fake host has
 * an empty environment), and written to a file the CLI can read.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint, serializeCheckpoint, type Checkpoint } from '../../src/checkpoint/codec.js';
import { basicPlatform } from '../../src/api/platform.js';
import { train } from '../../src/api/train.js';
import type { TrainOptionsInput } from '../../src/api/options.js';
import { nodeBackend } from '../../src/node/backend.js';
import { tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

export interface TinyModel {
  /** The corpus (test/fixtures/tiny.txt: six lines of a, b, c and spaces). */
  text: string;
  /** On the TypeScript reference. */
  ref: Checkpoint;
  /** On the backend the command line uses. */
  node: Checkpoint;
  /** The checkpoint file, in `dir` (remove it when done). */
  file: string;
  dir: string;
}

/** The platform's environment in these tests: the fake host's (empty), so nodePlatform and the CLI compute alike. */
export const ENV: Record<string, string> = {};

export async function tinyModel(options: TrainOptionsInput = {}): Promise<TinyModel> {
  const text = readFileSync(repoPath('test/fixtures/tiny.txt'), 'utf8');
  const out = await train(basicPlatform(), text, { hidden: 8, layers: 1, maxSteps: 20, epochs: 1000, valFraction: 0, lr: 0.02, seed: 1, ...options });
  const json = serializeCheckpoint(out.checkpoint);
  const dir = tempDir();
  const file = join(dir, 'tiny.json');
  writeFileSync(file, json);
  return { text, ref: parseCheckpoint(json), node: parseCheckpoint(json, nodeBackend(ENV)), file, dir };
}
