/**
 * api/sample.ts: one sampling path for `rnnlm sample`, the library and
 * train's closing samples. Samples come one at a time and stop after `n`;
 * every sample starts with the prime as written and ends as it says (<EOS>
 * before the cap, or exactly at the cap); greedy sampling ignores the seed;
 * the command line prints exactly what the api draws.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { basicPlatform } from '../../src/api/platform.js';
import { sample, startSampling, type Sample } from '../../src/api/sample.js';
import { createSentenceScorer } from '../../src/api/score.js';
import { sentenceSet } from '../../src/api/novelty.js';
import { DataError, OptionError } from '../../src/core/errors.js';
import { encodeCorpus } from '../../src/core/tokenize.js';
import { nodePlatform } from '../../src/node/platform.js';
import { runCli } from '../helpers/fake-host.js';
import { ENV, tinyModel, type TinyModel } from './tiny-model.js';

let m: TinyModel;
before(async () => { m = await tinyModel(); });
after(() => rmSync(m.dir, { recursive: true, force: true }));

test('one at a time: n samples then null; each starts with the prime as written; <EOS> before the cap or exactly the cap', () => {
  const run = startSampling(basicPlatform(), m.ref, { n: 40, prime: 'bQ', maxLength: 6, seed: 9 });
  assert.deepEqual([run.count, run.maxLength, run.seed], [40, 6, 9]);
  assert.deepEqual(run.prime.unknown, ['Q'], 'the unknown character, for a warning');
  assert.equal(run.prime.shown, 'bQ');
  const got = [];
  for (let s = run.next(); s !== null; s = run.next()) got.push(s);
  assert.equal(got.length, 40);
  assert.equal(run.next(), null);
  for (const s of got) {
    assert.ok(s.text.startsWith('bQ') && !s.text.includes('<UNK>'), s.text);
    assert.equal([...s.text].length, 2 + s.tokens, 'the prime, then one character per token drawn');
    if (s.end === 'eos') assert.ok(s.tokens < 6, `${s.tokens}`); else assert.equal(s.tokens, 6);
  }
  assert.ok(got.some((s) => s.end === 'eos'), 'a trained model ends some lines');
  // sample() is the same draws, collected
  assert.deepEqual(sample(basicPlatform(), m.ref, { n: 40, prime: 'bQ', maxLength: 6, seed: 9 }), got.map((s) => s.text));
});

test('greedy: every sample is the same, whatever the seed; the default cap is 200 characters', () => {
  const a = sample(basicPlatform(), m.ref, { n: 3, greedy: true, seed: 1 });
  const b = sample(basicPlatform(), m.ref, { n: 2, greedy: true, seed: 77 });
  assert.equal(new Set([...a, ...b]).size, 1);
  assert.equal(startSampling(basicPlatform(), m.ref).maxLength, 200);
  assert.equal(startSampling(basicPlatform(), m.ref).count, 1);
});

test('rnnlm sample prints what the api draws on Node\'s platform, to the character', async () => {
  const r = await runCli(['sample', '-m', m.file, '-n', '12', '--seed', '5', '--prime', 'ab', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const run = startSampling(nodePlatform(ENV), m.node, { n: 12, seed: 5, prime: 'ab' });
  recs.forEach((rec, i) => {
    const s = run.next()!;
    assert.deepEqual(rec, { text: s.text, prime: 'ab', tokens: s.tokens, end: s.end, logProb: s.logProb, copy: s.copy, seed: 5, index: i });
  });
  assert.equal(run.next(), null);
});

test('options checked by the shared schema, spelt for the caller: one OptionError, before any work', () => {
  assert.throws(() => startSampling(basicPlatform(), m.ref, { temprature: 0.5 } as never), (e: Error) => e instanceof OptionError && e.message === 'unknown option temprature');
  assert.throws(() => startSampling(basicPlatform(), m.ref, { number: 2 } as never), (e: Error) => e instanceof OptionError && /did you mean n\?/.test((e as OptionError).hint ?? ''));
  assert.throws(() => startSampling(basicPlatform(), m.ref, { topK: -1 }, { name: (k) => `--${k}`, hint: 'see --help' }),
    (e: Error) => e instanceof OptionError && /^--topK must be a whole number/.test(e.message) && (e as OptionError).hint === 'see --help');
  assert.throws(() => sample(basicPlatform(), null as never), (e: Error) => e instanceof OptionError && /^sample\(\)'s model must be a model/.test(e.message));
});

// ── issue 14: log P, beam search against exhaustive search, stop strings, copies ──

/** log P of each text's tokens after its first `skip` (the prime), <EOS> included or not, by the api's scorer (no cleaning). */
async function logProbsAfter(texts: string[], skip: number, withEos: boolean[]): Promise<number[]> {
  const scorer = await createSentenceScorer(basicPlatform(), m.ref, { sentences: texts.length });
  try {
    return scorer.score(texts).map((s, i) => {
      const per = s.perToken.slice(skip, withEos[i] ? undefined : -1);
      return per.reduce((a, t) => a + t.logProb, 0);
    });
  } finally { await scorer.close(); }
}

/** The tiny model's tokens other than <EOS> and <UNK> (space, a, b, c). */
const letters = (): string[] => m.ref.vocab.tokens.slice(2);

test('each sample\'s logProb is the scorer\'s log P of its tokens after the prime (<EOS> counted when it ended the sample), whatever the temperature', async () => {
  for (const opts of [{ temperature: 1 }, { temperature: 0.6, topK: 3 }, { topP: 0.7, minLength: 2 }]) {
    const got: Sample[] = [];
    const run = startSampling(basicPlatform(), m.ref, { n: 12, prime: 'b', maxLength: 8, seed: 4, ...opts });
    for (let s = run.next(); s !== null; s = run.next()) got.push(s);
    const want = await logProbsAfter(got.map((s) => s.text), 1, got.map((s) => s.end === 'eos'));
    got.forEach((s, i) => assert.ok(Math.abs(s.logProb - want[i]!) < 1e-5, `${JSON.stringify(opts)} ${JSON.stringify(s.text)}: ${s.logProb} vs ${want[i]}`));
    if ('minLength' in opts) for (const s of got) assert.ok(s.tokens >= 2, s.text);
  }
});

test('beam K is exactly the top K of an exhaustive search (every sequence scored by the api scorer), in order of log P', async () => {
  const L = letters();
  assert.equal(L.length, 4, 'space, a, b, c');
  for (const [prime, cap, beams] of [['', 2, [5, 8, 21]], ['a', 2, [5, 13]], ['', 3, [21, 40]], ['c', 3, [21]]] as const) {
    // every sentence of at most `cap` tokens: ended by <EOS> before the cap, or cut at the cap (no <EOS>)
    const all: { text: string; eos: boolean }[] = [];
    const grow = (t: string, n: number): void => {
      if (n === cap) { all.push({ text: t, eos: false }); return; }
      all.push({ text: t, eos: true });
      for (const x of L) grow(t + x, n + 1);
    };
    grow(prime, 0);
    const lps = await logProbsAfter(all.map((a) => a.text), [...prime].length, all.map((a) => a.eos));
    const ranked = all.map((a, i) => ({ ...a, logProb: lps[i]! })).sort((x, y) => y.logProb - x.logProb);
    for (const K of beams) {
      const run = startSampling(basicPlatform(), m.ref, { beam: K, maxLength: cap, prime });
      const got: Sample[] = [];
      for (let s = run.next(); s !== null; s = run.next()) got.push(s);
      assert.equal(got.length, K);
      assert.deepEqual(got.map((s) => s.text), ranked.slice(0, K).map((r) => r.text), `prime ${JSON.stringify(prime)}, cap ${cap}, beam ${K}`);
      got.forEach((s, i) => {
        assert.ok(Math.abs(s.logProb - ranked[i]!.logProb) < 1e-5);
        assert.equal(s.end, ranked[i]!.eos ? 'eos' : 'length');
        if (i > 0) assert.ok(got[i - 1]!.logProb >= s.logProb);
      });
    }
  }
});

test('beam: 1 is the greedy sample; deterministic; <UNK> only with allowUnk; drawing options refused with it', () => {
  const [greedy] = sample(basicPlatform(), m.ref, { greedy: true, maxLength: 30, prime: 'b' });
  const one = startSampling(basicPlatform(), m.ref, { beam: 1, maxLength: 30, prime: 'b' });
  assert.equal(one.count, 1);
  assert.equal(one.next()!.text, greedy);
  assert.deepEqual(sample(basicPlatform(), m.ref, { beam: 4, seed: 1 }), sample(basicPlatform(), m.ref, { beam: 4, seed: 99 }));
  const unk = sample(basicPlatform(), m.ref, { beam: 30, maxLength: 2, allowUnk: true });
  assert.ok(unk.some((t) => t.includes('<UNK>')), 'with allowUnk, <UNK> competes like any token');
  assert.ok(!sample(basicPlatform(), m.ref, { beam: 30, maxLength: 2 }).some((t) => t.includes('<UNK>')));
  for (const [k, v] of [['n', 2], ['temperature', 0.5], ['topK', 2], ['topP', 0.5], ['greedy', true], ['novel', true]] as const) {
    assert.throws(() => startSampling(basicPlatform(), m.ref, { beam: 3, [k]: v }),
      (e: Error) => e instanceof OptionError && e.message === `${k} goes with drawing samples, not with beam`, k);
  }
});

test('stop strings: a sample ends at the first place its text ends with one, the stop kept; the others never contain one after the prime', () => {
  const stops = ['ca', ' '];
  const run = startSampling(basicPlatform(), m.ref, { n: 60, prime: 'c', stop: stops, maxLength: 12, seed: 2, temperature: 1.5 });
  let stopped = 0;
  for (let s = run.next(); s !== null; s = run.next()) {
    const chars = [...s.text];
    // every text after at least one drawn token, shorter than the whole: none ends with a stop
    for (let k = 2; k < chars.length; k++) assert.ok(!stops.some((x) => chars.slice(0, k).join('').endsWith(x)), s.text);
    if (s.end === 'stop') { stopped++; assert.ok(stops.some((x) => s.text.endsWith(x)), s.text); }
    else assert.ok(!stops.some((x) => s.text.length > 1 && s.text.endsWith(x)), s.text);
  }
  assert.ok(stopped > 10, `${stopped}`);
  // 'ca' across the prime: prime 'c', first token 'a' → the text 'ca' ends with the stop
  const pa = startSampling(basicPlatform(), m.ref, { n: 200, prime: 'c', stop: 'ca', maxLength: 1, seed: 1, temperature: 2 });
  for (let s = pa.next(); s !== null; s = pa.next()) assert.equal(s.end === 'stop', s.text === 'ca', s.text);
  assert.throws(() => startSampling(basicPlatform(), m.ref, { stop: [''] }), (e: Error) => e instanceof OptionError && e.message === 'stop must not be empty text (got an array of 1)');
  assert.throws(() => startSampling(basicPlatform(), m.ref, { minLength: 9, maxLength: 8 }), (e: Error) => e instanceof OptionError && /^minLength \(9\) is more than maxLength \(8\)/.test(e.message));
});

test('copies: marked against the model\'s training-sentence set; novel keeps drawing until n new ones, and says when its cap is reached', () => {
  const lines = m.text.split('\n').filter((l) => l.trim() !== '');
  const set = sentenceSet(encodeCorpus(lines, m.ref.vocab, m.ref.tokenizer));
  const withSet = { ...m.ref, trainSentences: set };
  const noSet = { ...m.ref, trainSentences: null };
  const run = startSampling(basicPlatform(), withSet, { n: 200, seed: 3, maxLength: 8 });
  let copies = 0;
  const all: Sample[] = [];
  for (let s = run.next(); s !== null; s = run.next()) {
    assert.equal(s.copy, lines.includes(s.text), s.text); // a training line is a copy however the sample ended
    if (s.copy) copies++;
    all.push(s);
  }
  assert.ok(copies > 0, 'the tiny model copies some of its six lines');
  assert.deepEqual([run.drawn, run.copies], [200, copies]);
  assert.equal(startSampling(basicPlatform(), noSet, { seed: 3 }).next()!.copy, null, 'no set: null');

  const novel = startSampling(basicPlatform(), withSet, { n: 50, seed: 3, maxLength: 8, novel: true });
  const fresh: Sample[] = [];
  for (let s = novel.next(); s !== null; s = novel.next()) fresh.push(s);
  assert.equal(fresh.length, 50);
  for (const s of fresh) assert.ok(s.copy === false && !lines.includes(s.text), s.text);
  assert.equal(novel.drawn - novel.copies, 50, 'every draw was shown or was a copy');
  // sample i depends on the seed and i alone: novel shows the plain run's first draws, its copies left out
  assert.ok(novel.drawn <= all.length);
  assert.deepEqual(fresh.map((s) => s.text), all.slice(0, novel.drawn).filter((s) => !s.copy).map((s) => s.text));
  assert.equal(novel.copies, all.slice(0, novel.drawn).filter((s) => s.copy).length);

  // greedy draws one sentence again and again: with it in the set, every draw is a copy
  const [g] = sample(basicPlatform(), m.ref, { greedy: true, maxLength: 8 });
  const gSet = sentenceSet(encodeCorpus([g!], m.ref.vocab, m.ref.tokenizer));
  const stuck = startSampling(basicPlatform(), { ...m.ref, trainSentences: gSet }, { n: 3, greedy: true, maxLength: 8, novel: true });
  assert.equal(stuck.next(), null);
  assert.deepEqual([stuck.drawn, stuck.copies, stuck.maxDraws], [130, 130, 130], '10 per sample asked + 100');
  assert.throws(() => startSampling(basicPlatform(), noSet, { novel: true }), (e: Error) => e instanceof DataError && /does not keep its training sentences/.test(e.message));
  // a line-mode model without its set (a corpus over the cap, an older file): retraining on fewer sentences gives it one
  assert.equal(noSet.tokenizer.sentence, 'line');
  assert.throws(() => startSampling(basicPlatform(), noSet, { novel: true }),
    (e: Error & { hint?: string }) => /more than 1,000,000 sentences, or an older rnnlm wrote it: train it again .*drop novel$/.test(e.hint ?? ''));
});

test('sample() keeps every sample in its array: more than 100,000 is refused at once, pointing to startSampling', () => {
  assert.throws(() => sample(basicPlatform(), m.ref, { n: 5_000_000, maxLength: 1 }),
    (e: unknown) => e instanceof OptionError && /^sample\(\) returns its samples in one array: options\.n is at most 100,000 \(got 5000000\)$/.test(e.message) && /startSampling\(\)/.test(e.hint ?? ''));
  assert.throws(() => sample(basicPlatform(), m.ref, { n: 100_001 }), OptionError);
  // startSampling draws as many as asked, one at a time
  const run = startSampling(basicPlatform(), m.ref, { n: 5_000_000, maxLength: 1, seed: 1 });
  assert.ok(run.next() !== null);
});
