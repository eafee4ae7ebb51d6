/**
 * The pieces behind the library's one-line option errors: the edit distance
 * and the closest-name suggestion (hand-worked cases and invariants), how a
 * value is shown, and the schemas the command line and the library share
 * (the very same zod objects, not copies).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  closest, describeValue, editDistance, sampleOptionsSchema, sampleOptionsShape, thrownText, trainOptionsSchema, trainOptionsShape,
} from '../../src/api/options.js';
import { sampleOptionsSchema as sampleCliSchema } from '../../src/cli/commands/sample.js';
import { trainCliSchema } from '../../src/cli/commands/train.js';

test('editDistance: hand-worked cases (insert, delete, substitute, swap two neighbours: 1 each)', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3); // k→s, e→i, +g
  assert.equal(editDistance('hiden', 'hidden'), 1);
  assert.equal(editDistance('ab', 'ba'), 1); // one swap, not two substitutions
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('😀a', 'a'), 1, 'a code point is one character');
});

test('editDistance: zero on itself, symmetric, between the length difference and the longer length', () => {
  fc.assert(fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
    const d = editDistance(a, b);
    const [la, lb] = [Array.from(a).length, Array.from(b).length];
    return editDistance(a, a) === 0 && d === editDistance(b, a) && d >= Math.abs(la - lb) && d <= Math.max(la, lb) && (d === 0) === (a === b);
  }));
});

test('closest: the same name in another case or with - and _, else a near spelling, else nothing', () => {
  const train = Object.keys(trainOptionsShape);
  const sample = Object.keys(sampleOptionsShape);
  assert.equal(closest('hiden', train), 'hidden');
  assert.equal(closest('max-time', train), 'maxTime');
  assert.equal(closest('MAX_VOCAB', train), 'maxVocab');
  assert.equal(closest('layer', train), 'layers');
  assert.equal(closest('temprature', sample), 'temperature');
  assert.equal(closest('topk', sample), 'topK');
  assert.equal(closest('hiddenSize', train), null, 'four edits away: no guess');
  assert.equal(closest('x', sample), null, 'one letter is never "near" a two-letter name');
  for (const k of train) assert.equal(closest(k, train), k);
});

test('describeValue: what an error message shows for a value', () => {
  assert.equal(describeValue(Infinity), 'Infinity');
  assert.equal(describeValue(NaN), 'NaN');
  assert.equal(describeValue(1.5), '1.5');
  assert.equal(describeValue('a\nb'), '"a\\nb"', 'quoted, a line break as an escape');
  assert.equal(describeValue('x'.repeat(100)), JSON.stringify('x'.repeat(57) + '…'));
  assert.equal(describeValue(Buffer.from('abc')), 'a Buffer of 3 bytes');
  assert.equal(describeValue(new Map()), 'a Map');
  assert.equal(describeValue([1, 2]), 'an array of 2');
  assert.equal(describeValue(() => 1), 'a function');
  assert.equal(describeValue(Promise.resolve()), 'a Promise (await it first)');
  assert.equal(describeValue(undefined), 'undefined');
  assert.equal(describeValue(10n), '10n');
});

test('the command line and the library validate with the same schema objects', () => {
  for (const [key, field] of Object.entries(sampleOptionsShape)) {
    assert.equal(sampleCliSchema.shape[key as keyof typeof sampleOptionsShape], field, `sample: ${key}`);
    assert.equal(sampleOptionsSchema.shape[key as keyof typeof sampleOptionsShape], field, `sample(): ${key}`);
  }
  for (const [key, field] of Object.entries(trainOptionsShape)) {
    assert.equal(trainCliSchema.shape[key as keyof typeof trainOptionsShape], field, `train: ${key}`);
    assert.equal(trainOptionsSchema.shape[key as keyof typeof trainOptionsShape], field, `train(): ${key}`);
  }
});

test('thrownText cuts a long message at 77 UTF-16 units, never inside a surrogate pair', () => {
  const pair = 'a'.repeat(76) + '😀' + 'b'.repeat(10); // the emoji's high half is unit 76
  const cut = JSON.parse(thrownText(pair)) as string;
  assert.equal(cut, `${'a'.repeat(76)}…`);
  assert.equal(JSON.parse(thrownText('c'.repeat(100))), `${'c'.repeat(77)}…`);
  assert.equal(JSON.parse(thrownText('short')), 'short');
});
