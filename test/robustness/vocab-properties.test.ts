/**
 * buildVocab against its definition, written out naively here: drop tokens
 * seen fewer than minCount times; if more than maxVocab − 2 remain, keep the
 * most frequent, ties by code point order; ids 2… in code point order. Random
 * counts over tokens that mix ASCII, BMP characters above U+E000, astral
 * characters and lone surrogates (where UTF-16 order and code point order
 * differ), so the fast comparison and the frequency cut-off inside buildVocab
 * must agree with the plain definition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildVocab, compareCodePoints, EOS_TOKEN, UNK_TOKEN } from '../../src/core/vocab.js';

/** Code point order, from the code points themselves (lone surrogates as their own value). */
function naiveCompare(a: string, b: string): number {
  const cps = (s: string) => {
    const out: number[] = [];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const d = s.charCodeAt(i + 1);
      if (c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) { out.push(0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)); i++; } else out.push(c);
    }
    return out;
  };
  const x = cps(a), y = cps(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length - y.length === 0 ? 0 : x.length < y.length ? -1 : 1;
}

function naiveVocab(counts: Map<string, number>, maxVocab: number | undefined, minCount: number): string[] {
  const cands = [...counts].filter(([t, n]) => t !== EOS_TOKEN && t !== UNK_TOKEN && n >= minCount && n > 0);
  cands.sort((x, y) => y[1] - x[1] || naiveCompare(x[0], y[0]));
  const kept = cands.slice(0, maxVocab === undefined ? Infinity : maxVocab - 2).map(([t]) => t);
  return kept.sort(naiveCompare);
}

const unit = fc.constantFrom('a', 'b', 'z', 'A', '\u00e9', '\ue000', '\uffff', '\ufb00', '😀', '𝔘', '\ud800', '\udfff', '<EOS>', '<UNK>');
const token = fc.array(unit, { minLength: 1, maxLength: 3 }).map((u) => u.join(''));

test('compareCodePoints is code point order, lone surrogates included', () => {
  fc.assert(fc.property(token, token, (a, b) => {
    assert.equal(Math.sign(compareCodePoints(a, b)), Math.sign(naiveCompare(a, b)));
  }), { numRuns: 2000 });
});

test('buildVocab = the naive definition, with and without caps', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(token, fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 60 }),
    fc.option(fc.integer({ min: 3, max: 30 }), { nil: undefined }),
    fc.integer({ min: 1, max: 3 }),
    (pairs, maxVocab, minCount) => {
      const counts = new Map(pairs);
      const want = naiveVocab(counts, maxVocab, minCount);
      const distinct = [...counts].filter(([t, n]) => t !== EOS_TOKEN && t !== UNK_TOKEN && n > 0).length;
      if (distinct === 0 || want.length === 0) {
        assert.throws(() => buildVocab(counts, { maxVocab, minCount }));
        return;
      }
      const r = buildVocab(counts, { maxVocab, minCount });
      assert.deepEqual(r.vocab.tokens, [EOS_TOKEN, UNK_TOKEN, ...want]);
      assert.equal(r.distinct, distinct);
      assert.equal(r.dropped, distinct - want.length);
    },
  ), { numRuns: 1000 });
});
