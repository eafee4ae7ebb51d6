/**
 * The tagger's training loop's batches (core/tagger-train.ts): every sentence
 * once per epoch, at most B sentences and batchWords padded words a batch
 * (a longer sentence alone), sentences of nearly one length together, the
 * same cut points every epoch, the order a function of the seed alone; and
 * the workspace pool: one workspace per batch level, never larger than
 * batchWords slots below level 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRng } from '../../src/core/rng.js';
import { createTagger } from '../../src/core/tagger.js';
import { batchLevel, bucketBatches, createTaggerWorkspacePool, epochBatches, sentenceBatch, TAG_UNK, wordDropProbabilities, type EncodedTagSentence } from '../../src/core/tagger-train.js';

test('batchLevel: the largest of B, ⌈B/2⌉, ⌈B/4⌉, … 1 with level·T ≤ batchWords', () => {
  // B 32, 1280 words: T ≤ 40 → 32; 41…80 → 16; 81…160 → 8; 161…320 → 4; … ; > 1280 → 1
  assert.equal(batchLevel(1, 32, 1280), 32);
  assert.equal(batchLevel(40, 32, 1280), 32);
  assert.equal(batchLevel(41, 32, 1280), 16);
  assert.equal(batchLevel(80, 32, 1280), 16);
  assert.equal(batchLevel(81, 32, 1280), 8);
  assert.equal(batchLevel(159, 32, 1280), 8);
  assert.equal(batchLevel(640, 32, 1280), 2);
  assert.equal(batchLevel(641, 32, 1280), 1);
  assert.equal(batchLevel(5000, 32, 1280), 1);
  // B 5: 5, 3, 2, 1 (ceilings), batchWords 20: T ≤ 4 → 5, ≤ 6 → 3, ≤ 10 → 2
  assert.deepEqual([4, 5, 6, 7, 10, 11].map((T) => batchLevel(T, 5, 20)), [5, 3, 3, 2, 2, 1]);
});

test('bucketBatches: by length, each batch within its level; the example worked by hand', () => {
  // lengths 3 1 9 2 9 1 5, B 2, batchWords 10: sorted (stable) 1(1) 1(5) 2(3) 3(0) 5(6) 9(2) 9(4)
  // levels: T ≤ 5 → 2, T 9 → 1 (2·9 > 10); so [1 5] [3 0] [6] [2] [4]
  const lengths = [3, 1, 9, 2, 9, 1, 5];
  assert.deepEqual(bucketBatches(lengths, [0, 1, 2, 3, 4, 5, 6], 2, 10), [[1, 5], [3, 0], [6], [2], [4]]);
});

test('epochBatches: every sentence once, limits kept, the same cut points each epoch, the order the seed\'s', () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    (lengths, B, perSentence, seed) => {
      const W = B * perSentence;
      const plans = [epochBatches(lengths, B, W, seed), epochBatches(lengths, B, W, seed ^ 0x5bd1e995), epochBatches(lengths, B, W, null)];
      for (const plan of plans) {
        assert.deepEqual(plan.flat().sort((a, b) => a - b), lengths.map((_, i) => i), 'each sentence once');
        for (const batch of plan) {
          const T = Math.max(...batch.map((i) => lengths[i]!));
          assert.ok(batch.length <= B, 'at most B sentences');
          assert.ok(batch.length === 1 || batch.length * Math.max(1, T) <= W, 'at most batchWords padded words, or alone');
        }
        // the cut points depend on the lengths alone: the multiset of batch shapes is the same every epoch
        const shapes = (p: number[][]) => p.map((b) => `${b.length}×${Math.max(...b.map((i) => lengths[i]!))}`).sort();
        assert.deepEqual(shapes(plan), shapes(plans[2]!));
      }
      assert.deepEqual(epochBatches(lengths, B, W, seed), plans[0], 'the same seed, the same order');
    }), { numRuns: 200, seed: 17 });
});

test('word dropout: a word seen c times is read as <UNK> with probability α/(α + c), as a function of the seed alone', () => {
  // ids 1…7 cycle through 50 sentences of 40 words: every id 2000/7 ≈ 285.7 times, except as counted below
  const sentences: EncodedTagSentence[] = Array.from({ length: 50 }, (_, i) => ({ words: Int32Array.from({ length: 40 }, (_, t) => 1 + ((i + t) % 7)), chars: null, labels: new Int32Array(40) }));
  const idx = sentences.map((_, i) => i);
  const counts = new Float64Array(9);
  for (const s of sentences) for (const w of s.words) counts[w]!++;
  const p = wordDropProbabilities(9, sentences, 100);
  for (let id = 1; id < 8; id++) assert.equal(p[id], 100 / (100 + counts[id]!));
  assert.equal(p[8], 1, 'a word never seen: always <UNK> (α/(α + 0))');
  assert.equal(p[TAG_UNK], 0);
  const a = sentenceBatch(sentences, idx, p, 12345), b = sentenceBatch(sentences, idx, p, 12345), c = sentenceBatch(sentences, idx, p, 999);
  assert.deepEqual(a.words, b.words);
  assert.notDeepEqual(a.words, c.words);
  const unk = a.words.filter((w) => w === TAG_UNK).length;
  // 2,000 draws at 100/(100 + ~285.7) ≈ 0.259: mean ≈ 519, sd ≈ 19.6; 6 sd either way
  assert.ok(unk > 400 && unk < 640, `${unk} of 2000`);
  assert.equal(sentenceBatch(sentences, idx).words.filter((w) => w === TAG_UNK).length, 0);
});

test('the workspace pool: one per level, at most batchWords slots a workspace above level 1, reused', () => {
  const model = createTagger({ cell: 'gru', peephole: false, layers: 1, hidden: 2, vocabSize: 5, embedding: 2, labels: 2, dropout: 0, chars: { vocabSize: 4, embedding: 2, hidden: 2 } });
  const pool = createTaggerWorkspacePool(model, 8, 40, 6);
  const rng = createRng(3);
  const sentence = (n: number): EncodedTagSentence => ({
    words: Int32Array.from({ length: n }, () => rng.int(5)), chars: Array.from({ length: n }, () => Int32Array.from({ length: 1 + rng.int(6) }, () => rng.int(4))), labels: null,
  });
  const lengths = [1, 2, 3, 4, 5, 6, 7, 9, 12, 20, 30, 41, 70];
  const set = lengths.flatMap((n) => [sentence(n), sentence(n)]);
  const plan = epochBatches(set.map((s) => s.words.length), 8, 40, 5);
  for (const idx of plan) pool.reserve(Math.max(...idx.map((i) => set[i]!.words.length)), idx.length);
  const seen = new Map<number, object>();
  for (const idx of plan) {
    const batch = sentenceBatch(set, idx);
    const ws = pool.for(batch);
    const level = batchLevel(batch.T, 8, 40);
    assert.ok(level === 1 || ws.T * ws.B <= 40, `level ${level}: ${ws.T}×${ws.B}`);
    if (seen.has(level)) assert.equal(seen.get(level), ws, 'made once, before the first batch, at its final size');
    seen.set(level, ws);
  }
  assert.deepEqual([...seen.keys()].sort((a, b) => a - b), [1, 2, 4, 8]);
});

test('the pool without reservations (prediction): workspaces grow by doubling, never past batchWords slots above level 1', () => {
  const model = createTagger({ cell: 'rnn', peephole: false, layers: 1, hidden: 2, vocabSize: 3, embedding: 2, labels: 2, dropout: 0, chars: null });
  const pool = createTaggerWorkspacePool(model, 8, 40, 0);
  const sentence = (n: number): EncodedTagSentence => ({ words: new Int32Array(n), chars: null, labels: null });
  let made = 0, last: object | null = null;
  // level 8 holds T ≤ 5: one sentence of 1 word, then ever longer and fuller batches
  for (const [T, count] of [[1, 1], [2, 1], [2, 3], [3, 8], [5, 8], [4, 2], [5, 5]] as const) {
    const ws = pool.for(sentenceBatch(Array.from({ length: count }, () => sentence(T)), Array.from({ length: count }, (_, i) => i)));
    assert.ok(ws.T >= T && ws.B >= count && ws.T * ws.B <= 40, `${T}×${count}: ${ws.T}×${ws.B}`);
    if (ws !== last) made++;
    last = ws;
  }
  // 1×1, 2×2, 4×4 (each doubled), then 5×8 (T doubled to 8, capped at 40/8 = 5; B 8): four sizes, the last one kept
  assert.equal(made, 4);
});
