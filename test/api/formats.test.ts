/**
 * api/formats.ts: the model and the tagger written out (checkpoint JSON,
 * tagger JSON, ONNX, safetensors) as the library offers them: the argument
 * checked when the function is called, a wrong one refused with one
 * OptionError naming it (never a TypeError from inside), a right one written
 * as the codec writes it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { onnxModel, serializeCheckpoint, serializeCheckpointChunks, serializeTagger, serializeTaggerChunks } from '../../src/api/formats.js';
import { basicPlatform } from '../../src/api/platform.js';
import { tagTrain } from '../../src/api/tag-train.js';
import { serializeCheckpoint as codecSerialize } from '../../src/checkpoint/codec.js';
import { serializeTagger as codecSerializeTagger, type TaggerCheckpoint } from '../../src/checkpoint/tagger-codec.js';
import { OptionError } from '../../src/core/errors.js';
import { repoPath } from '../helpers/paths.js';
import { tinyModel, type TinyModel } from './tiny-model.js';

let m: TinyModel;
let tg: TaggerCheckpoint;
before(async () => {
  m = await tinyModel();
  const tiny = readFileSync(repoPath('test/fixtures/tag/tiny.conllu'), 'utf8');
  tg = (await tagTrain(basicPlatform(), tiny, { hidden: 4, embedding: 4, charEmbedding: 2, charHidden: 2, maxSteps: 1, minCount: 1 })).checkpoint;
});
after(() => rmSync(m.dir, { recursive: true, force: true }));

const BAD = [[undefined, 'got undefined'], [null, 'got null'], [5, 'got 5'], [{}, ''], ['model.json', '']] as const;

test('serializeCheckpoint and serializeCheckpointChunks: anything but a model is one OptionError naming the model, thrown at the call (not at the first chunk)', () => {
  for (const [bad, got] of BAD) {
    for (const [name, write] of [['serializeCheckpoint', serializeCheckpoint], ['serializeCheckpointChunks', serializeCheckpointChunks]] as const) {
      assert.throws(() => write(bad as never), (e: Error) => e instanceof OptionError && e.message.startsWith(`${name}()'s model must be a model as loadModel() or train() return it (`) && e.message.includes(got));
    }
  }
  assert.equal(serializeCheckpoint(m.ref), codecSerialize(m.ref));
  assert.equal([...serializeCheckpointChunks(m.ref)].join(''), codecSerialize(m.ref));
});

test('serializeTagger and serializeTaggerChunks: anything but a whole tagger is one OptionError naming the tagger', () => {
  for (const [bad, got] of BAD) {
    for (const [name, write] of [['serializeTagger', serializeTagger], ['serializeTaggerChunks', serializeTaggerChunks]] as const) {
      assert.throws(() => write(bad as never), (e: Error) => e instanceof OptionError && e.message.startsWith(`${name}()'s tagger must be a tagger as loadTagger() or tagTrain() return it (`) && e.message.includes(got.replace('got ', '')));
    }
  }
  assert.throws(() => serializeTagger(m.ref as never), (e: Error) => e instanceof OptionError && /^serializeTagger\(\)'s tagger must be a tagger .*\(got a language model\)$/.test(e.message));
  assert.throws(() => serializeTagger({ ...tg, labels: tg.labels.slice(0, 1) }), (e: Error) => e instanceof OptionError && /^serializeTagger\(\)'s tagger is not a whole tagger: /.test(e.message));
  assert.equal(serializeTagger(tg), codecSerializeTagger(tg));
  assert.equal([...serializeTaggerChunks(tg)].join(''), codecSerializeTagger(tg));
});

test('onnxModel: producerVersion must be a string (or left out), else one OptionError naming it', () => {
  for (const [bad, shown] of [[null, 'null'], [5, '5'], [{}, 'an object']] as const) {
    assert.throws(() => onnxModel(m.ref, bad as never), (e: Error) => e instanceof OptionError && e.message === `onnxModel()'s producerVersion must be a string (got ${shown})`);
  }
  assert.deepEqual(onnxModel(m.ref, undefined), onnxModel(m.ref, ''));
});
