import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { DataError } from '../../src/core/errors.js';
import {
  EOS,
  EOS_TOKEN,
  UNK,
  UNK_TOKEN,
  buildVocab,
  compareCodePoints,
  vocabFromTokens,
} from '../../src/core/vocab.js';

const counts = (entries: [string, number][]): Map<string, number> => new Map(entries);

describe('buildVocab', () => {
  it('puts <EOS> at 0 and <UNK> at 1, then the tokens', () => {
    assert.equal(EOS, 0);
    assert.equal(UNK, 1);
    const { vocab, distinct, dropped } = buildVocab(counts([['b', 1], ['a', 2]]));
    assert.deepEqual(vocab.tokens, [EOS_TOKEN, UNK_TOKEN, 'a', 'b']);
    assert.equal(vocab.index.get(EOS_TOKEN), 0);
    assert.equal(vocab.index.get(UNK_TOKEN), 1);
    assert.equal(vocab.index.get('a'), 2);
    assert.equal(vocab.index.get('b'), 3);
    assert.equal(distinct, 2);
    assert.equal(dropped, 0);
  });

  it('sorts by code point, not by UTF-16 unit, locale or insertion order', () => {
    // Code points: Z U+005A < a U+0061 < é U+00E9 < ﬀ U+FB00 < 😀 U+1F600.
    const expected = [EOS_TOKEN, UNK_TOKEN, 'Z', 'a', 'é', 'ﬀ', '😀'];
    // The test discriminates: UTF-16 order puts 😀 (D83D DE00) before ﬀ (FB00).
    assert.deepEqual(['ﬀ', '😀'].sort(), ['😀', 'ﬀ']);
    const forward = buildVocab(counts([['😀', 1], ['ﬀ', 1], ['a', 1], ['Z', 1], ['é', 1]])).vocab;
    const backward = buildVocab(counts([['é', 1], ['Z', 1], ['a', 1], ['ﬀ', 1], ['😀', 1]])).vocab;
    assert.deepEqual(forward.tokens, expected);
    assert.deepEqual(backward.tokens, expected);
    assert.equal(forward.index.get('😀'), 6);
  });

  it('keeps the most frequent tokens under maxVocab, ties broken by code point', () => {
    // Room for 6 − 2 = 4: x (9), then the four tied at 2 in code point order
    // y, z, ﬀ, 😀 — 😀 is the one left out (UTF-16 order would drop ﬀ instead).
    const c = counts([['😀', 2], ['z', 2], ['ﬀ', 2], ['y', 2], ['x', 9]]);
    const r = buildVocab(c, { maxVocab: 6 });
    assert.deepEqual(r.vocab.tokens, [EOS_TOKEN, UNK_TOKEN, 'x', 'y', 'z', 'ﬀ']);
    assert.equal(r.distinct, 5);
    assert.equal(r.dropped, 1);

    // Room for 2: a (5), then b wins the tie at 3 against c and d.
    const r2 = buildVocab(counts([['d', 3], ['c', 3], ['a', 5], ['e', 1], ['b', 3]]), { maxVocab: 4 });
    assert.deepEqual(r2.vocab.tokens, [EOS_TOKEN, UNK_TOKEN, 'a', 'b']);
    assert.equal(r2.distinct, 5);
    assert.equal(r2.dropped, 3);
  });

  it('a cap at or above the size changes nothing', () => {
    const c = counts([['a', 1], ['b', 1]]);
    assert.deepEqual(buildVocab(c, { maxVocab: 4 }).vocab.tokens, [EOS_TOKEN, UNK_TOKEN, 'a', 'b']);
    assert.deepEqual(buildVocab(c, { maxVocab: 100 }).vocab.tokens, [EOS_TOKEN, UNK_TOKEN, 'a', 'b']);
    assert.equal(buildVocab(c, { maxVocab: 4 }).dropped, 0);
  });

  it('drops tokens seen fewer than minCount times', () => {
    const c = counts([['d', 1], ['a', 5], ['c', 1], ['b', 2]]);
    const r = buildVocab(c, { minCount: 2 });
    assert.deepEqual(r.vocab.tokens, [EOS_TOKEN, UNK_TOKEN, 'a', 'b']);
    assert.equal(r.distinct, 4);
    assert.equal(r.dropped, 2);
    // Both at once: minCount leaves a, b; the cap (room 1) keeps a.
    const both = buildVocab(c, { minCount: 2, maxVocab: 3 });
    assert.deepEqual(both.vocab.tokens, [EOS_TOKEN, UNK_TOKEN, 'a']);
    assert.equal(both.dropped, 3);
  });

  it('never lets a corpus string spelling a special token take a special id', () => {
    const r = buildVocab(counts([['<EOS>', 4], ['x', 1], ['<UNK>', 2]]));
    assert.deepEqual(r.vocab.tokens, [EOS_TOKEN, UNK_TOKEN, 'x']);
    assert.equal(r.distinct, 1);
    assert.equal(r.dropped, 0);
  });

  it('ignores entries with a zero count', () => {
    const r = buildVocab(counts([['a', 1], ['b', 0]]));
    assert.deepEqual(r.vocab.tokens, [EOS_TOKEN, UNK_TOKEN, 'a']);
    assert.equal(r.distinct, 1);
  });

  it('rejects an empty corpus, bad options and options that drop everything', () => {
    assert.throws(() => buildVocab(new Map()), DataError);
    assert.throws(() => buildVocab(counts([['<EOS>', 3]])), DataError);
    const c = counts([['a', 1], ['b', 2]]);
    assert.throws(() => buildVocab(c, { minCount: 3 }), DataError);
    assert.throws(() => buildVocab(c, { minCount: 0 }), DataError);
    assert.throws(() => buildVocab(c, { minCount: 1.5 }), DataError);
    assert.throws(() => buildVocab(c, { maxVocab: 2 }), DataError);
    assert.throws(() => buildVocab(c, { maxVocab: Number.NaN }), DataError);
  });

  it('size is 2 + distinct − dropped, tokens are sorted and unique (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 5 })), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.integer({ min: 3, max: 12 }),
        (entries, maxVocab) => {
          const c = new Map(entries.filter(([t]) => t !== EOS_TOKEN && t !== UNK_TOKEN));
          fc.pre(c.size > 0);
          const r = buildVocab(c, { maxVocab });
          const regular = r.vocab.tokens.slice(2);
          assert.equal(r.distinct, c.size);
          assert.equal(r.vocab.tokens.length, 2 + r.distinct - r.dropped);
          assert.equal(r.vocab.tokens.length, Math.min(maxVocab, 2 + c.size));
          for (let i = 1; i < regular.length; i++) assert.ok(compareCodePoints(regular[i - 1], regular[i]) < 0);
          // Every kept token is at least as frequent as every dropped one.
          const keptMin = Math.min(...regular.map((t) => c.get(t)!));
          for (const [t, n] of c) if (!r.vocab.index.has(t)) assert.ok(n <= keptMin);
          r.vocab.tokens.forEach((t, id) => assert.equal(r.vocab.index.get(t), id));
        },
      ),
    );
  });
});

describe('compareCodePoints', () => {
  it('orders by code point, a prefix first', () => {
    assert.equal(compareCodePoints('ﬀ', '😀'), -1);
    assert.equal(compareCodePoints('😀', 'ﬀ'), 1);
    assert.equal(compareCodePoints('ab', 'abc'), -1);
    assert.equal(compareCodePoints('abc', 'ab'), 1);
    assert.equal(compareCodePoints('😀x', '😀x'), 0);
    assert.equal(compareCodePoints('', ''), 0);
    assert.equal(compareCodePoints('B', 'a'), -1); // unlike localeCompare
  });

  it('agrees with comparing the arrays of code points (property)', () => {
    const cps = (s: string): number[] => Array.from(s, (ch) => ch.codePointAt(0)!);
    const reference = (a: string, b: string): number => {
      const x = cps(a);
      const y = cps(b);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
      return Math.sign(x.length - y.length);
    };
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        assert.equal(compareCodePoints(a, b), reference(a, b));
      }),
    );
  });
});

describe('vocabFromTokens', () => {
  it('rebuilds the same vocabulary from its token list', () => {
    const { vocab } = buildVocab(counts([['b', 1], ['a', 1], ['😀', 1]]));
    const again = vocabFromTokens([...vocab.tokens]);
    assert.deepEqual(again.tokens, vocab.tokens);
    assert.deepEqual([...again.index], [...vocab.index]);
  });

  it('takes the order of the regular tokens as given', () => {
    const v = vocabFromTokens([EOS_TOKEN, UNK_TOKEN, 'b', 'a']);
    assert.equal(v.index.get('b'), 2);
    assert.equal(v.index.get('a'), 3);
  });

  it('rejects lists without the specials in front, or with duplicates', () => {
    assert.throws(() => vocabFromTokens([]), DataError);
    assert.throws(() => vocabFromTokens([EOS_TOKEN]), DataError);
    assert.throws(() => vocabFromTokens([UNK_TOKEN, EOS_TOKEN, 'a']), DataError);
    assert.throws(() => vocabFromTokens(['a', EOS_TOKEN, UNK_TOKEN]), DataError);
    assert.throws(() => vocabFromTokens([EOS_TOKEN, UNK_TOKEN, 'a', 'a']), DataError);
    assert.throws(() => vocabFromTokens([EOS_TOKEN, UNK_TOKEN, EOS_TOKEN]), DataError);
    assert.throws(() => vocabFromTokens([EOS_TOKEN, UNK_TOKEN, UNK_TOKEN]), DataError);
  });

  it('accepts the smallest list, the two specials', () => {
    assert.deepEqual(vocabFromTokens([EOS_TOKEN, UNK_TOKEN]).tokens, [EOS_TOKEN, UNK_TOKEN]);
  });
});
