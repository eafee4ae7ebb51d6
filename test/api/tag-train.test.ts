/**
 * The tagger through the api (tagTrain, tagPredict, tagEvaluate) on Node's
 * platform (WebAssembly): a tiny CoNLL-U set learned to 100% and the best
 * checkpoint written through the FileSink; unseen words tagged by their
 * characters (a suffix decides the label: a tagger with chars gets them all,
 * one without cannot tell them apart); resume continues bit for bit (2 epochs
 * in one go = 1 + 1, and = 4 steps + the rest, with dropout and word dropout
 * drawing from the Rng); the distribution of every word; option and data
 * errors as one line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRng } from '../../src/core/rng.js';
import { DataError, OptionError } from '../../src/core/errors.js';
import { nodePlatform } from '../../src/node/platform.js';
import { tagTrain, type TagTrainOutcome } from '../../src/api/tag-train.js';
import { tagEvaluate, tagPredict } from '../../src/api/tag-predict.js';
import { parseTagger, serializeTagger, type TaggerCheckpoint } from '../../src/checkpoint/tagger-codec.js';
import type { FileSink } from '../../src/api/platform.js';
import type { TagTrainOptionsInput } from '../../src/api/tag-options.js';
import { repoPath } from '../helpers/paths.js';

const platform = nodePlatform({});
const tiny = readFileSync(repoPath('test/fixtures/tag/tiny.conllu'), 'utf8');
const small: TagTrainOptionsInput = { hidden: 16, embedding: 8, charEmbedding: 8, charHidden: 8, minCount: 1, lr: 0.02, dropout: 0, batch: 4 };

/** Files in memory: what the run wrote, by path. */
function memorySink(): { sink: FileSink; files: Map<string, string> } {
  const files = new Map<string, string>();
  const dec = new TextDecoder();
  return {
    files,
    sink: {
      write: async (path, content) => { files.set(path, [...content].map((c) => (typeof c === 'string' ? c : dec.decode(c))).join('')); },
      read: async (path) => (files.has(path) ? new TextEncoder().encode(files.get(path)) : null),
    },
  };
}

test('overfit: the tiny CoNLL-U set (17 words, 9 UPOS labels) learned to 100% token accuracy; the best tagger written holds it', async () => {
  const { sink, files } = memorySink();
  const r = await tagTrain(platform, { train: tiny, dev: tiny }, { ...small, epochs: 60 }, {}, { sink, best: 'best.json', last: 'last.json' });
  assert.equal(r.reason, 'epochs');
  assert.equal(r.bestDevAccuracy, 1);
  const best = parseTagger(files.get('best.json')!, platform.backend);
  assert.equal(best.training!.state.step, r.bestStep, 'the best file holds the best step');
  const e = tagEvaluate(platform, best, tiny);
  assert.deepEqual(e.accuracy, { correct: 17, total: 17, accuracy: 1 });
  assert.equal(e.sentences, 3);
  assert.equal(e.conlleval, null, 'UPOS labels are not chunk labels');
  assert.deepEqual(best.labels, ['ADJ', 'AUX', 'CCONJ', 'DET', 'NOUN', 'PRON', 'PROPN', 'PUNCT', 'VERB']);
  // the latest state, not the best, is the *.last file
  assert.ok(files.has('last.json'));
  assert.equal(parseTagger(files.get('last.json')!).training!.state.step, r.checkpoint.training!.state.step);
});

/** Words of a random stem and a suffix that decides the label (the stems of the two sets never meet). */
function suffixData(seed: number, sentences: number, avoid: ReadonlySet<string> = new Set()): { text: string; words: Set<string> } {
  const rng = createRng(seed);
  const C = 'bdfgklmnprstvz', V = 'aeiou';
  const SUFFIX: [string, string][] = [['ing', 'VERB'], ['ness', 'NOUN'], ['ful', 'ADJ']];
  const words = new Set<string>();
  let text = '';
  for (let s = 0; s < sentences; s++) {
    const n = 1 + rng.int(4);
    for (let i = 0; i < n; i++) {
      let w: string;
      do {
        let stem = '';
        for (let k = 0, len = 2 + rng.int(3); k < len; k++) stem += C[rng.int(C.length)]! + V[rng.int(V.length)]!;
        const [suffix, label] = SUFFIX[rng.int(3)]!;
        w = `${stem}${suffix}\t${label}`;
      } while (avoid.has(w.split('\t')[0]!));
      words.add(w.split('\t')[0]!);
      text += `${w}\n`;
    }
    text += '\n';
  }
  return { text, words };
}

test('unseen words: the char BiRNN reads the suffix that decides the label (100%); words alone cannot tell them apart', async () => {
  const train = suffixData(1, 80);
  const unseen = suffixData(2, 40, train.words);
  for (const w of unseen.words) assert.ok(!train.words.has(w));
  // every training word occurs once: with --min-count 2 the vocabulary is <UNK> alone, so only the characters tell words apart
  const opts = { ...small, minCount: 2, epochs: 25, batch: 8 };
  const withChars = await tagTrain(platform, { train: train.text, dev: unseen.text }, opts);
  assert.deepEqual(withChars.checkpoint.words.tokens, ['<UNK>']);
  const e = tagEvaluate(platform, withChars.checkpoint, unseen.text);
  assert.equal(e.unknownWords, e.words, 'every word of the unseen set is <UNK>');
  assert.equal(e.unknownAccuracy.accuracy, 1, `with chars: ${e.unknownAccuracy.correct} of ${e.unknownAccuracy.total}`);
  // without chars every word is the same input: at best the most frequent label (by position), far from 100%
  const wordsOnly = await tagTrain(platform, { train: train.text, dev: unseen.text }, { ...opts, chars: false });
  const w = tagEvaluate(platform, wordsOnly.checkpoint, unseen.text);
  assert.ok(w.accuracy.accuracy < 0.6, `words only: ${w.accuracy.accuracy}`);
});

/** The tagger's numbers, every byte: parameters, Adam's moments, the Rng, the step. */
function fingerprint(ck: TaggerCheckpoint) {
  const bytes = (a: ArrayBufferView | null) => (a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') : null);
  const s = ck.training!.state;
  return { params: bytes(ck.tagger.params.data), m: bytes(s.opt.m), v: bytes(s.opt.v), rng: s.rng, step: s.step, epoch: s.epoch, batchInEpoch: s.batchInEpoch, optStep: s.opt.step };
}

/** A checkpoint through its file (serialized and read back), as --resume reads it. */
const throughFile = (r: TagTrainOutcome) => parseTagger(serializeTagger(r.checkpoint), platform.backend);

test('resume is exact: 2 epochs in one go = 1 epoch + resume 1 = 4 steps + resume the rest (dropout and word dropout on)', async () => {
  const opts: TagTrainOptionsInput = { ...small, batch: 1, dropout: 0.3, wordDropout: 0.2, seed: 7 };
  const data = { train: tiny, dev: tiny };
  const whole = await tagTrain(platform, data, { ...opts, epochs: 2 });
  assert.equal(whole.checkpoint.training!.state.step, 6, '3 sentences, batch 1: 3 steps an epoch');
  const first = await tagTrain(platform, data, { ...opts, epochs: 1 });
  const rest = await tagTrain(platform, data, { ...opts, epochs: 2 }, { resume: throughFile(first) });
  assert.deepEqual(fingerprint(rest.checkpoint), fingerprint(whole.checkpoint));
  const part = await tagTrain(platform, data, { ...opts, epochs: 2, maxSteps: 4 });
  assert.equal(part.reason, 'max-steps');
  assert.equal(part.checkpoint.training!.state.batchInEpoch, 1, 'stopped inside the second epoch');
  const after = await tagTrain(platform, data, { epochs: 2 }, { resume: throughFile(part) });
  assert.deepEqual(fingerprint(after.checkpoint), fingerprint(whole.checkpoint));
  // and the seed matters
  const other = await tagTrain(platform, data, { ...opts, epochs: 2, seed: 8 });
  assert.notDeepEqual(fingerprint(other.checkpoint).params, fingerprint(whole.checkpoint).params);
});

test('early stop: --patience 3 stops 3 evaluations after the last improvement; the best is kept, and the stop reason said', async () => {
  const r = await tagTrain(platform, { train: tiny, dev: tiny }, { ...small, epochs: 500, patience: 3 });
  assert.equal(r.reason, 'early-stop');
  const h = r.checkpoint.training!.state.history;
  // one evaluation per epoch (one step each): the best, then three that do not beat it
  assert.equal(h.length, r.bestStep + 3);
  assert.equal(r.bestDevAccuracy, 1);
  for (const x of h.slice(-3)) assert.ok(x.devAccuracy! <= r.bestDevAccuracy!);
});

test('resume refuses another architecture, and says which settings changed', async () => {
  const first = await tagTrain(platform, tiny, { ...small, epochs: 1 });
  await assert.rejects(tagTrain(platform, tiny, { hidden: 32, cell: 'gru' }, { resume: first.checkpoint }),
    (e: unknown) => e instanceof OptionError && /cell "gru" differs from its "lstm"; hidden 32 differs from its 16/.test(e.message));
  const changed = await tagTrain(platform, tiny, { lr: 0.01, epochs: 2 }, { resume: throughFile(first) });
  assert.ok(changed.notes.some((n) => /changed training settings: lr 0\.01 \(was 0\.02\)/.test(n)), changed.notes.join('\n'));
});

test('tagPredict: a label and a distribution (summing to 1) for every word, <UNK> words included; the label is the most probable', async () => {
  const r = await tagTrain(platform, tiny, { ...small, epochs: 20 });
  const sentences = [['The', 'cat', 'sleeps', '.'], ['Zyx', 'likes', 'qqq'], []];
  const out = tagPredict(platform, r.checkpoint, sentences);
  const K = r.checkpoint.labels.length;
  assert.equal(out.length, 3);
  out.forEach((p, i) => {
    assert.deepEqual(p.words, sentences[i]);
    assert.equal(p.labels.length, sentences[i]!.length);
    assert.equal(p.distribution.length, sentences[i]!.length * K);
    p.labels.forEach((label, t) => {
      const row = Array.from(p.distribution.subarray(t * K, (t + 1) * K));
      // the log-probabilities are float32 (|log p| ≤ ~20, so each within ~1e-6 of the exact): the sum within 1e-5 of 1
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      const best = row.indexOf(Math.max(...row));
      assert.equal(label, r.checkpoint.labels[best]);
      assert.equal(p.probs[t], row[best]);
    });
  });
  assert.ok(!r.checkpoint.words.index.has('Zyx'));
  assert.deepEqual(tagPredict(platform, r.checkpoint, sentences), out, 'the same answer again (buffers reused)');
  assert.throws(() => tagPredict(platform, r.checkpoint, ['The cat'] as never), OptionError);
});

test('options and data: one-line errors naming the option or the file and line', async () => {
  await assert.rejects(tagTrain(platform, tiny, { hiden: 3 } as never), (e: unknown) => e instanceof OptionError && /unknown option hiden/.test(e.message) && /did you mean hidden/.test(e.hint ?? ''));
  await assert.rejects(tagTrain(platform, tiny, { hidden: 0 }), (e: unknown) => e instanceof OptionError && /^hidden must be a whole number from 1 to 4096 \(got 0\)$/.test(e.message));
  await assert.rejects(tagTrain(platform, tiny, { label: 'lemmas' }), (e: unknown) => e instanceof OptionError && /^label: "lemmas" is not a CoNLL-U column/.test(e.message));
  await assert.rejects(tagTrain(platform, tiny, { peephole: true, cell: 'gru' }), (e: unknown) => e instanceof OptionError && /peephole goes with cell lstm only/.test(e.message));
  const broken = tiny.replace('2\tcat\tcat', '7\tcat\tcat');
  await assert.rejects(tagTrain(platform, { train: broken, trainName: 'tiny.conllu' }, small),
    (e: unknown) => e instanceof DataError && /^tiny\.conllu line 5: word ID 7 where 2 was expected/.test(e.message));
  await assert.rejects(tagTrain(platform, '# only a comment\n', small), (e: unknown) => e instanceof DataError && /has no labelled sentences/.test(e.message));
  await assert.rejects(tagTrain(platform, { train: tiny, dev: 42 } as never, small), (e: unknown) => e instanceof OptionError && /data\.dev must be a string or bytes/.test(e.message));
});

test('tagPredict and tagEvaluate check the tagger as a file written from it would be: a copy with its labels cut, no tokenizer or no char vocabulary is one OptionError', async () => {
  const tiny = readFileSync(repoPath('test/fixtures/tag/tiny.conllu'), 'utf8');
  const { checkpoint: tg } = await tagTrain(nodePlatform({}), tiny, { hidden: 4, embedding: 4, charEmbedding: 2, charHidden: 2, maxSteps: 1, minCount: 1 });
  const p = nodePlatform({});
  assert.equal(tagPredict(p, tg, [['the', 'cat']])[0]!.labels.length, 2);
  for (const [bad, why] of [
    [{ ...tg, labels: tg.labels.slice(0, 3) }, /labels has 3 entries but config\.labels is \d+/],
    [{ ...tg, tokenizer: null }, /its tokenizer is null/],
    [{ ...tg, chars: null }, /has config\.chars but no chars vocabulary/],
  ] as const) {
    assert.throws(() => tagPredict(p, bad as unknown as TaggerCheckpoint, [['a']]), (e: unknown) => e instanceof OptionError && /tagPredict\(\)'s tagger is not a whole tagger/.test(e.message) && why.test(e.message));
    assert.throws(() => tagEvaluate(p, bad as unknown as TaggerCheckpoint, tiny), OptionError);
  }
});

test('tagEvaluate\'s options are checked as tagPredict\'s are: an object of known options (name a string, batch a number, not text), else one OptionError', async () => {
  const { checkpoint: tg } = await tagTrain(platform, tiny, { hidden: 4, embedding: 4, charEmbedding: 2, charHidden: 2, maxSteps: 1, minCount: 1 });
  const named = (re: RegExp) => (e: unknown) => e instanceof OptionError && re.test(e.message);
  for (const [bad, shown] of [[null, 'null'], [5, '5'], ['x', '"x"'], [[], 'an array of 0']] as const) {
    assert.throws(() => tagPredict(platform, tg, [['a']], bad as never), named(new RegExp(`^tagPredict\\(\\)'s options must be an object of option names and values \\(got ${shown.replace(/[()]/g, '\\$&')}\\)$`)));
    assert.throws(() => tagEvaluate(platform, tg, tiny, bad as never), named(new RegExp(`^tagEvaluate\\(\\)'s options must be an object of option names and values \\(got ${shown.replace(/[()]/g, '\\$&')}\\)$`)));
  }
  assert.throws(() => tagEvaluate(platform, tg, tiny, { name: 5 } as never), named(/^name must be text .*\(got 5\)$/));
  assert.throws(() => tagEvaluate(platform, tg, tiny, { batch: '2' } as never), named(/^batch must be a number, not the text "2"$/));
  assert.throws(() => tagEvaluate(platform, tg, tiny, { nmae: 'x' } as never), (e: unknown) => e instanceof OptionError && /^unknown option nmae$/.test(e.message) && /did you mean name\?/.test(e.hint ?? ''));
  assert.throws(() => tagEvaluate(platform, tg, '\n\n', { name: 'gold.conllu' }), (e: unknown) => e instanceof DataError && /^gold\.conllu has no labelled sentences$/.test(e.message));
  assert.equal(tagEvaluate(platform, tg, tiny, { batch: 2 }).sentences, tagEvaluate(platform, tg, tiny).sentences);
});

test('saveTagger refuses options as saveModel does: an object whose one option, modelOnly, is true or false', async () => {
  const { saveTagger } = await import('../../src/node/library.js');
  const r = await tagTrain(platform, { train: tiny }, { ...small, epochs: 1 });
  const p = repoPath('does-not-matter.json');
  await assert.rejects(saveTagger(r.checkpoint, p, { modelOnly: 'yes' } as never), (e: unknown) => e instanceof OptionError && /^saveTagger\(\)'s modelOnly must be true or false \(got "yes"\)$/.test(e.message));
  await assert.rejects(saveTagger(r.checkpoint, p, { modelonly: true } as never), (e: unknown) => e instanceof OptionError && /saveTagger\(\) has no option "modelonly"/.test(e.message));
  await assert.rejects(saveTagger(r.checkpoint, p, 'small' as never), (e: unknown) => e instanceof OptionError && /options must be an object/.test(e.message));
});

/**
 * A run stopped between scheduled evaluations evaluates once more at its last
 * step (its best file up to date); the uninterrupted run does not. With
 * --patience that closing evaluation must not count: a closing accuracy no
 * better than the best would otherwise bring the early stop forward in the
 * resumed run only. Every split point off the schedule (evalEvery 2) before
 * the one-piece run's early stop is tried.
 */
test('resume after a stop between scheduled evaluations = one run, early stop by --patience included; the best file keeps a better closing evaluation', async () => {
  const opts: TagTrainOptionsInput = { ...small, batch: 1, seed: 3, epochs: 200, evalEvery: 2, patience: 2 };
  const data = { train: tiny, dev: tiny };
  const whole = await tagTrain(platform, data, opts);
  assert.equal(whole.reason, 'early-stop');
  const end = whole.checkpoint.training!.state.step;
  let notBetter = 0;
  for (let n = 1; n < end; n += 2) {
    const first = await tagTrain(platform, data, { ...opts, maxSteps: n });
    assert.equal(first.checkpoint.training!.state.history.at(-1)!.step, n, `split at ${n}: evaluated at its last step`);
    if (first.bestStep !== n) notBetter++;
    const rest = await tagTrain(platform, data, opts, { resume: throughFile(first) });
    assert.equal(rest.reason, 'early-stop', `split at ${n}`);
    assert.deepEqual(fingerprint(rest.checkpoint), fingerprint(whole.checkpoint), `split at ${n}`);
    // the best file keeps the closing evaluation when it beat the one-piece run's best; the patience count never saw it
    const closing = first.checkpoint.training!.state.history.at(-1)!.devAccuracy!;
    const closingWins = closing > whole.bestDevAccuracy!;
    assert.deepEqual([rest.bestStep, rest.bestDevAccuracy], closingWins ? [n, closing] : [whole.bestStep, whole.bestDevAccuracy], `split at ${n}`);
  }
  assert.ok(notBetter > 0, 'some closing evaluation did not beat the best (the case that moved the stop)');
});

/**
 * Without --eval-every the tagger evaluates at the end of each epoch. A run stopped at an
 * epoch's last batch used to stop before the epoch's end, make a closing
 * evaluation there, and leave the resumed run to evaluate the same step again
 * (two records of one step, the second's trainLoss NaN). Now the stop waits
 * for the epoch's end: its evaluation is the scheduled one, made once.
 */
test('evaluation once per epoch (no --eval-every): a stop at an epoch\'s end is evaluated once, and the resumed run = one run', async () => {
  const opts: TagTrainOptionsInput = { ...small, batch: 1, seed: 3, epochs: 4 }; // no evalEvery: once per epoch (the core's evalEvery 0)
  const data = { train: tiny, dev: tiny };
  const whole = await tagTrain(platform, data, opts);
  const ends = whole.checkpoint.training!.state.history.map((h) => h.step);
  const per = ends[0]!;
  assert.deepEqual(ends, [1, 2, 3, 4].map((k) => k * per), 'one evaluation at the end of each epoch');
  for (const n of [per, 2 * per, 4 * per, per + 1]) {
    const first = await tagTrain(platform, data, { ...opts, maxSteps: n });
    const rest = await tagTrain(platform, data, opts, { resume: throughFile(first) });
    const hist = rest.checkpoint.training!.state.history;
    assert.deepEqual(hist.map((h) => h.step), n % per === 0 ? ends : [...ends, n].sort((a, b) => a - b), `split at ${n}: one record per evaluation`);
    assert.ok(hist.every((h) => Number.isFinite(h.trainLoss)), `split at ${n}: every record has a training loss`);
    assert.deepEqual(fingerprint(rest.checkpoint), fingerprint(whole.checkpoint), `split at ${n}`);
  }
});

/**
 * A signal before the first step stops the run at step 0, which evaluates
 * there (the best file). Step 0 is on no schedule, but 0 % evalEvery is 0: the
 * evaluation was counted as a scheduled one, so the untrained tagger's
 * accuracy became the best the patience count compares with, and the resumed
 * run stopped early where the one-piece run did not. With one label every
 * tagger is right on every word (accuracy 1 from step 0), so no evaluation
 * improves on the first: with --patience 2 and an evaluation every 2 steps
 * the one-piece run's first (scheduled) evaluation is at step 2 and it stops
 * at step 6; counting step 0, the resumed run stopped at step 4.
 */
test('a run stopped before its first step (signal at step 0), resumed = one run: the step-0 evaluation does not count towards --patience', async () => {
  const text = 'the\tX\ncat\tX\nsat\tX\n\na\tX\ndog\tX\n\nbirds\tX\nsing\tX\n';
  const data = { train: text, dev: text };
  const opts: TagTrainOptionsInput = { ...small, batch: 1, seed: 1, epochs: 200, evalEvery: 2, patience: 2 };
  const whole = await tagTrain(platform, data, opts);
  assert.deepEqual([whole.reason, whole.checkpoint.training!.state.history.map((h) => [h.step, h.devAccuracy])], ['early-stop', [[2, 1], [4, 1], [6, 1]]]);
  const first = await tagTrain(platform, data, opts, { signal: { aborted: true } });
  assert.equal(first.reason, 'interrupted');
  assert.deepEqual(first.checkpoint.training!.state.history.map((h) => [h.step, h.devAccuracy]), [[0, 1]], 'one evaluation, at step 0');
  const rest = await tagTrain(platform, data, opts, { resume: throughFile(first) });
  assert.equal(rest.reason, 'early-stop');
  assert.deepEqual(rest.checkpoint.training!.state.history.map((h) => h.step), [0, 2, 4, 6]);
  assert.deepEqual(fingerprint(rest.checkpoint), fingerprint(whole.checkpoint));
  assert.equal(rest.checkpoint.training!.state.evalsSinceBest, 2);
  // the best file: step 0's (the first of equal accuracies)
  assert.deepEqual([rest.bestStep, rest.bestDevAccuracy], [0, 1]);
});
