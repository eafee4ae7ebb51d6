/**
 * Interpolation with an n-gram model (score and eval --ngram --lambda): the
 * n-gram's per-token probabilities worked out by hand from
 * test/fixtures/tiny-char.arpa (a character bigram over a, b, c and
 * <space>, without <unk>), the mix λ·P_rnn + (1−λ)·P_ngram recomputed here
 * from the two models' own log P, λ = 1 the RNN alone exactly, λ = 0 the
 * n-gram alone, an OOV for both models, and the refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArpa } from '../../src/api/arpa.js';
import { scoreNow } from '../../src/api/score.js';
import { evaluate } from '../../src/api/evaluate.js';
import { basicPlatform } from '../../src/api/platform.js';
import { oneLineError, runCli } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';
import { ENV, tinyModel } from '../api/tiny-model.js';

const ARPA = repoPath('test/fixtures/tiny-char.arpa');
const LINES = ['ab', 'a b', 'cx'];
// log10 P by hand, per token, <EOS> last (see the fixture)
const BY_HAND = [
  [-0.3, -0.2, -0.2 + -1.1], // a|<s> (bigram), b|a (bigram), </s>|b = bow(b) + P(</s>)
  [-0.3, -0.1 + -0.8, -0.6, -0.2 + -1.1], // <space>|a = bow(a) + P(<space>); b|<space>: no weight → P(b)
  [-0.25 + -0.7, -7, -1.1], // c|<s> = bow(<s>) + P(c); x: not in the model, no <unk> → the floor 10^-7; </s>|x → P(</s>)
];
const ln = (log10: number) => log10 * Math.LN10;
const near = (a: number, b: number, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const mix = (a: number, b: number, l: number) => Math.log(l * Math.exp(a) + (1 - l) * Math.exp(b));

test('api: interpolated scores are the per-token mix of the RNN and the hand-computed n-gram; λ = 1 is the RNN exactly, λ = 0 the n-gram', async () => {
  const m = await tinyModel();
  const ngram = parseArpa(readFileSync(ARPA, 'utf8'), 'tiny-char.arpa');
  const plain = scoreNow(m.ref, LINES);
  const mixed = scoreNow(m.ref, LINES, { model: ngram, lambda: 0.6 });
  for (let s = 0; s < LINES.length; s++) {
    const p = plain[s]!, x = mixed[s]!;
    assert.equal(x.perToken.length, BY_HAND[s]!.length);
    let sum = 0;
    x.perToken.forEach((t, i) => {
      assert.equal(t.rnnLogProb, p.perToken[i]!.logProb);
      near(t.ngramLogProb!, ln(BY_HAND[s]![i]!));
      near(t.logProb, mix(p.perToken[i]!.logProb, ln(BY_HAND[s]![i]!), 0.6));
      sum += t.logProb;
    });
    near(x.logProb, sum);
    near(x.perplexity, Math.exp(-sum / x.tokens));
    assert.equal(x.rnnLogProb, p.logProb);
    near(x.ngramLogProb!, ln(BY_HAND[s]!.reduce((a, b) => a + b)));
  }
  assert.deepEqual(mixed.map((x) => x.ngramOov), [0, 0, 1], "x is outside the n-gram's vocabulary");
  assert.equal(mixed[2]!.unk, 1, "and outside the RNN's");
  const one = scoreNow(m.ref, LINES, { model: ngram, lambda: 1 });
  assert.deepEqual(one.map((x) => x.logProb), plain.map((p) => p.logProb), 'λ = 1: the RNN alone, to the bit');
  const zero = scoreNow(m.ref, LINES, { model: ngram, lambda: 0 });
  zero.forEach((x, s) => near(x.logProb, ln(BY_HAND[s]!.reduce((a, b) => a + b))));

  // evaluate(): the same mix over the whole text, each model alone beside it
  const text = LINES.join('\n');
  const N = 3 + 4 + 3;
  const e = await evaluate(basicPlatform(), m.ref, text, { ngram, lambda: 0.6 });
  let mixSum = 0, rnnSum = 0, ngSum = 0, knownSum = 0, known = 0;
  plain.forEach((p, s) => p.perToken.forEach((t, i) => {
    const g = ln(BY_HAND[s]![i]!);
    mixSum += mix(t.logProb, g, 0.6);
    rnnSum += t.logProb;
    ngSum += g;
    if (t.token !== '<UNK>') { knownSum += mix(t.logProb, g, 0.6); known++; }
  }));
  assert.equal(e.tokens, N);
  near(e.perplexity, Math.exp(-mixSum / N));
  near(e.perplexityExcludingUnk!, Math.exp(-knownSum / known));
  near(e.interpolation!.rnnPerplexity, Math.exp(-rnnSum / N));
  near(e.interpolation!.ngramPerplexity, Math.exp(-ngSum / N));
  assert.equal(e.interpolation!.ngramOov, 1);
  assert.equal(e.interpolation!.ngramOrder, 2);
  const static1 = await evaluate(basicPlatform(), m.ref, text);
  assert.equal(static1.interpolation, null);
  const e1 = await evaluate(basicPlatform(), m.ref, text, { ngram, lambda: 1 });
  assert.equal(e1.perplexity, e1.interpolation!.rnnPerplexity, 'λ = 1: the mix is the RNN');
  near(e1.perplexity, static1.perplexity, 1e-12);
  const e0 = await evaluate(basicPlatform(), m.ref, text, { ngram, lambda: 0 });
  assert.equal(e0.perplexity, e0.interpolation!.ngramPerplexity, 'λ = 0: the mix is the n-gram');
  await assert.rejects(evaluate(basicPlatform(), m.ref, text, { lambda: 0.5 }), /lambda needs an n-gram model/);
  await assert.rejects(evaluate(basicPlatform(), m.ref, text, { ngram, dynamicLr: 0.1 }), /cannot go with an n-gram model/);
});

test('CLI: score --ngram --json --per-token and eval --ngram agree with the api; λ = 1 and 0; refusals are one line', async () => {
  const m = await tinyModel();
  const stdin = LINES.join('\n') + '\n';
  const json = async (...extra: string[]) => {
    const r = await runCli(['score', '-m', m.file, '--json', '--per-token', '--threads', '1', ...extra], { stdin, env: ENV });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { logProb: number; rnnLogProb?: number; ngramLogProb?: number; ngramOov?: number; perToken: { logProb: number; rnnLogProb?: number; ngramLogProb?: number }[] });
  };
  const plain = await json();
  const mixed = await json('--ngram', ARPA, '--lambda', '0.6');
  mixed.forEach((x, s) => {
    assert.equal(x.rnnLogProb, plain[s]!.logProb);
    x.perToken.forEach((t, i) => {
      near(t.ngramLogProb!, ln(BY_HAND[s]![i]!));
      near(t.logProb, mix(plain[s]!.perToken[i]!.logProb, ln(BY_HAND[s]![i]!), 0.6));
    });
  });
  assert.equal(mixed[2]!.ngramOov, 1);
  const one = await json('--ngram', ARPA, '--lambda', '1');
  assert.deepEqual(one.map((x) => x.logProb), plain.map((x) => x.logProb));
  const zero = await json('--ngram', ARPA, '--lambda', '0', '--log10');
  zero.forEach((x, s) => near(x.logProb, BY_HAND[s]!.reduce((a, b) => a + b)));
  // the summary names the three perplexities
  const text = await runCli(['score', '-m', m.file, '--ngram', ARPA, '--threads', '1'], { stdin, env: ENV });
  assert.match(text.stderr, /interpolated \(λ = 0\.75 RNN, 0\.25 2-gram\): perplexity [\d.]+; RNN alone [\d.]+; 2-gram alone [\d.]+ \(1 n-gram OOV\)/);

  const corpus = join(m.dir, 'held.txt');
  writeFileSync(corpus, stdin);
  const ev = await runCli(['eval', '-m', m.file, corpus, '--json', '--ngram', ARPA, '--lambda', '0.6', '--threads', '1'], { env: ENV });
  assert.equal(ev.code, 0, ev.stderr);
  const j = JSON.parse(ev.stdout);
  let mixSum = 0, ngSum = 0;
  plain.forEach((p, s) => p.perToken.forEach((t, i) => { mixSum += mix(t.logProb, ln(BY_HAND[s]![i]!), 0.6); ngSum += ln(BY_HAND[s]![i]!); }));
  near(j.perplexity, Math.exp(-mixSum / 10), 1e-6);
  near(j.interpolation.ngramPerplexity, Math.exp(-ngSum / 10));
  assert.equal(j.interpolation.lambda, 0.6);
  const rows = await runCli(['eval', '-m', m.file, corpus, '--ngram', ARPA, '--threads', '1', '-q'], { env: ENV });
  assert.match(rows.stdout, /RNN alone\s+[\d.]+ \(perplexity\)\n2-gram alone\s+[\d.]+ \(perplexity; 1 token outside the n-gram's vocabulary\)/);
  assert.match(rows.stdout, /interpolation\s+λ = 0\.75: P = 0\.75·P_rnn \+ 0\.25·P_ngram per token/);

  for (const [argv, code, want] of [
    [['score', '-m', m.file, '--lambda', '0.5', 'ab'], 2, /--lambda needs --ngram/],
    [['score', '-m', m.file, '--ngram', ARPA, '--lambda', '1.5', 'ab'], 2, /--lambda must be a number at least 0 and at most 1/],
    [['eval', '-m', m.file, corpus, '--ngram', ARPA, '--dynamic'], 2, /--dynamic cannot go with --ngram/],
    [['eval', '-m', m.file, corpus, '--ngram', join(m.dir, 'missing.arpa')], 1, /missing\.arpa/],
    [['score', '-m', m.file, '--ngram', m.file, 'ab'], 1, /tiny\.json is a language model \(an rnnlm checkpoint\), not an ARPA n-gram model — give an ARPA n-gram model here; a model goes with -m/],
    [['score', '-m', m.file, '--ngram', corpus, 'ab'], 1, /held\.txt is not an ARPA model: no \\data\\ line — give an ARPA/],
  ] as [string[], number, RegExp][]) {
    const r = await runCli(argv, { env: ENV });
    assert.equal(r.code, code, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(oneLineError(r.stderr), want);
  }
  const bad = join(m.dir, 'bad.arpa');
  writeFileSync(bad, readFileSync(ARPA, 'utf8').replace('-0.2 a b', '-0.2 a b c d'));
  const r = await runCli(['score', '-m', m.file, '--ngram', bad, 'ab'], { env: ENV });
  assert.equal(r.code, 1);
  assert.match(oneLineError(r.stderr), /bad\.arpa line 15: a 2-gram line has 5 fields/);
});
