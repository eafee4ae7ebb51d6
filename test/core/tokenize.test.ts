import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';

import { ShapeError } from '../../src/core/errors.js';
import {
  CorpusBuilder,
  countTokens,
  decode,
  encode,
  encodeCorpus,
  normalizeText,
  splitSentences,
  tokenize,
  type TokenizerConfig,
} from '../../src/core/tokenize.js';
import { EOS, UNK, UNK_TOKEN, buildVocab, vocabFromTokens, type Vocab } from '../../src/core/vocab.js';

const CHAR: TokenizerConfig = { level: 'char', lowercase: false, unkToken: null };
const WORD: TokenizerConfig = { level: 'word', lowercase: false, unkToken: null };
const PTB: TokenizerConfig = { level: 'word', lowercase: false, unkToken: '<unk>' };

const vocabOf = (sentences: readonly string[], cfg: TokenizerConfig): Vocab =>
  buildVocab(countTokens(sentences, cfg)).vocab;

describe('normalizeText', () => {
  it('strips a leading BOM and turns CRLF and lone CR into LF', () => {
    assert.equal(normalizeText('\uFEFFa\r\nb\rc\n'), 'a\nb\nc\n');
    assert.equal(normalizeText('a\r\r\nb'), 'a\n\nb');
  });

  it('keeps a BOM that is not at the start, and is idempotent', () => {
    assert.equal(normalizeText('a\uFEFF'), 'a\uFEFF');
    const once = normalizeText('\uFEFFx\r\ny');
    assert.equal(normalizeText(once), once);
  });
});

describe('splitSentences', () => {
  it('line: every non-blank line, trailing whitespace removed, leading kept', () => {
    assert.deepEqual(splitSentences('one\r\n\r\n  two  \n\t\nthree', 'line'), ['one', '  two', 'three']);
    assert.deepEqual(splitSentences('\uFEFFhi\n', 'line'), ['hi']);
    assert.deepEqual(splitSentences(' \n\n', 'line'), []);
    assert.deepEqual(splitSentences('', 'line'), []);
  });

  it('paragraph: blocks between blank lines, inner newlines kept', () => {
    assert.deepEqual(splitSentences('a b\r\nc\n\n\n d\n  \ne\n', 'paragraph'), ['a b\nc', ' d', 'e']);
    assert.deepEqual(splitSentences('\n\nx\n', 'paragraph'), ['x']);
  });

  it('file: the whole normalized text, without trailing whitespace', () => {
    assert.deepEqual(splitSentences('\uFEFFx\r\n\r\ny \n\n', 'file'), ['x\n\ny']);
    assert.deepEqual(splitSentences('  \n\n', 'file'), []);
  });
});

describe('tokenize, char level', () => {
  it('splits into code points: a surrogate pair is one token', () => {
    assert.deepEqual(tokenize('😀a', CHAR), ['😀', 'a']);
    assert.deepEqual(tokenize('héllo', CHAR), ['h', 'é', 'l', 'l', 'o']); // é precomposed U+00E9
  });

  it('keeps a combining mark as its own token (no normalization)', () => {
    assert.deepEqual(tokenize('e\u0301', CHAR), ['e', '\u0301']);
    // Woman ZWJ girl: three code points, none of them split in half.
    assert.deepEqual(tokenize('👩\u200D👧', CHAR), ['👩', '\u200D', '👧']);
  });

  it('never yields a \\r from CRLF text', () => {
    const sentences = splitSentences('ab\r\ncd\r\n', 'line');
    assert.deepEqual(sentences.map((s) => tokenize(s, CHAR)), [['a', 'b'], ['c', 'd']]);
    assert.equal(countTokens(sentences, CHAR).has('\r'), false);
  });

  it('lowercases when asked, and ignores unkToken', () => {
    assert.deepEqual(tokenize('AbC', { ...CHAR, lowercase: true }), ['a', 'b', 'c']);
    assert.deepEqual(tokenize('<unk>', { ...CHAR, unkToken: '<unk>' }), ['<', 'u', 'n', 'k', '>']);
  });

  it('keeps spaces as tokens', () => {
    assert.deepEqual(tokenize('a b', CHAR), ['a', ' ', 'b']);
  });
});

describe('tokenize, word level', () => {
  it('splits punctuation off words', () => {
    assert.deepEqual(tokenize('The apple and pear salad.', WORD), ['The', 'apple', 'and', 'pear', 'salad', '.']);
    assert.deepEqual(tokenize('Cats average 15 hours.', WORD), ['Cats', 'average', '15', 'hours', '.']);
    assert.deepEqual(tokenize('dogs\' (old) toys!', WORD), ['dogs', "'", '(', 'old', ')', 'toys', '!']);
    assert.deepEqual(tokenize('U.S.', WORD), ['U', '.', 'S', '.']);
    assert.deepEqual(tokenize('"Hi," she said', WORD), ['"', 'Hi', ',', '"', 'she', 'said']);
  });

  it("keeps internal apostrophes, hyphens and digit separators: don't, well-known, 3.14, 1,000", () => {
    assert.deepEqual(tokenize("I don't know.", WORD), ['I', "don't", 'know', '.']);
    assert.deepEqual(tokenize('it’s', WORD), ['it’s']);
    assert.deepEqual(tokenize('a well-known fact', WORD), ['a', 'well-known', 'fact']);
    assert.deepEqual(tokenize('Pi is 3.14, roughly.', WORD), ['Pi', 'is', '3.14', ',', 'roughly', '.']);
    assert.deepEqual(tokenize('1,000 cats', WORD), ['1,000', 'cats']);
    assert.deepEqual(tokenize('after 15.', WORD), ['after', '15', '.']);
    assert.deepEqual(tokenize('a.1 1.a', WORD), ['a', '.', '1', '1', '.', 'a']);
    assert.deepEqual(tokenize('--x-', WORD), ['-', '-', 'x', '-']);
  });

  it('splits on any whitespace, including tabs, newlines and no-break spaces', () => {
    assert.deepEqual(tokenize(' a\tb\nc\u00A0d  ', WORD), ['a', 'b', 'c', 'd']);
  });

  it('lowercases when asked', () => {
    assert.deepEqual(tokenize('The CAT', { ...WORD, lowercase: true }), ['the', 'cat']);
  });

  it('maps the corpus <unk> literal to <UNK>, comparing before lowercasing', () => {
    assert.deepEqual(tokenize('the <unk> sat', PTB), ['the', UNK_TOKEN, 'sat']);
    assert.deepEqual(tokenize('the <unk> sat', { ...PTB, lowercase: true }), ['the', UNK_TOKEN, 'sat']);
    // '<UNK>' is not the literal '<unk>': it is split like any other text.
    assert.deepEqual(tokenize('<UNK>', { ...PTB, lowercase: true }), ['<', 'unk', '>']);
    // Only a whole whitespace-separated piece counts.
    assert.deepEqual(tokenize('<unk>.', PTB), ['<', 'unk', '>', '.']);
  });

  it('splits a literal <EOS> into <, EOS, >', () => {
    assert.deepEqual(tokenize('say <EOS> now', WORD), ['say', '<', 'EOS', '>', 'now']);
  });
});

describe('a literal "<EOS>" in the text', () => {
  for (const cfg of [CHAR, WORD]) {
    it(`never gets id 0 at ${cfg.level} level`, () => {
      const sentences = ['say <EOS> now', '<EOS>'];
      const vocab = vocabOf(sentences, cfg);
      const corpus = encodeCorpus(sentences, vocab, cfg);
      // EOS appears exactly at the two sentence ends, nowhere else.
      const eosAt = [...corpus.ids.keys()].filter((i) => corpus.ids[i] === EOS);
      assert.deepEqual(eosAt, [corpus.starts[1] - 1, corpus.starts[2] - 1]);
      assert.equal(corpus.unkCount, 0);
      assert.ok(!vocab.tokens.slice(2).includes('<EOS>'));
    });
  }

  it('round-trips at char level', () => {
    const vocab = vocabOf(['say <EOS> now'], CHAR);
    assert.equal(decode(encode('say <EOS> now', vocab, CHAR).ids, vocab, CHAR), 'say <EOS> now');
  });

  it('used as a corpus unk literal, it means <UNK>, not id 0', () => {
    const cfg: TokenizerConfig = { level: 'word', lowercase: false, unkToken: '<EOS>' };
    const vocab = vocabOf(['a <EOS>'], cfg); // <EOS> 0, <UNK> 1, a 2
    assert.deepEqual([...encode('a <EOS>', vocab, cfg).ids], [2, UNK]);
  });
});

describe('encode and decode', () => {
  it('round-trips at char level, EOS skipped', () => {
    const vocab = vocabOf(['ab', 'ba'], CHAR); // <EOS> 0, <UNK> 1, a 2, b 3
    assert.deepEqual([...encode('abba', vocab, CHAR).ids], [2, 3, 3, 2]);
    assert.equal(decode([2, 3, EOS, 3, 2, EOS], vocab, CHAR), 'abba');
    assert.equal(decode([], vocab, CHAR), '');
  });

  it('reports unknown surface forms once each, in order, and decodes <UNK>', () => {
    const vocab = vocabOf(['the cat'], WORD); // <EOS> 0, <UNK> 1, cat 2, the 3
    const r = encode('the dog and the dog', vocab, WORD);
    assert.deepEqual([...r.ids], [3, UNK, UNK, 3, UNK]);
    assert.deepEqual(r.unknown, ['dog', 'and']);
    assert.equal(decode(r.ids, vocab, WORD), 'the <UNK> <UNK> the <UNK>');
    assert.equal(decode(r.ids, vocab, PTB), 'the <unk> <unk> the <unk>');
    assert.equal(decode([UNK, 2], vocabOf(['ab'], CHAR), CHAR), '<UNK>a');
  });

  it('does not list the corpus <unk> literal as unknown', () => {
    const vocab = vocabOf(['the <unk> sat'], PTB);
    const r = encode('the <unk> sat', vocab, PTB);
    assert.deepEqual([...r.ids], [vocab.index.get('the'), UNK, vocab.index.get('sat')]);
    assert.deepEqual(r.unknown, []);
    assert.equal(decode(r.ids, vocab, PTB), 'the <unk> sat');
  });

  it('round-trips ordinarily spaced sentences at word level', () => {
    const sentences = [
      'The apple and pear salad was fresh.',
      'Cats average 15 hours of sleep a day.',
      "She said (quietly) that it's 3.14, or so!",
      'Is it 50% off? Yes: all [three] of them; really.',
    ];
    const vocab = vocabOf(sentences, WORD);
    for (const s of sentences) assert.equal(decode(encode(s, vocab, WORD).ids, vocab, WORD), s);
  });

  it('joins word tokens by the documented heuristic', () => {
    const vocab = vocabFromTokens(['<EOS>', '<UNK>', 'a', '(', ')', '.', '"', "'", '{', '}']);
    const ids = (...ts: string[]): number[] => ts.map((t) => vocab.index.get(t)!);
    assert.equal(decode(ids('a', '(', 'a', ')', '.'), vocab, WORD), 'a (a).');
    assert.equal(decode(ids('{', '(', 'a', '}'), vocab, WORD), '{(a}');
    assert.equal(decode(ids('"', 'a', '"', 'a', "'"), vocab, WORD), '" a " a\'');
    assert.equal(decode([...ids('a'), EOS, ...ids('.')], vocab, WORD), 'a.');
  });

  it('rejects ids outside the vocabulary', () => {
    const vocab = vocabOf(['ab'], CHAR);
    assert.throws(() => decode([4], vocab, CHAR), ShapeError);
    assert.throws(() => decode([-1], vocab, CHAR), ShapeError);
    assert.throws(() => decode([1.5], vocab, CHAR), ShapeError);
  });
});

describe('CorpusBuilder', () => {
  it('lays out sentences as encodeCorpus does, one at a time (char level: ids written out by hand)', () => {
    const vocab = vocabOf(['ab', 'ba'], CHAR); // <EOS> 0, <UNK> 1, a 2, b 3
    const b = new CorpusBuilder(vocab, CHAR);
    for (const s of ['ab', 'ba', '', 'cab']) b.add(s);
    const c = b.corpus();
    //           a  b  .  b  a  .  .  c  a  b  .
    assert.deepEqual([...c.ids], [2, 3, 0, 3, 2, 0, 0, 1, 2, 3, 0]);
    assert.deepEqual([...c.starts], [0, 3, 6, 7, 11]);
    assert.equal(c.unkCount, 1);
    assert.equal(b.size, 4);
  });

  it('at word level, lowercased, and after clear() starts again with the arrays it has', () => {
    const cfg: TokenizerConfig = { ...PTB, lowercase: true };
    const vocab = vocabOf(['the cat sat .'], cfg); // <EOS> 0, <UNK> 1, . 2, cat 3, sat 4, the 5
    const b = new CorpusBuilder(vocab, cfg);
    b.add('no such words');
    b.clear();
    assert.equal(b.size, 0);
    assert.deepEqual([...b.corpus().starts], [0]);
    b.add('The dog sat.');
    b.add('the <unk> CAT');
    const c = b.corpus();
    assert.deepEqual([...c.ids], [5, 1, 4, 2, 0, 5, 1, 3, 0]);
    assert.deepEqual([...c.starts], [0, 5, 9]);
    assert.equal(c.unkCount, 2);
  });

  it('grows past its first arrays: 5000 sentences give what encodeCorpus gives', () => {
    const vocab = vocabOf(['abc'], CHAR);
    const sentences = Array.from({ length: 5000 }, (_, i) => 'abcx'.slice(i % 4, 4 - (i % 3)));
    const b = new CorpusBuilder(vocab, CHAR);
    for (const s of sentences) b.add(s);
    const want = encodeCorpus(sentences, vocab, CHAR);
    assert.deepEqual([...b.corpus().ids], [...want.ids]);
    assert.deepEqual([...b.corpus().starts], [...want.starts]);
    assert.equal(b.corpus().unkCount, want.unkCount);
  });
});

describe('encodeCorpus', () => {
  it('lays out ids with EOS after each sentence and sentence starts (3 lines)', () => {
    const cfg = CHAR;
    const vocab = vocabOf(['ab', 'ba'], cfg); // <EOS> 0, <UNK> 1, a 2, b 3
    const sentences = splitSentences('ab\nba\n\ncab\n', 'line');
    assert.deepEqual(sentences, ['ab', 'ba', 'cab']);
    const c = encodeCorpus(sentences, vocab, cfg);
    //           a  b  .  b  a  .  c  a  b  .
    assert.deepEqual([...c.ids], [2, 3, 0, 3, 2, 0, 1, 2, 3, 0]);
    assert.deepEqual([...c.starts], [0, 3, 6, 10]);
    assert.equal(c.unkCount, 1);
    assert.ok(c.ids instanceof Int32Array && c.starts instanceof Int32Array);
  });

  it('at word level, counts every <UNK> occurrence, EOS not counted', () => {
    const vocab = vocabOf(['the cat sat .'], PTB); // <EOS> 0, <UNK> 1, . 2, cat 3, sat 4, the 5
    const c = encodeCorpus(['the dog sat.', 'the <unk> cat', 'dog dog'], vocab, PTB);
    assert.deepEqual([...c.ids], [5, 1, 4, 2, 0, 5, 1, 3, 0, 1, 1, 0]);
    assert.deepEqual([...c.starts], [0, 5, 9, 12]);
    assert.equal(c.unkCount, 4);
  });

  it('gives an empty corpus an empty id array', () => {
    const c = encodeCorpus([], vocabOf(['a'], CHAR), CHAR);
    assert.equal(c.ids.length, 0);
    assert.deepEqual([...c.starts], [0]);
    assert.equal(c.unkCount, 0);
  });

  it('grows past its first buffer: 3000 sentences and one long file-mode sentence', () => {
    const vocab = vocabOf(['ab'], CHAR);
    const many = encodeCorpus(Array<string>(3000).fill('ab'), vocab, CHAR);
    assert.equal(many.ids.length, 3000 * 3);
    assert.equal(many.starts[3000], 9000);
    assert.equal(many.starts[1234], 1234 * 3);
    assert.deepEqual([...many.ids.subarray(8997)], [2, 3, EOS]);
    const long = encodeCorpus(splitSentences('ab'.repeat(5000) + '\n', 'file'), vocab, CHAR);
    assert.equal(long.ids.length, 10001);
    assert.equal(long.ids[10000], EOS);
  });

  it('keeps paragraph newlines as char tokens, and file mode round-trips', () => {
    const text = 'ab\ncd\n\nef\n';
    const paras = splitSentences(text, 'paragraph');
    assert.deepEqual(paras, ['ab\ncd', 'ef']);
    const vocab = vocabOf(paras, CHAR); // <EOS> 0, <UNK> 1, \n 2, a 3, b 4, c 5, d 6, e 7, f 8
    const c = encodeCorpus(paras, vocab, CHAR);
    assert.deepEqual([...c.ids], [3, 4, 2, 5, 6, 0, 7, 8, 0]);
    assert.deepEqual([...c.starts], [0, 6, 9]);
    const [whole] = splitSentences(text, 'file');
    assert.equal(decode(encode(whole, vocab, CHAR).ids, vocab, CHAR), 'ab\ncd\n\nef');
  });
});

describe('properties, char level', () => {
  // Mix arbitrary code points with the awkward ones: astral, combining, BOM, spaces.
  const awkward = fc.constantFrom('😀', 'ﬀ', 'e\u0301', '\uFEFF', ' ', '\t', '\u00A0', '<EOS>', '<UNK>', 'A');
  const text = fc
    .string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), awkward) })
    .map((s) => s.replace(/[\r\n]/g, ''));

  it('decode(encode(s)) === s with the vocabulary built from s', () => {
    fc.assert(
      fc.property(text, (raw) => {
        const sentences = splitSentences(raw, 'line');
        const s = normalizeText(raw).trimEnd();
        if (s.trim() === '') {
          assert.deepEqual(sentences, []);
          return;
        }
        assert.deepEqual(sentences, [s]);
        const vocab = vocabOf(sentences, CHAR);
        const r = encode(s, vocab, CHAR);
        assert.deepEqual(r.unknown, []);
        assert.ok(!r.ids.includes(UNK) && !r.ids.includes(EOS));
        assert.equal(decode(r.ids, vocab, CHAR), s);
        const corpus = encodeCorpus(sentences, vocab, CHAR);
        assert.equal(corpus.unkCount, 0);
        assert.equal(decode(corpus.ids, vocab, CHAR), s);
      }),
    );
  });

  it('characters outside the vocabulary always map to <UNK>', () => {
    fc.assert(
      fc.property(text, text, (known, other) => {
        fc.pre(known !== '');
        const vocab = vocabOf([known], CHAR);
        const seen = new Set(Array.from(known));
        const chars = Array.from(other);
        const r = encode(other, vocab, CHAR);
        assert.equal(r.ids.length, chars.length);
        chars.forEach((ch, i) => {
          if (seen.has(ch)) assert.equal(vocab.tokens[r.ids[i]], ch);
          else assert.equal(r.ids[i], UNK);
        });
        assert.deepEqual(r.unknown, [...new Set(chars.filter((ch) => !seen.has(ch)))]);
      }),
    );
  });
});

describe('properties, word level', () => {
  it('tokens are non-empty, hold no whitespace, and concatenate to the text without whitespace', () => {
    const unit = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      fc.constantFrom(' ', "'", '’', '-', '.', ',', '3', 'a', 'é', '😀', '\u0301', '<EOS>'),
    );
    fc.assert(
      fc.property(fc.string({ unit }), (s) => {
        const tokens = tokenize(s, WORD);
        for (const t of tokens) assert.ok(t !== '' && !/\s/u.test(t), JSON.stringify(t));
        assert.equal(tokens.join(''), s.replace(/\s/gu, ''));
        assert.ok(!tokens.includes('<EOS>') && !tokens.includes(UNK_TOKEN));
      }),
    );
  });
});

describe('shipped text', () => {
  const read = (rel: string): string => readFileSync(new URL(`../../../${rel}`, import.meta.url), 'utf8');

  it('test/fixtures/tiny.txt has a handful of short lines and no \\r', () => {
    const lines = splitSentences(read('test/fixtures/tiny.txt'), 'line');
    assert.ok(lines.length >= 5 && lines.length <= 8, `${lines.length} lines`);
    assert.equal(countTokens(lines, CHAR).has('\r'), false);
  });

  it('corpora/names.txt: lowercase a-z names, so 26 letters + 2 specials at char level', () => {
    const names = splitSentences(read('corpora/names.txt'), 'line');
    assert.ok(names.length > 1000, `${names.length} names`);
    for (const n of names) assert.match(n, /^[a-z]+$/);
    assert.equal(new Set(names).size, names.length);
    assert.equal(vocabOf(names, CHAR).tokens.length, 28);
  });

  it('corpora/sentences.txt: "pear salad" often, "pair salad" never, word round trip', () => {
    const sentences = splitSentences(read('corpora/sentences.txt'), 'line');
    assert.ok(sentences.length >= 150 && sentences.length <= 300, `${sentences.length} sentences`);
    const lower = sentences.map((s) => s.toLowerCase());
    assert.ok(lower.filter((s) => s.includes('pear salad')).length >= 3);
    assert.ok(!lower.some((s) => /pair\s+salad/.test(s)));
    const vocab = vocabOf(sentences, WORD);
    for (const s of sentences) assert.equal(decode(encode(s, vocab, WORD).ids, vocab, WORD), s);
  });
});
