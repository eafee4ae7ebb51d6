/**
 * Property tests of the tokenizer over random text built from awkward pieces:
 * astral characters, combining marks, ZWJ, CR, CRLF, a BOM, tabs, no-break
 * spaces, the spellings "<EOS>" and "<UNK>", punctuation that the word rules
 * treat specially. What must hold whatever the text:
 *
 *   char  decode(encode(s)) = s for in-vocabulary text (after normalizeText);
 *         a character outside the vocabulary is always <UNK>; vocabulary
 *         tokens are single, well-formed code points, never CR or a leading BOM.
 *   word  tokens are non-empty and hold no whitespace; decode(encode(x))
 *         tokenizes back to the same tokens.
 *   both  encodeCorpus (the fast corpus path) gives, sentence by sentence,
 *         exactly the ids of encode (the per-sentence path) and the counts of
 *         countTokens are those of tokenize.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  countTokens, decode, eachToken, encode, encodeCorpus, normalizeText, splitSentences, tokenize, type SentenceMode, type TokenizerConfig,
} from '../../src/core/tokenize.js';
import { buildVocab, EOS, UNK, UNK_TOKEN } from '../../src/core/vocab.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const awkward = fc.constantFrom(
  '😀', '👍🏽', '🇫🇷', '👩\u200d👧', '𝔘', 'e\u0301', '\u0308', 'ﬀ', 'é', 'İ', 'Σ', 'ß',
  '\r', '\r\n', '\n', '\ufeff', ' ', '\t', '\u00a0', '\u3000',
  '<EOS>', '<UNK>', "'", '’', '-', '.', ',', '3', 'a', 'B', '(', ')', '"',
);
/** One code point of any kind (well-formed), or an awkward piece. */
const piece = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), awkward, awkward);
const text = fc.array(piece, { maxLength: 40 }).map((p) => p.join(''));
const lines = fc.array(text, { minLength: 1, maxLength: 6 }).map((ls) => ls.join('\n'));

const CHAR: TokenizerConfig = { level: 'char', lowercase: false, unkToken: null };
const WORD: TokenizerConfig = { level: 'word', lowercase: false, unkToken: null };
const MODES: SentenceMode[] = ['line', 'paragraph', 'file'];

const vocabOf = (sentences: string[], cfg: TokenizerConfig) => buildVocab(countTokens(sentences, cfg)).vocab;

describe('char level', () => {
  test('in-vocabulary text round-trips; tokens are single well-formed code points, never CR or a leading BOM', () => {
    fc.assert(fc.property(lines, fc.constantFrom(...MODES), fc.boolean(), (raw, mode, bom) => {
      const input = (bom ? '\ufeff' : '') + raw;
      const sentences = splitSentences(input, mode);
      fc.pre(sentences.length > 0);
      const vocab = vocabOf(sentences, CHAR);
      for (const t of vocab.tokens.slice(2)) {
        assert.equal(Array.from(t).length, 1, JSON.stringify(t));
        assert.ok(!LONE_SURROGATE.test(t) && t !== '\r');
      }
      // one leading BOM is the encoding's mark and goes; any other U+FEFF is text (a zero-width no-break space)
      if (bom) assert.equal(normalizeText(input), raw.replace(/\r\n?/g, '\n'));
      assert.equal(vocab.index.has('\ufeff'), sentences.some((s) => s.includes('\ufeff')));
      for (const s of sentences) {
        const r = encode(s, vocab, CHAR);
        assert.ok(!r.ids.includes(UNK) && !r.ids.includes(EOS));
        assert.equal(r.ids.length, Array.from(s).length);
        assert.equal(decode(r.ids, vocab, CHAR), s);
      }
      const corpus = encodeCorpus(sentences, vocab, CHAR);
      assert.equal(corpus.unkCount, 0);
      assert.equal(decode(corpus.ids, vocab, CHAR), sentences.join(''));
    }), { numRuns: 300 });
  });

  test('a character outside the vocabulary is always <UNK>, one id per code point', () => {
    fc.assert(fc.property(text, text, fc.boolean(), (known, other, lowercase) => {
      const cfg = { ...CHAR, lowercase };
      const train = splitSentences(known, 'line');
      fc.pre(train.length > 0);
      const vocab = vocabOf(train, cfg);
      const seen = new Set(train.flatMap((s) => Array.from(lowercase ? s.toLowerCase() : s)));
      const chars = Array.from(lowercase ? other.toLowerCase() : other);
      const r = encode(other, vocab, cfg);
      assert.equal(r.ids.length, chars.length);
      chars.forEach((ch, i) => assert.equal(r.ids[i], seen.has(ch) ? vocab.index.get(ch) : UNK, JSON.stringify(ch)));
      assert.deepEqual(r.unknown, [...new Set(chars.filter((ch) => !seen.has(ch)))]);
    }), { numRuns: 300 });
  });
});

describe('word level', () => {
  test('tokens are non-empty and hold no whitespace; decode(encode(x)) tokenizes back to the same tokens', () => {
    fc.assert(fc.property(text, fc.boolean(), (raw, lowercase) => {
      const cfg = { ...WORD, lowercase };
      const s = normalizeText(raw);
      const tokens = tokenize(s, cfg);
      for (const t of tokens) assert.ok(t !== '' && !/\s/u.test(t) && !LONE_SURROGATE.test(t), JSON.stringify(t));
      assert.ok(!tokens.includes('<EOS>') && !tokens.includes(UNK_TOKEN), 'the special spellings are split: <, EOS, >');
      fc.pre(tokens.length > 0);
      const vocab = vocabOf([s], cfg);
      const r = encode(s, vocab, cfg);
      assert.ok(!r.ids.includes(UNK));
      const back = decode(r.ids, vocab, cfg);
      assert.deepEqual(tokenize(back, cfg), tokens, `${JSON.stringify(s)} → ${JSON.stringify(back)}`);
    }), { numRuns: 500 });
  });

  test('with a corpus <unk> literal: that word, and only that, is <UNK>', () => {
    fc.assert(fc.property(fc.array(fc.oneof(text, fc.constant('<unk>')), { maxLength: 8 }), (parts) => {
      const cfg: TokenizerConfig = { ...WORD, unkToken: '<unk>' };
      const s = parts.join(' ');
      const tokens = tokenize(s, cfg);
      const literal = s.split(/\s+/u).filter((p) => p === '<unk>').length;
      assert.equal(tokens.filter((t) => t === UNK_TOKEN).length, literal);
    }), { numRuns: 200 });
  });
});

test('lowercasing is piece by piece: a capital sigma after a case-ignorable separator (U+FEFF) is σ, as eachToken makes it', () => {
  // found by the property below (seed -827243707): the whole sentence lowercased gave the final form ς
  const cfg: TokenizerConfig = { level: 'word', lowercase: true, unkToken: null };
  const s = 'ﬀ\uFEFFΣ';
  assert.deepEqual(tokenize(s, cfg), [...eachToken(s, cfg)]);
  assert.deepEqual(tokenize(s, cfg), ['ﬀ', 'σ']);
  assert.deepEqual(tokenize('ΟΔΟΣ', cfg), ['οδος'.slice(0, 3) + 'ς'], 'within a word the final form stays');
});

describe('the corpus path agrees with the sentence path', () => {
  const configs: TokenizerConfig[] = [
    CHAR, { ...CHAR, lowercase: true }, WORD, { ...WORD, lowercase: true }, { ...WORD, unkToken: '<unk>' }, { ...WORD, unkToken: 'a', lowercase: true },
  ];
  // lone surrogates cannot come from a UTF-8 file, but the library takes any string: both paths must agree on them too
  const anyText = fc.array(fc.oneof(piece, fc.constantFrom('\ud800', '\udc00', '\udbff\ud800', '<unk>')), { maxLength: 30 }).map((p) => p.join(''));

  test('encodeCorpus = encode sentence by sentence, countTokens = counting tokenize, eachToken = tokenize', () => {
    fc.assert(fc.property(fc.array(anyText, { minLength: 1, maxLength: 5 }), fc.array(anyText, { maxLength: 5 }), fc.constantFrom(...configs),
      fc.option(fc.integer({ min: 3, max: 12 }), { nil: undefined }), (trainSet, testSet, cfg, maxVocab) => {
        for (const s of [...trainSet, ...testSet]) assert.deepEqual([...eachToken(s, cfg)], tokenize(s, cfg), 'eachToken (lazy) = tokenize');
        const counts = countTokens(trainSet, cfg);
        const expected = new Map<string, number>();
        for (const s of trainSet) for (const t of tokenize(s, cfg)) expected.set(t, (expected.get(t) ?? 0) + 1);
        assert.deepEqual(new Map([...counts].sort()), new Map([...expected].sort()));
        if (![...counts.keys()].some((t) => t !== '<EOS>' && t !== UNK_TOKEN)) return;
        const vocab = buildVocab(counts, { maxVocab }).vocab;
        const corpus = encodeCorpus(testSet, vocab, cfg);
        assert.equal(corpus.starts.length, testSet.length + 1);
        let unk = 0;
        testSet.forEach((s, i) => {
          const ids = encode(s, vocab, cfg).ids;
          assert.deepEqual([...corpus.ids.subarray(corpus.starts[i]!, corpus.starts[i + 1]!)], [...ids, EOS], JSON.stringify(s));
          unk += ids.filter((id) => id === UNK).length;
        });
        assert.equal(corpus.ids.length, corpus.starts[testSet.length]);
        assert.equal(corpus.unkCount, unk);
      }), { numRuns: 400 });
  });

  test('a corpus larger than one chunk of the id buffer (or than the text-length estimate) is laid out the same', () => {
    // 'İ' lowercases to two code points: more ids than UTF-16 units of the original text
    const sentences = Array.from({ length: 6000 }, (_, i) => `w${i % 97} ${'ab😀'.repeat(i % 13)} x. ${'İ'.repeat(i % 5)}`);
    for (const cfg of [CHAR, WORD, { ...CHAR, lowercase: true }]) {
      const vocab = vocabOf(sentences, cfg);
      const corpus = encodeCorpus(sentences, vocab, cfg);
      const flat = sentences.flatMap((s) => [...encode(s, vocab, cfg).ids, EOS]);
      assert.equal(corpus.ids.length, flat.length);
      assert.deepEqual([...corpus.ids], flat);
    }
  });
});
