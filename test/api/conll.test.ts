/**
 * The tagger's data formats: CoNLL-U and plain CoNLL read from
 * test/fixtures/tag (counts worked out by hand from the files, written
 * beside each check), the same text cut into chunks anywhere, with CRLF and
 * a BOM, malformed lines as one-line DataErrors naming the line, format
 * detection, and writing back (CoNLL-U lines kept, plain columns, NDJSON)
 * read again to the same sentences. With ../shared/corpora/ud-english-ewt
 * present, the sentence and word counts of the real treebank.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import {
  conlluColumnIndex, createSentenceReader, detectFormat, formatConll, formatConllu, formatTagRecord,
  parseConll, parseConllu, parseTagged, parseTagRecords, readSentences, type TaggedSentence,
} from '../../src/api/conll.js';
import { DataError, OptionError, ShapeError } from '../../src/core/errors.js';
import { repoPath } from '../helpers/paths.js';

const TINY = readFileSync(repoPath('test/fixtures/tag/tiny.conllu'), 'utf8');
const NER = readFileSync(repoPath('test/fixtures/tag/ner-bio.txt'), 'utf8');

const oneLine = (kind: typeof DataError | typeof OptionError, want: RegExp) => (e: unknown) => {
  assert.ok(e instanceof kind, String(e));
  assert.match(e.message, want);
  assert.ok(!e.message.includes('\n') && !!e.hint && !e.hint.includes('\n'), `one line with a hint: ${e.message} / ${e.hint}`);
  return true;
};

/** Words and labels only (what must not change between two readings). */
const plain = (ss: TaggedSentence[]) => ss.map((s) => ({ words: s.words, labels: s.labels, id: s.id, text: s.text }));

// tiny.conllu, by hand: sentence 1 (lines 1–7: 3 comments, 4 words), blank line 8;
// sentence 2 (lines 9–17: 2 comments, words 1 2, the multiword token 3-4, words 3 4 5 6),
// blank lines 18 and 19; sentence 3 (lines 20–29: 2 comments, words 1–5, the empty node 5.1,
// words 6 7), no blank line at the end. 4 + 6 + 7 = 17 words.
const TINY_WORDS = [
  ['The', 'cat', 'sleeps', '.'],
  ['I', 'think', 'it', "'s", 'fine', '.'],
  ['Sue', 'likes', 'tea', 'and', 'Bob', 'coffee', '.'],
];
const TINY_UPOS = [
  ['DET', 'NOUN', 'VERB', 'PUNCT'],
  ['PRON', 'VERB', 'PRON', 'AUX', 'ADJ', 'PUNCT'],
  ['PROPN', 'VERB', 'NOUN', 'CCONJ', 'PROPN', 'NOUN', 'PUNCT'],
];

test('CoNLL-U: words are FORM of the integer-ID lines, labels UPOS; comments, 3-4 and 5.1 skipped; sent_id, text and first line kept', () => {
  const r = parseConllu(TINY, { name: 'tiny.conllu' });
  assert.equal(r.format, 'conllu');
  assert.deepEqual(r.sentences.map((s) => s.words), TINY_WORDS);
  assert.deepEqual(r.sentences.map((s) => s.labels), TINY_UPOS);
  assert.deepEqual(r.sentences.map((s) => [s.id, s.text, s.line]), [
    ['tiny-1', 'The cat sleeps.', 1],
    ['tiny-2', "I think it's fine.", 9],
    ['tiny-3', 'Sue likes tea and Bob coffee.', 20],
  ]);
  assert.deepEqual(r.stats, { format: 'conllu', sentences: 3, words: 17, multiwordTokens: 1, emptyNodes: 1, documentStarts: 0 });
  assert.equal(r.sentences[0]!.lines, undefined, 'lines only with keepLines');
});

test('CoNLL-U: the label column by name (any case) or number', () => {
  const col = (label: string | number, s = 1) => parseConllu(TINY, { label }).sentences[s]!.labels;
  assert.deepEqual(col('xpos'), ['PRP', 'VBP', 'PRP', 'VBZ', 'JJ', '.']);
  assert.deepEqual(col(5), col('XPOS'));
  assert.deepEqual(col('5'), col('xpos'));
  assert.deepEqual(col('UPOS'), TINY_UPOS[1]);
  assert.deepEqual(col('deprel', 2), ['nsubj', 'root', 'obj', 'cc', 'conj', 'conj', 'punct'], 'the empty node 5.1 (deprel _) is not a word');
  assert.deepEqual(col('feats', 0), ['Definite=Def|PronType=Art', 'Number=Sing', 'Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin', '_']);
  assert.deepEqual(col('lemma', 1), ['I', 'think', 'it', 'be', 'fine', '.']);
  assert.deepEqual(col(10, 0), ['_', '_', 'SpaceAfter=No', '_']);
  assert.deepEqual(parseConllu(TINY, { label: null }).sentences[0]!.labels, ['', '', '', ''], 'no label column: empty labels');
  assert.equal(conlluColumnIndex('upos'), 3);
  assert.throws(() => parseConllu(TINY, { label: 'lemmas' }), oneLine(OptionError, /^"lemmas" is not a CoNLL-U column/));
  assert.throws(() => parseConllu(TINY, { label: 'id' }), oneLine(OptionError, /^the ID column cannot be the label/));
  assert.throws(() => parseConllu(TINY, { label: 11 }), oneLine(OptionError, /^CoNLL-U label column 11 does not exist/));
  assert.throws(() => parseConllu(TINY, { label: 1 }), oneLine(OptionError, /column 1 does not exist/));
  assert.throws(() => parseConllu(TINY, { label: -1 }), oneLine(OptionError, /column -1 does not exist/));
});

test('CoNLL-U: CRLF, a BOM, no line end at the end, blank lines in a row, lines of spaces: the same sentences', () => {
  const want = plain(parseConllu(TINY).sentences);
  const crlf = `\ufeff${TINY.replace(/\n/g, '\r\n')}`;
  assert.deepEqual(plain(parseConllu(crlf).sentences), want);
  assert.deepEqual(plain(parseConllu(TINY.trimEnd()).sentences), want, 'the last line without a line end');
  assert.deepEqual(plain(parseConllu(`\n\n${TINY.replace(/\n\n/g, '\n\n \n\t\n\n')}\n\n\n`).sentences), want);
  assert.deepEqual(parseConllu(crlf).sentences.map((s) => s.line), [1, 9, 20], 'line numbers count CRLF lines once');
  // a lone CR (old Mac files) ends a line, as the corpus reader's normalizeText reads it
  const cr = TINY.replace(/\n/g, '\r');
  assert.deepEqual(plain(parseConllu(cr).sentences), want);
  assert.deepEqual(parseConllu(cr).sentences.map((s) => s.line), [1, 9, 20]);
  assert.equal(detectFormat(cr), 'conllu');
  assert.deepEqual(plain(parseConll(NER.replace(/\n/g, '\r')).sentences), plain(parseConll(NER).sentences));
  assert.deepEqual(parseConllu('').sentences, []);
  assert.deepEqual(parseConllu('# only a comment\n\n').sentences, [], 'comments without words make no sentence');
});

test('reading in chunks: every cut (inside a CRLF, before the BOM’s text) gives the same sentences, as each completes', async () => {
  const crlf = `\ufeff${TINY.replace(/\n/g, '\r\n')}`;
  const want = parseConllu(crlf, { keepLines: true }).sentences;
  // CRLF, and lone CRs: a CR that ends a chunk ends its line, an LF starting the next is its second half
  for (const text of [crlf, `\ufeff${TINY.replace(/\n/g, '\r')}`]) {
    for (const size of [1, 2, 3, 7, 64]) {
      const reader = createSentenceReader({ format: 'conllu', keepLines: true });
      const got: TaggedSentence[] = [];
      const completed: number[] = [];
      for (let at = 0; at < text.length; at += size) {
        got.push(...reader.push(text.slice(at, at + size)));
        completed.push(got.length);
      }
      got.push(...reader.end());
      assert.deepEqual(got, want, `chunks of ${size}`);
      if (size === 1) assert.ok(completed.includes(1) && completed.includes(2), 'sentences come out before the end');
    }
  }
  const streamed: TaggedSentence[] = [];
  const gen = readSentences((async function* () { yield ''; yield NER.slice(0, 50); yield NER.slice(50); })());
  let r = await gen.next();
  while (!r.done) { streamed.push(r.value); r = await gen.next(); }
  assert.deepEqual(streamed, parseConll(NER).sentences);
  assert.deepEqual(r.value, { format: 'conll', sentences: 3, words: 26, multiwordTokens: 0, emptyNodes: 0, documentStarts: 1 }, 'the generator returns the stats');
});

test('CoNLL-U: malformed lines are one-line DataErrors naming the line and the problem', () => {
  const line = (id: string, form = 'w', upos = 'X') => `${id}\t${form}\t_\t${upos}\t_\t_\t0\troot\t_\t_`;
  const bad = (text: string, want: RegExp) => assert.throws(() => parseConllu(text, { name: 'x.conllu' }), oneLine(DataError, want));
  bad(`# c\n${line('1')}\n1\tw\t_\tX\t_\t_\t0\troot\t_\n`, /^x\.conllu line 3: 9 tab-separated columns where CoNLL-U has 10$/);
  bad(`${line('1')}\n${line('2')}\tEXTRA\n`, /^x\.conllu line 2: 11 tab-separated columns/);
  bad('1 w _ X _ _ 0 root _ _\n', /^x\.conllu line 1: the columns are separated by spaces; CoNLL-U separates them with tabs$/);
  bad(`${line('1')}\n${line('x')}\n`, /^x\.conllu line 2: ID "x" is not a word number \(1, 2, …\), a multiword token range \(3-4\) or an empty node \(5\.1\)$/);
  bad(`${line('0')}\n`, /line 1: ID "0" is not a word number/);
  bad(`${line('1.5a')}\n`, /line 1: ID "1\.5a"/);
  bad(`${line('1')}\n${line('3')}\n`, /^x\.conllu line 2: word ID 3 where 2 was expected/);
  assert.throws(() => parseConllu(`${line('1')}\n${line('2')}\n${line('1')}\n`), (e: unknown) => e instanceof DataError && /line 3: word ID 1 where 3 was expected/.test(e.message) && /blank line/.test(e.hint!));
  bad(`${line('1')}\n\n${line('2')}\n`, /line 3: word ID 2 where 1 was expected/);
  bad(`${line('1', '')}\n`, /^x\.conllu line 1: the FORM column \(2\) is empty$/);
  bad(`${line('1')}\n${line('2', 'w', '')}\n`, /^x\.conllu line 2: the UPOS column \(4\) is empty$/);
  assert.throws(() => parseConllu(`\r\n${line('1')}\r\n\r\n${line('x')}\r\n`, { name: 'crlf' }), oneLine(DataError, /^crlf line 4: /), 'CRLF counted as one line end');
});

// ner-bio.txt, by hand: line 1 -DOCSTART-, line 2 blank; sentence 1 lines 3–13 (11 tokens,
// tabs), blank 14; sentence 2 lines 15–24 (10 tokens, spaces), blank 25; sentence 3 lines
// 26–30 (5 tokens, tabs), no blank line at the end. 11 + 10 + 5 = 26 tokens.
test('plain CoNLL: token and label per line, tabs or spaces, -DOCSTART- skipped, the last sentence without a blank line', () => {
  const r = parseConll(NER, { name: 'ner-bio.txt' });
  assert.equal(r.format, 'conll');
  assert.deepEqual(r.sentences.map((s) => s.words.length), [11, 10, 5]);
  assert.deepEqual(r.sentences.map((s) => s.line), [3, 15, 26]);
  assert.deepEqual(r.sentences[0]!.words.slice(0, 5), ['Harry', 'Potter', 'and', 'Hermione', 'Granger']);
  assert.deepEqual(r.sentences[0]!.labels.slice(0, 5), ['B-PER', 'I-PER', 'O', 'B-PER', 'I-PER']);
  assert.deepEqual(r.sentences[1]!.labels, ['O', 'B-ORG', 'I-ORG', 'I-ORG', 'O', 'B-PER', 'I-PER', 'O', 'O', 'O']);
  assert.deepEqual(r.sentences[2]!.words, ['Ron', 'flew', 'to', 'New', 'York']);
  assert.deepEqual(r.stats, { format: 'conll', sentences: 3, words: 26, multiwordTokens: 0, emptyNodes: 0, documentStarts: 1 });
  assert.deepEqual(parseConll(NER, { label: 2 }).sentences, r.sentences, 'column 2 is the last here');
  assert.deepEqual(plain(parseConll(`\ufeff${NER.replace(/\n/g, '\r\n')}`).sentences), plain(r.sentences), 'BOM and CRLF');
  assert.equal(r.sentences[0]!.id, undefined);
});

test('plain CoNLL: more columns (conlleval files), the label by number or from the end; # is a token; a tab-separated token may hold spaces', () => {
  const text = 'EU NNP B-ORG B-ORG\nrejects VBZ O B-MISC\n\n# SYM O O\nNew York NNP B-LOC I-LOC\n';
  assert.throws(() => parseConll(text), oneLine(DataError, /^the input line 5: 5 columns where line 1 has 4/));
  const ok = text.replace('New York', 'York');
  assert.deepEqual(parseConll(ok).sentences.map((s) => s.labels), [['B-ORG', 'B-MISC'], ['O', 'I-LOC']], 'default: the last column');
  assert.deepEqual(parseConll(ok, { label: -2 }).sentences.map((s) => s.labels), [['B-ORG', 'O'], ['O', 'B-LOC']]);
  assert.deepEqual(parseConll(ok, { label: 2 }).sentences.map((s) => s.labels), [['NNP', 'VBZ'], ['SYM', 'NNP']]);
  assert.deepEqual(parseConll(ok).sentences[1]!.words, ['#', 'York']);
  const tabbed = parseConll('New York\tB-LOC\ncity \t O \n');
  assert.deepEqual(tabbed.sentences[0]!.words, ['New York', 'city']);
  assert.deepEqual(tabbed.sentences[0]!.labels, ['B-LOC', 'O']);
  const unlabelled = parseConll('Harry\nPotter\n\nRon\n', { label: null });
  assert.deepEqual(unlabelled.sentences.map((s) => [s.words, s.labels]), [[['Harry', 'Potter'], ['', '']], [['Ron'], ['']]]);
});

test('plain CoNLL: malformed lines and label columns are one-line errors naming the line', () => {
  assert.throws(() => parseConll('Harry B-PER\nPotter\n', { name: 'n.txt' }), oneLine(DataError, /^n\.txt line 2: 1 column where line 1 has 2/));
  assert.throws(() => parseConll('\n\nHarry\nPotter\n', { name: 'n.txt' }), oneLine(DataError, /^n\.txt line 3: a token \("Harry"\) and no label column/));
  assert.throws(() => parseConll('Harry B-PER\n', { label: 3 }), oneLine(DataError, /^the input line 1: no label column 3 \(the line has 2 columns, the token first\)/));
  assert.throws(() => parseConll('Harry B-PER\n', { label: -2 }), oneLine(DataError, /line 1: no label column -2/), '-2 of two columns is the token');
  assert.throws(() => parseConll(NER, { label: 1 }), oneLine(OptionError, /^plain CoNLL label column 1 is the token column/));
  assert.throws(() => parseConll(NER, { label: 0 }), oneLine(OptionError, /column 0 is not a column/));
  assert.throws(() => parseConll(NER, { label: 'upos' }), oneLine(OptionError, /^a plain CoNLL file has no column named "upos"/));
  assert.throws(() => parseTagged(NER, { format: 'tsv' as 'conll' }), oneLine(OptionError, /unknown tagged-data format "tsv"/));
});

test('format detection from the first token line, and the explicit override', () => {
  assert.equal(detectFormat(TINY), 'conllu');
  assert.equal(detectFormat(`\ufeff\r\n${TINY.replace(/\n/g, '\r\n')}`), 'conllu');
  assert.equal(detectFormat(TINY.slice(0, 150)), 'conllu', 'a head holding the first word line');
  assert.equal(detectFormat(NER), 'conll');
  assert.equal(detectFormat('1\tx\n'), 'conll', 'two columns, an integer token');
  // 10 columns are CoNLL-U whatever the ID: a bad one is refused by the CoNLL-U reader, naming its line
  const badId = 'x\tThe\tthe\tDET\tDT\t_\t2\tdet\t_\t_\n\n';
  assert.equal(detectFormat(badId), 'conllu');
  assert.throws(() => parseTagged(badId, { name: 'bad' }), oneLine(DataError, /^bad line 1: /));
  assert.equal(detectFormat(''), 'conll');
  assert.equal(parseTagged(TINY).format, 'conllu');
  assert.deepEqual(parseTagged(TINY).sentences, parseConllu(TINY).sentences);
  assert.deepEqual(parseTagged(NER).sentences, parseConll(NER).sentences);
  assert.deepEqual(parseTagged(TINY, { label: 'xpos' }).sentences[0]!.labels, ['DT', 'NN', 'VBZ', '.']);
  const noComments = TINY.split('\n').filter((l) => !l.startsWith('#')).join('\n');
  assert.deepEqual(parseTagged(noComments, { format: 'conll', label: 4 }).sentences[0]!.words, ['1', '2', '3', '4'], 'forced plain: the ID is the token');
  assert.deepEqual(parseTagged(noComments, { format: 'conll', label: 4 }).sentences[0]!.labels, TINY_UPOS[0]);
  assert.throws(() => parseTagged(NER, { format: 'conllu', name: 'ner' }), oneLine(DataError, /^ner line 1: 2 tab-separated columns where CoNLL-U has 10/));
  assert.throws(() => parseTagged(NER, { label: 'xpos' }), oneLine(OptionError, /no column named "xpos"/), 'a column name on a file detected as plain');
});

test('writing CoNLL-U: the label column replaced in the lines as read, everything else unchanged; read back, the new labels', () => {
  const read = parseConllu(TINY, { keepLines: true }).sentences;
  assert.equal(read[1]!.lines!.length, 9, 'sentence 2: 2 comments, 7 token lines (the 3-4 line included)');
  const same = read.map((s) => formatConllu(s, s.labels)).join('');
  // the original with one blank line after each sentence
  assert.equal(same, `${TINY.replace('\n\n\n', '\n\n')}\n`);
  const lower = read.map((s) => s.labels.map((l) => l.toLowerCase()));
  const written = read.map((s, i) => formatConllu(s, lower[i]!)).join('');
  assert.ok(written.includes("3-4\tit's\t_\t_\t_\t_\t_\t_\t_\t_\n") && written.includes('5.1\tlikes\tlike\tVERB\tVBZ'), 'multiword and empty-node lines kept');
  const back = parseConllu(written, { keepLines: true }).sentences;
  assert.deepEqual(back.map((s) => s.labels), lower);
  assert.deepEqual(back.map((s) => [s.words, s.id, s.text]), read.map((s) => [s.words, s.id, s.text]));
  assert.deepEqual(plain(parseConllu(written, { label: 'xpos' }).sentences), plain(parseConllu(TINY, { label: 'xpos' }).sentences), 'other columns untouched');
  const deprel = formatConllu(read[0]!, ['a', 'b', 'c', 'd'], 'deprel');
  assert.deepEqual(parseConllu(deprel, { label: 8 }).sentences[0]!.labels, ['a', 'b', 'c', 'd']);
  assert.deepEqual(parseConllu(deprel).sentences[0]!.labels, TINY_UPOS[0]);
  assert.throws(() => formatConllu(read[0]!, ['a']), ShapeError);
  assert.throws(() => formatConllu(read[0]!, ['a', 'b\tc', 'd', 'e']), oneLine(DataError, /cannot write the label of word 2 "b\\tc": it contains a tab/));
});

test('writing CoNLL-U without the original lines: comments from sent_id and text, _ elsewhere', () => {
  const s = { words: ['New', 'York'], id: 'd1', text: 'New York' };
  const out = formatConllu(s, ['PROPN', 'PROPN']);
  assert.equal(out, '# sent_id = d1\n# text = New York\n1\tNew\t_\tPROPN\t_\t_\t_\t_\t_\t_\n2\tYork\t_\tPROPN\t_\t_\t_\t_\t_\t_\n\n');
  const back = parseConllu(out).sentences[0]!;
  assert.deepEqual([back.words, back.labels, back.id, back.text], [s.words, ['PROPN', 'PROPN'], 'd1', 'New York']);
  assert.equal(formatConllu({ words: ['a'] }, ['X'], 'xpos'), '1\ta\t_\t_\tX\t_\t_\t_\t_\t_\n\n');
});

test('writing plain CoNLL: token TAB label (or more columns, conlleval spacing), read back the same', () => {
  const r = parseConll(NER).sentences;
  const out = r.map((s) => formatConll(s.words, [s.labels])).join('');
  assert.deepEqual(parseConll(out).sentences.map((s) => [s.words, s.labels]), r.map((s) => [s.words, s.labels]));
  assert.equal(formatConll(['Harry', 'Potter'], [['B-PER', 'I-PER']]), 'Harry\tB-PER\nPotter\tI-PER\n\n');
  const conlleval = formatConll(['EU', 'rejects'], [['B-ORG', 'O'], ['B-ORG', 'B-MISC']], ' ');
  assert.equal(conlleval, 'EU B-ORG B-ORG\nrejects O B-MISC\n\n');
  assert.deepEqual(parseConll(conlleval, { label: -2 }).sentences[0]!.labels, ['B-ORG', 'O']);
  assert.equal(formatConll(['New York'], [['B-LOC']]), 'New York\tB-LOC\n\n', 'a space inside a token is fine with tabs');
  assert.deepEqual(parseConll(formatConll(['New York'], [['B-LOC']])).sentences[0]!.words, ['New York']);
  assert.throws(() => formatConll(['New York'], [['B-LOC']], ' '), oneLine(DataError, /cannot write word 1 "New York": it contains the column separator/));
  assert.throws(() => formatConll(['a', ''], [['O', 'O']]), oneLine(DataError, /word 2 "": it is empty/));
  assert.throws(() => formatConll(['a'], [['O', 'O']]), ShapeError);
});

test('NDJSON records: id, words, labels, probs (rounded on request), one per line; read back and checked', () => {
  const line = formatTagRecord({ id: 's1', words: ['Harry', 'flew'], labels: ['B-PER', 'O'], probs: Float32Array.of(0.875, 0.123456) }, 3);
  assert.equal(line, '{"id":"s1","words":["Harry","flew"],"labels":["B-PER","O"],"probs":[0.875,0.123]}\n');
  assert.equal(formatTagRecord({ words: ['a'], labels: ['X'] }), '{"words":["a"],"labels":["X"]}\n');
  const back = parseTagRecords(`${line}\n${formatTagRecord({ words: ['a'], labels: ['X'] })}`);
  assert.deepEqual(back, [{ id: 's1', words: ['Harry', 'flew'], labels: ['B-PER', 'O'], probs: [0.875, 0.123] }, { words: ['a'], labels: ['X'] }]);
  assert.throws(() => formatTagRecord({ words: ['a'], labels: [] }), ShapeError);
  const bad = (text: string, want: RegExp) => assert.throws(() => parseTagRecords(text, 'p.jsonl'), oneLine(DataError, want));
  bad('{"words":["a"],"labels":["X"]}\n{"words":["a"]\n', /^p\.jsonl line 2: not a JSON value$/);
  bad('[1]\n', /line 1: not a JSON object/);
  bad('{"words":["a"],"labels":[1]}\n', /line 1: "labels" is not an array of strings/);
  bad('{"words":["a","b"],"labels":["X"]}\n', /line 1: 1 labels for 2 words/);
  bad('{"words":["a"],"labels":["X"],"probs":[0.5,0.5]}\n', /line 1: "probs" is not an array of numbers, one per word/);
  bad('{"id":3,"words":["a"],"labels":["X"]}\n', /line 1: "id" is not a string/);
});

// UD English EWT (../shared, not part of the project). Counted independently with awk:
//   awk -F'\t' '$1 ~ /^[0-9]+$/ {n++} END {print n}' dev.conllu                        → 25147 (train: 204577)
//   grep -c '^# sent_id' dev.conllu                                                     → 2001  (train: 12544)
//   awk -F'\t' '$1 ~ /^[0-9]+-[0-9]+$/ {m++} $1 ~ /^[0-9]+\.[0-9]+$/ {e++} END {print m, e}' → 359 4 (train: 2614 37)
const EWT = repoPath('../shared/corpora/ud-english-ewt');
test('UD English EWT: dev 2,001 sentences / 25,147 words, train 12,544 / 204,577 (as counted by awk)', { skip: !existsSync(`${EWT}/dev.conllu`) && 'the shared corpora are not here' }, () => {
  const dev = readFileSync(`${EWT}/dev.conllu`, 'utf8');
  const r = parseTagged(dev, { name: 'dev.conllu' });
  assert.deepEqual(r.stats, { format: 'conllu', sentences: 2001, words: 25147, multiwordTokens: 359, emptyNodes: 4, documentStarts: 0 });
  assert.ok(r.sentences.every((s) => s.id && s.text && s.words.length === s.labels.length && s.labels.every((l) => /^[A-Z]+$/.test(l))));
  const reader = createSentenceReader({ name: 'dev.conllu' });
  let n = 0;
  for (let at = 0; at < dev.length; at += 65536) n += reader.push(dev.slice(at, at + 65536)).length;
  n += reader.end().length;
  assert.equal(n, 2001);
  assert.deepEqual(reader.stats(), r.stats);
  if (existsSync(`${EWT}/train.conllu`)) {
    const t = parseConllu(readFileSync(`${EWT}/train.conllu`, 'utf8'), { name: 'train.conllu' }).stats;
    assert.deepEqual(t, { format: 'conllu', sentences: 12544, words: 204577, multiwordTokens: 2614, emptyNodes: 37, documentStarts: 0 });
  }
});

test('parseTagRecords: a lone CR ends a record line, as everywhere else (old Mac line ends)', () => {
  const recs = parseTagRecords('\ufeff{"words":["a"],"labels":["X"]}\r{"words":["b","c"],"labels":["Y","Z"]}\r', 'recs');
  assert.deepEqual(recs.map((r) => r.labels), [['X'], ['Y', 'Z']]);
});
