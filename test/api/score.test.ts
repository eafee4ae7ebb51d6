/**
 * api/score.ts: one scorer for `rnnlm score` and the library. Its first step
 * is a probability distribution (the first tokens of all sentences together
 * sum to 1), the basic platform and Node's agree to rounding, full batches on
 * the engine agree with this thread, and the command line prints exactly the
 * api's numbers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { basicPlatform } from '../../src/api/platform.js';
import { SCORE_BATCH, createSentenceScorer, score, scoreNow, sentencesToScore } from '../../src/api/score.js';
import { OptionError } from '../../src/core/errors.js';
import { nodePlatform } from '../../src/node/platform.js';
import { runCli } from '../helpers/fake-host.js';
import { ENV, tinyModel, type TinyModel } from './tiny-model.js';

let m: TinyModel;
before(async () => { m = await tinyModel(); });
after(() => rmSync(m.dir, { recursive: true, force: true }));

/**
 * Sentences whose first token runs through the whole vocabulary once: each
 * character followed by 'a' (so that a space is not trimmed away), the empty
 * sentence (its first token is <EOS>) and an unknown character (<UNK>).
 */
function firstTokens(m: TinyModel): string[] {
  const chars = m.ref.vocab.tokens.slice(2);
  assert.deepEqual([...chars].sort(), [' ', 'a', 'b', 'c'], 'the characters of tiny.txt');
  return [...chars.map((ch) => `${ch}a`), '', '\u2603a'];
}

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a));

test('the first step is a distribution: P(first token) summed over every token (<EOS> and <UNK> included) is 1, on both platforms, in full batches', async () => {
  const one = firstTokens(m);
  const sentences = Array.from({ length: 6 }, () => one).flat(); // 36: a full batch of 32 and a rest
  assert.ok(sentences.length >= SCORE_BATCH);
  for (const [platform, ck] of [[basicPlatform(), m.ref], [nodePlatform(ENV), m.node]] as const) {
    const scores = await score(platform, ck, sentences, { threads: 2 });
    assert.equal(scores.length, sentences.length);
    for (let copy = 0; copy < 6; copy++) {
      const part = scores.slice(copy * one.length, (copy + 1) * one.length);
      assert.deepEqual(part.map((s) => s.perToken[0]!.token), [...m.ref.vocab.tokens.slice(2), '<EOS>', '<UNK>']);
      const total = part.reduce((sum, s) => sum + Math.exp(s.perToken[0]!.logProb), 0);
      assert.ok(Math.abs(total - 1) < 1e-5, `Σ P(first token) = ${total} (${ck.model.backend.name}, copy ${copy})`);
    }
  }
});

test('each sentence: log P = Σ per-token log P, tokens = characters + <EOS>, perplexity = exp(−log P / tokens); the sentence as given', async () => {
  const given = ['abc', 'ca b  ', '\ufeffbb\r\n', ''];
  const scores = await score(basicPlatform(), m.ref, given);
  scores.forEach((s, i) => {
    const clean = given[i]!.replace(/^\ufeff/, '').trimEnd();
    assert.equal(s.sentence, given[i]);
    assert.equal(s.tokens, [...clean].length + 1);
    assert.deepEqual(s.perToken.map((p) => p.token), [...clean, '<EOS>']);
    assert.ok(close(s.logProb, s.perToken.reduce((a, p) => a + p.logProb, 0), 1e-12));
    assert.equal(s.perplexity, Math.exp(-s.logProb / s.tokens));
    assert.equal(s.unk, 0);
  });
});

test('the basic platform and Node\'s give the same scores to rounding; on Node, the engine\'s full batches equal this thread\'s to rounding', async () => {
  const sentences = sentencesToScore(m.ref, m.text.repeat(7)); // 42 sentences
  assert.equal(sentences.length, 42);
  const basic = await score(basicPlatform(), m.ref, sentences);
  const threaded = await score(nodePlatform(ENV), m.node, sentences, { threads: 2 });
  const here = scoreNow(m.node, sentences);
  sentences.forEach((_, i) => {
    assert.ok(close(basic[i]!.logProb, threaded[i]!.logProb, 1e-4), `${i}: ${basic[i]!.logProb} vs ${threaded[i]!.logProb}`);
    assert.ok(close(here[i]!.logProb, threaded[i]!.logProb, 1e-5), `${i}: ${here[i]!.logProb} vs ${threaded[i]!.logProb}`);
    // the same sentence (every 6th) scores the same wherever it falls in the batches
    if (i >= 6) assert.ok(close(threaded[i]!.logProb, threaded[i - 6]!.logProb, 1e-5));
  });
});

test('rnnlm score prints the api\'s numbers, to the bit (stdin, full batches on every thread)', async () => {
  const lines = m.text.repeat(7);
  const r = await runCli(['score', '-m', m.file, '--json', '--per-token'], { stdin: lines });
  assert.equal(r.code, 0, r.stderr);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const api = await score(nodePlatform(ENV), m.node, sentencesToScore(m.node, lines));
  assert.equal(recs.length, api.length);
  recs.forEach((rec, i) => {
    assert.equal(rec.logProb, api[i]!.logProb);
    assert.equal(rec.perplexity, api[i]!.perplexity);
    assert.deepEqual(rec.perToken.map((p: { logProb: number }) => p.logProb), api[i]!.perToken.map((p) => p.logProb));
  });
});

test('rnnlm score\'s plain lines carry the api\'s numbers: log P to 4 places, perplexity to 3, tokens, <UNK>s, the sentence', async () => {
  const lines = m.text.repeat(7) + '\u2603a\n\n';
  const r = await runCli(['score', '-m', m.file], { stdin: lines });
  assert.equal(r.code, 0, r.stderr);
  const api = await score(nodePlatform(ENV), m.node, lines.split('\n').slice(0, -1));
  const want = api.map((s) => `${s.logProb.toFixed(4)}\t${s.perplexity.toFixed(3)}\t${s.tokens}\t${s.unk}\t${s.sentence}\n`).join('');
  assert.equal(r.stdout, want);
});

test('a scorer\'s encoder, scoreEncoded and scoredAt give what its score() gives, to the bit, chunk after chunk', async () => {
  const scorer = await createSentenceScorer(nodePlatform(ENV), m.node, { threads: 2 });
  try {
    const sentences = [...sentencesToScore(m.node, m.text.repeat(6)), '', '\u2603a']; // 38: a full batch and a short one
    const want = scorer.score(sentences);
    const enc = scorer.encoder();
    for (let round = 0; round < 2; round++) {
      enc.clear();
      for (const s of sentences) enc.add(s);
      const corpus = enc.corpus();
      const flat = scorer.scoreEncoded(corpus);
      assert.deepEqual(Array.from(flat.logProbs), want.map((s) => s.logProb));
      sentences.forEach((s, i) => assert.deepEqual(scorer.scoredAt(corpus, flat, i, s), want[i]));
    }
  } finally {
    await scorer.close();
  }
});

test('a scorer made for many sentences reuses its engine from call to call; closing it twice is harmless', async () => {
  const scorer = await createSentenceScorer(nodePlatform(ENV), m.node, { threads: 2 });
  const sentences = sentencesToScore(m.node, m.text.repeat(6)); // 36
  const first = scorer.score(sentences);
  const again = scorer.score(sentences);
  assert.deepEqual(again.map((s) => s.logProb), first.map((s) => s.logProb));
  assert.ok(scorer.threads >= 1);
  await scorer.close();
  await scorer.close();
});

test('score(platform, …) checks its arguments before any work: one OptionError each', async () => {
  await assert.rejects(score(basicPlatform(), m.ref, 'abc' as unknown as string[]), (e: Error) => e instanceof OptionError && /^score\(\)'s sentences must be an array of strings \(got a string\)$/.test(e.message));
  await assert.rejects(score(basicPlatform(), m.ref, ['abc'], { threads: 0 }), (e: Error) => e instanceof OptionError && /^threads must be a whole number from 1 to 256/.test(e.message));
  await assert.rejects(score(basicPlatform(), m.ref, ['abc'], { thread: 2 } as never), (e: Error) => e instanceof OptionError && /^unknown option thread$/.test(e.message) && /did you mean threads\?/.test((e as OptionError).hint ?? ''));
  await assert.rejects(score(basicPlatform(), 'model.json' as never, ['abc']), (e: Error) => e instanceof OptionError && /^score\(\)'s model must be a model/.test(e.message));
});
