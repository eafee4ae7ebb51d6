/**
 * The checkpoint codec: bit-exact round trips for every cell kind (with and
 * without training state), a resumed run through a checkpoint that equals an
 * uninterrupted one, and one distinct CheckpointError for each way a file can
 * be wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { float64Backend } from '../../src/core/backend.js';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, CheckpointError, parseCheckpoint, serializeCheckpoint } from '../../src/checkpoint/codec.js';
import { RnnlmError } from '../../src/core/errors.js';
import { createModel, initModel, type ModelConfig } from '../../src/core/model.js';
import { createRng } from '../../src/core/rng.js';
import { defaultTrainConfig, newTrainState, train, type TrainConfig } from '../../src/core/train.js';
import { buildVocab } from '../../src/core/vocab.js';
import { countTokens, encodeCorpus, type TokenizerConfig } from '../../src/core/tokenize.js';
import { BATCH, H, TOKENS, VARIANTS, assertSameCheckpoint, bytesOf, makeCheckpoint, variantName } from './tiny-checkpoint.js';

/** base64 of little-endian float32, by node's Buffer: independent of the code under test. */
function f32(values: number[]): string {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeFloatLE(v, 4 * i));
  return b.toString('base64');
}

for (const v of VARIANTS) {
  for (const withTraining of [false, true]) {
    test(`round trip is bit-exact: ${variantName(v)}, ${withTraining ? 'with' : 'without'} training state`, () => {
      const ck = makeCheckpoint(v, withTraining);
      const text = serializeCheckpoint(ck);
      assert.ok(text.endsWith('}\n'));
      const back = parseCheckpoint(text);
      assertSameCheckpoint(back, ck);
      assert.equal(serializeCheckpoint(back), text, 'serialize ∘ parse is the identity on written text');
    });
  }
}

test('the file holds what docs/checkpoint.md says, tensors in layout order', () => {
  const ck = makeCheckpoint(VARIANTS[6]!, true); // 2-layer LSTM with peepholes, one-hot
  const j = JSON.parse(serializeCheckpoint(ck));
  assert.deepEqual(Object.keys(j), ['format', 'version', 'meta', 'config', 'tokenizer', 'vocab', 'tensors', 'training']);
  assert.equal(j.format, CHECKPOINT_FORMAT);
  assert.equal(j.version, CHECKPOINT_VERSION);
  assert.deepEqual(j.tensors.map((t: { name: string; shape: number[] }) => `${t.name} ${t.shape.join('x')}`), [
    'weight_ih_l0 12x5', 'weight_hh_l0 12x3', 'bias_ih_l0 12', 'bias_hh_l0 12', 'weight_peephole_l0 9',
    'weight_ih_l1 12x3', 'weight_hh_l1 12x3', 'bias_ih_l1 12', 'bias_hh_l1 12', 'weight_peephole_l1 9',
    'decoder.weight 5x3', 'decoder.bias 5',
  ]);
  // the data is little-endian float32, whatever this machine's byte order
  const bias = ck.model.params.views['decoder.bias']!;
  assert.equal(j.tensors[11].data, f32(Array.from(bias)));
  assert.equal(j.training.state.history[0].trainLoss, 'NaN');
  assert.equal(j.training.state.history[2].valLoss, 'Infinity');
  assert.deepEqual(j.training.state.rng, [1, 0, 0xffffffff, 123456789]);
  assert.equal(j.training.config.optimizer.kind, 'adam');
});

test('alloc64 widens the float32 values exactly, and writes back the same text', () => {
  const ck = makeCheckpoint(VARIANTS[2]!, true);
  const text = serializeCheckpoint(ck);
  const wide = parseCheckpoint(text, float64Backend);
  assert.ok(wide.model.params.data instanceof Float64Array);
  assert.ok(wide.training!.state.opt.m instanceof Float64Array);
  const a = ck.model.params.data, b = wide.model.params.data;
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `param ${i}`);
  assert.equal(serializeCheckpoint(wide), text);
});

test('N steps, save, load, M steps = N+M steps in one run, bit for bit', async () => {
  const tok: TokenizerConfig = { level: 'char', lowercase: false, unkToken: null };
  const lines = ['the cat sat', 'a dog ran far', 'cats nap', 'the sun is hot', 'we eat pears'];
  const { vocab } = buildVocab(countTokens(lines, tok));
  const corpus = encodeCorpus(lines, vocab, tok);
  const config: ModelConfig = { cell: 'lstm', peephole: true, layers: 2, hidden: 6, vocabSize: vocab.tokens.length, embedding: 4, dropout: 0.2 };
  const cfg: TrainConfig = { ...defaultTrainConfig, batch: 2, bptt: 5, epochs: 50, evalEvery: 3 };
  const start = () => {
    const model = createModel(config);
    const rng = createRng(5);
    initModel(model, rng);
    return { model, state: newTrainState(model, cfg, rng.state()) };
  };
  const whole = start();
  await train(whole.model, { train: corpus, val: corpus }, { ...cfg, maxSteps: 14 }, whole.state);

  const first = start();
  await train(first.model, { train: corpus, val: corpus }, { ...cfg, maxSteps: 8 }, first.state);
  const text = serializeCheckpoint({
    model: first.model, tokenizer: { ...tok, sentence: 'line' }, vocab, counts: null, meta: {},
    training: { options: {}, config: cfg, state: first.state },
  });
  const back = parseCheckpoint(text);
  assert.ok(back.training!.state.carry, 'the carried state is saved');
  await train(back.model, { train: corpus, val: corpus }, { ...back.training!.config, maxSteps: 14 }, back.training!.state);
  assert.deepEqual(bytesOf(back.model.params.data), bytesOf(whole.model.params.data));
  assert.deepEqual(bytesOf(back.training!.state.opt.m), bytesOf(whole.state.opt.m));
  assert.deepEqual(back.training!.state.rng, whole.state.rng);
});

// ── corruptions: each its own message ───────────────────────────────────────

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Case {
  name: string;
  /** Changes the parsed JSON of a valid checkpoint in place, or returns a replacement text. */
  edit: (j: Json, text: string) => void | string;
  message: RegExp;
  hint?: RegExp;
}

const tensor = (j: Json, name: string) => j.tensors.find((t: Json) => t.name === name);

// The base checkpoint: 2-layer LSTM, embedding 3, with training state (VARIANTS[5]).
const cases: Case[] = [
  { name: 'empty text', edit: () => '', message: /^checkpoint is not valid JSON/, hint: /empty/ },
  { name: 'not JSON', edit: () => 'model weights v2\n', message: /^checkpoint is not valid JSON \(/, hint: /truncated or is not an rnnlm checkpoint/ },
  { name: 'JSON cut short', edit: (_j, t) => t.slice(0, t.length - 200), message: /^checkpoint is not valid JSON/ },
  { name: 'JSON but not an object', edit: () => '[1, 2, 3]', message: /not an rnnlm checkpoint .*found a JSON array/ },
  { name: 'another JSON file', edit: () => '{"name": "rnnlm", "version": "0.1.0"}', message: /not an rnnlm checkpoint .*found no "format" field/ },
  { name: 'wrong format tag', edit: (j) => { j.format = 'torch'; }, message: /not an rnnlm checkpoint .*found "format": "torch"/ },
  {
    name: 'newer version', edit: (j) => { j.version = 2; },
    message: /^checkpoint has format version 2; this rnnlm reads version 1$/, hint: /^upgrade rnnlm or retrain$/,
  },
  { name: 'version missing', edit: (j) => { delete j.version; }, message: /no valid format version \(found none/ },
  { name: 'version a string', edit: (j) => { j.version = '1'; }, message: /no valid format version \(found "1"/ },
  { name: 'missing field', edit: (j) => { delete j.config.hidden; }, message: /^checkpoint field config\.hidden is missing$/ },
  { name: 'missing section', edit: (j) => { delete j.tokenizer; }, message: /^checkpoint field tokenizer is missing$/ },
  { name: 'wrong type', edit: (j) => { j.config.hidden = '3'; }, message: /config\.hidden should be a number, got "3"/ },
  { name: 'wrong enum value', edit: (j) => { j.tokenizer.level = 'byte'; }, message: /tokenizer\.level should be "char" or "word", got "byte"/ },
  { name: 'not an integer', edit: (j) => { j.tensors[1].shape[0] = 1.5; }, message: /tensors\[1\]\.shape\[0\] should be an integer, got 1\.5/ },
  { name: 'wrong dtype', edit: (j) => { j.tensors[0].dtype = 'float64'; }, message: /tensors\[0\]\.dtype should be "float32", got "float64"/ },
  { name: 'several problems', edit: (j) => { delete j.meta; j.config.layers = null; }, message: /meta is missing \(and 1 more problem\)/ },
  { name: 'meta not flat', edit: (j) => { j.meta.nested = { a: 1 }; }, message: /meta should be an object whose values are strings or numbers/ },
  {
    name: 'unknown cell kind', edit: (j) => { j.config.cell = 'transformer'; },
    message: /unknown cell kind "transformer" \(this rnnlm knows rnn, gru, gru-simple, lstm\)/, hint: /upgrade rnnlm/,
  },
  { name: 'config the core rejects (peepholes on a GRU)', edit: (j) => { j.config.cell = 'gru'; j.config.peephole = true; }, message: /config is invalid: peephole connections exist only for the LSTM/ },
  { name: 'config the core rejects (dropout 1)', edit: (j) => { j.config.dropout = 1; }, message: /config is invalid: dropout must be in \[0, 1\)/ },
  { name: 'config the core rejects (0 layers)', edit: (j) => { j.config.layers = 0; }, message: /config is invalid: layers, hidden and vocabSize must be positive integers/ },
  { name: 'specials not first', edit: (j) => { j.vocab.tokens = ['<UNK>', '<EOS>', 'a', 'b', 'ü']; }, message: /vocabulary must start with "<EOS>", "<UNK>", got \["<UNK>", "<EOS>"\]/ },
  { name: 'duplicate token', edit: (j) => { j.vocab.tokens[4] = 'a'; }, message: /vocabulary token "a" appears twice \(again at id 4\)/ },
  { name: 'vocabulary size ≠ config.vocabSize', edit: (j) => { j.vocab.tokens.push('c'); }, message: /vocabulary has 6 tokens but config\.vocabSize is 5/ },
  { name: 'counts of the wrong length', edit: (j) => { j.vocab.counts.pop(); }, message: /vocab\.counts has 4 entries for 5 vocabulary tokens/ },
  { name: 'negative count', edit: (j) => { j.vocab.counts[2] = -1; }, message: /vocab\.counts\[2\] should be at least 0, got -1/ },
  { name: 'missing tensor', edit: (j) => { j.tensors = j.tensors.filter((t: Json) => t.name !== 'weight_hh_l1'); }, message: /missing tensor weight_hh_l1 \(shape \[12, 3\]\)/ },
  { name: 'extra tensor', edit: (j) => { j.tensors.push({ name: 'bogus', shape: [1], dtype: 'float32', data: f32([1]) }); }, message: /unexpected tensor "bogus"/ },
  { name: 'tensor twice', edit: (j) => { j.tensors.push({ ...j.tensors[1] }); }, message: /has tensor weight_ih_l0 twice/ },
  {
    name: 'tensors out of order', edit: (j) => { [j.tensors[1], j.tensors[2]] = [j.tensors[2], j.tensors[1]]; },
    message: /tensors are out of order: position 1 holds weight_hh_l0, expected weight_ih_l0/,
  },
  {
    name: 'wrong shape', edit: (j) => { const t = tensor(j, 'decoder.weight'); t.shape = [3, 5]; },
    message: /tensor decoder\.weight has shape \[3, 5\]; the config needs \[5, 3\]/,
  },
  {
    name: 'tensor list of another config', edit: (j) => { j.config.layers = 1000000000; },
    message: /has 11 tensors; its config \(1000000000 lstm layers\) needs 4000000003/,
  },
  {
    name: 'truncated tensor data', edit: (j) => { const t = tensor(j, 'decoder.bias'); t.data = t.data.slice(0, 20); },
    message: /tensor decoder\.bias has 15 bytes; shape \[5\] needs 20 bytes \(5 float32\)/, hint: /truncated/,
  },
  {
    name: 'tensor data too long', edit: (j) => { const t = tensor(j, 'decoder.bias'); t.data = f32([1, 2, 3, 4, 5, 6]); },
    message: /tensor decoder\.bias has 24 bytes \(6 float32\); shape \[5\] needs 20 bytes/,
  },
  {
    name: 'base64 length not a multiple of 4', edit: (j) => { const t = tensor(j, 'decoder.bias'); t.data = t.data.slice(0, -1); },
    message: /tensor decoder\.bias has base64 of length 27, not a multiple of 4/,
  },
  {
    name: 'not base64', edit: (j) => { const t = tensor(j, 'bias_ih_l0'); t.data = `${t.data.slice(0, 8)}!${t.data.slice(9)}`; },
    message: /tensor bias_ih_l0 data is not base64: "!" at character 8/,
  },
  {
    name: 'NaN in a weight', edit: (j) => { const t = tensor(j, 'weight_hh_l0'); t.data = f32([0, 1, 2, NaN, ...Array(32).fill(0)]); },
    message: /tensor weight_hh_l0 holds NaN at index 3/, hint: /diverged/,
  },
  {
    name: 'Infinity in a weight', edit: (j) => { const t = tensor(j, 'decoder.bias'); t.data = f32([0, 0, 0, 0, -Infinity]); },
    message: /tensor decoder\.bias holds -Infinity at index 4/,
  },
  {
    name: 'optimizer moment of the wrong length', edit: (j) => { j.training.state.optimizer.m = f32([1, 2, 3]); },
    message: /training\.state\.optimizer\.m has 12 bytes \(3 float32\); \d+ parameters needs \d+ bytes/,
  },
  { name: 'NaN in an optimizer moment', edit: (j, t) => nanMoment(j, t), message: /training\.state\.optimizer\.v holds NaN at index 0/ },
  {
    name: 'Adam without moments', edit: (j) => { j.training.state.optimizer.m = null; j.training.state.optimizer.v = null; },
    message: /optimizer\.m and \.v are null, but training\.config\.optimizer\.kind is "adam"/,
  },
  { name: 'one moment only', edit: (j) => { j.training.state.optimizer.v = null; }, message: /optimizer has an m but no v/ },
  {
    name: 'carry of the wrong length', edit: (j) => { j.training.config.batch = 3; },
    message: /training\.state\.carry has 96 bytes \(24 float32\); 2 layers × batch 3 × hidden 3 \(a and c\) needs 144 bytes/,
  },
  { name: 'rng state of 3 numbers', edit: (j) => { j.training.state.rng.pop(); }, message: /training\.state\.rng should be the RNG state: 4 unsigned 32-bit integers, got an array of 3/ },
  { name: 'rng state beyond uint32', edit: (j) => { j.training.state.rng[2] = 2 ** 32; }, message: /training\.state\.rng should be the RNG state/ },
  { name: 'epoch seed out of range', edit: (j) => { j.training.state.epochSeed = -2; }, message: /training\.state\.epochSeed should be at least -1, got -2/ },
  {
    name: 'loss that is neither number nor NaN tag', edit: (j) => { j.training.state.history[0].trainLoss = 'nan'; },
    message: /training\.state\.history\[0\]\.trainLoss should be a number, or "NaN", "Infinity" or "-Infinity", got "nan"/,
  },
  { name: 'unknown optimizer', edit: (j) => { j.training.config.optimizer.kind = 'lion'; }, message: /training\.config\.optimizer\.kind should be "adam" or "sgd", got "lion"/ },
  { name: 'options not an object', edit: (j) => { j.training.options = ['--lr', '0.1']; }, message: /training\.options should be an object \(the training options\)/ },
];

function nanMoment(j: Json, _t: string): void {
  const n = j.tensors.reduce((s: number, t: Json) => s + t.shape.reduce((a: number, b: number) => a * b, 1), 0);
  j.training.state.optimizer.v = f32([NaN, ...Array(n - 1).fill(0)]);
}

const base = makeCheckpoint(VARIANTS[5]!, true);
const baseText = serializeCheckpoint(base);

for (const c of cases) {
  test(`corrupt checkpoint: ${c.name}`, () => {
    const j = JSON.parse(baseText);
    const replaced = c.edit(j, baseText);
    const text = typeof replaced === 'string' ? replaced : JSON.stringify(j);
    assert.throws(() => parseCheckpoint(text), (e: unknown) => {
      assert.ok(e instanceof CheckpointError, `not a CheckpointError: ${String(e)}`);
      assert.ok(e instanceof RnnlmError);
      assert.match(e.message, c.message);
      assert.doesNotMatch(e.message, /\n/, 'one line');
      assert.ok(e.hint && e.hint.length > 0, 'has a hint');
      if (c.hint) assert.match(e.hint!, c.hint);
      return true;
    });
  });
}

test('each corruption has its own message', () => {
  const messages = cases.map((c) => {
    const j = JSON.parse(baseText);
    const replaced = c.edit(j, baseText);
    try {
      parseCheckpoint(typeof replaced === 'string' ? replaced : JSON.stringify(j));
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  });
  const seen = new Map<string, string>();
  messages.forEach((m, i) => {
    assert.ok(!seen.has(m), `"${cases[i]!.name}" and "${seen.get(m)}" give the same message: ${m}`);
    seen.set(m, cases[i]!.name);
  });
});

test('a message quoting file text stays on one line', () => {
  const j = JSON.parse(baseText);
  j.tensors.push({ name: 'evil\nname', shape: [1], dtype: 'float32', data: f32([1]) });
  assert.throws(() => parseCheckpoint(JSON.stringify(j)), (e: Error) => e instanceof CheckpointError && !/\n/.test(e.message) && /evil\\nname/.test(e.message));
  assert.throws(() => parseCheckpoint('{\n\n"a"\n:\nx'), (e: Error) => e instanceof CheckpointError && !/\n/.test(e.message));
});

test('an unknown key is ignored; a huge declared size is refused before any allocation', () => {
  const j = JSON.parse(baseText);
  j.comment = 'added by hand';
  j.config.note = 'also ignored';
  assert.deepEqual(bytesOf(parseCheckpoint(JSON.stringify(j)).model.params.data), bytesOf(base.model.params.data));
  const k = JSON.parse(baseText);
  k.config.hidden = 2 ** 40;
  assert.throws(() => parseCheckpoint(JSON.stringify(k)), /tensor weight_ih_l0 has shape \[12, 3\]; the config needs \[4398046511104, 3\]/);
});

// ── writing ─────────────────────────────────────────────────────────────────

test('serialize refuses what a read would refuse, and drops a carry of another batch size', () => {
  const ck = makeCheckpoint(VARIANTS[0]!, true);
  ck.model.params.views['weight_hh_l0']![2] = NaN;
  assert.throws(() => serializeCheckpoint(ck), (e: Error) => e instanceof CheckpointError && /cannot write the checkpoint: tensor weight_hh_l0 holds NaN at index 2/.test(e.message));

  const ck2 = makeCheckpoint(VARIANTS[0]!, true);
  ck2.meta['bad'] = Infinity;
  assert.throws(() => serializeCheckpoint(ck2), /cannot write the checkpoint: field meta should be an object whose values are strings or numbers/);

  const ck3 = makeCheckpoint(VARIANTS[0]!, true);
  ck3.training!.state.opt.m = new Float32Array(3);
  assert.throws(() => serializeCheckpoint(ck3), /cannot write the checkpoint: training\.state\.optimizer\.m has 12 bytes/);

  const ck4 = makeCheckpoint(VARIANTS[0]!, true);
  ck4.training!.state.carry = new Float32Array(H * (BATCH + 1)); // saved under another batch size: train() ignores it
  assert.equal(parseCheckpoint(serializeCheckpoint(ck4)).training!.state.carry, null);

  const ck6 = makeCheckpoint(VARIANTS[0]!, true);
  ck6.training!.state.opt.v![5] = NaN;
  assert.throws(() => serializeCheckpoint(ck6), /cannot write the checkpoint: training\.state\.optimizer\.v holds NaN at index 5/);
  ck6.training!.state.opt.v![5] = Infinity; // v may overflow float32: allowed, and read back
  assert.equal(parseCheckpoint(serializeCheckpoint(ck6)).training!.state.opt.v![5], Infinity);

  // a float64 arena is judged after rounding to float32: 1e39 would be written as Infinity
  const wide = parseCheckpoint(serializeCheckpoint(makeCheckpoint(VARIANTS[0]!, false)), float64Backend);
  wide.model.params.views['decoder.bias']![1] = 1e39;
  assert.throws(() => serializeCheckpoint(wide), /tensor decoder\.bias holds Infinity at index 1/);

  const ck5 = makeCheckpoint(VARIANTS[0]!, false);
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  ck5.training = { ...makeCheckpoint(VARIANTS[0]!, true).training!, options: cyclic };
  assert.throws(() => serializeCheckpoint(ck5), /training\.options is not JSON/);
});

test('training options come back as JSON: undefined dropped, key order kept', () => {
  const ck = makeCheckpoint(VARIANTS[4]!, true);
  ck.training!.options = { z: 1, a: undefined, m: [1, 'x', null], nested: { deep: [true] } };
  const back = parseCheckpoint(serializeCheckpoint(ck));
  assert.deepEqual(Object.keys(back.training!.options), ['z', 'm', 'nested']);
  assert.deepEqual(back.training!.options, { z: 1, m: [1, 'x', null], nested: { deep: [true] } });
});

test('the vocabulary comes back with its index and the specials at 0 and 1', () => {
  const back = parseCheckpoint(baseText);
  assert.deepEqual(back.vocab.tokens, TOKENS);
  assert.equal(back.vocab.index.get('<EOS>'), 0);
  assert.equal(back.vocab.index.get('<UNK>'), 1);
  assert.equal(back.vocab.index.get('ü'), 4);
});
