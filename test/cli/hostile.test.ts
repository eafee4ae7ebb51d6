/**
 * What a careless or hostile user gives the newer commands (rescore, --ngram,
 * tag): each case either works as documented or is refused in one line with
 * the exit code of its kind.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';
import { ENV, tinyModel } from '../api/tiny-model.js';
import { parseConllu } from '../../src/api/conll.js';

const NER = repoPath('test/fixtures/tag/ner-bio.txt');
const TINY = repoPath('test/fixtures/tag/tiny.conllu');
const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));

/** A tagger trained for a few steps: what it predicts does not matter here, only that the column asked for is the one read. */
async function quickTagger(data: string, out: string): Promise<string> {
  const r = await runCli(['tag', 'train', data, '-o', out, '--max-steps', '2', '--hidden', '4', '--embedding', '4', '--char-embedding', '4', '--char-hidden', '4', '--threads', '1', '-q']);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

test('tag eval --label as a column number (as tag train and tag predict take it): the same report as the column by name or by default', async () => {
  const ner = await quickTagger(NER, join(dir, 'ner.json'));
  const upos = await quickTagger(TINY, join(dir, 'upos.json'));
  const report = async (...args: string[]) => {
    const r = await runCli(['tag', 'eval', '--json', '-q', ...args]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    delete j['label'];
    return j;
  };
  // the NER file has two columns: the last is the second
  const byDefault = await report('-m', ner, NER);
  assert.deepEqual(await report('-m', ner, NER, '--label', '2'), byDefault);
  assert.deepEqual(await report('-m', ner, NER, '--label', '-1'), byDefault);
  // UPOS is CoNLL-U's 4th column
  assert.deepEqual(await report('-m', upos, TINY, '--label', '4'), await report('-m', upos, TINY, '--label', 'upos'));
  // a column that is not there: the option named, exit 2
  const bad = await runCli(['tag', 'eval', '-m', upos, TINY, '--label', '11']);
  assert.equal(bad.code, 2);
  assert.match(oneLineError(bad.stderr), /^rnnlm: --label: CoNLL-U label column 11 does not exist/);
});

test('rescore: scores that overflow once weighted are refused naming the line (exit 1); --lm-weight 0 ignores an LM log P of −∞ (an n-gram\'s log 0)', async () => {
  const m = await tinyModel();
  // 2 × 1e308 and 2 × −1e308 are beyond the largest double (~1.8e308): their sum would be NaN
  const nb = join(dir, 'overflow.txt');
  writeFileSync(nb, 'u 1 1 ab\nu 1e308 -1e308 abc\n');
  const r = await runCli(['rescore', '-m', m.file, nb, '--scores', '2', '--score-weights', '2,2'], { env: ENV });
  assert.equal(r.code, 1);
  assert.match(oneLineError(r.stderr), /^rnnlm: .*overflow\.txt line 2: the weighted sum of the hypothesis's scores is beyond the range of numbers/);
  assert.equal(r.stdout, '');
  // one overflowing to +∞ alone would win whatever the others: refused as well
  writeFileSync(nb, 'u 1 ab\nu 1e308 abc\n');
  const inf = await runCli(['rescore', '-m', m.file, nb, '--score-weights', '2'], { env: ENV });
  assert.equal(inf.code, 1);
  assert.match(oneLineError(inf.stderr), /line 2: the weighted sum/);

  // an n-gram that gives c probability 0 (log10 −inf); with λ = 0 "abc" has log P −∞, and with --lm-weight 0 the given scores alone decide
  const arpa = join(dir, 'zero-c.arpa');
  writeFileSync(arpa, '\\data\\\nngram 1=6\n\n\\1-grams:\n-99 <s>\n-0.5 a\n-0.6 b\n-inf c\n-0.8 <space>\n-1.1 </s>\n\n\\end\\\n');
  writeFileSync(nb, 'u -3 ab\nu -2 abc\nu -4 ba\n');
  const z = await runCli(['rescore', '-m', m.file, nb, '--ngram', arpa, '--lambda', '0', '--lm-weight', '0', '--json', '--threads', '1'], { env: ENV });
  assert.equal(z.code, 0, z.stderr);
  const recs = z.stdout.trim().split('\n').map((l) => JSON.parse(l) as { combined: number; best: boolean });
  assert.deepEqual(recs.map((x) => x.combined), [-3, -2, -4]);
  assert.deepEqual(recs.map((x) => x.best), [false, true, false]);
});

test('tag eval: a word whose CoNLL-U gold label is "_" (none) is not scored, as tag train\'s dev accuracy does not score it', async () => {
  const text = readFileSync(TINY, 'utf8');
  // every third word's UPOS made "_"
  let k = 0;
  const dev = join(dir, 'some-none.conllu');
  writeFileSync(dev, text.split('\n').map((l) => (/^\d+\t/.test(l) && k++ % 3 === 0 ? l.split('\t').map((c, i) => (i === 3 ? '_' : c)).join('\t') : l)).join('\n'));
  const tagger = join(dir, 'dev-none.json');
  const log = join(dir, 'dev-none.log');
  const r = await runCli(['tag', 'train', TINY, '--dev', dev, '-o', tagger, '--log', log, '--max-steps', '4', '--eval-every', '1', '--hidden', '4', '--embedding', '4', '--char-embedding', '4', '--char-hidden', '4', '--threads', '1', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const ev = await runCli(['tag', 'eval', '-m', tagger, dev, '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  assert.equal(ev.stderr, '', 'no note that "_" is a label the tagger lacks');
  const e = JSON.parse(ev.stdout) as { accuracy: number; correct: number; unknownLabels: string[]; confusion: { labels: string[] } };
  assert.deepEqual(e.unknownLabels, []);
  assert.ok(!e.confusion.labels.includes('_'));
  // the accuracy counted here: the predictions against the gold labels of the words that have one
  const gold = parseConllu(readFileSync(dev, 'utf8')).sentences.map((s) => s.labels);
  const predicted = (await runCli(['tag', 'predict', '-m', tagger, dev, '--json', '-q'])).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { labels: string[] }).labels);
  let correct = 0, total = 0;
  gold.forEach((g, s) => g.forEach((l, t) => { if (l !== '_') { total++; if (l === predicted[s]![t]) correct++; } }));
  assert.equal(total, k - Math.ceil(k / 3));
  assert.equal(e.correct, correct);
  assert.equal(e.accuracy, correct / total);
  // and training chose (and saved) the tagger by that same accuracy
  const best = Math.max(...readFileSync(log, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { devAccuracy: number }).devAccuracy));
  assert.equal(e.accuracy, best);
});

test('a compressed file where text is expected (an n-best list, an ARPA model, CoNLL-U read as a stream): refused naming the compression', async () => {
  const m = await tinyModel();
  const nb = join(dir, 'nbest.txt.gz');
  writeFileSync(nb, gzipSync('u -1 ab\n'));
  const r = await runCli(['rescore', '-m', m.file, nb], { env: ENV });
  assert.equal(r.code, 1);
  assert.match(oneLineError(r.stderr), /nbest\.txt\.gz is compressed \(gzip\) — decompress it first \(gunzip -k\)$/);
  const plain = join(dir, 'nbest.txt');
  writeFileSync(plain, 'u -1 ab\n');
  const arpa = join(dir, 'lm.arpa.gz');
  writeFileSync(arpa, gzipSync(readFileSync(repoPath('test/fixtures/tiny-char.arpa'))));
  const a = await runCli(['rescore', '-m', m.file, plain, '--ngram', arpa], { env: ENV });
  assert.equal(a.code, 1);
  assert.match(oneLineError(a.stderr), /lm\.arpa\.gz is compressed \(gzip\)/);
  const tagger = await quickTagger(NER, join(dir, 'ner-gz.json'));
  const p = await runCli(['tag', 'predict', '-m', tagger], { stdin: gzipSync(readFileSync(TINY)) });
  assert.equal(p.code, 1);
  assert.match(oneLineError(p.stderr), /^rnnlm: standard input is compressed \(gzip\)/);
  assert.equal(p.stdout, '');
});

test('a compressed checkpoint, tagger or safetensors file: refused naming the compression, for every command that reads one', async () => {
  const m = await tinyModel();
  const gz = join(dir, 'model.json.gz');
  writeFileSync(gz, gzipSync(readFileSync(m.file)));
  for (const args of [['score', '-m', gz, 'ab'], ['info', gz], ['strip', gz, '-o', join(dir, 's.json')], ['export', gz, '-o', join(dir, 'x.onnx')], ['import', gz, '-o', join(dir, 'i.json')], ['tag', 'predict', '-m', gz, '--text', 'a']]) {
    const r = await runCli(args, { env: ENV });
    assert.equal(r.code, 1, args.join(' '));
    assert.match(oneLineError(r.stderr), /model\.json\.gz is compressed \(gzip\) — decompress it first \(gunzip -k\)$/, args.join(' '));
  }
});

test('tag predict: lone CRs (old Mac files) end lines, in CoNLL-U and plain text, a CR and its LF in separate pieces of input too', async () => {
  const tagger = await quickTagger(TINY, join(dir, 'cr.json'));
  const conllu = readFileSync(TINY, 'utf8');
  const want = await runCli(['tag', 'predict', '-m', tagger, '-q'], { stdin: conllu });
  assert.equal(want.code, 0, want.stderr);
  const cr = await runCli(['tag', 'predict', '-m', tagger, '-q'], { stdin: conllu.replace(/\n/g, '\r') });
  assert.equal(cr.stdout, want.stdout);
  const text = 'the cat sat\nthe dog\n';
  const wantText = await runCli(['tag', 'predict', '-m', tagger, '-q', '--json'], { stdin: text });
  assert.equal(wantText.stdout.trim().split('\n').length, 2);
  for (const pieces of [['the cat sat\r', 'the dog\r'], ['the cat sat\r', '\nthe dog\r\n'], ['the cat sat\rthe dog\r']]) {
    const r = await runCli(['tag', 'predict', '-m', tagger, '-q', '--json'], { stdinPieces: pieces.map((data) => ({ data })) });
    assert.equal(r.stdout, wantText.stdout, JSON.stringify(pieces));
  }
});

test('a checkpoint given where text is expected (rnnlm train model.json): refused naming what it is, never trained on, scored or tagged as text', async () => {
  const m = await tinyModel();
  const tagger = await quickTagger(NER, join(dir, 'as-text.json'));
  const corpus = repoPath('test/fixtures/tiny.txt');
  const out = join(dir, 'never.json');
  const lm = /is a language model \(an rnnlm checkpoint\), not text — give the text here; a model goes with -m/;
  const tg = /is a tagger \(an rnnlm checkpoint\), not text — give the text here; a tagger goes with -m/;
  const cases: [string[], RegExp, string?][] = [
    [['train', m.file, '-o', out], lm],
    [['train', corpus, '--val-file', m.file, '-o', out], lm],
    [['train', '-', '-o', out], tg, 'stdin'],
    [['eval', '-m', m.file, tagger], tg],
    [['eval', '-m', m.file, '-'], lm, 'stdin'],
    [['rescore', '-m', m.file, m.file], lm],
    [['encode', '-m', m.file, tagger, '-o', out], tg],
    [['tag', 'train', tagger, '-o', out], tg],
    [['tag', 'eval', '-m', tagger, m.file], lm],
    [['tag', 'predict', '-m', tagger, m.file], lm],
    [['tag', 'predict', '-m', tagger], lm, 'stdin'],
  ];
  for (const [args, want, stdin] of cases) {
    const r = await runCli(args, { env: ENV, ...(stdin ? { stdin: readFileSync(want === lm ? m.file : tagger) } : {}) });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(oneLineError(r.stderr), want, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
    assert.ok(!existsSync(out), args.join(' '));
  }
  // plot reads a checkpoint (or a log): still drawn
  const p = await runCli(['plot', m.file, '-o', '-', '-q']);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /^<svg/);
});

test('rescore --json: one line per record whatever the hypothesis holds (U+2028, NEL, a bidi override), as every --json of rnnlm is, and the same text parsed back', async () => {
  const m = await tinyModel();
  const nb = join(dir, 'seps.txt');
  const hyp = 'ab \u2028 c \u0085 b \u202e a';
  writeFileSync(nb, `u -1 ${hyp}\nu -2 ab\n`);
  for (const extra of [[], ['--best']]) {
    const r = await runCli(['rescore', '-m', m.file, nb, '--json', ...extra], { env: ENV });
    assert.equal(r.code, 0, r.stderr);
    // splitlines()-style readers (Python's) split at U+2028, U+2029 and NEL too
    const lines = r.stdout.split(/\r\n|[\n\r\u2028\u2029\u0085\v\f\u001c-\u001e]/).filter((l) => l !== '');
    assert.equal(lines.length, extra.length ? 1 : 2);
    assert.ok(!/[\u202a-\u202e\u2066-\u2069]/.test(r.stdout), 'no raw bidi control');
    const first = JSON.parse(lines[0]!) as { hypothesis: string; combined: number };
    if (!extra.length) assert.equal(first.hypothesis, hyp);
  }
});

test('sample --json: one line per sample when the text holds U+2028 or a bidi override (from the prime or the vocabulary), parsed back the same', async () => {
  const m = await tinyModel();
  const prime = 'a\u2028b\u202e';
  const r = await runCli(['sample', '-m', m.file, '-n', '3', '--seed', '1', '--json', '--prime', prime], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!/[\u2028\u2029\u0085\u202a-\u202e]/.test(r.stdout), 'escaped, as jsonLine escapes them');
  const lines = r.stdout.split(/\r\n|[\n\r\u2028\u2029\u0085]/).filter((l) => l !== '');
  assert.equal(lines.length, 3);
  for (const l of lines) {
    const s = JSON.parse(l) as { text: string; prime: string };
    assert.equal(s.prime, prime);
    assert.ok(s.text.startsWith(prime));
  }
});

test('tag eval and tag train --dev: a gold column of "_" only (no labels at all) is refused naming --label, as tag train refuses it for training, not scored "0 of 0" nor trained without a dev accuracy', async () => {
  const tagger = await quickTagger(TINY, join(dir, 'all-none.json'));
  const text = readFileSync(TINY, 'utf8');
  const none = join(dir, 'all-none.conllu');
  writeFileSync(none, text.split('\n').map((l) => (/^\d+\t/.test(l) ? l.split('\t').map((c, i) => (i === 3 ? '_' : c)).join('\t') : l)).join('\n'));
  const r = await runCli(['tag', 'eval', '-m', tagger, none]);
  assert.equal(r.code, 1);
  assert.match(oneLineError(r.stderr), /the "upos" column of .*all-none\.conllu holds no labels: every word's is "_" .* — choose a column that has them with --label/);
  assert.equal(r.stdout, '');
  // as a dev set: no accuracy to choose the tagger by, so refused before training
  const out = join(dir, 'never-tagger.json');
  const t = await runCli(['tag', 'train', TINY, '--dev', none, '-o', out, '--max-steps', '1', '--hidden', '4', '-q']);
  assert.equal(t.code, 1);
  assert.match(oneLineError(t.stderr), /the "upos" column of .*all-none\.conllu holds no labels: every word's is "_" .* — give a dev set with labels in that column, or choose another with --label/);
  assert.ok(!existsSync(out));
});

test('score --json and --per-token: a sentence holding U+2028, NEL or a bidi override stays one record per line, parsed back the same', async () => {
  const m = await tinyModel();
  const sentence = 'a\u2028b\u0085c\u202ed';
  const r = await runCli(['score', '-m', m.file, '--json', '--per-token', sentence], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!/[\u2028\u2029\u0085\u202a-\u202e]/.test(r.stdout), 'escaped, as jsonLine escapes them');
  const lines = r.stdout.split(/\r\n|[\n\r\u2028\u2029\u0085]/).filter((l) => l !== '');
  assert.equal(lines.length, 1);
  assert.equal((JSON.parse(lines[0]!) as { sentence: string }).sentence, sentence);
  const tsv = await runCli(['score', '-m', m.file, '--per-token', sentence], { env: ENV });
  assert.ok(!/[\u2028\u0085\u202e]/.test(tsv.stdout.split('\n').slice(1).join('\n')), 'the per-token lines quote their tokens with escapes');
});

test('score from standard input: a gzipped text or a checkpoint is refused in one line before anything is scored (exit 1)', async () => {
  const m = await tinyModel();
  const gz = await runCli(['score', '-m', m.file], { env: ENV, stdin: gzipSync('ab\nba\n') });
  assert.equal(gz.code, 1, gz.stderr);
  assert.equal(gz.stdout, '');
  assert.match(oneLineError(gz.stderr), /^rnnlm: standard input is compressed \(gzip\) — decompress it first/);
  const ck = await runCli(['score', '-m', m.file], { env: ENV, stdin: readFileSync(m.file) });
  assert.equal(ck.code, 1, ck.stderr);
  assert.equal(ck.stdout, '');
  assert.match(oneLineError(ck.stderr), /^rnnlm: standard input is a language model \(an rnnlm checkpoint\), not text/);
});

test('train --min-count above every count: the message and its fix name --min-count (the library\'s minCount in code), not the core\'s spelling', async () => {
  const corpus = join(dir, 'mc.txt');
  writeFileSync(corpus, 'ab\nab\nba\n');
  // "a" and "b" are each seen 3 times: a minimum count of 4 keeps none
  const r = await runCli(['train', corpus, '-o', join(dir, 'mc.json'), '--min-count', '4', '--hidden', '4', '--layers', '1', '--max-steps', '1', '--threads', '1', '--samples', '0']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(oneLineError(r.stderr), /^rnnlm: .*mc\.txt: --min-count 4 drops all 2 distinct tokens of the corpus — lower --min-count \(/);
  const { train } = await import('../../src/index.js');
  await assert.rejects(train('ab\nab\nba\n', { minCount: 4, hidden: 4, layers: 1, maxSteps: 1, threads: 1 }), /minCount 4 drops all 2 distinct tokens/);
  // one less keeps both
  assert.equal((await runCli(['train', corpus, '-o', join(dir, 'mc.json'), '--min-count', '3', '--hidden', '4', '--layers', '1', '--max-steps', '1', '--threads', '1', '--samples', '0', '-q', '--val-fraction', '0', '--force'])).code, 0);
});

test('tag eval: labels holding ESC, BEL or U+202E are shown escaped and the confusion table stays aligned (its columns were sized by the raw labels)', async () => {
  const data = join(dir, 'hostile-labels.conll');
  writeFileSync(data, 'the\tD\u001b[2J\ncat\tN\u202eX\n\na\tD\u001b[2J\ndog\tN\u202eX\n\nthe\tD\u001b[2J\nbird\tN\u0007\n\n');
  const tagger = await quickTagger(data, join(dir, 'hostile-labels.json'));
  const r = await runCli(['tag', 'eval', '-m', tagger, data, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u202e]/.test(r.stdout), 'no raw control or bidi character');
  const lines = r.stdout.split('\n');
  const table = lines.slice(lines.indexOf('confusion (rows: gold, columns: predicted)') + 1).filter((l) => l !== '');
  assert.equal(table.length, 4, r.stdout);
  assert.match(table[0]!, /^gold\\pred +D\\x1b\[2J +N\\u202eX +N\\x07$/);
  // every count is right-aligned under its label: the header and the three rows are as long as one another
  assert.deepEqual(table.map((l) => l.length), Array(4).fill(table[0]!.length), table.join('\n'));
});

test('a checkpoint whose history records an evaluation after its own step (or a best step beyond it) is refused when read, not failed at the resumed run\'s save as "a bug"', async () => {
  const m = await tinyModel();
  const ck = JSON.parse(readFileSync(m.file, 'utf8')) as { training: { state: { step: number; bestStep: number; history: { step: number }[] } } };
  const step = ck.training.state.step;
  assert.ok(ck.training.state.history.length > 0);
  const future = structuredClone(ck);
  future.training.state.history.push({ ...future.training.state.history.at(-1)!, step: 1e9 });
  const bad = join(dir, 'future.json');
  writeFileSync(bad, JSON.stringify(future));
  const last = future.training.state.history.length - 1;
  const corpus = join(dir, 'future.txt');
  writeFileSync(corpus, m.text);
  for (const args of [['train', corpus, '--resume', bad, '-o', join(dir, 'future-out.json'), '--max-steps', '1', '--threads', '1', '--samples', '0'], ['score', '-m', bad, 'ab']]) {
    const r = await runCli(args, { env: ENV });
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneLineError(r.stderr), new RegExp(`future\\.json: checkpoint field training\\.state\\.history\\[${last}\\]\\.step should not be after the state's own step ${step}, got 1000000000 — the file is damaged`));
  }
  assert.ok(!existsSync(join(dir, 'future-out.json')));
  const best = structuredClone(ck);
  best.training.state.bestStep = step + 1;
  writeFileSync(bad, JSON.stringify(best));
  const r = await runCli(['score', '-m', bad, 'ab'], { env: ENV });
  assert.equal(r.code, 1, r.stderr);
  assert.match(oneLineError(r.stderr), new RegExp(`training\\.state\\.bestStep should not be after the state's own step ${step}, got ${step + 1}`));
  // the schedule's own best (kept when a closing evaluation did better) likewise
  const sched = structuredClone(ck) as typeof ck & { training: { state: { scheduled?: unknown } } };
  sched.training.state.scheduled = { bestValLoss: 1, bestStep: step + 5 };
  writeFileSync(bad, JSON.stringify(sched));
  const s = await runCli(['score', '-m', bad, 'ab'], { env: ENV });
  assert.equal(s.code, 1, s.stderr);
  assert.match(oneLineError(s.stderr), new RegExp(`training\\.state\\.scheduled\\.bestStep should not be after the state's own step ${step}, got ${step + 5}`));
});

/**
 * training.state.scheduled is the one strict object of the checkpoint's
 * schema (its two keys and no other): a key too many was refused in zod's
 * own words, "training.state.scheduled Unrecognized key: \"x\", got an
 * object". Now as every other field is said: what it should not hold.
 */
test('training.state.scheduled with a key too many (an own "__proto__" included) is refused naming the field and the key, in rnnlm\'s words', async () => {
  const m = await tinyModel();
  const ck = JSON.parse(readFileSync(m.file, 'utf8')) as { training: { state: { step: number; scheduled?: unknown } } };
  const bad = join(dir, 'sched-keys.json');
  const cases: [string, string][] = [
    [JSON.stringify({ bestValLoss: null, bestStep: 0, x: 1 }), '"x"'],
    [JSON.stringify({ bestValLoss: null, bestStep: 0, x: 1, y: [] }), '"x", "y"'],
    ['{"__proto__": {"bestValLoss": 1}, "bestValLoss": null, "bestStep": 0}', '"__proto__"'],
  ];
  for (const [scheduled, keys] of cases) {
    writeFileSync(bad, JSON.stringify({ ...ck, training: { ...ck.training, state: { ...ck.training.state, scheduled: '@@' } } }).replace('"@@"', scheduled));
    for (const args of [['score', '-m', bad, 'ab'], ['info', bad]]) {
      const r = await runCli(args, { env: ENV });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(oneLineError(r.stderr), `rnnlm: ${bad}: checkpoint field training.state.scheduled should not hold ${keys}, got an object — the file is damaged or was not written by rnnlm; retrain, or pass a checkpoint written by \`rnnlm train\``);
    }
  }
});

/**
 * training.state.scheduled holds the best of the scheduled evaluations when a
 * closing one did better, so it is never better than the best of all of them
 * (bestValLoss, bestDevAccuracy). One better than that was read as sound, and
 * the resumed run compared its evaluations with a loss (accuracy) no
 * evaluation had: each counted towards --patience and the plateau cuts
 * although it improved on every evaluation made. Refused when read; the
 * same value as the best (an evaluation that tied it) is read.
 */
test('training.state.scheduled better than the best of every evaluation (a loss below bestValLoss, an accuracy above bestDevAccuracy) is refused when read', async () => {
  const m = await tinyModel({ valFraction: 0.34 });
  const ck = JSON.parse(readFileSync(m.file, 'utf8')) as { training: { state: { step: number; bestValLoss: number | null; scheduled?: unknown } } };
  const best = ck.training.state.bestValLoss!;
  assert.ok(best > 0);
  const bad = join(dir, 'sched-best.json');
  const corpus = join(dir, 'sched-best.txt');
  writeFileSync(corpus, m.text);
  const with_ = (scheduled: unknown) => writeFileSync(bad, JSON.stringify({ ...ck, training: { ...ck.training, state: { ...ck.training.state, scheduled } } }));
  with_({ bestValLoss: best / 2, bestStep: 0 });
  for (const args of [['score', '-m', bad, 'ab'], ['info', bad], ['train', corpus, '--resume', bad, '-o', join(dir, 'sched-out.json'), '--max-steps', '1', '--threads', '1', '--samples', '0']]) {
    const r = await runCli(args, { env: ENV });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(oneLineError(r.stderr), `rnnlm: ${bad}: checkpoint field training.state.scheduled.bestValLoss should not be below the best of every evaluation, bestValLoss ${best}, got ${best / 2} — the file is damaged or was not written by rnnlm; retrain, or pass a checkpoint written by \`rnnlm train\``);
  }
  with_({ bestValLoss: best, bestStep: 0 });
  assert.equal((await runCli(['score', '-m', bad, 'ab'], { env: ENV })).code, 0);
  // the tagger: an accuracy above its best
  const tagger = join(dir, 'sched-tagger.json');
  const t = await runCli(['tag', 'train', TINY, '--dev', TINY, '-o', tagger, '--max-steps', '2', '--eval-every', '1', '--hidden', '4', '--embedding', '4', '--char-embedding', '4', '--char-hidden', '4', '--threads', '1', '-q']);
  assert.equal(t.code, 0, t.stderr);
  const tk = JSON.parse(readFileSync(tagger, 'utf8')) as { training: { state: { bestDevAccuracy: number } } };
  const acc = tk.training.state.bestDevAccuracy;
  assert.ok(acc < 1);
  writeFileSync(bad, JSON.stringify({ ...tk, training: { ...tk.training, state: { ...tk.training.state, scheduled: { bestDevAccuracy: 1, bestStep: 0 } } } }));
  for (const args of [['tag', 'predict', '-m', bad, '--text', 'the cat'], ['tag', 'train', TINY, '--dev', TINY, '--resume', bad, '-o', join(dir, 'sched-t-out.json'), '--max-steps', '1', '-q']]) {
    const r = await runCli(args, { env: ENV });
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneLineError(r.stderr), new RegExp(`sched-best\\.json: tagger field training\\.state\\.scheduled\\.bestDevAccuracy should not be above the best of every evaluation, bestDevAccuracy ${acc}, got 1 — the file is damaged`));
  }
});

test('train --adaptive whose divisor leaves a tail cluster no unit: the hint names --adaptive-div and --hidden, not "cut-offs below the vocabulary\'s size" (which they were)', async () => {
  const corpus = join(dir, 'words.txt');
  writeFileSync(corpus, 'a b c d e f g h\nb c d e f g h a\nc d e f g h a b\n');
  const run = (...extra: string[]) => runCli(['train', corpus, '-o', join(dir, 'ad.json'), '--level', 'word', '--layers', '1', '--max-steps', '1', '--threads', '1', '--samples', '0', '--val-fraction', '0', ...extra]);
  // 8 hidden units / 4² = 0 units for the second tail cluster
  let r = await run('--adaptive', '--cutoffs', '2,4', '--hidden', '8');
  assert.equal(r.code, 2, r.stderr);
  assert.equal(oneLineError(r.stderr), 'rnnlm: --cutoffs: tail cluster 2 would have 0 units (8 hidden / 4^2): use fewer cut-offs or a smaller divisor — give fewer cut-offs, a smaller --adaptive-div (4 now), or a larger --hidden');
  // a cut-off past the vocabulary (8 words + <EOS> and <UNK>: 10) keeps its own hint
  r = await run('--adaptive', '--cutoffs', '2,40', '--hidden', '16');
  assert.equal(r.code, 2, r.stderr);
  assert.match(oneLineError(r.stderr), /cut-off 40 is not a whole number from 1 to 9 \(the vocabulary has 10 tokens\) — give cut-offs below 10, the vocabulary's size, increasing$/);
  // 16 units / 4² = 1: trains
  assert.equal((await run('--adaptive', '--cutoffs', '2,4', '--hidden', '16', '-q', '--force')).code, 0);
});

test('--max-time in exponent notation (as every number option reads it) and at the edge of the range of numbers: read, or refused saying what is wrong (it said "greater than 0" for 1e3 and 1e308)', async () => {
  const corpus = join(dir, 'mt.txt');
  writeFileSync(corpus, 'ab\nba\nab\n');
  const run = (value: string) => runCli(['train', corpus, '-o', join(dir, 'mt.json'), '--max-time', value, '--max-steps', '1', '--hidden', '4', '--layers', '1', '--threads', '1', '--samples', '0', '-q', '--force']);
  assert.equal((await run('1e3')).code, 0);
  // 1e308 seconds is 1e311 ms: beyond the largest double
  let r = await run('1e308');
  assert.equal(r.code, 2);
  assert.match(oneLineError(r.stderr), /^rnnlm: --max-time must be a duration that can be counted in milliseconds \(at most about 5e301 hours\), such as 90s, 10m or 1h30m \(got "1e308"\)/);
  for (const below of ['0', '-5m', '-1e3']) {
    r = await run(below);
    assert.equal(r.code, 2);
    assert.match(oneLineError(r.stderr), /^rnnlm: --max-time must be a duration greater than 0, such as 90s, 10m or 1h30m \(got/);
  }
  r = await run('abc');
  assert.match(oneLineError(r.stderr), /^rnnlm: --max-time must be a duration such as 90s, 10m or 1h30m \(or a number of seconds\) \(got "abc"\)/);
  // from code, a number of seconds is a number: 1e-9 s is above 0, 1e308 s is not a number of milliseconds
  const { train } = await import('../../src/index.js');
  const tiny = { maxSteps: 1, hidden: 4, layers: 1, threads: 1 };
  assert.ok(Math.abs((await train('ab\nba\nab\n', { ...tiny, maxTime: 1e-9 })).checkpoint.training!.config.maxTimeMs - 1e-6) < 1e-15);
  await assert.rejects(train('ab\nba\nab\n', { ...tiny, maxTime: 1e308 }), /maxTime must be a duration that can be counted in milliseconds/);
});

test('tag predict of a sentence too long for memory: the hint names what tagging has (shorter sentences, --batch), not training\'s --hidden, --layers or --bptt', async () => {
  // the default sizes (embedding 100, a character BiLSTM of 32 × 32): what a real tagger holds per word
  const tagger = join(dir, 'long-sentence.json');
  assert.equal((await runCli(['tag', 'train', TINY, '-o', tagger, '--max-steps', '1', '--hidden', '8', '--threads', '1', '-q'])).code, 0);
  const text = join(dir, 'long-sentence.txt');
  // 100,000 words in one sentence: the bidirectional tagger's workspace for it does not fit in 4 GB
  writeFileSync(text, `${Array(100_000).fill('the').join(' ')}\n`);
  // its own process: the memory it fills is the process's WebAssembly memory, which this one's other tests share
  const r = spawnSync(process.execPath, [repoPath('bin/rnnlm.js'), 'tag', 'predict', '-m', tagger, '--format', 'text', text], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(oneLineError(r.stderr), /^rnnlm: out of memory: .* — tag shorter sentences \(the longest here has 100,000 words, and a tagger reads each sentence whole: split it\), or fewer at a time \(--batch\)$/);
  assert.equal(r.stdout, '');
});
