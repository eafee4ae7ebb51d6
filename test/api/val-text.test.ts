/**
 * A validation text of its own (train()'s `valText`, `rnnlm train --val-file`):
 * the validation loss a run reports is the cross-entropy of the model on that
 * text as evaluate() computes it on its own; the vocabulary comes from the
 * corpus alone; a resumed run must be given the same text (and only then).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basicPlatform } from '../../src/api/platform.js';
import { train } from '../../src/api/train.js';
import { evaluate } from '../../src/api/evaluate.js';
import { parseCheckpoint, serializeCheckpoint } from '../../src/checkpoint/codec.js';
import { DataError, OptionError } from '../../src/core/errors.js';

const CORPUS = 'the cat sat\nthe dog sat\na cat ran\nthe dog ran far\na dog sat\n'.repeat(4);
const VALID = 'the cat ran\nzebra sat far\na dog\n';
const OPTS = { level: 'word', hidden: 8, embedding: 4, layers: 1, batch: 4, maxSteps: 6, evalEvery: 6, seed: 3 } as const;

test('valText: the reported validation loss is evaluate() of the model on that text; its words outside the corpus are <UNK>; nothing of the corpus is held out', async () => {
  const out = await train(basicPlatform(), CORPUS, OPTS, { valText: VALID });
  const ck = out.checkpoint;
  assert.ok(!ck.vocab.tokens.includes('zebra'), 'the vocabulary is built from the corpus alone');
  const e = await evaluate(basicPlatform(), ck, VALID);
  assert.equal(e.tokens, 3 + 3 + 2 + 3, 'three sentences, each with its <EOS>');
  const last = ck.training!.state.history.at(-1)!;
  assert.ok(last.valLoss !== null && Math.abs(last.valLoss - e.crossEntropy) < 1e-6, `${last.valLoss} vs ${e.crossEntropy}`);
  // every corpus line is trained on: 20 lines, 4 words + <EOS> on average … counted from the text itself
  const corpusTokens = CORPUS.trim().split('\n').reduce((n, l) => n + l.split(' ').length + 1, 0);
  const trained = await evaluate(basicPlatform(), ck, CORPUS);
  assert.equal(trained.tokens, corpusTokens);
  assert.equal(ck.training!.options['valFraction'], undefined, 'no fraction was held out');
  assert.equal(typeof ck.meta['valFingerprint'], 'string');
});

test('valText as UTF-8 bytes is the same text; bad bytes, a NUL, blank text and a wrong type are one-line errors', async () => {
  const a = await train(basicPlatform(), CORPUS, OPTS, { valText: VALID });
  const b = await train(basicPlatform(), CORPUS, OPTS, { valText: new TextEncoder().encode(VALID) });
  const losses = (h: { valLoss: number | null; trainLoss: number }[]) => h.map((x) => [x.trainLoss, x.valLoss]);
  assert.deepEqual(losses(b.checkpoint.training!.state.history), losses(a.checkpoint.training!.state.history));
  await assert.rejects(train(basicPlatform(), CORPUS, OPTS, { valText: Uint8Array.from([0x61, 0xff, 0x0a]) }), DataError);
  await assert.rejects(train(basicPlatform(), CORPUS, OPTS, { valText: 'a\u0000b' }), (e: Error) => e instanceof DataError && /binary/.test(e.message));
  await assert.rejects(train(basicPlatform(), CORPUS, OPTS, { valText: '\n \n' }), (e: Error) => e instanceof DataError && /validation text is empty/.test(e.message));
  await assert.rejects(train(basicPlatform(), CORPUS, OPTS, { valText: 'a\ud800b' }), (e: Error) => e instanceof DataError && /validation text holds a lone surrogate/.test(e.message));
  await assert.rejects(train(basicPlatform(), CORPUS, OPTS, { valText: 42 as never }), (e: Error) => e instanceof OptionError && /callbacks\.valText must be a string/.test(e.message) && !e.message.includes('\n'));
  await assert.rejects(train(basicPlatform(), CORPUS, { ...OPTS, valFraction: 0.2 }, { valText: VALID }), (e: Error) => e instanceof OptionError && /valText and valFraction cannot go together/.test(e.message));
});

test('resume: the same validation text continues exactly; none, another, or one where the run had none are refused', async () => {
  const first = await train(basicPlatform(), CORPUS, { ...OPTS, maxSteps: 3, evalEvery: 3 }, { valText: VALID });
  const resumed = await train(basicPlatform(), CORPUS, { maxSteps: 3 }, { resume: parseCheckpoint(serializeCheckpoint(first.checkpoint)), valText: VALID });
  const straight = await train(basicPlatform(), CORPUS, { ...OPTS, maxSteps: 6, evalEvery: 3 }, { valText: VALID });
  assert.deepEqual(resumed.checkpoint.training!.state.history.map((h) => h.valLoss), straight.checkpoint.training!.state.history.map((h) => h.valLoss));
  assert.deepEqual(Array.from(resumed.checkpoint.model.params.data), Array.from(straight.checkpoint.model.params.data));

  const ck = () => parseCheckpoint(serializeCheckpoint(first.checkpoint));
  await assert.rejects(train(basicPlatform(), CORPUS, { maxSteps: 1 }, { resume: ck() }), (e: Error) => e instanceof DataError && /validated on a text of its own/.test(e.message));
  await assert.rejects(train(basicPlatform(), CORPUS, { maxSteps: 1 }, { resume: ck(), valText: 'another text\n' }), (e: Error) => e instanceof DataError && /not the one/.test(e.message));
  const held = await train(basicPlatform(), CORPUS, { ...OPTS, maxSteps: 2, valFraction: 0.2 });
  await assert.rejects(train(basicPlatform(), CORPUS, { maxSteps: 1 }, { resume: parseCheckpoint(serializeCheckpoint(held.checkpoint)), valText: VALID }),
    (e: Error) => e instanceof OptionError && /was not validated on a text of its own/.test(e.message));
});
