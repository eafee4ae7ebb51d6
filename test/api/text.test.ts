/**
 * src/api/text.ts: bytes → text (the one check the command line's readText
 * and the library's train(bytes) both use) and a sample's prime shown as the
 * user wrote it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cleanSentence, primeOf, textFromBytes } from '../../src/api/text.js';
import { DataError } from '../../src/core/errors.js';
import { countTokens, decode, type TokenizerConfig } from '../../src/core/tokenize.js';
import { buildVocab, UNK } from '../../src/core/vocab.js';
import { readText } from '../../src/cli/input.js';
import { InputError } from '../../src/cli/errors.js';
import { fakeHost } from '../helpers/fake-host.js';

test('textFromBytes: UTF-8 text back as it was encoded, a leading BOM kept (normalizeText drops it)', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\0')), (s) => textFromBytes(new TextEncoder().encode(s), 'x') === s));
  assert.equal(textFromBytes(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]), 'x'), '\ufeffa');
});

test('textFromBytes refuses what readText refuses, with the same words (readText names the file)', async () => {
  const cases = [[0x61, 0x00], [0xe9], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0xf4, 0x90, 0x80, 0x80]];
  for (const bytes of cases) {
    const b = Uint8Array.from(bytes);
    let lib: DataError | undefined;
    try { textFromBytes(b, 'standard input'); } catch (e) { lib = e as DataError; }
    assert.ok(lib instanceof DataError, `${bytes}`);
    const { host } = fakeHost({ stdin: b });
    await assert.rejects(readText(host, '-'), (e: unknown) => e instanceof InputError && e.message === lib!.message && e.hint === lib!.hint);
  }
});

test('cleanSentence: a BOM, CR and trailing blanks go; leading blanks and inner text stay', () => {
  assert.equal(cleanSentence('\ufeff  a b \r\n'), '  a b');
  assert.equal(cleanSentence('a\rb'), 'a\nb');
  assert.equal(cleanSentence('   '), '');
});

const CHAR: TokenizerConfig = { level: 'char', lowercase: false, unkToken: null };
const WORD: TokenizerConfig = { level: 'word', lowercase: false, unkToken: null };

test('primeOf, char level: unknown characters read as <UNK>, shown as given; the sample is the prime then the draw', () => {
  const vocab = buildVocab(countTokens(['abc'], CHAR)).vocab;
  const p = primeOf('aX😀b', vocab, CHAR);
  assert.deepEqual(Array.from(p.ids), [vocab.index.get('a'), UNK, UNK, vocab.index.get('b')]);
  assert.deepEqual(p.unknown, ['X', '😀']);
  assert.equal(p.shown, 'aX😀b');
  const drawn = [vocab.index.get('c')!, vocab.index.get('a')!];
  assert.equal(p.text(drawn), 'aX😀b' + decode(drawn, vocab, CHAR)); // char level: decode concatenates
  assert.equal(primeOf('\ufeffa\r\nb', vocab, CHAR).shown, 'a\nb', 'normalised as the tokenizer normalises');
  assert.equal(primeOf('AB', vocab, { ...CHAR, lowercase: true }).shown, 'ab', 'lowercased when the model lowercases');
  assert.equal(primeOf('', vocab, CHAR).text(drawn), decode(drawn, vocab, CHAR));
});

test('primeOf, word level: unknown words shown as written and spaced like any word at the seam', () => {
  const vocab = buildVocab(countTokens(['the cat sat .'], WORD)).vocab;
  const id = (t: string) => vocab.index.get(t)!;
  const p = primeOf('the zzyzx', vocab, WORD);
  assert.deepEqual(p.unknown, ['zzyzx']);
  assert.equal(p.text([id('sat')]), 'the zzyzx sat');
  assert.equal(p.text([id('.')]), 'the zzyzx.', 'no space before closing punctuation, as decode spaces it');
  // the corpus's own marker is <UNK> for the model and shown as the marker: what the user wrote
  const marked = primeOf('the <unk> cat', vocab, { ...WORD, unkToken: '<unk>' });
  assert.deepEqual(marked.unknown, []);
  assert.equal(marked.shown, 'the <unk> cat');
});
