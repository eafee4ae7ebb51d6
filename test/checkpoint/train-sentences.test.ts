/**
 * The training-sentence set in a checkpoint (top-level "trainSentences"):
 * written as base64 of the little-endian uint32 (high, low) pairs with its
 * hash name and count, read back bit for bit, absent (not null) when there is
 * none so older files keep their text; every damage refused on read, a set
 * that is not sorted refused on write; training fills it in line and
 * paragraph modes and not in file mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointError, parseCheckpoint, serializeCheckpoint, type Checkpoint } from '../../src/checkpoint/codec.js';
import { basicPlatform } from '../../src/api/platform.js';
import { train } from '../../src/api/train.js';
import { hashIds, inSentenceSet } from '../../src/api/novelty.js';
import { Uint32Base64, base64ToUint32 } from '../../src/checkpoint/binary.js';
import { makeCheckpoint, VARIANTS } from './tiny-checkpoint.js';

const SET = Uint32Array.from([0, 7, 1, 2, 1, 3, 0xffffffff, 0]);

function withSet(set: Uint32Array | null | undefined): Checkpoint {
  return { ...makeCheckpoint(VARIANTS[0]!, true), trainSentences: set };
}

test('trainSentences is written as base64 of little-endian (high, low) pairs and read back equal', () => {
  const text = serializeCheckpoint(withSet(SET));
  const j = JSON.parse(text);
  assert.deepEqual(Object.keys(j), ['format', 'version', 'meta', 'config', 'tokenizer', 'vocab', 'tensors', 'training', 'trainSentences']);
  assert.equal(j.trainSentences.hash, 'fnv1a64');
  assert.equal(j.trainSentences.count, 4);
  // the bytes, written out by hand: each uint32 low byte first
  const bytes = Buffer.from([0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0]);
  assert.equal(j.trainSentences.data, bytes.toString('base64'));
  const back = parseCheckpoint(text);
  assert.ok(back.trainSentences instanceof Uint32Array);
  assert.deepEqual([...back.trainSentences!], [...SET]);
  assert.equal(serializeCheckpoint(back), text, 'serialize ∘ parse is the identity');
});

test('uint32 base64: the byte-order-explicit path (a big-endian platform\'s) writes and reads the same text', () => {
  const native = [...new Uint32Base64(SET).slices()].join('');
  assert.equal([...new Uint32Base64(SET).slices(false)].join(''), native);
  const a = new Uint32Array(SET.length), b = new Uint32Array(SET.length);
  assert.equal(base64ToUint32(native, a), -1);
  assert.equal(base64ToUint32(native, b, false), -1);
  assert.deepEqual([...a], [...SET]);
  assert.deepEqual([...b], [...SET]);
});

test('no set: the field is absent from the file (older files keep their text), and absent or null reads as null', () => {
  for (const none of [undefined, null]) {
    const text = serializeCheckpoint(withSet(none));
    assert.ok(!('trainSentences' in JSON.parse(text)));
    assert.equal(parseCheckpoint(text).trainSentences, null);
  }
  const j = JSON.parse(serializeCheckpoint(withSet(null)));
  j.trainSentences = null;
  assert.equal(parseCheckpoint(JSON.stringify(j)).trainSentences, null);
  // an empty set is a set: zero pairs
  const empty = parseCheckpoint(serializeCheckpoint(withSet(new Uint32Array(0))));
  assert.equal(empty.trainSentences!.length, 0);
});

test('a damaged trainSentences is refused on read, naming the field', () => {
  const base = JSON.parse(serializeCheckpoint(withSet(SET)));
  const cases: [string, (ts: Record<string, unknown>) => void, RegExp][] = [
    ['another hash', (ts) => { ts['hash'] = 'md5'; }, /trainSentences\.hash should be "fnv1a64", got "md5"/],
    ['count too large', (ts) => { ts['count'] = 5; }, /trainSentences\.data has 32 bytes \(8 uint32\); count 5 \(two uint32 per hash\) needs 40 bytes/],
    ['count negative', (ts) => { ts['count'] = -1; }, /trainSentences\.count should be at least 0/],
    ['count fractional', (ts) => { ts['count'] = 1.5; }, /trainSentences\.count should be an integer/],
    ['not sorted', (ts) => { ts['data'] = Buffer.from(new Uint8Array(Uint32Array.from([1, 3, 1, 2]).buffer)).toString('base64'); ts['count'] = 2; }, /trainSentences\.data is not sorted: hash 1 is below hash 0/],
    ['a hash twice', (ts) => { ts['data'] = Buffer.from(new Uint8Array(Uint32Array.from([1, 3, 1, 3]).buffer)).toString('base64'); ts['count'] = 2; }, /hash 1 is the same as hash 0/],
    ['not base64', (ts) => { ts['data'] = `${(ts['data'] as string).slice(0, 8)}!${(ts['data'] as string).slice(9)}`; }, /trainSentences\.data is not base64: "!" at character 8/],
    ['data missing', (ts) => { delete ts['data']; }, /trainSentences\.data is missing/],
    ['not an object', (ts) => { ts['x'] = 1; }, /./], // extra keys are ignored: this one must parse (checked below)
  ];
  for (const [what, edit, re] of cases) {
    const j = structuredClone(base);
    edit(j.trainSentences);
    if (what === 'not an object') {
      assert.deepEqual([...parseCheckpoint(JSON.stringify(j)).trainSentences!], [...SET]);
      continue;
    }
    assert.throws(() => parseCheckpoint(JSON.stringify(j)), (e: unknown) => e instanceof CheckpointError && re.test(e.message) && !e.message.includes('\n'), what);
  }
  const j = structuredClone(base);
  j.trainSentences = [1, 2];
  assert.throws(() => parseCheckpoint(JSON.stringify(j)), /trainSentences should be an object/);
});

test('a set that is not sorted pairs is refused on write', () => {
  assert.throws(() => serializeCheckpoint(withSet(Uint32Array.from([2, 0, 1, 0]))), /cannot write the checkpoint: trainSentences is not sorted: hash 1 is below hash 0/);
  assert.throws(() => serializeCheckpoint(withSet(Uint32Array.from([1, 2, 3]))), /trainSentences has 3 values, not whole \(high, low\) pairs/);
  assert.throws(() => serializeCheckpoint(withSet([1, 2] as unknown as Uint32Array)), /trainSentences should be a Uint32Array/);
});

test('training fills the set with the training and validation sentences (line mode), none in file mode', async () => {
  // 5 lines, one repeated: 4 distinct sentences, all of them in the set whichever part (training or validation) holds them
  const text = 'ab\nba\nab\nabc\nc\n';
  const opts = { hidden: 4, layers: 1, maxSteps: 1, valFraction: 0.4, seed: 3, batch: 1 };
  const out = await train(basicPlatform(), text, opts);
  const set = out.checkpoint.trainSentences!;
  assert.equal(set.length, 2 * 4);
  const ids = (s: string) => [...s].map((c) => out.checkpoint.vocab.index.get(c)!);
  for (const s of ['ab', 'ba', 'abc', 'c']) assert.ok(inSentenceSet(set, ids(s)), s);
  assert.ok(!inSentenceSet(set, ids('b')));
  // the hash of "ab" by the definition, found in the set
  const [h, l] = hashIds(ids('ab'));
  assert.ok([...Array(set.length / 2).keys()].some((i) => set[2 * i] === h && set[2 * i + 1] === l));
  // it survives the file
  assert.deepEqual([...parseCheckpoint(serializeCheckpoint(out.checkpoint)).trainSentences!], [...set]);

  const file = await train(basicPlatform(), text, { ...opts, sentence: 'file', valFraction: 0 });
  assert.equal(file.checkpoint.trainSentences, null);
  // paragraph mode: a paragraph is a sentence
  const para = await train(basicPlatform(), 'ab\nc\n\nba\n', { ...opts, sentence: 'paragraph', valFraction: 0 });
  const pid = (s: string) => [...s].map((c) => para.checkpoint.vocab.index.get(c)!);
  assert.equal(para.checkpoint.trainSentences!.length, 2 * 2);
  assert.ok(inSentenceSet(para.checkpoint.trainSentences!, pid('ab\nc')));
  assert.ok(inSentenceSet(para.checkpoint.trainSentences!, pid('ba')));
});
