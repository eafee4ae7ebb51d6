/**
 * Scoring the tagger: conlleval's chunk counting on hand-made cases whose
 * numbers are derived by hand in the comments (BIO with a chunk starting
 * with I- and an I- of another type after B-, BIOES, IOB1, all-O gold or
 * predictions, a perfect prediction), its report character for character,
 * C's rounding of ties, the state machine against plain span matching on
 * random label sequences, token accuracy and the confusion table. With
 * RNNLM_CONLLEVAL=/path/to/conlleval.pl (and perl), the report is compared
 * with the script's own on the same cases (opt-in; nothing is downloaded).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { formatConll, parseConll } from '../../src/api/conll.js';
import {
  chunksOf, confusionTable, conlleval, createConfusionCounter, createConllevalCounter, formatConfusion, formatConlleval,
  isChunkLabelSet, tokenAccuracy, type ConllevalResult,
} from '../../src/api/tag-metrics.js';
import { DataError } from '../../src/core/errors.js';
import { repoPath } from '../helpers/paths.js';

const split = (s: string) => s.split(' ');

interface Case { name: string; gold: string[][]; pred: string[][]; report: string }

const CASES: Case[] = [
  {
    // Sentence 1: gold PER[0,2) PER[3,5) LOC[6,8): 3 chunks.
    //   predicted PER[0,2), PER[3,5) (I-PER after O starts a chunk), LOC[6,7), ORG[7,8)
    //   (I-ORG after B-LOC: another type, a new chunk): 4. Correct: the two PER.
    //   Tags right: all but word 3 (B-PER/I-PER) and word 7 (I-LOC/I-ORG): 6 of 8.
    // Sentence 2: gold ORG[1,3); predicted ORG[1,3), ORG[3,4). Correct 1; tags right 3 of 4.
    // Overall: 12 tokens, 9 right: 75.00%. gold 4, found 6, correct 3: P = 3/6 = 50.00%,
    //   R = 3/4 = 75.00%, F = 2·50·75/125 = 60.00.
    // LOC gold 1 found 1 correct 0: 0, 0, 0. ORG gold 1 found 3 correct 1: P 33.33, R 100,
    //   F = 2·(1/3)·1/(4/3) = 50.00. PER 2, 2, 2: 100.
    name: 'BIO',
    gold: [split('B-PER I-PER O B-PER I-PER O B-LOC I-LOC'), split('O B-ORG I-ORG O')],
    pred: [split('B-PER I-PER O I-PER I-PER O B-LOC I-ORG'), split('O B-ORG I-ORG B-ORG')],
    report: [
      'processed 12 tokens with 4 phrases; found: 6 phrases; correct: 3.',
      'accuracy:  75.00%; precision:  50.00%; recall:  75.00%; FB1:  60.00',
      '              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  1',
      '              ORG: precision:  33.33%; recall: 100.00%; FB1:  50.00  3',
      '              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  2',
      ''].join('\n'),
  },
  {
    // gold: S-PER O B-LOC I-LOC E-LOC S-ORG → PER[0,1) LOC[2,5) ORG[5,6): 3.
    // predicted: S-PER O B-LOC E-LOC S-LOC S-ORG → PER[0,1) LOC[2,4) LOC[4,5) (S starts,
    //   E before it ended one) ORG[5,6): 4. Correct: PER, ORG = 2 (LOC[2,5) ≠ LOC[2,4)).
    // Tags right: 4 of 6 (words 3 I/E, 4 E/S wrong): 66.67%. P = 2/4 = 50.00, R = 2/3 = 66.67,
    //   F = 2·(1/2)(2/3)/(7/6) = 4/7 = 57.14. LOC gold 1 found 2 correct 0; ORG, PER 1, 1, 1.
    name: 'BIOES',
    gold: [split('S-PER O B-LOC I-LOC E-LOC S-ORG')],
    pred: [split('S-PER O B-LOC E-LOC S-LOC S-ORG')],
    report: [
      'processed 6 tokens with 3 phrases; found: 4 phrases; correct: 2.',
      'accuracy:  66.67%; precision:  50.00%; recall:  66.67%; FB1:  57.14',
      '              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  2',
      '              ORG: precision: 100.00%; recall: 100.00%; FB1: 100.00  1',
      '              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  1',
      ''].join('\n'),
  },
  {
    // IOB1 (I- by default, B- only where a chunk touches one of its type):
    // gold: I-PER I-PER B-PER O I-LOC → PER[0,2) PER[2,3) LOC[4,5): 3.
    // predicted: I-PER I-PER I-PER O I-LOC → PER[0,3) LOC[4,5): 2. Correct: LOC = 1.
    // Tags right 4 of 5: 80.00%. P = 1/2 = 50.00, R = 1/3 = 33.33, F = 2·(1/6)/(5/6) = 40.00.
    // LOC 1, 1, 1: 100. PER gold 2 found 1 correct 0: 0.
    name: 'IOB1',
    gold: [split('I-PER I-PER B-PER O I-LOC')],
    pred: [split('I-PER I-PER I-PER O I-LOC')],
    report: [
      'processed 5 tokens with 3 phrases; found: 2 phrases; correct: 1.',
      'accuracy:  80.00%; precision:  50.00%; recall:  33.33%; FB1:  40.00',
      '              LOC: precision: 100.00%; recall: 100.00%; FB1: 100.00  1',
      '              PER: precision:   0.00%; recall:   0.00%; FB1:   0.00  1',
      ''].join('\n'),
  },
  {
    // all-O gold, two predicted MISC chunks ([0,1) and [2,3): I- after O starts one):
    // 3 tokens, 1 right: 33.33%. gold 0, found 2, correct 0: P = 0/2 = 0, R = 0/0 → 0, F 0.
    name: 'all-O gold',
    gold: [split('O O O')],
    pred: [split('B-MISC O I-MISC')],
    report: [
      'processed 3 tokens with 0 phrases; found: 2 phrases; correct: 0.',
      'accuracy:  33.33%; precision:   0.00%; recall:   0.00%; FB1:   0.00',
      '             MISC: precision:   0.00%; recall:   0.00%; FB1:   0.00  2',
      ''].join('\n'),
  },
  {
    // all-O predictions, one gold PER: P = 0/0 → 0 (as conlleval prints), R = 0/1 = 0.
    name: 'all-O predicted',
    gold: [split('B-PER I-PER O')],
    pred: [split('O O O')],
    report: [
      'processed 3 tokens with 1 phrases; found: 0 phrases; correct: 0.',
      'accuracy:  33.33%; precision:   0.00%; recall:   0.00%; FB1:   0.00',
      '              PER: precision:   0.00%; recall:   0.00%; FB1:   0.00  0',
      ''].join('\n'),
  },
  {
    // nothing to find and nothing found: every tag right, yet P, R, F print 0 (not 100).
    name: 'all-O both',
    gold: [split('O O')],
    pred: [split('O O')],
    report: [
      'processed 2 tokens with 0 phrases; found: 0 phrases; correct: 0.',
      'accuracy: 100.00%; precision:   0.00%; recall:   0.00%; FB1:   0.00',
      ''].join('\n'),
  },
];

for (const c of CASES) {
  test(`conlleval, ${c.name}: the counts and the report derived by hand`, () => {
    const r = conlleval(c.gold, c.pred);
    assert.equal(formatConlleval(r), c.report);
  });
}

test('conlleval, BIO: the numbers of the result, overall and per type', () => {
  const r = conlleval(CASES[0]!.gold, CASES[0]!.pred);
  assert.equal(r.tokens, 12);
  assert.equal(r.correctTags, 9);
  assert.equal(r.accuracy, 0.75);
  assert.deepEqual(r.overall, { gold: 4, found: 6, correct: 3, precision: 0.5, recall: 0.75, f1: 0.6 });
  assert.deepEqual(r.byType.map((t) => [t.type, t.gold, t.found, t.correct]), [['LOC', 1, 1, 0], ['ORG', 1, 3, 1], ['PER', 2, 2, 2]]);
  const org = r.byType[1]!;
  assert.equal(org.precision, 1 / 3);
  assert.equal(org.recall, 1);
  assert.ok(Math.abs(org.f1 - 0.5) < 1e-15);
  const none = conlleval([['O']], [['O']]);
  assert.deepEqual(none.overall, { gold: 0, found: 0, correct: 0, precision: 0, recall: 0, f1: 0 });
});

test('conlleval: a perfect prediction of the NER fixture (26 tokens; PER 4, LOC 2, ORG 1 chunks)', () => {
  const gold = parseConll(readFileSync(repoPath('test/fixtures/tag/ner-bio.txt'), 'utf8')).sentences.map((s) => s.labels);
  const r = conlleval(gold, gold);
  assert.equal(formatConlleval(r), [
    'processed 26 tokens with 7 phrases; found: 7 phrases; correct: 7.',
    'accuracy: 100.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00',
    '              LOC: precision: 100.00%; recall: 100.00%; FB1: 100.00  2',
    '              ORG: precision: 100.00%; recall: 100.00%; FB1: 100.00  1',
    '              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  4',
    ''].join('\n'));
  assert.deepEqual(r.overall, { gold: 7, found: 7, correct: 7, precision: 1, recall: 1, f1: 1 });
});

test('conlleval: a sentence boundary ends every chunk; the counter streams; mismatched lengths are DataErrors', () => {
  // B-PER | I-PER across a boundary: two chunks (the I- after the boundary's O starts one)
  assert.deepEqual(conlleval([['B-PER'], ['I-PER']], [['B-PER'], ['I-PER']]).overall, { gold: 2, found: 2, correct: 2, precision: 1, recall: 1, f1: 1 });
  assert.equal(conlleval([['B-PER', 'I-PER']], [['B-PER', 'I-PER']]).overall.gold, 1);
  const counter = createConllevalCounter();
  CASES[0]!.gold.forEach((g, s) => counter.add(g, CASES[0]!.pred[s]!));
  assert.deepEqual(counter.result(), conlleval(CASES[0]!.gold, CASES[0]!.pred));
  assert.deepEqual(conlleval([], []).overall.found, 0);
  assert.equal(formatConlleval(conlleval([], [])), 'processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n', 'no accuracy line without tokens');
  assert.throws(() => conlleval([['O', 'O']], [['O']]), (e: unknown) => e instanceof DataError && e.message === 'sentence 1 has 2 gold labels and 1 predicted');
  assert.throws(() => conlleval([['O'], ['O']], [['O']]), (e: unknown) => e instanceof DataError && e.message === '2 gold sentences and 1 predicted');
  assert.throws(() => tokenAccuracy([['O'], ['O', 'O']], [['O'], ['O']]), /sentence 2 has 2 gold labels and 1 predicted/);
});

test('chunksOf: the start/end rules on the cases where schemes and tools disagree', () => {
  const c = (s: string) => chunksOf(split(s)).map((k) => `${k.type}[${k.start},${k.end})`).join(' ');
  assert.equal(c('O I-PER I-PER O'), 'PER[1,3)', 'I- after O starts a chunk (seqeval strict: none)');
  assert.equal(c('B-PER I-LOC'), 'PER[0,1) LOC[1,2)', 'an I- of another type after B- starts one (strict: PER only)');
  assert.equal(c('B-PER B-PER I-PER'), 'PER[0,1) PER[1,3)');
  assert.equal(c('B-LOC O'), 'LOC[0,1)', 'BIOES B- not closed by E-: still a chunk (strict IOBES: none)');
  assert.equal(c('S-X S-X B-X E-X B-X E-X'), 'X[0,1) X[1,2) X[2,4) X[4,6)', 'S- and E- end chunks of the same type');
  assert.equal(c('I-X B-X I-X O I-X'), 'X[0,1) X[1,3) X[4,5)', 'IOB1');
  assert.equal(c('I-NP E-NP I-NP I-NP'), 'NP[0,2) NP[2,4)', 'IOE1: E- ends a chunk followed by one of its type');
  assert.equal(c('B-ORG-SPORT I-ORG-SPORT O'), 'ORG-SPORT[0,2)', 'split at the first hyphen');
  assert.equal(c('NOUN VERB X'), '', 'labels with no prefix make no chunks');
  assert.equal(c('I-X'), 'X[0,1)');
  assert.equal(c('U-X B-X L-X'), 'X[0,3)', 'BILOU is not understood (as by conlleval): U- starts a chunk by the type rule, B- after U- does not');
  assert.deepEqual(chunksOf([]), []);
});

test('conlleval’s word-by-word counting equals exact span matching of chunksOf, per type, on random label sequences', () => {
  const label = fc.constantFrom('O', 'O', 'B-X', 'I-X', 'E-X', 'S-X', 'B-Y', 'I-Y', 'E-Y', 'S-Y');
  const sentence = fc.integer({ min: 0, max: 12 }).chain((n) => fc.tuple(fc.array(label, { minLength: n, maxLength: n }), fc.array(label, { minLength: n, maxLength: n })));
  fc.assert(fc.property(fc.array(sentence, { maxLength: 5 }), (pairs) => {
    const gold = pairs.map((p) => p[0]), pred = pairs.map((p) => p[1]);
    const r = conlleval(gold, pred);
    const want = new Map<string, { gold: number; found: number; correct: number }>();
    const of = (t: string) => want.get(t) ?? want.set(t, { gold: 0, found: 0, correct: 0 }).get(t)!;
    pairs.forEach(([g, p]) => {
      const gc = chunksOf(g), pc = chunksOf(p);
      for (const k of gc) of(k.type).gold++;
      for (const k of pc) {
        of(k.type).found++;
        if (gc.some((h) => h.type === k.type && h.start === k.start && h.end === k.end)) of(k.type).correct++;
      }
    });
    const sum = (k: 'gold' | 'found' | 'correct') => [...want.values()].reduce((a, v) => a + v[k], 0);
    assert.deepEqual([r.overall.gold, r.overall.found, r.overall.correct], [sum('gold'), sum('found'), sum('correct')]);
    assert.deepEqual(r.byType.map((t) => [t.type, t.gold, t.found, t.correct]), [...want.entries()].sort().map(([t, v]) => [t, v.gold, v.found, v.correct]));
    assert.equal(r.correctTags, tokenAccuracy(gold, pred).correct);
  }), { numRuns: 300, seed: 20260101 });
});

test('the report rounds as C’s printf: an exact tie goes to the even digit (12.125 → 12.12, 0.375 → 0.38)', () => {
  const result = (tokens: number, correctTags: number): ConllevalResult => ({
    tokens, correctTags, accuracy: correctTags / tokens, byType: [],
    overall: { gold: 0, found: 0, correct: 0, precision: 0, recall: 0, f1: 0 },
  });
  const accuracyOf = (t: number, c: number) => /accuracy: (.{6})%/.exec(formatConlleval(result(t, c)))![1];
  assert.equal(accuracyOf(800, 97), ' 12.12', '100·97/800 = 12.125 exactly');
  assert.equal(accuracyOf(800, 1), '  0.12', '0.125');
  assert.equal(accuracyOf(800, 3), '  0.38', '0.375');
  assert.equal(accuracyOf(800, 5), '  0.62', '0.625');
  assert.equal(accuracyOf(3, 2), ' 66.67', 'not a tie: nearest');
  assert.equal(accuracyOf(8, 1), ' 12.50');
});

test('token accuracy and the confusion table (chunk labels: by type, B I E S, O last)', () => {
  const { gold, pred } = CASES[0]!;
  assert.deepEqual(tokenAccuracy(gold, pred), { correct: 9, total: 12, accuracy: 0.75 });
  const t = confusionTable(gold, pred);
  assert.deepEqual(t.labels, ['B-LOC', 'I-LOC', 'B-ORG', 'I-ORG', 'B-PER', 'I-PER', 'O']);
  assert.equal(t.total, 12);
  assert.equal(t.correct, 9);
  // by hand from CASES[0]: O→O three times (s1 words 2, 5; s2 word 0), O→B-ORG once (s2 word 3),
  // B-PER→I-PER once (s1 word 3), I-LOC→I-ORG once (s1 word 7), the rest on the diagonal
  assert.equal(formatConfusion(t), [
    'gold\\pred  B-LOC  I-LOC  B-ORG  I-ORG  B-PER  I-PER  O',
    'B-LOC          1      .      .      .      .      .  .',
    'I-LOC          .      .      .      1      .      .  .',
    'B-ORG          .      .      1      .      .      .  .',
    'I-ORG          .      .      .      1      .      .  .',
    'B-PER          .      .      .      .      1      1  .',
    'I-PER          .      .      .      .      .      2  .',
    'O              .      .      1      .      .      .  3',
    ''].join('\n'));
  const styled = formatConfusion(t, { diagonal: (s) => `<${s}>`, error: (s) => `!${s}!`, header: (s) => s });
  assert.ok(styled.includes('<    2>') && styled.includes('!    1!') && styled.includes('<3>'));
  assert.equal(styled.replace(/[<>!]/g, ''), formatConfusion(t));
  const counter = createConfusionCounter();
  gold.forEach((g, s) => counter.add(g, pred[s]!));
  assert.deepEqual(counter.table(), t);
  const given = counter.table(['O', 'B-PER']);
  assert.deepEqual(given.labels, ['O', 'B-PER', 'B-LOC', 'I-LOC', 'B-ORG', 'I-ORG', 'I-PER'], 'given labels first, the rest after in the default order');
  assert.equal(given.counts[0]![0], 3);
  assert.equal(given.counts[1]![6], 1, 'B-PER → I-PER');
});

test('the confusion table of POS tags: most frequent gold label first, ties by code point; labels only predicted at the end', () => {
  // tiny.conllu's UPOS: NOUN 3, PUNCT 3, VERB 3, PRON 2, PROPN 2, ADJ 1, AUX 1, CCONJ 1, DET 1
  const gold = [
    split('DET NOUN VERB PUNCT'), split('PRON VERB PRON AUX ADJ PUNCT'), split('PROPN VERB NOUN CCONJ PROPN NOUN PUNCT'),
  ];
  const pred = gold.map((s) => s.map((l) => (l === 'AUX' ? 'VERB' : l === 'CCONJ' ? 'X' : l)));
  const t = confusionTable(gold, pred);
  assert.deepEqual(t.labels, ['NOUN', 'PUNCT', 'VERB', 'PRON', 'PROPN', 'ADJ', 'AUX', 'CCONJ', 'DET', 'X']);
  assert.equal(t.correct, 15);
  assert.equal(t.counts[6]![2], 1, 'AUX → VERB');
  assert.equal(t.counts[7]![9], 1, 'CCONJ → X');
  assert.equal(isChunkLabelSet(t.labels), false);
  assert.equal(isChunkLabelSet(['O', 'B-PER', 'I-PER', 'E-PER', 'S-LOC']), true);
  assert.equal(isChunkLabelSet(['O']), false);
  assert.equal(isChunkLabelSet(['O', 'U-PER']), false);
  const text = formatConfusion(t).split('\n');
  assert.equal(text[0], 'gold\\pred  NOUN  PUNCT  VERB  PRON  PROPN  ADJ  AUX  CCONJ  DET  X');
  assert.equal(text[7], 'AUX           .      .     1     .      .    .    .      .    .  .');
  assert.equal(formatConfusion(confusionTable([], [])), 'gold\\pred\n');
});

const CONLLEVAL = process.env.RNNLM_CONLLEVAL;
test('conlleval.pl itself prints the same reports (RNNLM_CONLLEVAL=/path/to/conlleval.pl)', { skip: !(CONLLEVAL && existsSync(CONLLEVAL)) && 'set RNNLM_CONLLEVAL to a conlleval.pl (needs perl)' }, () => {
  const cases = [...CASES, { name: 'fixture', gold: parseConll(readFileSync(repoPath('test/fixtures/tag/ner-bio.txt'), 'utf8')).sentences.map((s) => s.labels), pred: [] as string[][], report: '' }];
  // the 2004 script has no S- rules (see tag-metrics.ts): IOBES cases only with a script that has them
  const hasS = /eq "S"/.test(readFileSync(CONLLEVAL!, 'utf8'));
  for (const c of cases) {
    if (!hasS && c.gold.concat(c.pred).some((s) => s.some((l) => l.startsWith('S-')))) continue;
    const pred = c.pred.length ? c.pred : c.gold;
    const input = c.gold.map((g, s) => formatConll(g.map((_, i) => `w${i}`), [g, pred[s]!], ' ')).join('');
    const perl = execFileSync('perl', [CONLLEVAL!], { input, encoding: 'utf8' });
    assert.equal(formatConlleval(conlleval(c.gold, pred)), perl, c.name);
  }
});
