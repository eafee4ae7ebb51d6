/**
 * Checkpoints of any size: serializeCheckpointChunks writes the documented
 * text in bounded chunks (checked against a formatter written here from the
 * format's description, with node's Buffer for the base64), and
 * parseCheckpointBytes reads the file's bytes back bit for bit. Then what the
 * byte reader refuses: JSON nested too deeply (without a stack overflow),
 * bytes that are not UTF-8, and vocabulary tokens the tokenizer can never
 * produce — while every vocabulary the tokenizer does produce still reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import {
  CheckpointError, parseCheckpoint, parseCheckpointBytes, serializeCheckpoint, serializeCheckpointChunks, type Checkpoint,
} from '../../src/checkpoint/codec.js';
import { float64Backend } from '../../src/core/backend.js';
import { RnnlmError } from '../../src/core/errors.js';
import type { Vec } from '../../src/core/kernels.js';
import { createModel, type ModelConfig } from '../../src/core/model.js';
import { createRng } from '../../src/core/rng.js';
import { countTokens, splitSentences, type Level, type SentenceMode } from '../../src/core/tokenize.js';
import { defaultTrainConfig, newTrainState } from '../../src/core/train.js';
import { buildVocab, vocabFromTokens } from '../../src/core/vocab.js';
import { VARIANTS, assertSameCheckpoint, bytesOf, fillBits, makeCheckpoint, variantName } from './tiny-checkpoint.js';

const MAX_CHUNK = 4 * 2 ** 20; // characters
const enc = new TextEncoder();

// ── the format, independently ───────────────────────────────────────────────

/** base64 of the little-endian float32 bytes of a[off .. off+n), by Buffer. */
function b64(a: Vec, off: number, n: number): string {
  const f = Float32Array.from(a.subarray(off, off + n));
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

/** docs/checkpoint.md: 2-space indentation, arrays of scalars on one line ("[1, 2]"), a newline at the end. */
function format(x: unknown, indent = ''): string {
  if (x === null || typeof x !== 'object') return JSON.stringify(x);
  const inner = `${indent}  `;
  if (Array.isArray(x)) {
    if (x.length === 0) return '[]';
    if (x.every((v) => v === null || typeof v !== 'object')) return `[${x.map((v) => JSON.stringify(v)).join(', ')}]`;
    return `[\n${x.map((v) => inner + format(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(x);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${format(v, inner)}`).join(',\n')}\n${indent}}`;
}

/** A real as the file holds it: a finite number, or "NaN" / "Infinity" / "-Infinity". */
const real = (x: number): number | string => (Number.isFinite(x) ? x : String(x));

/** The text a checkpoint should be written as (training.config in the TrainConfig's own key order). */
function expectedText(ck: Checkpoint): string {
  const c = ck.model.config;
  const data = ck.model.params.data;
  const tr = ck.training;
  const s = tr?.state;
  const file = {
    format: 'rnnlm-checkpoint',
    version: 1,
    meta: ck.meta,
    config: { cell: c.cell, peephole: c.peephole, layers: c.layers, hidden: c.hidden, vocabSize: c.vocabSize, embedding: c.embedding, dropout: c.dropout },
    tokenizer: { level: ck.tokenizer.level, lowercase: ck.tokenizer.lowercase, unkToken: ck.tokenizer.unkToken, sentence: ck.tokenizer.sentence },
    vocab: { tokens: ck.vocab.tokens, counts: ck.counts },
    tensors: ck.model.layout.tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: 'float32', data: b64(data, t.offset, t.size) })),
    training: !tr || !s ? null : {
      options: JSON.parse(JSON.stringify(tr.options)),
      config: tr.config,
      state: {
        step: s.step, epoch: s.epoch, windowInEpoch: s.windowInEpoch, epochSeed: s.epochSeed, rng: s.rng,
        optimizer: { step: s.opt.step, m: s.opt.m && b64(s.opt.m, 0, s.opt.m.length), v: s.opt.v && b64(s.opt.v, 0, s.opt.v.length) },
        carry: s.carry && b64(s.carry, 0, s.carry.length),
        history: s.history.map((h) => ({
          step: h.step, epoch: h.epoch, tokensSeen: h.tokensSeen, trainLoss: real(h.trainLoss),
          valLoss: h.valLoss === null ? null : real(h.valLoss), lr: real(h.lr), elapsedMs: real(h.elapsedMs),
        })),
        bestValLoss: s.bestValLoss === null ? null : real(s.bestValLoss),
        bestStep: s.bestStep, evalsSinceBest: s.evalsSinceBest, lrScale: s.lrScale, tokensSeen: s.tokensSeen, elapsedMs: real(s.elapsedMs),
      },
    },
  };
  return `${format(file)}\n`;
}

/** The chunks, each checked: a string of at most 4 MiB characters that is well-formed on its own (no split surrogate pair). */
function chunksOf(ck: Checkpoint): string[] {
  const chunks = [...serializeCheckpointChunks(ck)];
  for (const [i, c] of chunks.entries()) {
    assert.equal(typeof c, 'string');
    assert.ok(c.length <= MAX_CHUNK, `chunk ${i} has ${c.length} characters`);
    assert.doesNotMatch(c, /^[\udc00-\udfff]|[\ud800-\udbff]$/, `chunk ${i} splits a surrogate pair`);
  }
  return chunks;
}

/** The file's bytes: each chunk UTF-8-encoded on its own, as a writer does. */
function bytesOfChunks(chunks: readonly string[]): Uint8Array {
  return Buffer.concat(chunks.map((c) => enc.encode(c)));
}

/** A 1-layer model with one tensor of hidden² values, every float a random finite bit pattern, with Adam moments. */
function bigCheckpoint(hidden: number): Checkpoint {
  const config: ModelConfig = { cell: 'rnn', peephole: false, layers: 1, hidden, vocabSize: 5, embedding: 0, dropout: 0 };
  const model = createModel(config);
  const rng = createRng(11);
  fillBits(model.params.data as Float32Array, rng);
  const cfg = { ...defaultTrainConfig, batch: 2 };
  const state = newTrainState(model, cfg, rng.state());
  fillBits(state.opt.m as Float32Array, rng);
  fillBits(state.opt.v as Float32Array, rng);
  state.carry = new Float32Array(2 * hidden);
  fillBits(state.carry, rng);
  return {
    model, tokenizer: { level: 'char', lowercase: false, unkToken: null, sentence: 'line' },
    vocab: vocabFromTokens(['<EOS>', '<UNK>', 'a', 'b', 'c']), counts: null, meta: { big: 1 },
    training: { options: { hidden }, config: cfg, state },
  };
}

function refused(f: () => unknown, message: RegExp, hint?: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `not a CheckpointError: ${String(e)}`);
    assert.ok(e instanceof RnnlmError);
    assert.match(e.message, message);
    assert.doesNotMatch(e.message, /[\n\r\u2028\u2029]/, 'one line');
    assert.ok(e.hint && e.hint.length > 0, 'has a hint');
    if (hint) assert.match(e.hint!, hint);
    return true;
  });
}

// ── writing in chunks ───────────────────────────────────────────────────────

for (const v of VARIANTS) {
  for (const withTraining of [false, true]) {
    test(`chunks: the documented text, for ${variantName(v)}, ${withTraining ? 'with' : 'without'} training state`, () => {
      const ck = makeCheckpoint(v, withTraining, 7);
      const text = chunksOf(ck).join('');
      assert.equal(text, expectedText(ck));
      assert.equal(serializeCheckpoint(ck), text);
    });
  }
}

test('a tensor of 1.5M floats (and its Adam moments) is written in slices: no chunk over 4 MiB characters', () => {
  const ck = bigCheckpoint(1225); // weight_hh_l0 is 1225² = 1,500,625 floats: 8 MB of base64
  assert.ok(ck.model.layout.tensors.some((t) => 4 * Math.ceil((4 * t.size) / 3) > MAX_CHUNK));
  const chunks = chunksOf(ck);
  const text = chunks.join('');
  assert.equal(text, expectedText(ck));
  assert.ok(chunks.length >= 3 * Math.ceil(text.length / (3 * MAX_CHUNK)), 'params, m and v each in several chunks');
  const back = parseCheckpointBytes(bytesOfChunks(chunks));
  assertSameCheckpoint(back, ck);
});

test('everything is checked when serializeCheckpointChunks is called, before any chunk; the base64 is made while iterating', () => {
  const bad = makeCheckpoint(VARIANTS[2]!, true);
  bad.model.params.views['decoder.weight']![4] = -Infinity;
  refused(() => serializeCheckpointChunks(bad), /^cannot write the checkpoint: tensor decoder\.weight holds -Infinity at index 4$/);
  const vocab = makeCheckpoint(VARIANTS[2]!, false);
  vocab.vocab = vocabFromTokens(['<EOS>', '<UNK>', 'a', 'b', 'c d']);
  refused(() => serializeCheckpointChunks(vocab), /^cannot write the checkpoint: vocabulary token "c d" \(id 4\) holds whitespace/);

  // the values are read as the chunks are taken: a change after the call shows in the text
  const ck = makeCheckpoint(VARIANTS[0]!, false);
  const chunks = serializeCheckpointChunks(ck);
  ck.model.params.views['decoder.bias']!.fill(0.5);
  const j = JSON.parse([...chunks].join(''));
  assert.equal(j.tensors.at(-1).data, Buffer.from(Float32Array.from([0.5, 0.5, 0.5, 0.5, 0.5]).buffer).toString('base64'));
});

test('long strings and long lines are cut into chunks, never between the halves of a surrogate pair', () => {
  const ck = makeCheckpoint(VARIANTS[0]!, false);
  ck.meta['emoji'] = `x${'😀'.repeat(1_500_001)}`; // 3,000,003 UTF-16 units: pairs straddle every even cut
  const chunks = chunksOf(ck);
  const text = chunks.join('');
  assert.equal(text, expectedText(ck));
  assert.deepEqual(bytesOfChunks(chunks), Buffer.from(text, 'utf8'), 'encoding chunk by chunk = encoding the whole');

  // a word-level vocabulary whose one-line token list is 6M characters
  const n = 100_000;
  const word = (i: number): string => `w${String(i).padStart(55, '0')}`;
  const tokens = ['<EOS>', '<UNK>', ...Array.from({ length: n }, (_, i) => word(i))];
  const model = createModel({ cell: 'rnn', peephole: false, layers: 1, hidden: 1, vocabSize: tokens.length, embedding: 0, dropout: 0 });
  const wide: Checkpoint = {
    model, tokenizer: { level: 'word', lowercase: false, unkToken: null, sentence: 'line' },
    vocab: vocabFromTokens(tokens), counts: null, training: null, meta: {},
  };
  const wc = chunksOf(wide);
  assert.equal(wc.join(''), expectedText(wide));
  assert.equal(parseCheckpointBytes(bytesOfChunks(wc)).vocab.tokens[n + 1], word(n - 1));
});

// ── reading bytes ───────────────────────────────────────────────────────────

for (const v of VARIANTS) {
  test(`bytes: parseCheckpointBytes reads back bit for bit, as parseCheckpoint does: ${variantName(v)}`, () => {
    const ck = makeCheckpoint(v, true, 9);
    ck.meta['note'] = 'é😀 \u2028 "quoted"';
    const chunks = chunksOf(ck);
    const bytes = bytesOfChunks(chunks);
    const fromBytes = parseCheckpointBytes(bytes);
    assertSameCheckpoint(fromBytes, ck);
    assertSameCheckpoint(parseCheckpoint(chunks.join('')), fromBytes);
    assert.equal(serializeCheckpoint(fromBytes), chunks.join(''));
    // bytes inside a larger buffer (a view at an offset), and widened to float64
    const framed = new Uint8Array(bytes.length + 10);
    framed.set(bytes, 3);
    assertSameCheckpoint(parseCheckpointBytes(framed.subarray(3, 3 + bytes.length)), ck);
    const wide = parseCheckpointBytes(bytes, float64Backend);
    assert.ok(wide.model.params.data instanceof Float64Array && wide.training!.state.opt.v instanceof Float64Array);
    assert.equal(serializeCheckpoint(wide), chunks.join(''));
  });
}

test('bytes: a leading UTF-8 byte order mark is skipped (as decoding the file did); the text reader still refuses one', () => {
  const ck = makeCheckpoint(VARIANTS[1]!, true);
  const text = serializeCheckpoint(ck);
  assertSameCheckpoint(parseCheckpointBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])), ck);
  refused(() => parseCheckpoint(`\ufeff${text}`), /^checkpoint is not valid JSON \(unexpected "\ufeff" /);
});

test('bytes: empty, blank, not JSON, cut short: the messages the text reader gives', () => {
  const text = serializeCheckpoint(makeCheckpoint(VARIANTS[0]!, false));
  refused(() => parseCheckpointBytes(new Uint8Array(0)), /^checkpoint is not valid JSON \(unexpected end of the text/, /empty/);
  refused(() => parseCheckpointBytes(enc.encode(' \n\t ')), /^checkpoint is not valid JSON/, /empty/);
  refused(() => parseCheckpointBytes(enc.encode('model weights\n')), /^checkpoint is not valid JSON \(unexpected "m" where a value should be at line 1, column 1\)$/, /truncated/);
  refused(() => parseCheckpointBytes(enc.encode(text.slice(0, 500))), /^checkpoint is not valid JSON \(unexpected end of the text/, /truncated/);
  refused(() => parseCheckpointBytes(enc.encode(`${text}x`)), /^checkpoint is not valid JSON \(unexpected "x" after the JSON value/);
  refused(() => parseCheckpointBytes('{}' as unknown as Uint8Array), /^checkpoint bytes should be a Uint8Array, got string$/);
  refused(() => parseCheckpoint(`{"format": "rnnlm-checkpoint", "x": "\ud83d"}`), /^checkpoint text holds a lone surrogate \(U\+D83D at character 37\)/);
});

// ── nesting ─────────────────────────────────────────────────────────────────

/** The checkpoint's text with training.options holding `depth` nested objects more ({"a": {"a": … {}}}). */
function withNestedOptions(text: string, depth: number): string {
  return text.replace('"options": {', `"options": {"deep": ${'{"a": '.repeat(depth - 1)}{}${'}'.repeat(depth - 1)},`);
}

test('nesting: 10,000 levels in training.options, or 100,000 arrays, is one CheckpointError line, not a stack overflow', () => {
  const text = serializeCheckpoint(makeCheckpoint(VARIANTS[4]!, true));
  const deep = withNestedOptions(text, 10_000);
  for (const read of [() => parseCheckpoint(deep), () => parseCheckpointBytes(enc.encode(deep))]) {
    refused(read, /^not an rnnlm checkpoint \(its JSON nests deeper than 64 levels: line \d+, column \d+, inside training\.options\.deep…\)$/, /written by `rnnlm train`/);
  }
  const arrays = '['.repeat(100_000) + ']'.repeat(100_000);
  refused(() => parseCheckpoint(arrays), /^not an rnnlm checkpoint \(its JSON nests deeper than 64 levels: line 1, column 65\)$/);
  refused(() => parseCheckpointBytes(enc.encode(arrays)), /^not an rnnlm checkpoint \(its JSON nests deeper than 64 levels/);
});

test('nesting: a file 64 levels deep reads and writes back; 65 is refused', () => {
  const ck = makeCheckpoint(VARIANTS[4]!, true);
  const text = serializeCheckpoint(ck);
  // the file's object, training, options: "deep" at level 4, so 61 nested objects reach level 64
  const ok = parseCheckpoint(withNestedOptions(text, 61));
  let o: unknown = ok.training!.options['deep'];
  let levels = 0;
  for (; o !== null && typeof o === 'object' && 'a' in o; o = (o as { a: unknown }).a) levels++;
  assert.equal(levels, 60);
  assert.deepEqual(o, {});
  const again = serializeCheckpoint(ok); // the writer accepts what the reader accepted
  assert.deepEqual(parseCheckpointBytes(enc.encode(again)).training!.options, ok.training!.options);
  refused(() => parseCheckpoint(withNestedOptions(text, 62)), /nests deeper than 64 levels/);
});

test('nesting: training.options deeper than the limit is refused when writing, however deep', () => {
  const nested = (levels: number): Record<string, unknown> => {
    const root: Record<string, unknown> = {};
    let o = root;
    for (let i = 1; i < levels; i++) o = (o['a'] = {}) as Record<string, unknown>;
    return root;
  };
  const ck = makeCheckpoint(VARIANTS[0]!, true);
  ck.training!.options = nested(62); // levels 3 … 64 of the file
  assert.deepEqual(parseCheckpoint(serializeCheckpoint(ck)).training!.options, nested(62));
  ck.training!.options = nested(63);
  refused(() => serializeCheckpoint(ck), /^cannot write the checkpoint: training\.options nests deeper than 62 levels/);
  ck.training!.options = nested(100_000);
  refused(() => serializeCheckpoint(ck), /^cannot write the checkpoint: training\.options (nests deeper|is not JSON)/);
});

// ── UTF-8 ───────────────────────────────────────────────────────────────────

test('bytes that are not UTF-8, anywhere in the file: "not an rnnlm checkpoint (not UTF-8 text …)"', () => {
  const text = serializeCheckpoint(makeCheckpoint(VARIANTS[2]!, true));
  const good = Buffer.from(text, 'utf8');
  const NOT_UTF8 = /^not an rnnlm checkpoint \(not UTF-8 text: byte 0x[0-9A-F]{2} at offset \d+\)$/;
  const at = (i: number, ...bytes: number[]) => Buffer.concat([good.subarray(0, i), Buffer.from(bytes), good.subarray(i + 1)]);
  const inString = good.indexOf('tiny.txt') + 1;
  const inData = good.indexOf('"data": "') + 12;
  const u = good.indexOf('ü'); // 0xC3 0xBC
  const cases: [string, Uint8Array][] = [
    ['0xFF in a string', at(inString, 0xff)],
    ['a stray continuation byte in tensor data', at(inData, 0x80)],
    ['an overlong form', at(inString, 0xc0, 0xae)],
    ['an encoded surrogate', at(inString, 0xed, 0xa0, 0x80)],
    ['a sequence cut short', Buffer.concat([good.subarray(0, u + 1), good.subarray(u + 2)])],
    ['Latin-1 instead of UTF-8', Buffer.from(text, 'latin1')],
    ['UTF-16', Buffer.from(`\ufeff${text}`, 'utf16le')],
    ['binary', Uint8Array.from({ length: 256 }, (_, i) => 255 - i)],
    ['invalid bytes after a syntax error', Buffer.concat([Buffer.from('{"format": nope '), Buffer.from([0xfe])])],
  ];
  for (const [name, bytes] of cases) {
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), TypeError, `${name}: really not UTF-8`);
    refused(() => parseCheckpointBytes(bytes), NOT_UTF8, /written by `rnnlm train`/);
  }
});

// ── vocabulary rules ────────────────────────────────────────────────────────

type Tok = { level: Level; sentence: SentenceMode; unkToken?: string | null };

/** The base checkpoint's text with its tokenizer set and vocabulary token 4 replaced. */
function textWith(tok: Tok, token4: string): string {
  const j = JSON.parse(serializeCheckpoint(makeCheckpoint(VARIANTS[0]!, false)));
  j.tokenizer = { ...j.tokenizer, level: tok.level, sentence: tok.sentence, unkToken: tok.unkToken ?? null };
  j.vocab.tokens[4] = token4;
  return JSON.stringify(j, null, 2);
}

function checkpointWith(tok: Tok, token4: string): Checkpoint {
  const ck = makeCheckpoint(VARIANTS[0]!, false);
  ck.tokenizer = { ...ck.tokenizer, level: tok.level, sentence: tok.sentence, unkToken: tok.unkToken ?? null };
  ck.vocab = vocabFromTokens(['<EOS>', '<UNK>', 'a', 'b', token4]);
  return ck;
}

const CHAR_LINE: Tok = { level: 'char', sentence: 'line' };
const WORD: Tok = { level: 'word', sentence: 'line', unkToken: '<unk>' };

const illegal: [Tok, string, RegExp][] = [
  [CHAR_LINE, '', /is empty; a char-level token is one character/],
  [CHAR_LINE, 'ab', /is 2 characters; a char-level token is one character/],
  [CHAR_LINE, '😀x', /is 2 characters/],
  [{ level: 'char', sentence: 'paragraph' }, '\r', /can never occur: the tokenizer reads a carriage return as a line break/],
  [{ level: 'char', sentence: 'file' }, '\ud800', /is a lone surrogate/],
  [CHAR_LINE, '\udc00', /is a lone surrogate/],
  [CHAR_LINE, '\ude00\ud83d', /holds a lone surrogate/],
  [CHAR_LINE, '\n', /can never occur: with tokenizer\.sentence "line" a line break ends the sentence/],
  [WORD, 'a b', /holds whitespace/],
  [WORD, '', /is empty/],
  [WORD, '\t', /holds whitespace/],
  [WORD, 'x\u00a0y', /holds whitespace/],
  [WORD, 'a\n', /holds whitespace/],
  [WORD, 'x\ud800', /holds a lone surrogate/],
];

const legal: [Tok, string][] = [
  [{ level: 'char', sentence: 'paragraph' }, '\n'],
  [{ level: 'char', sentence: 'file' }, '\n'],
  [CHAR_LINE, '😀'],
  [CHAR_LINE, ' '],
  [CHAR_LINE, '\t'],
  [CHAR_LINE, '\u2028'],
  [CHAR_LINE, '\ufeff'],
  [CHAR_LINE, '\u0301'],
  [{ level: 'char', sentence: 'line', unkToken: '<u n k>' }, 'c'], // unkToken is ignored at char level
  [WORD, "don't"],
  [WORD, '<'],
  [WORD, '😀'],
  [WORD, '3.14'],
  [{ level: 'word', sentence: 'file', unkToken: null }, 'x'],
];

test('vocabulary: every token the tokenizer can never produce is refused on read and on write, named', () => {
  for (const [tok, t, why] of illegal) {
    const quoted = JSON.stringify(t).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
    const named = new RegExp(`vocabulary token ${quoted} \\(id 4\\) `);
    const what = `${tok.level}/${tok.sentence} ${JSON.stringify(t)}`;
    for (const read of [() => parseCheckpoint(textWith(tok, t)), () => parseCheckpointBytes(enc.encode(textWith(tok, t)))]) {
      assert.throws(read, (e: unknown) => e instanceof CheckpointError && named.test(e.message) && why.test(e.message) && !/\n/.test(e.message), what);
    }
    refused(() => serializeCheckpoint(checkpointWith(tok, t)), new RegExp(`^cannot write the checkpoint: ${named.source}`));
  }
});

test('vocabulary: the tokens the tokenizer does produce are accepted', () => {
  for (const [tok, t] of legal) {
    const back = parseCheckpoint(serializeCheckpoint(checkpointWith(tok, t)));
    assert.equal(back.vocab.tokens[4], t, `${tok.level}/${tok.sentence} ${JSON.stringify(t)}`);
    assert.equal(parseCheckpointBytes(enc.encode(textWith(tok, t))).vocab.tokens[4], t);
  }
});

test('tokenizer.unkToken: empty (any level), or at word level with whitespace or a lone surrogate, is refused', () => {
  const cases: [Tok, RegExp][] = [
    [{ ...WORD, unkToken: 'a b' }, /^(cannot write the checkpoint: |checkpoint )tokenizer\.unkToken "a b" holds whitespace: the word-level tokenizer splits on whitespace first, so it could never match$/],
    [{ ...WORD, unkToken: '<unk>\n' }, /tokenizer\.unkToken "<unk>\\n" holds whitespace/],
    [{ ...WORD, unkToken: '' }, /tokenizer\.unkToken is empty/],
    [{ ...CHAR_LINE, unkToken: '' }, /tokenizer\.unkToken is empty/],
    [{ ...WORD, unkToken: '\ud800' }, /tokenizer\.unkToken "\\ud800" holds a lone surrogate/],
  ];
  for (const [tok, message] of cases) {
    refused(() => parseCheckpoint(textWith(tok, 'c')), message);
    refused(() => serializeCheckpoint(checkpointWith(tok, 'c')), message);
  }
});

test('every vocabulary the tokenizer builds, at every level and sentence mode, is written and read back', () => {
  const special = fc.constantFrom('\n', '\r', '\r\n', ' ', '\t', '\u00a0', '\u2028', '\ufeff', '😀', 'é', 'É', '<unk>', "'", '-', '.', '1');
  const text = fc.array(fc.oneof(special, fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 30 }).map((p) => p.join(''));
  fc.assert(fc.property(
    text, fc.constantFrom<Level>('char', 'word'), fc.constantFrom<SentenceMode>('line', 'paragraph', 'file'), fc.boolean(), fc.boolean(),
    (t, level, sentence, lowercase, unk) => {
      const tok = { level, lowercase, unkToken: unk ? '<unk>' : null };
      let vocab;
      try {
        vocab = buildVocab(countTokens(splitSentences(t, sentence), tok)).vocab;
      } catch {
        return; // no tokens at all
      }
      const model = createModel({ cell: 'gru', peephole: false, layers: 1, hidden: 1, vocabSize: vocab.tokens.length, embedding: 0, dropout: 0 });
      const ck: Checkpoint = { model, tokenizer: { ...tok, sentence }, vocab, counts: null, training: null, meta: {} };
      const back = parseCheckpointBytes(bytesOfChunks(chunksOf(ck)));
      assert.deepEqual(back.vocab.tokens, vocab.tokens);
      assert.deepEqual(bytesOf(back.model.params.data), bytesOf(model.params.data));
    },
  ), { numRuns: 200 });
});
