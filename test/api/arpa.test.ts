/**
 * The ARPA reader and the backoff recursion against probabilities worked out
 * by hand from test/fixtures/tiny.arpa (log10 values; the sums are written
 * out term by term), the mixing arithmetic, and the malformed files, each a
 * one-line DataError naming the line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mixLogProb, ngramSentenceLogProbs, ngramWord, OOV_LOG10, parseArpa } from '../../src/api/arpa.js';
import { DataError } from '../../src/core/errors.js';
import { repoPath } from '../helpers/paths.js';

const tiny = () => parseArpa(readFileSync(repoPath('test/fixtures/tiny.arpa'), 'utf8'), 'tiny.arpa');
const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}${msg ? `: ${msg}` : ''}`);

test('parseArpa: orders, counts, <unk>; the header before \\data\\ is skipped', () => {
  const m = tiny();
  assert.equal(m.order, 3);
  assert.deepEqual(m.counts, [5, 4, 2]);
  assert.equal(m.hasUnk, true);
  assert.ok(m.has('a') && m.has('</s>') && !m.has('zebra'));
});

test('logProb10: listed n-grams, one and two levels of backoff, unknown words as <unk>', () => {
  const m = tiny();
  close(m.logProb10('b', ['<s>', 'a']), -0.1, 'the trigram <s> a b');
  close(m.logProb10('a', ['<s>']), -0.2, 'the bigram <s> a');
  // <s> a a: no trigram → bow(<s> a) + P(a | a) = −0.1 + −0.6
  close(m.logProb10('a', ['<s>', 'a']), -0.1 + -0.6);
  // two levels: <s> a </s> → bow(<s> a) + bow(a) + P(</s>) = −0.1 − 0.3 − 0.9
  close(m.logProb10('</s>', ['<s>', 'a']), -0.1 + -0.3 + -0.9);
  // a history that is listed without a weight backs off at weight 1: a a </s> → 0 + bow(a) + P(</s>)
  close(m.logProb10('</s>', ['a', 'a']), 0 + -0.3 + -0.9);
  // a history that is not listed at all: b a a → (b a not listed) + P(a | a)
  close(m.logProb10('a', ['b', 'a']), -0.6);
  // only the last order − 1 history words count
  close(m.logProb10('b', ['b', 'b', '<s>', 'a']), -0.1);
  // an unknown word is <unk>: <s> a zebra → bow(<s> a) + bow(a) + P(<unk>)
  close(m.logProb10('zebra', ['<s>', 'a']), -0.1 + -0.3 + -1.2);
  // an unknown history word is <unk>: zebra a b → (<unk> a not listed) + P(b | a)
  close(m.logProb10('b', ['zebra', 'a']), -0.4);
  // a unigram after a history the model has nothing for: b b → bow(b) + P(b)
  close(m.logProb10('b', ['b']), -0.2 + -0.7);
});

test('ngramSentenceLogProbs: <s> starts the history, </s> ends the sentence, natural logs, OOVs counted', () => {
  const m = tiny();
  const r = ngramSentenceLogProbs(m, ['a', 'b']);
  assert.equal(r.logProbs.length, 3);
  close(r.logProbs[0]!, -0.2 * Math.LN10);
  close(r.logProbs[1]!, -0.1 * Math.LN10);
  close(r.logProbs[2]!, -0.05 * Math.LN10, 'the trigram a b </s>');
  assert.equal(r.oov, 0);
  const e = ngramSentenceLogProbs(m, []);
  // the empty sentence: P(</s> | <s>) → bow(<s>) + P(</s>) = −0.5 − 0.9
  close(e.logProbs[0]!, (-0.5 + -0.9) * Math.LN10);
  const u = ngramSentenceLogProbs(m, ['zebra']);
  assert.equal(u.oov, 1);
  // P(<unk> | <s>) = bow(<s>) + P(<unk>); P(</s> | <s> <unk>) = (no <s> <unk>) + bow(<unk>, none) + P(</s>)
  close(u.logProbs[0]!, (-0.5 + -1.2) * Math.LN10);
  close(u.logProbs[1]!, -0.9 * Math.LN10);
});

test('a model without <unk>: an unknown word takes the floor 10^OOV_LOG10', () => {
  const m = parseArpa('\\data\\\nngram 1=2\n\n\\1-grams:\n-0.3 a\n-0.3 </s>\n\\end\\\n');
  assert.equal(m.hasUnk, false);
  assert.equal(m.logProb10('zebra', ['<s>']), OOV_LOG10);
  assert.equal(OOV_LOG10, -7);
  close(m.logProb10('a', ['<s>', 'zebra']), -0.3);
});

test('ngramWord: <EOS> and <UNK> map to </s> and <unk>; at char level whitespace is spelt out', () => {
  assert.equal(ngramWord('<EOS>', 'word'), '</s>');
  assert.equal(ngramWord('<UNK>', 'char'), '<unk>');
  assert.equal(ngramWord('cat', 'word'), 'cat');
  assert.equal(ngramWord(' ', 'char'), '<space>');
  assert.equal(ngramWord('\t', 'char'), '<tab>');
  assert.equal(ngramWord('\n', 'char'), '<newline>');
  assert.equal(ngramWord('\u00a0', 'char'), '<U+00A0>');
  assert.equal(ngramWord('é', 'char'), 'é');
});

test('mixLogProb: log(λ·e^a + (1−λ)·e^b); λ = 1 is a and λ = 0 is b exactly', () => {
  const a = Math.log(0.2), b = Math.log(0.6);
  close(mixLogProb(a, b, 0.75), Math.log(0.75 * 0.2 + 0.25 * 0.6));
  close(mixLogProb(a, b, 0.5), Math.log(0.4));
  assert.equal(mixLogProb(a, b, 1), a);
  assert.equal(mixLogProb(a, b, 0), b);
  // far below double's range for e^x: still exact in log space
  close(mixLogProb(-2000, -2000 + Math.log(3), 0.5), -2000 + Math.log(2));
  assert.equal(mixLogProb(-Infinity, -Infinity, 0.5), -Infinity);
});

test('line ends: CRLF and a lone CR (old Mac files) read as LF', () => {
  const text = ['\\data\\', 'ngram 1=3', 'ngram 2=1', '', '\\1-grams:', '-0.5 a -0.1', '-0.6 b', '-0.7 </s>', '', '\\2-grams:', '-0.2 a b', '', '\\end\\', ''].join('\n');
  const lf = parseArpa(text);
  for (const other of [text.replace(/\n/g, '\r\n'), text.replace(/\n/g, '\r')]) {
    const m = parseArpa(other);
    assert.deepEqual(m.counts, [3, 1]);
    for (const [w, h] of [['b', ['a']], ['b', ['b']], ['</s>', ['a']]] as const) assert.equal(m.logProb10(w, h), lf.logProb10(w, h));
  }
  // b after a is the bigram's; </s> after a backs off: a's weight, then </s>'s unigram
  assert.equal(lf.logProb10('b', ['a']), -0.2);
  assert.equal(lf.logProb10('</s>', ['a']), -0.1 + -0.7);
});

test('malformed ARPA files: one-line DataError naming the line', () => {
  const good = ['\\data\\', 'ngram 1=2', 'ngram 2=1', '', '\\1-grams:', '-0.5 a -0.1', '-0.5 </s>', '', '\\2-grams:', '-0.2 a </s>', '', '\\end\\'];
  assert.doesNotThrow(() => parseArpa(good.join('\n')));
  const cases: [string[], RegExp][] = [
    [good.map((l, i) => (i === 5 ? '-0.5a -0.1' : l)), /line 6: log10 probability "-0.5a" is not a number/],
    [good.map((l, i) => (i === 5 ? 'x a' : l)), /line 6: log10 probability "x"/],
    [good.map((l, i) => (i === 5 ? '0.5 a' : l)), /line 6: .*not a number ≤ 0/],
    [good.map((l, i) => (i === 9 ? '-0.2 a </s> -0.3' : l)), /line 10: a highest-order \(2-gram\) line has a backoff weight/],
    [good.map((l, i) => (i === 9 ? '-0.2 a' : l)), /line 10: a 2-gram line has 2 fields/],
    [good.map((l, i) => (i === 5 ? '-0.5 a zz' : l)), /line 6: backoff weight "zz"/],
    [good.map((l, i) => (i === 6 ? '-0.5 a' : l)), /line 7: the 1-gram "a" is listed twice/],
    [good.map((l, i) => (i === 1 ? 'ngram 1=3' : l)), /announced 3 1-grams, the section has 2/],
    [good.map((l, i) => (i === 2 ? 'ngram 3=1' : l)), /line 3: 'ngram 3=' where 'ngram 2=' was expected/],
    [good.map((l, i) => (i === 2 ? 'ngrams 2=1' : l)), /line 3: expected 'ngram N=count'/],
    [good.map((l, i) => (i === 8 ? '\\3-grams:' : l)), /line 9: expected '\\2-grams:'/],
    [good.slice(0, -1), /no '\\end\\'/],
    [['hello', 'world'], /no \\data\\ line/],
    // two models in one file: the second would be ignored
    [[...good, '', '\\data\\', 'ngram 1=1'], /line 14: text after '\\end\\' \("\\\\data\\\\"\): two models in one file\?/],
    // no word at all: every word would take the OOV floor
    [['\\data\\', 'ngram 1=0', '', '\\1-grams:', '', '\\end\\'], /line 2: 'ngram 1=0': a model without a single word/],
  ];
  for (const [lines, want] of cases) {
    assert.throws(() => parseArpa(lines.join('\n'), 'm.arpa'), (e: unknown) => {
      assert.ok(e instanceof DataError, String(e));
      assert.match(e.message, want);
      assert.match(e.message, /^m\.arpa/);
      assert.ok(!e.message.includes('\n') && e.hint && !e.hint.includes('\n'));
      return true;
    }, want.source);
  }
});

/**
 * Opt-in (RNNLM_IRSTLM=1, needs the Debian package irstlm and
 * ../shared/corpora/kjv.txt): a trigram built by IRSTLM's build-lm.sh on
 * 3,000 lines of the King James Bible, written as ARPA by compile-lm, read
 * here; the perplexity of the next 500 lines by our backoff equals
 * compile-lm --eval's (with --dub = vocabulary + 1, so that IRSTLM adds no
 * OOV penalty) to the two decimals it prints.
 */
test('IRSTLM agrees: a trigram from build-lm.sh, perplexity by compile-lm --eval (RNNLM_IRSTLM=1)', { skip: process.env.RNNLM_IRSTLM !== '1' && 'set RNNLM_IRSTLM=1 (needs irstlm and ../shared/corpora/kjv.txt)' }, async () => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, writeFileSync: write } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'rnnlm-irstlm-'));
  const lines = readFileSync(repoPath('../shared/corpora/kjv.txt'), 'utf8').split('\n').filter((l) => l.trim())
    .map((l) => l.toLowerCase().replace(/([.,;:?!()])/g, ' $1 ').trim().split(/\s+/).join(' '));
  const train = lines.slice(0, 3000), held = lines.slice(3000, 3500);
  const se = (ls: string[]) => ls.map((l) => `<s> ${l} </s>`).join('\n') + '\n';
  write(join(dir, 'train.txt'), se(train));
  write(join(dir, 'held.txt'), se(held));
  const env = { ...process.env, IRSTLM: '/usr/lib/irstlm', PATH: `/usr/lib/irstlm/bin:${process.env.PATH}` };
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  run('build-lm.sh', ['-i', 'train.txt', '-n', '3', '-o', 'lm.ilm.gz', '-k', '1', '-s', 'improved-kneser-ney', '-t', join(dir, 'stat')]);
  run('compile-lm', ['lm.ilm.gz', '--text=yes', 'lm.arpa']);
  const model = parseArpa(readFileSync(join(dir, 'lm.arpa'), 'utf8'), 'lm.arpa');
  assert.equal(model.order, 3);
  const out = execFileSync('compile-lm', ['lm.arpa', '--eval=held.txt', `--dub=${model.counts[0]! + 1}`], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const theirs = Number(/PP=([\d.]+)/.exec(out)?.[1]);
  let sum = 0, n = 0;
  for (const l of held) {
    const r = ngramSentenceLogProbs(model, l.split(' '));
    for (const x of r.logProbs) { sum += x; n++; }
  }
  const ours = Math.exp(-sum / n);
  assert.equal(n, Number(/Nw=(\d+)/.exec(out)?.[1]), 'the same tokens, </s> included');
  assert.ok(Math.abs(ours - theirs) <= 0.006, `ours ${ours} vs IRSTLM ${theirs}`);
});

test('parseArpa: a leading BOM is dropped, as from every other text', () => {
  const text = readFileSync(repoPath('test/fixtures/tiny.arpa'), 'utf8');
  const plain = parseArpa(text, 'a');
  const bom = parseArpa('\ufeff' + text, 'b');
  assert.equal(bom.order, plain.order);
  assert.equal(bom.logProb10('</s>', []), plain.logProb10('</s>', []));
});
