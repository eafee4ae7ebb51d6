/**
 * api/encode.ts: encodeText and idsSafetensors, as the library offers them:
 * every argument checked first, a wrong one refused with one OptionError
 * naming it (never a TypeError from inside).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { encodeText, idsSafetensors } from '../../src/api/encode.js';
import { OptionError } from '../../src/core/errors.js';
import { tinyModel, type TinyModel } from './tiny-model.js';

let m: TinyModel;
before(async () => { m = await tinyModel(); });
after(() => rmSync(m.dir, { recursive: true, force: true }));

test('encodeText: the text must be a string or bytes; anything else is one OptionError naming it', () => {
  for (const [bad, shown] of [[undefined, 'undefined'], [null, 'null'], [5, '5'], [{}, 'an object'], [['ab'], 'an array of 1']] as const) {
    assert.throws(() => encodeText(m.ref, bad as never),
      (e: Error) => e instanceof OptionError && e.message === `encodeText()'s text must be a string, or a Uint8Array (or Buffer) of UTF-8 bytes (got ${shown})`);
  }
  const asText = encodeText(m.ref, 'ab\nc\n');
  const asBytes = encodeText(m.ref, new TextEncoder().encode('ab\nc\n'));
  assert.deepEqual(asBytes, asText);
  assert.equal(asText.sentences, 2);
});

test('idsSafetensors: the model, then the corpus (what encodeText returns), each refused with one OptionError naming it', () => {
  const corpus = encodeText(m.ref, 'ab\nc\n');
  for (const [bad, shown] of [[undefined, 'undefined'], [null, 'null'], [5, '5']] as const) {
    assert.throws(() => idsSafetensors(bad as never, corpus), (e: Error) => e instanceof OptionError && e.message === `idsSafetensors()'s model must be a model as loadModel() or train() return it (got ${shown})`);
  }
  for (const [bad, shown] of [[undefined, 'undefined'], [null, 'null'], [5, '5'], [{}, 'an object'], ['ab', '"ab"'], [{ ids: [1], starts: [0, 1], unkCount: 0 }, 'an object']] as const) {
    assert.throws(() => idsSafetensors(m.ref, bad as never), (e: Error) => e instanceof OptionError && e.message === `idsSafetensors()'s corpus must be what encodeText() returns, { ids, starts, unkCount } (got ${shown})`);
  }
  const file = [...idsSafetensors(m.ref, corpus)];
  assert.ok(file.length > 0 && file.every((c) => c instanceof Uint8Array));
});
