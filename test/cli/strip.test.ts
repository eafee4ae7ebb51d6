/**
 * Model-only checkpoints: `rnnlm strip` and saveModel(ck, path, { modelOnly })
 * write "training": null and keep everything else (weights bit for bit,
 * vocabulary, tokenizer, meta, the sentence set) in a fraction of the size;
 * info says which kind a file is; --resume refuses a stripped file while
 * --init-from takes it; strip's refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint, serializeCheckpoint } from '../../src/checkpoint/codec.js';
import { loadModel, saveModel } from '../../src/node/library.js';
import { runCli, tempDir } from '../helpers/fake-host.js';

const bits = (v: ArrayLike<number>) => [...new Uint32Array(Float32Array.from(v).buffer)];

async function trained() {
  const d = tempDir();
  writeFileSync(join(d, 'c.txt'), 'emma\nolivia\nava\nisabella\nsophia\nmia\n');
  const full = join(d, 'full.json');
  const r = await runCli(['train', join(d, 'c.txt'), '-o', full, '--hidden', '24', '--layers', '1', '--max-steps', '2', '--val-fraction', '0', '-q', '--samples', '0']);
  assert.equal(r.code, 0, r.stderr);
  return { d, full, corpus: join(d, 'c.txt') };
}

test('strip: training null, everything else kept, a fraction of the size; info tells the kinds apart', async () => {
  const { d, full, corpus } = await trained();
  const small = join(d, 'small.json');
  const r = await runCli(['strip', full, '-o', small]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote \S*small\.json: the model only, .*cannot be resumed/);
  const a = parseCheckpoint(readFileSync(full, 'utf8')), b = parseCheckpoint(readFileSync(small, 'utf8'));
  assert.equal(b.training, null);
  assert.deepEqual(bits(b.model.params.data), bits(a.model.params.data));
  assert.deepEqual(b.vocab.tokens, a.vocab.tokens);
  assert.deepEqual(b.counts, a.counts);
  assert.deepEqual(b.tokenizer, a.tokenizer);
  assert.deepEqual(b.meta, a.meta);
  assert.deepEqual([...b.trainSentences!], [...a.trainSentences!]);
  assert.equal(b.trainSentences!.length, 2 * 6);
  // Adam's m and v are each as large as the weights: the full file holds at least 3 copies, the stripped one 1
  const ratio = statSync(small).size / statSync(full).size;
  assert.ok(ratio < 0.4, `stripped / full = ${ratio}`);

  const infoFull = await runCli(['info', full]);
  assert.match(infoFull.stdout, /kind +with training state: train --resume continues it/);
  assert.match(infoFull.stdout, /sentences +6 training sentences kept as hashes/);
  const infoSmall = await runCli(['info', small, '--json']);
  const j = JSON.parse(infoSmall.stdout);
  assert.equal(j.kind, 'model-only');
  assert.equal(j.trainSentences, 6);
  assert.match((await runCli(['info', small])).stdout, /kind +model only: cannot --resume/);

  // --resume refuses it; --init-from takes it
  const resume = await runCli(['train', corpus, '--resume', small, '-o', join(d, 'r.json'), '-q', '--samples', '0']);
  assert.equal(resume.code, 1);
  assert.match(resume.stderr, /without training state/);
  const tune = await runCli(['train', corpus, '--init-from', small, '-o', join(d, 't.json'), '--max-steps', '1', '-q', '--samples', '0']);
  assert.equal(tune.code, 0, tune.stderr);
});

test('strip refusals: no -o, -o -, the same file, not a checkpoint', async () => {
  const { d, full } = await trained();
  const none = await runCli(['strip', full]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /-o/);
  const dash = await runCli(['strip', full, '-o', '-']);
  assert.equal(dash.code, 2);
  assert.match(dash.stderr, /standard output/);
  const same = await runCli(['strip', full, '-o', full]);
  assert.notEqual(same.code, 0);
  assert.match(same.stderr, /^rnnlm: .* — /m);
  assert.ok(parseCheckpoint(readFileSync(full, 'utf8')).training !== null, 'the full file is left as it was');
  writeFileSync(join(d, 'x.txt'), 'hello\n');
  const bad = await runCli(['strip', join(d, 'x.txt'), '-o', join(d, 'y.json')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /x\.txt/);
});

test('saveModel(ck, path, { modelOnly: true }) writes the model alone; bad options refused', async () => {
  const { d, full } = await trained();
  const ck = await loadModel(full);
  const p = join(d, 'lib.json');
  await saveModel(ck, p, { modelOnly: true });
  const back = parseCheckpoint(readFileSync(p, 'utf8'));
  assert.equal(back.training, null);
  assert.ok(ck.training !== null, 'the checkpoint given is not changed');
  assert.equal(readFileSync(p, 'utf8'), serializeCheckpoint({ ...ck, training: null }));
  await saveModel(ck, p);
  assert.ok(parseCheckpoint(readFileSync(p, 'utf8')).training !== null, 'the default keeps the training state');
  await assert.rejects(saveModel(ck, p, { modelonly: true } as never), /saveModel\(\) has no option "modelonly"/);
  await assert.rejects(saveModel(ck, p, { modelOnly: 1 } as never), /modelOnly must be true or false/);
  await assert.rejects(saveModel(ck, p, 'small' as never), /options must be an object/);
});
