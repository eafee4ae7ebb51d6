/**
 * rnnlm rescore: each hypothesis's LM log P is what `rnnlm score` gives the
 * same sentence, the combined score is recomputed here from the given scores
 * and weights, the best per utterance is the highest (the first on a tie),
 * Kaldi's format with a costs file, interpolation with an n-gram, and the
 * refusals (exit 2 for the command line, 1 for a bad file, one line each).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oneLineError, runCli } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';
import { ENV, tinyModel } from '../api/tiny-model.js';

const near = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('rescore: LM log P as score gives it, combined = Σ wₖ·scoreₖ + W·log P, the best per utterance, Kaldi with costs, --ngram', async () => {
  const m = await tinyModel();
  const hyps = ['ab', 'ba c', 'abc', 'cab', 'a b c'];
  const lmOf = async (...extra: string[]) => {
    const r = await runCli(['score', '-m', m.file, '--json', '--threads', '1', ...extra, ...hyps], { env: ENV });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { logProb: number }).logProb);
  };
  const lm = await lmOf();
  const nb = join(m.dir, 'nbest.txt');
  // utterance, acoustic, a second score, hypothesis
  const rows: [string, number, number][] = [['u1', -10, 1], ['u1', -12, 2], ['u2', -5, 0], ['u2', -5, 0], ['u1', -10, 1]];
  writeFileSync(nb, rows.map(([u, a, b], i) => `${u} ${a} ${b} ${hyps[i]}`).join('\n') + '\n');
  const r = await runCli(['rescore', '-m', m.file, nb, '--scores', '2', '--score-weights', '1,0.5', '--lm-weight', '2', '--json', '--threads', '1'], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { utterance: string; index: number; lmLogProb: number; combined: number; best: boolean; hypothesis: string; scores: number[] });
  assert.equal(recs.length, 5);
  const combined = rows.map(([, a, b], i) => a + 0.5 * b + 2 * lm[i]!);
  recs.forEach((x, i) => {
    assert.equal(x.utterance, rows[i]![0]);
    assert.equal(x.hypothesis, hyps[i]);
    assert.deepEqual(x.scores, [rows[i]![1], rows[i]![2]]);
    assert.equal(x.lmLogProb, lm[i], 'the LM log P is score\'s, to the bit');
    near(x.combined, combined[i]!);
  });
  assert.deepEqual(recs.map((x) => x.index), [1, 2, 1, 2, 3]);
  const argmax = (idx: number[]) => idx.reduce((b, i) => (combined[i]! > combined[b]! ? i : b));
  const want = [argmax([0, 1, 4]), argmax([2, 3])];
  assert.deepEqual(recs.flatMap((x, i) => (x.best ? [i] : [])), want.slice().sort());

  // --best: utt-id and words (Kaldi's text), one line per utterance, in first-seen order
  const best = await runCli(['rescore', '-m', m.file, nb, '--scores', '2', '--score-weights', '1,0.5', '--lm-weight', '2', '--best', '--threads', '1'], { env: ENV });
  assert.equal(best.code, 0, best.stderr);
  assert.equal(best.stdout, `u1 ${hyps[want[0]!]}\nu2 ${hyps[want[1]!]}\n`);

  // a tie goes to the first: the same hypothesis twice with the same scores
  const tie = join(m.dir, 'tie.txt');
  writeFileSync(tie, 'u -1 abc\nu -1 abc\n');
  const t = await runCli(['rescore', '-m', m.file, tie, '--json'], { env: ENV });
  assert.deepEqual(t.stdout.trim().split('\n').map((l) => JSON.parse(l).best), [true, false]);

  // the text output: utt-id, index, combined, LM log P (log10 with --log10), hypothesis
  const tsv = await runCli(['rescore', '-m', m.file, nb, '--scores', '2', '--log10', '--lm-weight', '0.5', '--threads', '1'], { env: ENV });
  const first = tsv.stdout.split('\n')[0]!.split('\t');
  assert.equal(first.length, 5);
  assert.deepEqual([first[0], first[1], first[4]], ['u1', '1', 'ab']);
  near(Number(first[3]), lm[0]! / Math.LN10, 1e-4);
  near(Number(first[2]), -10 + 1 + 0.5 * lm[0]! / Math.LN10, 1e-4);

  // Kaldi: utt-id-N words and a costs file (−log-likelihoods: negated)
  const text = join(m.dir, 'text.nbest');
  const cost = join(m.dir, 'ac_cost');
  writeFileSync(text, 'utt-1 ab\nutt-2 ba c\n');
  writeFileSync(cost, 'utt-2 3\nutt-1 4\n');
  const k = await runCli(['rescore', '-m', m.file, '--format', 'kaldi', text, '--scores-file', cost, '--costs', '--json', '--threads', '1'], { env: ENV });
  assert.equal(k.code, 0, k.stderr);
  const kr = k.stdout.trim().split('\n').map((l) => JSON.parse(l) as { utterance: string; index: number; id: string; combined: number });
  assert.deepEqual(kr.map((x) => [x.utterance, x.index, x.id]), [['utt', 1, 'utt-1'], ['utt', 2, 'utt-2']]);
  near(kr[0]!.combined, -4 + lm[0]!, 1e-6); // another batch: the same numbers to float32 rounding
  near(kr[1]!.combined, -3 + lm[1]!, 1e-6);

  // with an n-gram: the LM log P is score --ngram's
  const arpa = repoPath('test/fixtures/tiny-char.arpa');
  const mixed = await lmOf('--ngram', arpa, '--lambda', '0.5');
  const n = await runCli(['rescore', '-m', m.file, nb, '--scores', '2', '--ngram', arpa, '--lambda', '0.5', '--json', '--threads', '1'], { env: ENV });
  assert.deepEqual(n.stdout.trim().split('\n').map((l) => JSON.parse(l).lmLogProb), mixed);
});

test('rescore refusals: malformed lines name the line (exit 1); options that do not go together exit 2', async () => {
  const m = await tinyModel();
  const f = (name: string, body: string) => { const p = join(m.dir, name); writeFileSync(p, body); return p; };
  const nb = f('nb.txt', 'u1 -1 ab\nu1 -2 ba\n');
  const cases: [string[], number, RegExp][] = [
    [[f('bad.txt', 'u1 -1 ab\nu1 oops ba\n')], 1, /bad\.txt line 2: score 1 \("oops"\) is not a number — each line is 'utt-id score1 hypothesis words' \(--scores 1\)/],
    [[f('short.txt', 'u1 -1 2 ab\nu1 -2\n'), '--scores', '2'], 1, /short\.txt line 2: 2 scores expected after the utterance id, found 1 field/],
    [[f('empty.txt', '\n\n')], 1, /empty\.txt has no hypothesis/],
    [[f('k.txt', 'u-1 ab\nu x\n'), '--format', 'kaldi'], 1, /k\.txt line 2: "u" is not a Kaldi n-best id/],
    // too many weights for the list's score columns: the option is wrong, not the file
    [[nb, '--score-weights', '1,2'], 2, /--score-weights gives 2 weights for 1 score per hypothesis — give one weight per score \(1\)/],
    [[nb, '--score-weights', '1,2,3'], 2, /--score-weights gives 3 weights for 1 score per hypothesis/],
    [[nb, '--score-weights', '1,x'], 2, /--score-weights must be numbers separated by commas/],
    [[nb, '--scores-file', nb], 2, /--scores-file goes with --format kaldi/],
    [[nb, '--format', 'kaldi', '--scores', '1'], 2, /--scores goes with --format fields/],
    [[nb, '--lambda', '0.5'], 2, /--lambda needs --ngram/],
    // --costs with no score to negate would change nothing, silently
    [[nb, '--scores', '0', '--costs'], 2, /--costs negates the given scores, and there are none/],
    [[nb, '--format', 'kaldi', '--costs'], 2, /--costs negates the given scores, and there are none/],
    [[nb, '--format', 'srilm'], 2, /--format must be fields or kaldi/],
    [[join(m.dir, 'missing.txt')], 1, /missing\.txt/],
  ];
  for (const [args, code, want] of cases) {
    const r = await runCli(['rescore', '-m', m.file, ...args], { env: ENV });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(oneLineError(r.stderr), want);
    assert.equal(r.stdout, '', 'nothing printed before the error');
  }
});

test("the help's Kaldi example, as printed: with equal acoustic costs the best is the hypothesis the model finds likelier", async () => {
  const m = await tinyModel();
  const help = (await runCli(['rescore', '--help'])).stdout;
  const line = help.split('\n').find((l) => l.includes('--format kaldi'))!.trim();
  const hyps = ['ab', 'cab'];
  const lm = (await runCli(['score', '-m', m.file, '--json', '--threads', '1', ...hyps], { env: ENV })).stdout.trim().split('\n')
    .map((l) => (JSON.parse(l) as { logProb: number }).logProb);
  assert.notEqual(lm[0], lm[1]);
  const nb = join(m.dir, 'text.nbest');
  const costs = join(m.dir, 'ac_cost');
  writeFileSync(nb, hyps.map((h, i) => `u-${i + 1} ${h}`).join('\n') + '\n');
  writeFileSync(costs, 'u-1 7.5\nu-2 7.5\n');
  const args = line.split(/\s+/).slice(1).map((a) => ({ 'model.json': m.file, 'text.nbest': nb, ac_cost: costs } as Record<string, string>)[a] ?? a);
  assert.deepEqual(args.slice(0, 1), ['rescore']);
  const r = await runCli([...args, '--threads', '1'], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `u ${hyps[lm[0]! > lm[1]! ? 0 : 1]}\n`);
});
