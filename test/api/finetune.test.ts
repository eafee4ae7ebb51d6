/**
 * Fine-tuning (train(text, options, { initFrom })): a new run from a model's
 * weights, architecture, tokenizer and vocabulary. At step 0 the model is the
 * base model (ids and weights); with addTokens the vocabulary grows by the
 * corpus's new tokens, the old rows kept bit for bit and the new ones drawn as
 * a fresh model draws them (within its init ranges); the <UNK> rate in the
 * note is a hand count; options that would change the model are refused with
 * both values; the base checkpoint is never changed.
 */
import { ONE_HOT_INIT } from '../../src/core/model.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basicPlatform } from '../../src/api/platform.js';
import { train } from '../../src/api/train.js';
import { prepareTraining } from '../../src/api/setup.js';
import { trainOptionsSchema, type TrainOptionsInput } from '../../src/api/options.js';
import { inSentenceSet } from '../../src/api/novelty.js';
import { parseCheckpoint, serializeCheckpoint, type Checkpoint } from '../../src/checkpoint/codec.js';
import { OptionError } from '../../src/core/errors.js';
import type { Vec } from '../../src/core/kernels.js';

const BASE_TEXT = 'ab\nabc\nbca\ncab\n';
/** tokens a b d x a: 5, of which d and x (2) are not in the base vocabulary {a, b, c} */
const NEW_TEXT = 'abd\nxa\n';
const H = 6;

async function baseModel(extra: TrainOptionsInput = {}): Promise<Checkpoint> {
  const out = await train(basicPlatform(), BASE_TEXT, { hidden: H, layers: 1, maxSteps: 3, valFraction: 0, seed: 2, batch: 2, ...extra });
  // through the file, as a user's model would come
  return parseCheckpoint(serializeCheckpoint(out.checkpoint));
}

function setupFor(text: string, options: TrainOptionsInput, base: Checkpoint, addTokens: boolean) {
  const opts = trainOptionsSchema.parse(options);
  const given = new Set(Object.keys(options));
  return prepareTraining(text, opts, given, null, (k) => k, undefined, { from: base, addTokens });
}

const bits = (v: Vec, from = 0, to = v.length) => [...new Uint32Array(Float32Array.from(v.subarray(from, to)).buffer)];
const tensor = (ck: { model: Checkpoint['model'] }, name: string) => {
  const t = ck.model.layout.tensors.find((x) => x.name === name)!;
  return { t, v: ck.model.params.data.subarray(t.offset, t.offset + t.size) };
};

test('fine-tuning keeps the vocabulary: same ids, same weights at step 0, fresh optimizer and step count', async () => {
  for (const embedding of [0, 4]) {
    const base = await baseModel({ embedding });
    const s = setupFor(NEW_TEXT, { valFraction: 0, seed: 5 }, base, false);
    assert.deepEqual(s.vocab.tokens, base.vocab.tokens);
    assert.deepEqual(s.model.config, base.model.config);
    assert.deepEqual(bits(s.model.params.data), bits(base.model.params.data));
    assert.equal(s.state.step, 0);
    assert.equal(s.state.opt.step, 0);
    assert.ok([...s.state.opt.m!].every((x) => x === 0), 'Adam starts afresh');
    assert.deepEqual(s.state.history, []);
    assert.equal(s.tokenizer, base.tokenizer);
    // the <UNK> rate, by hand: d and x of a b d x a
    assert.ok(s.notes.some((n) => n.includes("2 of the corpus's 5 tokens (40.0%) are <UNK>")), s.notes.join(' | '));
    // the file's counts: the base corpus's plus the new one's (a: 4 + 2, b: 4 + 1, c: 3 + 0)
    const id = (t: string) => base.vocab.index.get(t)!;
    assert.deepEqual([id('a'), id('b'), id('c')].map((i) => s.counts![i]), [6, 5, 3]);
  }
});

test('addTokens: new tokens appended in code-point order, old rows equal bit for bit, new rows drawn as a fresh model does', async () => {
  for (const embedding of [0, 4]) {
    const base = await baseModel({ embedding });
    const V = base.vocab.tokens.length; // <EOS> <UNK> a b c
    assert.equal(V, 5);
    const s = setupFor(NEW_TEXT, { valFraction: 0 }, base, true);
    assert.deepEqual(s.vocab.tokens, [...base.vocab.tokens, 'd', 'x']);
    assert.equal(s.model.config.vocabSize, V + 2);
    assert.ok(s.notes.some((n) => n.includes("2 of the corpus's 5 tokens (40.0%) were <UNK>") && n.includes('2 new tokens added (vocabulary 5 → 7)')), s.notes.join(' | '));
    const k = 1 / Math.sqrt(H);
    // decoder: V rows of H, then 2 new rows
    const dw = tensor(s, 'decoder.weight'), bw = tensor(base, 'decoder.weight');
    assert.deepEqual(dw.t.shape, [V + 2, H]);
    assert.deepEqual(bits(dw.v, 0, V * H), bits(bw.v));
    const fresh = [...dw.v.subarray(V * H)];
    assert.ok(fresh.every((x) => Math.abs(x) <= k) && fresh.some((x) => x !== 0), 'new decoder rows within ±1/√H');
    const db = tensor(s, 'decoder.bias'), bb = tensor(base, 'decoder.bias');
    assert.deepEqual(bits(db.v, 0, V), bits(bb.v));
    assert.deepEqual([...db.v.subarray(V)], [0, 0], 'a fresh decoder bias is 0');
    if (embedding > 0) {
      const e = tensor(s, 'embedding.weight'), be = tensor(base, 'embedding.weight');
      assert.deepEqual(e.t.shape, [V + 2, embedding]);
      assert.deepEqual(bits(e.v, 0, V * embedding), bits(be.v));
      const rows = [...e.v.subarray(V * embedding)];
      // N(0, 1) (docs/checkpoint.md, Initialisation): not all zero, none beyond 6 standard deviations, not all within ±0.1
      assert.ok(rows.every((x) => Math.abs(x) < 6) && rows.some((x) => Math.abs(x) > 0.1), 'new embedding rows drawn from N(0, 1)');
      assert.deepEqual(bits(tensor(s, 'weight_ih_l0').v), bits(tensor(base, 'weight_ih_l0').v));
    } else {
      // one-hot input: weight_ih_l0 is [4H, V] → [4H, V + 2]; each row's first V columns are the old ones
      const w = tensor(s, 'weight_ih_l0'), bwi = tensor(base, 'weight_ih_l0');
      assert.deepEqual(w.t.shape, [4 * H, V + 2]);
      for (let r = 0; r < 4 * H; r++) {
        assert.deepEqual(bits(w.v, r * (V + 2), r * (V + 2) + V), bits(bwi.v, r * V, (r + 1) * V));
        const cols = [...w.v.subarray(r * (V + 2) + V, (r + 1) * (V + 2))];
        assert.ok(cols.every((x) => Math.abs(x) <= ONE_HOT_INIT), 'new columns within ±ONE_HOT_INIT, as a fresh one-hot model draws them');
      }
    }
    // every tensor whose shape does not depend on V: equal
    for (const name of ['weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']) assert.deepEqual(bits(tensor(s, name).v), bits(tensor(base, name).v), name);
    // the new tokens are ids now, not <UNK>
    assert.equal(s.train.unkCount + (s.val?.unkCount ?? 0), 0);
  }
});

test('addTokens with maxVocab adds the most frequent new tokens that fit; minCount drops rare ones', async () => {
  const base = await baseModel();
  // new tokens: e ×3, d ×2, x ×1
  const text = 'eed\nxde\n';
  const capped = setupFor(text, { valFraction: 0, maxVocab: 6 }, base, true);
  assert.deepEqual(capped.vocab.tokens.slice(5), ['e']);
  assert.ok(capped.notes.some((n) => n.includes('1 new token added (vocabulary 5 → 6), 2 others left as <UNK>')), capped.notes.join(' | '));
  const rare = setupFor(text, { valFraction: 0, minCount: 2 }, base, true);
  assert.deepEqual(rare.vocab.tokens.slice(5), ['d', 'e']);
});

test('fine-tuning refuses options that would change the model, with both values', async () => {
  const base = await baseModel();
  const refuse = (options: TrainOptionsInput, addTokens: boolean, re: RegExp) =>
    assert.throws(() => setupFor(NEW_TEXT, options, base, addTokens), (e: unknown) => e instanceof OptionError && re.test(e.message), JSON.stringify(options));
  refuse({ hidden: 16 }, false, /hidden 16 differs from its 6/);
  refuse({ hidden: 16, cell: 'gru' }, false, /cell "gru" differs from its "lstm"; hidden 16 differs from its 6/);
  refuse({ level: 'word' }, true, /level "word" differs from its "char"/);
  refuse({ sentence: 'file' }, false, /sentence "file" differs from its "line"/);
  refuse({ maxVocab: 10 }, false, /maxVocab would change the vocabulary, which fine-tuning keeps/);
  // the same values as the model's are fine, and training settings apply
  const s = setupFor(NEW_TEXT, { hidden: H, layers: 1, lr: 0.5, batch: 1, dropout: 0.25 }, base, false);
  assert.equal(s.cfg.lr, 0.5);
  assert.equal(s.cfg.batch, 1);
  assert.equal(s.model.config.dropout, 0.25);
});

test('train(): initFrom with resume, addTokens without initFrom or not a boolean, are refused', async () => {
  const base = await baseModel();
  await assert.rejects(train(basicPlatform(), NEW_TEXT, {}, { initFrom: base, resume: base }), /callbacks\.resume and callbacks\.initFrom cannot go together/);
  await assert.rejects(train(basicPlatform(), NEW_TEXT, {}, { addTokens: true }), /callbacks\.addTokens goes with initFrom only/);
  await assert.rejects(train(basicPlatform(), NEW_TEXT, {}, { initFrom: base, addTokens: 'yes' as unknown as boolean }), /callbacks\.addTokens must be true or false/);
  await assert.rejects(train(basicPlatform(), NEW_TEXT, {}, { initFrom: 'model.json' as unknown as Checkpoint }), /callbacks\.initFrom must be a model/);
});

test('train() with initFrom: a new run whose checkpoint keeps the vocabulary, counts steps from 0, and knows both corpora\'s sentences; the base is unchanged', async () => {
  const base = await baseModel();
  const before = bits(base.model.params.data);
  const out = await train(basicPlatform(), NEW_TEXT, { maxSteps: 2, valFraction: 0, batch: 1 }, { initFrom: base });
  assert.deepEqual(bits(base.model.params.data), before, 'the base model is not trained in place');
  const ck = out.checkpoint;
  assert.equal(ck.training!.state.step, 2);
  assert.deepEqual(ck.vocab.tokens, base.vocab.tokens);
  assert.notEqual(ck.meta['corpusFingerprint'], base.meta['corpusFingerprint']);
  assert.equal(ck.meta['corpusUnkRate'], 2 / 5);
  const ids = (w: string) => [...w].map((c) => ck.vocab.index.get(c) ?? 1);
  for (const w of ['ab', 'abc', 'bca', 'cab', 'abd', 'xa']) assert.ok(inSentenceSet(ck.trainSentences!, ids(w)), w);
  assert.equal(ck.trainSentences!.length, 2 * 6);
  // a model without training state can be fine-tuned too
  const bare = { ...base, training: null };
  const again = await train(basicPlatform(), NEW_TEXT, { maxSteps: 1, valFraction: 0, batch: 1 }, { initFrom: bare, addTokens: true });
  assert.deepEqual(again.checkpoint.vocab.tokens.slice(5), ['d', 'x']);
  // and the fine-tuned model resumes on its own corpus like any run
  const resumed = await train(basicPlatform(), NEW_TEXT, { maxSteps: 1 }, { resume: parseCheckpoint(serializeCheckpoint(ck)) });
  assert.equal(resumed.checkpoint.training!.state.step, 3);
});
