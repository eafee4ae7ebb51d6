/**
 * Scoring invariants: the per-token log-probabilities are the model's
 * conditionals (checked against a direct forward pass, one sentence, one
 * window), the total is their sum, batching and window length change nothing
 * beyond rounding, and perplexity is exp(−total / N).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, forward, initModel, type ModelConfig } from '../../src/core/model.js';
import { createRng } from '../../src/core/rng.js';
import { createWorkspace } from '../../src/core/workspace.js';
import { logSumExp } from '../../src/core/loss.js';
import { createScorer, perplexity, scoreSentences } from '../../src/core/score.js';
import { EOS, UNK } from '../../src/core/vocab.js';

const V = 7;
const config: ModelConfig = { cell: 'lstm', peephole: false, layers: 2, hidden: 6, vocabSize: V, embedding: 0, dropout: 0 };
const model = createModel(config);
initModel(model, createRng(5));
const sentences = [Int32Array.from([2, 3, 4]), Int32Array.from([]), Int32Array.from([6, 1, 5, 2, 2, 3, 4, 5, 6]), Int32Array.from([5])];

/** log P of each token of ids + EOS from one forward pass over the whole sentence. */
function direct(ids: Int32Array): number[] {
  const full = [...ids, EOS];
  const T = full.length;
  const ws = createWorkspace(model, T, 1);
  const inputs = Int32Array.from([-1, ...full.slice(0, -1)]);
  forward(model, ws, inputs, T, null);
  return full.map((y, t) => ws.logits[t * V + y]! - logSumExp(ws.logits, t * V, V));
}

test('per-token log-probabilities are the conditionals, EOS included; the total is their sum', () => {
  const scores = scoreSentences(model, sentences, { batch: 3, bptt: 4 });
  scores.forEach((sc, i) => {
    const want = direct(sentences[i]!);
    assert.equal(sc.tokens, sentences[i]!.length + 1);
    assert.equal(sc.ids[sc.ids.length - 1], EOS);
    want.forEach((w, t) => assert.ok(Math.abs(sc.tokenLogProbs[t]! - w) < 1e-5, `sentence ${i} token ${t}`));
    const sum = Array.from(sc.tokenLogProbs).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sc.logProb - sum) < 1e-12);
    assert.ok(sc.logProb < 0);
  });
  assert.equal(scores[2]!.unk, 1);
  assert.equal(scores[1]!.tokens, 1, 'the empty sentence is scored as P(<EOS>) at step 1');
});

test('batch size and window length do not change the scores', () => {
  const a = scoreSentences(model, sentences, { batch: 1, bptt: 100 });
  const b = scoreSentences(model, sentences, { batch: 4, bptt: 2 });
  a.forEach((s, i) => assert.ok(Math.abs(s.logProb - b[i]!.logProb) < 1e-5));
});

test('a scorer reused across calls of different sizes gives exactly what fresh ones give', () => {
  const scorer = createScorer(model, { batch: 3, bptt: 4 });
  for (const part of [sentences, sentences.slice(1, 3), sentences.slice(0, 1), sentences, sentences.slice(2)]) {
    const got = scorer.score(part);
    const want = scoreSentences(model, part, { batch: 3, bptt: 4 });
    assert.deepEqual(got.map((s) => Array.from(s.tokenLogProbs)), want.map((s) => Array.from(s.tokenLogProbs)));
  }
  assert.deepEqual(scorer.score([]), []);
});

test('scoreCorpus on an encoded corpus gives what score gives; with reuseBuffers the next call overwrites the log-probabilities, without it each call keeps its own', () => {
  const starts = new Int32Array(sentences.length + 1);
  sentences.forEach((s, i) => { starts[i + 1] = starts[i]! + s.length + 1; });
  const ids = new Int32Array(starts[sentences.length]!);
  sentences.forEach((s, i) => { ids.set(s, starts[i]!); ids[starts[i + 1]! - 1] = EOS; });
  const want = scoreSentences(model, sentences, { batch: 3, bptt: 4 }).map((s) => Array.from(s.tokenLogProbs));
  for (const reuseBuffers of [false, true]) {
    const scorer = createScorer(model, { batch: 3, bptt: 4, reuseBuffers });
    const first = scorer.scoreCorpus({ ids, starts, unkCount: 0 });
    assert.deepEqual(first.map((s) => Array.from(s.tokenLogProbs)), want);
    assert.equal(first[0]!.ids.buffer, ids.buffer, 'the ids are views of the corpus');
    const before = Array.from(first[0]!.tokenLogProbs);
    scorer.score([sentences[2]!]);
    assert.equal(Array.from(first[0]!.tokenLogProbs).every((v, t) => v === before[t]), !reuseBuffers);
  }
});

test('scoreFlat gives scoreCorpus\'s numbers in two arrays: token log-probabilities laid out as the ids, and per sentence their sum in token order', () => {
  const starts = new Int32Array(sentences.length + 1);
  sentences.forEach((s, i) => { starts[i + 1] = starts[i]! + s.length + 1; });
  const ids = new Int32Array(starts[sentences.length]!);
  sentences.forEach((s, i) => { ids.set(s, starts[i]!); ids[starts[i + 1]! - 1] = EOS; });
  const corpus = { ids, starts, unkCount: 0 };
  for (const reuseBuffers of [false, true]) {
    const scorer = createScorer(model, { batch: 3, bptt: 4, reuseBuffers });
    const flat = scorer.scoreFlat(corpus);
    assert.equal(flat.tokenLogProbs.length, ids.length);
    assert.equal(flat.logProbs.length, sentences.length);
    sentences.forEach((sent, i) => {
      const want = direct(sent);
      want.forEach((w, t) => assert.ok(Math.abs(flat.tokenLogProbs[starts[i]! + t]! - w) < 1e-5, `sentence ${i} token ${t}`));
      let sum = 0;
      for (let t = starts[i]!; t < starts[i + 1]!; t++) sum += flat.tokenLogProbs[t]!;
      assert.equal(flat.logProbs[i], sum);
    });
    assert.deepEqual(Array.from(scorer.scoreFlat({ ids: new Int32Array(0), starts: new Int32Array(1), unkCount: 0 }).logProbs), []);
  }
});

test('perplexity is exp(−log P / N)', () => {
  assert.ok(Math.abs(perplexity(-Math.log(4) * 3, 3) - 4) < 1e-12);
  // a uniform model over V outcomes has perplexity V
  assert.ok(Math.abs(perplexity(5 * Math.log(1 / V), 5) - V) < 1e-9);
  assert.equal(UNK, 1);
});
