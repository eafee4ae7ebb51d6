/**
 * N-best lists: the fields and Kaldi formats, scores files, the combination
 * arithmetic, the best hypothesis per utterance (ties to the first), and
 * malformed lines as one-line DataErrors with their line numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachScores, bestPerUtterance, combinedScore, parseKaldiNbest, parseNbestFields } from '../../src/api/nbest.js';
import { DataError } from '../../src/core/errors.js';

const oneLineDataError = (want: RegExp) => (e: unknown) => {
  assert.ok(e instanceof DataError, String(e));
  assert.match(e.message, want);
  assert.ok(!e.message.includes('\n') && !!e.hint && !e.hint.includes('\n'));
  return true;
};

test('fields format: id, K scores, the rest is the hypothesis (a number-like word too); blank lines skipped; indexes per utterance', () => {
  const h = parseNbestFields('\ufeffu1 -10.5 2 the cat\r\n\nu1\t-11\t3\t 2 cats \nu2 -1e1 0\nu1 -12 .5 a\n', 2, 'nb.txt');
  assert.deepEqual(h.map((x) => [x.line, x.utterance, x.index, x.id, x.scores, x.text]), [
    [1, 'u1', 1, 'u1-1', [-10.5, 2], 'the cat'],
    [3, 'u1', 2, 'u1-2', [-11, 3], '2 cats'],
    [4, 'u2', 1, 'u2-1', [-10, 0], ''],
    [5, 'u1', 3, 'u1-3', [-12, 0.5], 'a'],
  ]);
  assert.deepEqual(parseNbestFields('u1 5 x\n', 1, 'nb', true)[0]!.scores, [-5], '--costs negates');
  assert.deepEqual(parseNbestFields('u1 5 x\n', 0, 'nb')[0]!.text, '5 x', 'K = 0: everything after the id is the hypothesis');
});

test('fields format: malformed lines are one-line errors with the line number', () => {
  assert.throws(() => parseNbestFields('u1 -1 a\nu2 abc d\n', 1, 'nb.txt'), oneLineDataError(/^nb\.txt line 2: score 1 \("abc"\) is not a number/));
  assert.throws(() => parseNbestFields('u1 -1 2 a\n\nu2 -3\n', 2, 'nb.txt'), oneLineDataError(/^nb\.txt line 3: 2 scores expected after the utterance id, found 1 field/));
  assert.throws(() => parseNbestFields('u1 NaN a\n', 1, 'nb.txt'), oneLineDataError(/line 1: score 1 \("NaN"\)/));
  assert.throws(() => parseNbestFields('u1 1e999 a\n', 1, 'nb.txt'), oneLineDataError(/line 1: score 1/));
});

test('Kaldi format: utt-id-N words; a scores file joined by id; its errors', () => {
  const h = parseKaldiNbest('utt-a-1 the cat\nutt-a-2 the hat\nb-1\n', 'text');
  assert.deepEqual(h.map((x) => [x.utterance, x.index, x.id, x.text]), [['utt-a', 1, 'utt-a-1', 'the cat'], ['utt-a', 2, 'utt-a-2', 'the hat'], ['b', 1, 'b-1', '']]);
  attachScores(h, 'b-1 7.5\nutt-a-2 3\nutt-a-1 4.25\n', 'ac_cost', true);
  assert.deepEqual(h.map((x) => x.scores), [[-4.25], [-3], [-7.5]]);
  assert.throws(() => parseKaldiNbest('utt-a-1 x\nutt-a y\n', 'text'), oneLineDataError(/^text line 2: "utt-a" is not a Kaldi n-best id \(utt-id-N\)/));
  assert.throws(() => parseKaldiNbest('u-1 x\nu-1 y\n', 'text'), oneLineDataError(/line 2: hypothesis "u-1" is listed twice/));
  assert.throws(() => parseKaldiNbest('u1-1 x\nu1-01 y\n', 'text'), oneLineDataError(/^text line 2: hypothesis "u1-01" has the number of "u1-1" \(1 of utterance "u1"\)$/));
  assert.equal(parseKaldiNbest('u1-1 x\nu1-10 y\nu11-1 z\n', 'text').length, 3);
  const fresh = () => parseKaldiNbest('u-1 x\nu-2 y\n', 'text');
  assert.throws(() => attachScores(fresh(), 'u-1 1\n', 'ac'), oneLineDataError(/^ac has no scores for hypothesis "u-2" \(n-best line 2\)/));
  assert.throws(() => attachScores(fresh(), 'u-1 1\nu-2 2\nu-3 3\n', 'ac'), oneLineDataError(/ac has scores for "u-3", which is not in the n-best list/));
  assert.throws(() => attachScores(fresh(), 'u-1 1\nu-2 x\n', 'ac'), oneLineDataError(/^ac line 2: score 1 \("x"\) is not a number/));
  assert.throws(() => attachScores(fresh(), 'u-1 1\nu-2 1 2\n', 'ac'), oneLineDataError(/^ac line 2: 2 scores where the lines before have 1/));
  assert.throws(() => attachScores(fresh(), 'u-1 1\nu-1 2\n', 'ac'), oneLineDataError(/^ac line 2: "u-1" is listed twice/));
  assert.throws(() => attachScores(fresh(), 'u-1\n', 'ac'), oneLineDataError(/^ac line 1: no score after "u-1"/));
});

test('combinedScore: Σ wₖ·scoreₖ + W·lm, a missing weight is 1', () => {
  assert.equal(combinedScore([-100, 4], [1, 0.5], -20, 2), -100 + 2 - 40);
  assert.equal(combinedScore([-100, 4], [], -20, 0.5), -100 + 4 - 10);
  assert.equal(combinedScore([], [], -3, 1), -3);
  // a weight of 0 drops its term, even an infinite one (an n-gram's log 0), where 0·∞ is NaN
  assert.equal(combinedScore([-5], [1], -Infinity, 0), -5);
  assert.equal(combinedScore([-Infinity, 2], [0, 1], -1, 1), 2 - 1);
});

test('bestPerUtterance: the highest combined score per utterance, the first on a tie, utterances in first-seen order', () => {
  const hyps = ['u1', 'u2', 'u1', 'u1', 'u2', 'u3'].map((utterance) => ({ utterance }));
  assert.deepEqual(bestPerUtterance(hyps, [-5, -1, -3, -3, -1, -9]), [2, 1, 5], 'u1: -3 first at index 2 (tie with 3); u2: tie, first');
  assert.deepEqual(bestPerUtterance([], []), []);
});

test('line ends: LF, CRLF and a lone CR (old Mac files) each end a line, in the n-best list and the scores file', () => {
  const lf = 'u1 -1 the cat\nu1 -2 a dog\nu2 -3 the\n';
  const want = parseNbestFields(lf, 1, 'nb');
  assert.equal(want.length, 3);
  for (const text of [lf.replace(/\n/g, '\r\n'), lf.replace(/\n/g, '\r')]) assert.deepEqual(parseNbestFields(text, 1, 'nb'), want);
  const k = parseKaldiNbest('u1-1 the cat\ru1-2 a dog\r', 'nb');
  assert.deepEqual(k.map((h) => [h.line, h.id, h.text]), [[1, 'u1-1', 'the cat'], [2, 'u1-2', 'a dog']]);
  attachScores(k, 'u1-1 10\ru1-2 12\r', 'ac');
  assert.deepEqual(k.map((h) => h.scores), [[10], [12]]);
});

test('a score past the range of numbers is said to be so, not "not a number"; Kaldi lines in the fields format point to --format kaldi', () => {
  assert.throws(() => parseNbestFields('u1 1e309 a\n', 1, 'nb'), oneLineDataError(/^nb line 1: score 1 \("1e309"\) is beyond the range of numbers$/));
  assert.throws(() => parseNbestFields('u1 -1e309 a\n', 1, 'nb'), oneLineDataError(/beyond the range of numbers/));
  assert.throws(() => parseNbestFields('u1 inf a\n', 1, 'nb'), oneLineDataError(/score 1 \("inf"\) is not a number$/));
  assert.throws(() => attachScores(parseKaldiNbest('u-1 a\n', 'nb'), 'u-1 1e400\n', 'ac'), oneLineDataError(/^ac line 1: score 1 \("1e400"\) is beyond the range of numbers$/));
  assert.throws(() => parseNbestFields('utt7-3 the cat\n', 1, 'nb'), (e: unknown) => e instanceof DataError && /use --format kaldi$/.test(e.hint ?? ''));
  assert.throws(() => parseNbestFields('utt7 the cat\n', 1, 'nb'), (e: unknown) => e instanceof DataError && !/kaldi/.test(e.hint ?? ''));
});
