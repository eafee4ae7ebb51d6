/**
 * `--resume` honours or refuses every option: what would change the model,
 * the tokenizer or the data split is refused with both values named; training
 * settings are applied and said; another corpus is noticed (and refused when
 * the vocabulary does not cover it); every value read back from the
 * checkpoint is bounds-checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint } from '../../src/checkpoint/codec.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

const CORPUS = repoPath('corpora/sentences.txt');
const BASE = ['--hidden', '8', '--layers', '1', '--batch', '8', '--bptt', '8', '--threads', '1', '--samples', '0'];

async function trained(extra: string[] = [], corpus = CORPUS): Promise<{ dir: string; m: string }> {
  const dir = tempDir();
  const m = join(dir, 'm.json');
  const r = await runCli(['train', corpus, '-o', m, ...BASE, '--max-steps', '3', '-q', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return { dir, m: existsSync(join(dir, 'm.last.json')) ? join(dir, 'm.last.json') : m };
}

test('--resume refuses every option that changes the model, tokenizer or data split, naming both values', async () => {
  const { dir, m } = await trained();
  const out = join(dir, 'out.json');
  const cases: [string[], RegExp][] = [
    [['--cell', 'gru'], /--cell "gru" differs from its "lstm"/],
    [['--level', 'word'], /--level "word" differs from its "char"/],
    [['--embedding', '4'], /--embedding 4 differs from its 0/],
    [['--hidden', '9'], /--hidden 9 differs from its 8/],
    [['--layers', '2'], /--layers 2 differs from its 1/],
    [['--peephole'], /--peephole true differs from its false/],
    [['--lowercase'], /--lowercase true differs from its false/],
    [['--sentence', 'paragraph'], /--sentence "paragraph" differs from its "line"/],
    [['--max-vocab', '50'], /--max-vocab 50 differs from its 2000/],
    [['--min-count', '2'], /--min-count 2 differs from its 1/],
    [['--seed', '5'], /--seed 5 differs from its 1/],
    [['--val-fraction', '0.1'], /--val-fraction 0.1 differs from its 0.05/],
  ];
  for (const [args, why] of cases) {
    const r = await runCli(['train', CORPUS, '--resume', m, '-o', out, '--max-steps', '1', '-q', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(oneLineError(r.stderr), why);
  }
  assert.ok(!existsSync(out));
  // the same values, given again, are fine
  const same = await runCli(['train', CORPUS, '--resume', m, '-o', out, '--max-steps', '1', '-q', '--hidden', '8', '--cell', 'lstm', '--seed', '1', '--max-vocab', '2000']);
  assert.equal(same.code, 0, same.stderr);
});

test('--resume applies changed training settings and says so', async () => {
  const { dir, m } = await trained();
  const out = join(dir, 'out.json');
  const r = await runCli(['train', CORPUS, '--resume', m, '-o', out, '--max-steps', '2', '--samples', '0',
    '--lr', '0.01', '--batch', '4', '--bptt', '6', '--dropout', '0.25', '--clip', '1', '--optimizer', 'sgd', '--lr-decay', '0.5']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /resumed with changed training settings: .*--lr 0\.01 \(was 0\.002\)/);
  for (const s of ['--batch 4 (was 8)', '--bptt 6 (was 8)', '--dropout 0.25 (was 0)', '--clip 1 (was 5)', '--optimizer sgd (was adam)', '--lr-decay 0.5 (was 1)']) {
    assert.ok(r.stderr.includes(s), `${s} in ${r.stderr}`);
  }
  const last = existsSync(join(dir, 'out.last.json')) ? join(dir, 'out.last.json') : out;
  const ck = parseCheckpoint(readFileSync(last, 'utf8'));
  const c = ck.training!.config;
  assert.deepEqual([c.lr, c.batch, c.bptt, c.clip, c.optimizer.kind, c.lrDecay], [0.01, 4, 6, 1, 'sgd', 0.5]);
  assert.equal(ck.model.config.dropout, 0.25);
  assert.equal(ck.training!.state.opt.m, null);
  assert.equal(ck.training!.state.step, 5);
  assert.equal(ck.training!.options['lr'], 0.01);
});

test('--resume on another corpus: a note when the vocabulary covers it, a refusal when it does not', async () => {
  const { dir, m } = await trained();
  const out = join(dir, 'out.json');
  // the first half of the same text: other text, same characters
  const half = join(dir, 'half.txt');
  const lines = readFileSync(CORPUS, 'utf8').split('\n');
  writeFileSync(half, lines.slice(0, lines.length / 2).join('\n'));
  const near = await runCli(['train', half, '--resume', m, '-o', out, '--max-steps', '1', '--samples', '0', '--force']);
  assert.equal(near.code, 0, near.stderr);
  assert.match(near.stderr, /note: this corpus is not the one the checkpoint was trained on; 0\.0% of its tokens are <UNK>/);
  // text in another script: every character unknown
  const greek = join(dir, 'greek.txt');
  writeFileSync(greek, 'αβγδε ζηθ\nικλμν ξοπ\nρστυφ χψω\n'.repeat(20));
  const far = await runCli(['train', greek, '--resume', m, '-o', out, '--max-steps', '1', '--samples', '0', '--force']);
  assert.equal(far.code, 1, far.stderr);
  assert.match(oneLineError(far.stderr), /not the one the checkpoint was trained on: \d+\.\d% of its tokens are unknown .* — --resume continues a run on its own corpus/);
  // the same corpus: no note at all
  const same = await runCli(['train', CORPUS, '--resume', m, '-o', out, '--max-steps', '1', '--samples', '0', '--force']);
  assert.doesNotMatch(same.stderr, /not the one/);
});

test('--resume of a file-mode model on a 2-character (or 12-character) corpus: no NaN validation', async () => {
  const { dir, m } = await trained(['--sentence', 'file']);
  const tiny = join(dir, 'tiny.txt');
  writeFileSync(tiny, 'ab');
  for (const text of ['ab', 'the cat sat\n']) {
    writeFileSync(tiny, text);
    const r = await runCli(['train', tiny, '--resume', m, '-o', join(dir, 'out.json'), '--max-steps', '2', '--samples', '0', '--eval-every', '1', '--force']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /NaN/);
  }
});

test('--resume refuses a checkpoint whose saved options are out of range (hand-edited)', async () => {
  const { dir, m } = await trained();
  const text = readFileSync(m, 'utf8');
  for (const [field, value, why] of [['valFraction', 5, /valFraction is 5/], ['seed', '"abc"', /seed is "abc"/], ['maxVocab', -3, /maxVocab is -3/]] as const) {
    const bad = join(dir, `bad-${field}.json`);
    const existing = new RegExp(`"${field}": [^,\\n]+`);
    const edited = existing.test(text) ? text.replace(existing, `"${field}": ${value}`) : text.replace(/"options": \{/, `"options": {\n      "${field}": ${value},`);
    assert.notEqual(edited, text);
    writeFileSync(bad, edited);
    const r = await runCli(['train', CORPUS, '--resume', bad, '-o', join(dir, 'out.json'), '--max-steps', '1', '-q', '--force']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneLineError(r.stderr), why);
  }
});

test('--resume refuses hand-edited training values (all-zero RNG, a read mode its tokenizer does not have, a place beyond the epoch) and takes "__proto__" as an unknown option', async () => {
  const { dir, m } = await trained();
  const text = readFileSync(m, 'utf8');
  const cases: [string, (j: { training: { state: Record<string, unknown>; config: Record<string, unknown>; options: Record<string, unknown> } }) => void, RegExp | null][] = [
    ['rng', (j) => { j.training.state['rng'] = [0, 0, 0, 0]; }, /training\.state\.rng should be the RNG state, which is never all zero/],
    ['mode', (j) => { j.training.config['mode'] = 'stream'; }, /training\.config\.mode is "stream", but its tokenizer reads sentences/],
    ['window', (j) => { j.training.state['windowInEpoch'] = 1e9; }, /windowInEpoch is 1000000000, beyond the \d+ steps of an epoch on its own corpus/],
    ['proto', (j) => { Object.defineProperty(j.training.options, '__proto__', { value: { seed: 'x' }, enumerable: true }); }, null],
  ];
  for (const [name, edit, why] of cases) {
    const j = JSON.parse(text);
    edit(j);
    const bad = join(dir, `bad-${name}.json`);
    writeFileSync(bad, JSON.stringify(j));
    const r = await runCli(['train', CORPUS, '--resume', bad, '-o', join(dir, 'out.json'), '--max-steps', '1', '-q', '--force']);
    if (why === null) {
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    } else {
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.match(oneLineError(r.stderr), why);
    }
  }
});

test('hand-edited values rnnlm reads back are checked too: bestValLoss "NaN", an unsorted history, meta.corpusUnkRate −3', async () => {
  const { dir, m } = await trained(['--eval-every', '1']);
  const text = readFileSync(m, 'utf8');
  const cases: [string, (j: { meta: Record<string, unknown>; training: { state: Record<string, unknown> & { history: { step: number }[] } } }) => void, RegExp][] = [
    ['best', (j) => { j.training.state['bestValLoss'] = 'NaN'; }, /training\.state\.bestValLoss should be a number, got "NaN"/],
    ['history', (j) => { const h = j.training.state.history; [h[0], h[1]] = [h[1]!, h[0]!]; }, /training\.state\.history\[1\]\.step should not be before the previous evaluation's step/],
    ['unkrate', (j) => { j.meta['corpusUnkRate'] = -3; }, /meta\.corpusUnkRate should be a fraction from 0 to 1 \(the corpus's <UNK> rate\), got -3 — /],
    ['fingerprint', (j) => { j.meta['corpusFingerprint'] = 7; }, /meta\.corpusFingerprint should be text \(the corpus fingerprint\), got 7 — /],
  ];
  for (const [name, edit, why] of cases) {
    const j = JSON.parse(text);
    edit(j);
    const bad = join(dir, `bad-${name}.json`);
    writeFileSync(bad, JSON.stringify(j));
    for (const args of [['info', bad], ['train', CORPUS, '--resume', bad, '-o', join(dir, 'out.json'), '--max-steps', '1', '-q', '--force']]) {
      const r = await runCli(args);
      assert.equal(r.code, 1, `${name} ${args[0]}: ${r.stderr}`);
      assert.match(oneLineError(r.stderr), why);
    }
  }
});
