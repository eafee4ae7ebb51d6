/**
 * The tagger's checkpoint (checkpoint/tagger-codec.ts): a round trip keeps
 * every float bit for bit (random float32 bit patterns, subnormals and −0
 * included) and every field; each hand edit of a file (a wrong shape, a NaN,
 * a missing tensor, a label count that does not fit, vocabularies that do
 * not fit) is one CheckpointError of one line naming what is wrong; a
 * language model's file and a tagger's are each refused by the other's
 * reader, saying what the file is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/core/rng.js';
import { createTagger, type TaggerConfig } from '../../src/core/tagger.js';
import { defaultTaggerTrainConfig, newTaggerTrainState } from '../../src/core/tagger-train.js';
import { CheckpointError } from '../../src/checkpoint/errors.js';
import { parseCheckpoint, serializeCheckpoint } from '../../src/checkpoint/codec.js';
import { parseTagger, parseTaggerBytes, serializeTagger, serializeTaggerChunks, tagVocab, type TaggerCheckpoint } from '../../src/checkpoint/tagger-codec.js';
import { bytesOf, fillBits, makeCheckpoint, VARIANTS } from './tiny-checkpoint.js';

const WORDS = ['<UNK>', 'Harry', 'met', 'the'];
const CHARS = ['<UNK>', 'H', 'a', 'e', 'm', 'r', 't', 'y', 'é'];
const LABELS = ['B-PER', 'I-PER', 'O'];

function makeTagger(config: Partial<TaggerConfig> = {}, withTraining = true, seed = 1): TaggerCheckpoint {
  const rng = createRng(seed);
  const c: TaggerConfig = {
    cell: 'lstm', peephole: true, layers: 2, hidden: 3, vocabSize: WORDS.length, embedding: 4, labels: LABELS.length, dropout: 0.25,
    chars: { vocabSize: CHARS.length, embedding: 2, hidden: 2 }, ...config,
  };
  const tagger = createTagger(c);
  for (const t of tagger.layout.tensors) fillBits(tagger.params.views[t.name] as Float32Array, rng);
  const ck: TaggerCheckpoint = {
    tagger, words: tagVocab(WORDS, [0, 3, 1, 7]), chars: c.chars ? tagVocab(CHARS) : null, labels: LABELS,
    data: { format: 'conll', label: -1 }, tokenizer: { lowercase: false, maxWordChars: 20 }, training: null,
    meta: { createdBy: 'rnnlm', train: 'ner.txt', seconds: 2.5 },
  };
  if (!withTraining) return ck;
  const cfg = { ...defaultTaggerTrainConfig, batch: 4, batchWords: 160, wordDropout: 0.1, maxTimeMs: 60000 };
  const state = newTaggerTrainState(tagger, cfg, rng.state());
  fillBits(state.opt.m as Float32Array, rng);
  fillBits(state.opt.v as Float32Array, rng);
  Object.assign(state, {
    step: 17, epoch: 2, batchInEpoch: 3, epochSeed: 0xfffffffe, rng: [1, 0, 0xffffffff, 123456789], bestDevAccuracy: 0.875, bestStep: 15,
    evalsSinceBest: 1, tokensSeen: 4242, elapsedMs: 1234.5,
    history: [
      { step: 10, epoch: 1, tokensSeen: 2000, trainLoss: NaN, devAccuracy: null, devScore: null, lr: 2e-3, elapsedMs: 500 },
      { step: 15, epoch: 2, tokensSeen: 3000, trainLoss: 2.5, devAccuracy: 0.875, devScore: 0.5, lr: 2e-3, elapsedMs: 900.25 },
    ],
  });
  state.opt.step = 17;
  ck.training = { options: { hidden: 3, seed: 1, label: '-1', maxTime: '1m' }, config: cfg, state };
  return ck;
}

function assertSame(got: TaggerCheckpoint, want: TaggerCheckpoint): void {
  assert.deepEqual(got.tagger.config, want.tagger.config);
  assert.deepEqual(got.tagger.layout, want.tagger.layout);
  assert.deepEqual(bytesOf(got.tagger.params.data as Float32Array), bytesOf(want.tagger.params.data as Float32Array), 'parameter bytes');
  assert.deepEqual(got.words.tokens, want.words.tokens);
  assert.deepEqual(got.words.counts, want.words.counts);
  assert.deepEqual(got.chars?.tokens ?? null, want.chars?.tokens ?? null);
  assert.deepEqual(got.labels, want.labels);
  assert.deepEqual(got.data, want.data);
  assert.deepEqual(got.tokenizer, want.tokenizer);
  assert.deepEqual(got.meta, want.meta);
  if (!want.training) return assert.equal(got.training, null);
  const g = got.training!, w = want.training;
  assert.deepEqual(g.options, w.options);
  assert.deepEqual(g.config, w.config);
  const { opt: go, history: gh, ...gs } = g.state;
  const { opt: wo, history: wh, ...ws } = w.state;
  assert.deepEqual(gs, ws);
  assert.equal(go.step, wo.step);
  assert.deepEqual(bytesOf(go.m as Float32Array), bytesOf(wo.m as Float32Array), 'Adam m bytes');
  assert.deepEqual(bytesOf(go.v as Float32Array), bytesOf(wo.v as Float32Array), 'Adam v bytes');
  assert.deepEqual(gh, wh);
}

test('round trip: every float bit for bit and every field, with and without chars and training state, 1 and 2 layers, each cell', () => {
  const cases: [string, TaggerCheckpoint][] = [
    ['2-layer LSTM with peepholes and chars, training state', makeTagger()],
    ['1-layer GRU without chars, no training state', makeTagger({ cell: 'gru', peephole: false, layers: 1, chars: null }, false, 2)],
    ['rnn with chars', makeTagger({ cell: 'rnn', peephole: false, layers: 1 }, true, 3)],
    ['gru-simple with chars', makeTagger({ cell: 'gru-simple', peephole: false, layers: 2 }, true, 4)],
  ];
  for (const [what, ck] of cases) {
    const text = serializeTagger(ck);
    const back = parseTagger(text);
    assertSame(back, ck);
    assert.equal(serializeTagger(back), text, `${what}: written again, the same text`);
    assert.equal([...serializeTaggerChunks(ck)].join(''), text);
    assertSame(parseTaggerBytes(new TextEncoder().encode('\ufeff' + text)), ck);
  }
});

test('the file names its tensors as tagger.ts (PyTorch names, _reverse for the reverse direction), in layout order', () => {
  const json = JSON.parse(serializeTagger(makeTagger({ peephole: false, layers: 1 }, false))) as { format: string; version: number; tensors: { name: string; shape: number[] }[] };
  assert.equal(json.format, 'rnnlm-tagger');
  assert.equal(json.version, 1);
  const H = 3, G = 4, E = 4, Hc = 2, Ec = 2;
  assert.deepEqual(json.tensors.map((t) => [t.name, t.shape]), [
    ['embedding.weight', [WORDS.length, E]],
    ['char_embedding.weight', [CHARS.length, Ec]],
    ['char_rnn.weight_ih_l0', [G * Hc, Ec]], ['char_rnn.weight_hh_l0', [G * Hc, Hc]], ['char_rnn.bias_ih_l0', [G * Hc]], ['char_rnn.bias_hh_l0', [G * Hc]],
    ['char_rnn.weight_ih_l0_reverse', [G * Hc, Ec]], ['char_rnn.weight_hh_l0_reverse', [G * Hc, Hc]], ['char_rnn.bias_ih_l0_reverse', [G * Hc]], ['char_rnn.bias_hh_l0_reverse', [G * Hc]],
    ['weight_ih_l0', [G * H, E + 2 * Hc]], ['weight_hh_l0', [G * H, H]], ['bias_ih_l0', [G * H]], ['bias_hh_l0', [G * H]],
    ['weight_ih_l0_reverse', [G * H, E + 2 * Hc]], ['weight_hh_l0_reverse', [G * H, H]], ['bias_ih_l0_reverse', [G * H]], ['bias_hh_l0_reverse', [G * H]],
    ['classifier.weight', [LABELS.length, 2 * H]], ['classifier.bias', [LABELS.length]],
  ]);
});

/** The file as a JSON value, edited by `edit`, then read: the one-line CheckpointError it gives. */
function damaged(edit: (f: Record<string, any>) => void, ck = makeTagger()): string {
  const f = JSON.parse(serializeTagger(ck)) as Record<string, any>;
  edit(f);
  try {
    parseTagger(JSON.stringify(f));
  } catch (err) {
    assert.ok(err instanceof CheckpointError, `a CheckpointError, got ${String(err)}`);
    assert.ok(!/\n/.test(err.message) && !/\n/.test(err.hint ?? ''), 'one line');
    return err.message;
  }
  assert.fail('the damaged file was read');
}

/** base64 of little-endian float32 values. */
function b64(values: number[]): string {
  return Buffer.from(new Uint8Array(new Float32Array(values).buffer)).toString('base64');
}

test('hand-edited files: each problem one line naming it', () => {
  const tensor = (f: Record<string, any>, name: string) => f['tensors'].find((t: { name: string }) => t.name === name);
  // a wrong shape (and the data that goes with it)
  assert.match(damaged((f) => { const t = tensor(f, 'classifier.bias'); t.shape = [4]; t.data = b64([0, 0, 0, 0]); }), /tensor classifier\.bias has shape \[4\]; the config needs \[3\]/);
  // NaN and infinity in a weight
  assert.match(damaged((f) => { tensor(f, 'classifier.bias').data = b64([0, NaN, 0]); }), /tensor classifier\.bias holds NaN at index 1/);
  assert.match(damaged((f) => { tensor(f, 'weight_hh_l1').data = b64(Array.from({ length: 36 }, (_, i) => (i === 5 ? -Infinity : 0))); }), /tensor weight_hh_l1 holds -Infinity at index 5/);
  // a missing tensor, an extra one, two swapped
  assert.match(damaged((f) => { f['tensors'] = f['tensors'].filter((t: { name: string }) => t.name !== 'weight_ih_l1_reverse'); }), /missing tensor weight_ih_l1_reverse \(shape \[12, 6\]\)/);
  assert.match(damaged((f) => { f['tensors'].push({ ...tensor(f, 'classifier.bias'), name: 'crf.transitions' }); }), /unexpected tensor "crf\.transitions"/);
  assert.match(damaged((f) => { const t = f['tensors']; [t[0], t[1]] = [t[1], t[0]]; }), /out of order: position 0 holds char_embedding\.weight, expected embedding\.weight/);
  // the label count: one label more than the classifier has rows, or config.labels alone changed
  assert.match(damaged((f) => { f['labels'].push('B-LOC'); }), /labels has 4 entries but config\.labels is 3/);
  assert.match(damaged((f) => { f['config'].labels = 4; f['labels'].push('B-LOC'); }), /tensor classifier\.weight has shape \[3, 6\]; the config needs \[4, 6\]/);
  assert.match(damaged((f) => { f['labels'][2] = 'B-PER'; }), /labels holds "B-PER" twice/);
  // vocabularies that do not fit
  assert.match(damaged((f) => { f['words'].tokens.pop(); f['words'].counts.pop(); }), /words\.tokens has 3 words but config\.vocabSize is 4/);
  assert.match(damaged((f) => { f['words'].tokens[0] = 'UNK'; }), /words\.tokens\[0\] should be "<UNK>"/);
  assert.match(damaged((f) => { f['chars'].tokens.push('ab'); }), /chars\.tokens\[9\] "ab" is not one character/);
  assert.match(damaged((f) => { f['chars'] = null; }), /config\.chars but no chars vocabulary/);
  // types, ranges and sections
  assert.match(damaged((f) => { f['config'].hidden = 'three'; }), /tagger field config\.hidden should be a number, got "three"/);
  assert.match(damaged((f) => { delete f['labels']; }), /tagger field labels is missing/);
  assert.match(damaged((f) => { f['config'].cell = 'transformer'; }), /unknown cell kind "transformer"/);
  assert.match(damaged((f) => { f['data'].label = 'lemmas'; f['data'].format = 'conllu'; }), /data\.label "lemmas" is not a label column of CoNLL-U/);
  assert.match(damaged((f) => { f['training'].state.optimizer.m = b64([1, 2]); }), /training\.state\.optimizer\.m has 8 bytes \(2 float32\)/);
  assert.match(damaged((f) => { f['training'].state.rng = [0, 0, 0, 0]; }), /training\.state\.rng/);
  assert.match(damaged((f) => { f['training'].config.lr = -1; }), /training\.config\.lr/);
  assert.match(damaged((f) => { f['version'] = 2; }), /tagger has format version 2; this rnnlm reads version 1/);
  assert.match(damaged((f) => { f['format'] = 'keras'; }), /not an rnnlm tagger \(expected "format": "rnnlm-tagger", found "format": "keras"\)/);
});

test('bytes that are not a tagger: one line, said of a tagger', () => {
  const err = (bytes: Uint8Array) => assert.throws(() => parseTaggerBytes(bytes), (e: unknown) => e instanceof CheckpointError && !/\n/.test(e.message) && /tagger/.test(e.message + (e.hint ?? '')));
  err(new Uint8Array(0));
  err(new TextEncoder().encode(serializeTagger(makeTagger()).slice(0, 500)));
  err(new Uint8Array([0xff, 0x00, 0x7b]));
});

test("a language model's file and a tagger's: each reader says what the file is and what to use", () => {
  const lm = serializeCheckpoint(makeCheckpoint(VARIANTS[5]!, false));
  assert.throws(() => parseTagger(lm), (e: unknown) => e instanceof CheckpointError && /this is a language model \(format "rnnlm-checkpoint"/.test(e.message) && /rnnlm tag train/.test(e.hint ?? ''));
  const tagger = serializeTagger(makeTagger());
  assert.throws(() => parseCheckpoint(tagger), (e: unknown) => e instanceof CheckpointError && /this is a tagger \(format "rnnlm-tagger"/.test(e.message) && /rnnlm tag predict/.test(e.hint ?? ''));
});

test('writing refuses what it could not read back: a NaN weight or moment, vocabularies that do not fit', () => {
  const nan = makeTagger();
  nan.tagger.params.views['bias_hh_l0']![2] = NaN;
  assert.throws(() => serializeTagger(nan), /cannot write the tagger: tensor bias_hh_l0 holds NaN at index 2/);
  const moment = makeTagger();
  moment.training!.state.opt.v![7] = NaN;
  assert.throws(() => serializeTagger(moment), /training\.state\.optimizer\.v holds NaN at index 7/);
  const short = makeTagger();
  short.labels = ['O'];
  assert.throws(() => serializeTagger(short), /cannot write the tagger: labels has 1 entries but config\.labels is 3/);
});
