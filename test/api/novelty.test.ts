/**
 * The training-sentence set: its hash is 64-bit FNV-1a over the ids' little-
 * endian bytes (checked against a BigInt computation of the definition), the
 * set is sorted without duplicates, and membership is exact for what was put
 * in (and false for near misses).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hashIds, inSentenceSet, sentenceSet } from '../../src/api/novelty.js';

function fnv1a64(ids: number[]): bigint {
  let h = 0xcbf29ce484222325n;
  for (const v of ids) {
    for (let k = 0; k < 4; k++) {
      h ^= BigInt((v >>> (8 * k)) & 0xff);
      h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    }
  }
  return h;
}

test('hashIds is 64-bit FNV-1a of the ids\' bytes (the BigInt definition)', () => {
  assert.equal(hashIds([]).map((x) => BigInt(x)).reduce((a, b) => (a << 32n) | b), 0xcbf29ce484222325n);
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { maxLength: 40 }), (ids) => {
    const [hi, lo] = hashIds(ids);
    assert.equal((BigInt(hi) << 32n) | BigInt(lo), fnv1a64(ids));
  }), { numRuns: 300 });
});

test('sentenceSet holds each sentence once, sorted; inSentenceSet finds exactly those', () => {
  // three sentences (ids then <EOS> = 0), one repeated
  const ids = Int32Array.from([5, 6, 0, 7, 0, 5, 6, 0, 9, 9, 9, 0]);
  const starts = Int32Array.from([0, 3, 5, 8, 12]);
  const set = sentenceSet({ ids, starts, unkCount: 0 });
  assert.equal(set.length, 2 * 3);
  for (let i = 2; i < set.length; i += 2) assert.ok(set[i - 2]! < set[i]! || (set[i - 2] === set[i] && set[i - 1]! < set[i + 1]!));
  for (const s of [[5, 6], [7], [9, 9, 9]]) assert.ok(inSentenceSet(set, s), String(s));
  for (const s of [[5], [6, 5], [7, 0], [9, 9], []]) assert.ok(!inSentenceSet(set, s), String(s));
});
