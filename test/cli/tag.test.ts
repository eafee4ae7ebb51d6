/**
 * rnnlm tag train / predict / eval in-process (fake host): the NER fixture
 * learned to entity F1 100 and scored by `tag eval`; `tag eval`'s numbers on
 * a gold file edited by hand, against counts worked out below; predict's
 * output read back by the readers in each input shape; Ctrl-C saves and
 * exits 130; paths that are one file refused; damaged taggers, a tagger
 * given to the language model's commands and a language model given to the
 * tagger's, each one line and exit 1.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';
import { parseConll, parseConllu } from '../../src/api/conll.js';
import { parseTagger, serializeTagger } from '../../src/checkpoint/tagger-codec.js';
import { serializeCheckpoint } from '../../src/checkpoint/codec.js';
import { makeCheckpoint, VARIANTS } from '../checkpoint/tiny-checkpoint.js';

const NER = repoPath('test/fixtures/tag/ner-bio.txt');
const TINY = repoPath('test/fixtures/tag/tiny.conllu');
const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));
const SMALL = ['--hidden', '16', '--embedding', '8', '--char-embedding', '8', '--char-hidden', '8', '--min-count', '1', '--lr', '0.02', '--dropout', '0', '--batch', '4'];

async function trainTo(data: string, out: string, extra: string[] = []) {
  const r = await runCli(['tag', 'train', data, '--dev', data, '-o', out, '--epochs', '80', ...SMALL, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return r;
}

const ner = join(dir, 'ner.json');
const upos = join(dir, 'upos.json');
const ready = Promise.all([trainTo(NER, ner), trainTo(TINY, upos)]);

interface EvalJson {
  accuracy: number; correct: number; words: number; sentences: number;
  confusion: { labels: string[]; counts: number[][] };
  conlleval: { overall: { gold: number; found: number; correct: number; precision: number; recall: number; f1: number }; byType: { type: string; gold: number; found: number; correct: number }[] } | null;
}

test('the NER fixture (BIO) learned to entity F1 100: tag eval reports conlleval\'s 100.00 and every phrase', async () => {
  const [train] = await ready;
  assert.match(train.stderr, /dev F1 100\.00/);
  const r = await runCli(['tag', 'eval', '-m', ner, NER]);
  assert.equal(r.code, 0, r.stderr);
  // 3 sentences, 26 words (the -DOCSTART- line is skipped), 7 phrases: PER 4, LOC 2, ORG 1
  assert.match(r.stdout, /3 sentences, 26 words \(plain CoNLL, labels: the last column\)/);
  assert.match(r.stdout, /^accuracy +100\.00% \(26 of 26 words\)$/m);
  assert.match(r.stdout, /processed 26 tokens with 7 phrases; found: 7 phrases; correct: 7\./);
  assert.match(r.stdout, /accuracy: 100\.00%; precision: 100\.00%; recall: 100\.00%; FB1: 100\.00/);
  const j = JSON.parse((await runCli(['tag', 'eval', '-m', ner, NER, '--json'])).stdout) as EvalJson;
  assert.deepEqual(j.conlleval!.overall, { gold: 7, found: 7, correct: 7, precision: 1, recall: 1, f1: 1 });
});

test('tag eval on a gold file edited by hand: accuracy, confusion and conlleval as counted by hand', async () => {
  await ready;
  // the tagger tags the fixture perfectly (test above); in the gold, London B-LOC → O and Magic I-ORG → O:
  //   words 26, wrong 2 → accuracy 24/26
  //   gold phrases: PER 4, LOC 1 (New York), ORG 1 (Ministry of) = 6; found: PER 4, LOC 2, ORG 1 (Ministry of Magic) = 7
  //   correct: PER 4 + LOC 1 (New York) = 5 → precision 5/7, recall 5/6, F1 = 2·(5/7)(5/6)/((5/7)+(5/6)) = 10/13
  //   confusion: gold O → B-LOC 1, gold O → I-ORG 1; gold O predicted O 13 (the 13 O words of the fixture)
  const gold = readFileSync(NER, 'utf8').replace('London\tB-LOC', 'London\tO').replace('Magic I-ORG', 'Magic O');
  assert.notEqual(gold, readFileSync(NER, 'utf8'));
  const file = join(dir, 'gold-edited.txt');
  writeFileSync(file, gold);
  const j = JSON.parse((await runCli(['tag', 'eval', '-m', ner, file, '--json'])).stdout) as EvalJson;
  assert.equal(j.words, 26);
  assert.equal(j.correct, 24);
  assert.equal(j.accuracy, 24 / 26);
  const o = j.conlleval!.overall;
  assert.deepEqual([o.gold, o.found, o.correct], [6, 7, 5]);
  assert.ok(Math.abs(o.precision - 5 / 7) < 1e-12 && Math.abs(o.recall - 5 / 6) < 1e-12 && Math.abs(o.f1 - 10 / 13) < 1e-12);
  assert.deepEqual(j.conlleval!.byType.map((t) => [t.type, t.gold, t.found, t.correct]), [['LOC', 1, 2, 1], ['ORG', 1, 1, 0], ['PER', 4, 4, 4]]);
  const at = (g: string, p: string) => j.confusion.counts[j.confusion.labels.indexOf(g)]![j.confusion.labels.indexOf(p)]!;
  assert.deepEqual([at('O', 'B-LOC'), at('O', 'I-ORG'), at('O', 'O'), at('B-PER', 'B-PER'), at('I-ORG', 'I-ORG')], [1, 1, 13, 4, 1]);
  const text = (await runCli(['tag', 'eval', '-m', ner, file])).stdout;
  assert.match(text, /^accuracy +92\.31% \(24 of 26 words\)$/m);
  // conlleval prints P 71.43, R 83.33, F 76.92 (5/7, 5/6, 10/13 to two decimals)
  assert.match(text, /precision: +71\.43%; recall: +83\.33%; FB1: +76\.92/);
});

test('predict: plain text in, "word TAB label" out, read back by the plain CoNLL reader; --json the same labels', async () => {
  await ready;
  const lines = ['Harry Potter met Hermione in London .', 'Ron  flew to New York'];
  const r = await runCli(['tag', 'predict', '-m', ner, '--text', lines[0]!, '--text', lines[1]!]);
  assert.equal(r.code, 0, r.stderr);
  const back = parseConll(r.stdout).sentences;
  assert.deepEqual(back.map((s) => s.words), lines.map((l) => l.split(/\s+/)));
  const j = (await runCli(['tag', 'predict', '-m', ner, '--text', lines.join('\n'), '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { words: string[]; labels: string[]; probs: number[]; distribution: Record<string, number>[] });
  assert.deepEqual(back.map((s) => s.labels), j.map((x) => x.labels));
  for (const s of j) {
    assert.equal(s.distribution.length, s.words.length);
    s.labels.forEach((l, t) => assert.equal(s.distribution[t]![l], s.probs[t]));
  }
  // the same sentences on standard input (auto: no tab, so plain text)
  const piped = await runCli(['tag', 'predict', '-m', ner, '-q'], { stdin: lines.join('\n') + '\n' });
  assert.equal(piped.stdout, r.stdout);
  assert.equal(piped.stderr, '');
});

test('predict: CoNLL-U in, the same lines out with the UPOS column replaced (comments, multiword tokens, empty nodes kept)', async () => {
  await ready;
  const r = await runCli(['tag', 'predict', '-m', upos, TINY, '-q']);
  assert.equal(r.code, 0, r.stderr);
  const input = readFileSync(TINY, 'utf8');
  const j = (await runCli(['tag', 'predict', '-m', upos, TINY, '--json', '-q'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; labels: string[] });
  const back = parseConllu(r.stdout, { keepLines: true }).sentences;
  assert.deepEqual(back.map((s) => s.labels), j.map((x) => x.labels));
  assert.deepEqual(back.map((s) => s.id), ['tiny-1', 'tiny-2', 'tiny-3']);
  assert.deepEqual(j.map((x) => x.id), ['tiny-1', 'tiny-2', 'tiny-3']);
  // every line as it was but the UPOS column (4th) of word lines
  const strip = (t: string) => t.split('\n').filter((l) => l.trim() !== '').map((l) => (/^\d+\t/.test(l) ? l.split('\t').filter((_, i) => i !== 3).join('\t') : l));
  assert.deepEqual(strip(r.stdout), strip(input));
  // the tagger learned these sentences: its labels are the gold ones
  assert.deepEqual(back.map((s) => s.labels), parseConllu(input).sentences.map((s) => s.labels));
});

test('predict: plain CoNLL in (tabs or spaces, 1, 2 or 3 columns), the label column replaced or added, read back by the reader', async () => {
  await ready;
  const gold = parseConll(readFileSync(NER, 'utf8')).sentences;
  // two columns (the fixture itself: the last column replaced)
  const two = await runCli(['tag', 'predict', '-m', ner, NER, '-q']);
  const back = parseConll(two.stdout).sentences;
  assert.deepEqual(back.map((s) => s.words), gold.map((s) => s.words));
  assert.deepEqual(back.map((s) => s.labels), gold.map((s) => s.labels));
  // one column: the label added after the word
  const words = join(dir, 'words.txt');
  writeFileSync(words, gold.map((s) => s.words.join('\n') + '\n').join('\n'));
  const one = await runCli(['tag', 'predict', '-m', ner, words, '--format', 'conll', '-q']);
  // the fixture's -DOCSTART- line is given back where it was; the one-column file has none
  assert.ok(two.stdout.startsWith('-DOCSTART-\tO\n\n'));
  assert.equal(one.stdout, two.stdout.replace(/^-DOCSTART-\tO\n\n/, '').replace(/ /g, '\t'));
  // three columns separated by spaces (token POS gold): the last replaced, spaces kept
  const three = join(dir, 'three.txt');
  writeFileSync(three, gold.map((s) => s.words.map((w) => `${w} X O`).join('\n') + '\n').join('\n'));
  const r3 = await runCli(['tag', 'predict', '-m', ner, three, '--format', 'conll', '-q']);
  const b3 = parseConll(r3.stdout).sentences;
  assert.deepEqual(b3.map((s) => s.labels), gold.map((s) => s.labels));
  assert.deepEqual(parseConll(r3.stdout, { label: 2 }).sentences.map((s) => s.labels), gold.map((s) => s.words.map(() => 'X')));
  assert.ok(!r3.stdout.includes('\t'));
});

test('Ctrl-C during tag train: finishes the step, saves a tagger that resumes, exits 130', async () => {
  await ready;
  const out = join(dir, 'interrupted.json');
  const r = await runCli(['tag', 'train', NER, '--dev', NER, '-o', out, '--epochs', '100000', ...SMALL], {
    onInterruptRegistered: (interrupt) => { setTimeout(() => interrupt(), 150); },
  });
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted: finishing this step and saving/);
  assert.match(r.stderr, /continue with: rnnlm tag train .* --resume /);
  const saved = [out, out.replace(/\.json$/, '.last.json')].filter((p) => existsSync(p));
  assert.ok(saved.length >= 1);
  for (const p of saved) assert.ok(parseTagger(readFileSync(p, 'utf8')).training!.state.step >= 1);
  const latest = /--resume (\S+)/.exec(r.stderr)![1]!;
  const resumed = await runCli(['tag', 'train', NER, '--dev', NER, '--resume', latest, '-o', out, '--max-steps', '2', '-q']);
  assert.equal(resumed.code, 0, resumed.stderr);
});

test('paths: input and output one file, or - for the output, refused before any work (one line)', async () => {
  const copy = join(dir, 'same.txt');
  writeFileSync(copy, readFileSync(NER));
  for (const argv of [
    ['tag', 'train', copy, '-o', copy],
    ['tag', 'train', NER, '--dev', copy, '-o', copy],
    ['tag', 'train', NER, '-o', join(dir, 'x.json'), '--log', copy, '--dev', copy],
  ]) {
    const r = await runCli(argv);
    assert.equal(r.code, 1, argv.join(' '));
    assert.match(oneLineError(r.stderr), /are both/);
    assert.equal(readFileSync(copy, 'utf8'), readFileSync(NER, 'utf8'), 'the input untouched');
  }
  const dash = await runCli(['tag', 'train', NER, '-o', '-']);
  assert.equal(dash.code, 2);
  assert.match(oneLineError(dash.stderr), /-o - would write the tagger to standard output/);
});

test('options: a bad value is exit 2, one line naming the flag, before any file is read', async () => {
  for (const [argv, re] of [
    [['tag', 'train', 'missing.conllu', '--hidden', '0'], /--hidden must be a whole number from 1 to 4096 \(got "0"\)/],
    [['tag', 'train', 'missing.conllu', '--dropout', '1'], /--dropout must be a number at least 0 and less than 1/],
    [['tag', 'train', 'missing.conllu', '--format', 'xml'], /--format must be one of auto, conllu, conll/],
    [['tag', 'train', 'missing.conllu', '--cell', 'gru', '--peephole'], /--peephole goes with cell lstm only/],
    [['tag', 'predict', '-m', 'missing.json', '--batch', '0'], /--batch must be a whole number/],
    [['tag', 'predict', '-m', 'missing.json', 'in.txt', '--text', 'a b'], /with --text or as an input file, not both/],
  ] as [string[], RegExp][]) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(oneLineError(r.stderr), re);
  }
  const missing = await runCli(['tag', 'train', join(dir, 'missing.conllu')]);
  assert.equal(missing.code, 1);
  assert.match(oneLineError(missing.stderr), /does not exist/);
  const label = await runCli(['tag', 'train', TINY, '--label', 'lemmas', '-o', join(dir, 'l.json')]);
  assert.equal(label.code, 2);
  assert.match(oneLineError(label.stderr), /^rnnlm: --label: "lemmas" is not a CoNLL-U column/);
});

test('damaged taggers (wrong shape, NaN, missing tensor, label count): one line naming the file, exit 1, nothing on stdout', async () => {
  await ready;
  const good = readFileSync(ner, 'utf8');
  // the NER tagger has 7 labels: B-, I- of LOC, ORG, PER and O
  const edits: [string, (f: Record<string, any>) => void, RegExp][] = [
    ['shape', (f) => { f['tensors'].find((t: { name: string }) => t.name === 'classifier.bias').shape = [8]; }, /tensor classifier\.bias has shape \[8\]; the config needs \[7\]/],
    ['nan', (f) => { const t = f['tensors'].find((x: { name: string }) => x.name === 'classifier.bias'); t.data = Buffer.from(new Float32Array([0, 0, NaN, 0, 0, 0, 0]).buffer).toString('base64'); }, /tensor classifier\.bias holds NaN at index 2/],
    ['missing', (f) => { f['tensors'] = f['tensors'].filter((t: { name: string }) => t.name !== 'weight_hh_l0_reverse'); }, /is missing tensor weight_hh_l0_reverse/],
    ['labels', (f) => { f['labels'].push('B-MISC'); }, /labels has 8 entries but config\.labels is 7/],
    ['truncated', () => {}, /not valid JSON .*truncated/],
  ];
  for (const [name, edit, re] of edits) {
    const f = JSON.parse(good) as Record<string, any>;
    edit(f);
    const path = join(dir, `bad-${name}.json`);
    writeFileSync(path, name === 'truncated' ? good.slice(0, good.length >> 1) : JSON.stringify(f));
    for (const argv of [['tag', 'predict', '-m', path, '--text', 'Harry met Ron'], ['tag', 'eval', '-m', path, NER]]) {
      const r = await runCli(argv);
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const line = oneLineError(r.stderr);
      assert.ok(line.startsWith(`rnnlm: ${path}: `), line);
      assert.match(line, re);
    }
  }
});

test("a tagger given to score, info or sample, and a language model given to tag predict: one line saying what the file is", async () => {
  await ready;
  for (const argv of [['info', ner], ['score', '-m', ner, 'a b'], ['sample', '-m', ner]]) {
    const r = await runCli(argv);
    assert.equal(r.code, 1, argv.join(' '));
    assert.match(oneLineError(r.stderr), /this is a tagger \(format "rnnlm-tagger", written by rnnlm tag train\), not a language model — use it with rnnlm tag predict or rnnlm tag eval/);
  }
  const lm = join(dir, 'lm.json');
  writeFileSync(lm, serializeCheckpoint(makeCheckpoint(VARIANTS[5]!, false)));
  for (const argv of [['tag', 'predict', '-m', lm, '--text', 'a b'], ['tag', 'eval', '-m', lm, NER], ['tag', 'train', NER, '--resume', lm, '-o', join(dir, 'r.json')]]) {
    const r = await runCli(argv);
    assert.equal(r.code, 1, argv.join(' '));
    assert.match(oneLineError(r.stderr), /this is a language model \(format "rnnlm-checkpoint", written by rnnlm train\), not a tagger/);
  }
});

test('help: each subcommand with examples; the group lists them', async () => {
  const group = await runCli(['tag', '--help']);
  assert.equal(group.code, 0);
  for (const sub of ['train', 'predict', 'eval']) assert.match(group.stdout, new RegExp(`\\n  ${sub} `));
  for (const sub of ['train', 'predict', 'eval']) {
    const r = await runCli(['tag', sub, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Examples:\n  rnnlm tag /);
  }
  const bad = await runCli(['tag', 'train', '--hidden']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /see 'rnnlm tag train --help'/);
  // a saved tagger keeps what it was trained on
  const t = parseTagger(readFileSync(upos, 'utf8'));
  assert.deepEqual(t.data, { format: 'conllu', label: 'upos' });
  assert.equal(serializeTagger(t), readFileSync(upos, 'utf8'));
});

test('predict and eval on bad input: not UTF-8, binary, a CoNLL-U line out of sequence — one line naming it, exit 1', async () => {
  await ready;
  const latin1 = await runCli(['tag', 'predict', '-m', upos, '-'], { stdin: new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]) });
  assert.equal(latin1.code, 1);
  // "caf" then 0xE9 alone: line 1, the fourth byte (offset 3)
  assert.match(oneLineError(latin1.stderr), /standard input line 1 is not valid UTF-8 text \(at byte offset 3\) — convert it to UTF-8 first/);
  const binary = await runCli(['tag', 'predict', '-m', upos], { stdin: new Uint8Array([0x61, 0x00, 0x62]) });
  assert.equal(binary.code, 1);
  assert.match(oneLineError(binary.stderr), /looks like a binary file \(a NUL byte at offset 1\)/);
  const broken = join(dir, 'broken.conllu');
  writeFileSync(broken, readFileSync(TINY, 'utf8').replace('2\tcat\tcat', '7\tcat\tcat'));
  for (const argv of [['tag', 'predict', '-m', upos, broken, '-q'], ['tag', 'eval', '-m', upos, broken]]) {
    const r = await runCli(argv);
    assert.equal(r.code, 1, argv.join(' '));
    assert.match(oneLineError(r.stderr), new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} line 5: word ID 7 where 2 was expected`));
  }
});

test('tag predict: 10 tab-separated columns are CoNLL-U (as the help says) even with a bad ID: refused, MISC never overwritten', async () => {
  await ready;
  const bad = join(dir, 'bad-id.conllu');
  writeFileSync(bad, 'x\tThe\tthe\tDET\tDT\t_\t2\tdet\t_\tSpaceAfter=No\n1\tcat\tcat\tNOUN\tNN\t_\t0\troot\t_\t_\n\n');
  const r = await runCli(['tag', 'predict', '-m', upos, bad, '-q']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(oneLineError(r.stderr), /bad-id\.conllu line 1: ID "x" is not a word number .* — CoNLL-U has 10 tab-separated columns.*; for plain CoNLL with 10 columns give --format conll$/);
  // plain CoNLL asked for: the last column replaced, as asked
  const plain = await runCli(['tag', 'predict', '-m', upos, bad, '--format', 'conll', '-q']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stdout, /SpaceAfter=No/);
});

test('tag train: --log writes one JSON line per evaluation; a dev label the training data lacks is said, and counts as an error', async () => {
  const train = join(dir, 'train-small.txt'), devFile = join(dir, 'dev-small.txt'), log = join(dir, 'run.ndjson');
  writeFileSync(train, 'Ron\tB-PER\nflew\tO\n\nHarry\tB-PER\nsat\tO\n');
  // one word of three has a label (B-LOC) training never saw
  writeFileSync(devFile, 'Ron\tB-PER\nflew\tO\nhome\tB-LOC\n');
  const r = await runCli(['tag', 'train', train, '--dev', devFile, '-o', join(dir, 'small.json'), '--epochs', '3', '--log', log, ...SMALL]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /note: .*dev-small\.txt has labels the training data lacks \("B-LOC"\): those words always count as errors/);
  const records = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; devAccuracy: number });
  assert.deepEqual(records.map((x) => x.step), [1, 2, 3]);
  for (const x of records) assert.ok(x.devAccuracy <= 2 / 3, `${x.devAccuracy}: at most 2 of the 3 dev words can be right`);
});

test('review fixes: --label form refused (it would overwrite the words); "_" labels are no labels; an all-"_" column is refused; a confusion table past 40 labels folds the rest', async () => {
  await ready;
  for (const label of ['form', '2']) {
    const r = await runCli(['tag', 'predict', '-m', upos, TINY, '--label', label]);
    assert.equal(r.code, 2);
    assert.match(oneLineError(r.stderr), /FORM column holds the words/);
    assert.equal(r.stdout, '');
  }
  const text = readFileSync(TINY, 'utf8');
  const allUnderscore = join(dir, 'all-underscore.conllu');
  writeFileSync(allUnderscore, text.split('\n').map((l) => (/^\d+\t/.test(l) ? l.split('\t').map((c, i) => (i === 3 ? '_' : c)).join('\t') : l)).join('\n'));
  const none = await runCli(['tag', 'train', allUnderscore, '-o', join(dir, 'none.json'), '--max-steps', '1', '-q']);
  assert.equal(none.code, 1);
  assert.match(oneLineError(none.stderr), /holds no labels: every word's is "_"/);
  // every third word's UPOS made "_": the tagger's labels are the others (hand-listed from the fixture), never "_"
  let k = 0;
  const someUnderscore = join(dir, 'some-underscore.conllu');
  writeFileSync(someUnderscore, text.split('\n').map((l) => (/^\d+\t/.test(l) && k++ % 3 === 0 ? l.split('\t').map((c, i) => (i === 3 ? '_' : c)).join('\t') : l)).join('\n'));
  const some = join(dir, 'some.json');
  assert.equal((await runCli(['tag', 'train', someUnderscore, '-o', some, '--max-steps', '1', '-q', ...SMALL])).code, 0);
  assert.ok(!parseTagger(readFileSync(some, 'utf8')).labels.includes('_'));
  // 60 words, each its own label: 39 rows of their own and one for the other 21
  const many = join(dir, 'many.txt');
  writeFileSync(many, Array.from({ length: 60 }, (_, i) => `w${i}\tL${i}\n`).join('') + '\n');
  const manyTagger = join(dir, 'many.json');
  assert.equal((await runCli(['tag', 'train', many, '-o', manyTagger, '--max-steps', '1', '-q', ...SMALL])).code, 0);
  const ev = await runCli(['tag', 'eval', '-m', manyTagger, many, '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  const confusion = (JSON.parse(ev.stdout) as { confusion: { labels: string[]; counts: number[][]; folded: number } }).confusion;
  assert.equal(confusion.labels.length, 40);
  assert.equal(confusion.folded, 21);
  assert.equal(confusion.labels[39], '(21 others)');
  assert.equal(confusion.counts.flat().reduce((a, b) => a + b, 0), 60, 'every word counted once');
});

test('predict gives back the lines that belong to no sentence where they were: -DOCSTART-, a second blank line, a comment block with no words, trailing comments', async () => {
  await ready;
  const plain = join(dir, 'docstart.txt');
  writeFileSync(plain, 'a\tX\n\n\n-DOCSTART-\tO\n\nb\tY\n\n');
  const p = await runCli(['tag', 'predict', '-m', upos, plain, '-q']);
  assert.equal(p.code, 0, p.stderr);
  // the same lines, only the labels of the two words replaced
  assert.deepEqual(p.stdout.split('\n').map((l) => l.split('\t')[0]), ['a', '', '', '-DOCSTART-', '', 'b', '', '']);
  assert.equal(p.stdout.split('\n')[3], '-DOCSTART-\tO');
  const conllu = join(dir, 'blanks.conllu');
  const input = '# c0\n1\ta\t_\tX\t_\t_\t_\t_\t_\t_\n\n\n\n# c1\n1\tb\t_\tX\t_\t_\t_\t_\t_\t_\n\n# only a comment\n\n# c-end\n';
  writeFileSync(conllu, input);
  const q = await runCli(['tag', 'predict', '-m', upos, conllu, '-q']);
  assert.equal(q.code, 0, q.stderr);
  const out = q.stdout.split('\n'), want = input.split('\n');
  assert.equal(out.length, want.length);
  out.forEach((l, i) => assert.equal(l.split('\t').filter((_, c) => c !== 3).join('\t'), want[i]!.split('\t').filter((_, c) => c !== 3).join('\t'), `line ${i + 1}`));
});

test('tag train --resume refuses a tagger whose saved options were edited by hand (seed "abc", minCount −3), as train --resume does', async () => {
  await ready;
  for (const [key, value] of [['seed', 'abc'], ['minCount', -3]] as const) {
    const j = JSON.parse(readFileSync(upos, 'utf8')) as { training: { options: Record<string, unknown> } };
    j.training.options[key] = value;
    const bad = join(dir, `edited-${key}.json`);
    writeFileSync(bad, JSON.stringify(j));
    const r = await runCli(['tag', 'train', TINY, '--resume', bad, '-o', join(dir, `edited-out-${key}.json`), '-q']);
    assert.equal(r.code, 1);
    assert.match(oneLineError(r.stderr), new RegExp(`tagger training\\.options\\.${key} is .*edited by hand`));
    assert.ok(!existsSync(join(dir, `edited-out-${key}.json`)));
  }
});

test('the run header counts steps per epoch with a singular for one: "1 step per epoch"', async () => {
  // the NER fixture's sentences fit one batch of 64
  const r = await runCli(['tag', 'train', NER, '-o', join(dir, 'one-step.json'), '--max-steps', '1', '--batch', '64', ...SMALL.filter((_, i, a) => a[i] !== '--batch' && a[i - 1] !== '--batch')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /batches of ≤ 64 sentences, 1 step per epoch\n/);
});

test('tag predict --label with plain text input (--text, --format text, a file read as text) is refused: text has no column to choose', async () => {
  await ready;
  const plain = join(dir, 'plain.txt');
  writeFileSync(plain, 'the cat sat\n');
  for (const [args, why] of [
    [['--text', 'the cat'], /--text gives plain text/],
    [[plain, '--format', 'text'], /--format text reads plain text/],
    [[plain], /\S*plain\.txt was read as plain text \(its first line has no tab\)/],
  ] as const) {
    const r = await runCli(['tag', 'predict', '-m', upos, ...args, '--label', 'xpos']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLineError(r.stderr), new RegExp(`^rnnlm: --label chooses a CoNLL column, and ${why.source}: its labels are written as "word TAB label" lines, with no column to choose — leave --label out`));
    assert.equal(r.stdout, '');
  }
  // without --label the same inputs are tagged
  assert.equal((await runCli(['tag', 'predict', '-m', upos, '--text', 'the cat'])).code, 0);
});
