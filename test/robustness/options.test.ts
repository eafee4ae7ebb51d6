/**
 * Option values at and beyond their limits. Each is either refused before any
 * work — exit 2, one line naming the option and its allowed range, no file
 * read or written (the corpus or model path given does not even exist, so a
 * refusal that came after reading it would be a different message) — or
 * accepted with a stated meaning, checked against an equivalent run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint } from '../../src/checkpoint/codec.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

/** Every temporary directory this file makes, removed when it is done. */
const made: string[] = [];
const scratchDir = (): string => { const d = tempDir(); made.push(d); return d; };
after(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

const tiny = repoPath('test/fixtures/tiny.txt');
const tinyLines = readFileSync(tiny, 'utf8').split('\n').filter((l) => l.trim() !== '').length;

async function refusedBeforeWork(argv: string[], flag: string, range: RegExp): Promise<void> {
  const r = await runCli(argv);
  assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const line = oneLineError(r.stderr);
  assert.ok(line.includes(flag), `names ${flag}: ${line}`);
  assert.match(line, range, argv.join(' '));
  assert.doesNotMatch(line, /does not exist/, 'refused before the missing file was read');
}

describe('train: sizes and rates out of range → exit 2 before reading the corpus', () => {
  const dir = scratchDir();
  const missing = join(dir, 'no-such-corpus.txt');
  const out = join(dir, 'm.json');
  const cases: [string, string, RegExp][] = [
    ['--hidden', '0', /from 1 to 4096/], ['--hidden', '-1', /from 1 to 4096/], ['--hidden', '4097', /from 1 to 4096/],
    ['--hidden', '2.5', /whole number/], ['--layers', '0', /from 1 to 16/], ['--embedding', '-1', /from 0 to 4096/],
    ['--batch', '0', /from 1 to 4096/], ['--batch', '-32', /from 1 to 4096/], ['--bptt', '1', /from 2 to 10000/],
    ['--bptt', '0', /from 2 to 10000/], ['--epochs', '0', /from 1 to/], ['--max-steps', '0', /from 1 to/],
    ['--eval-every', '0', /from 1 to/], ['--max-vocab', '2', /from 3 to/], ['--min-count', '0', /from 1 to/],
    ['--patience', '-1', /from 0 to/], ['--seed', '-1', /from 0 to/], ['--samples', '-1', /from 0 to 100/],
    ['--lr', '0', /greater than 0/], ['--lr', '-0.1', /greater than 0/], ['--lr-decay', '0', /greater than 0 and at most 1/],
    ['--lr-decay', '1.5', /greater than 0 and at most 1/], ['--clip', '-1', /at least 0/], ['--dropout', '1', /at least 0 and less than 1/],
    ['--dropout', '-0.5', /at least 0 and less than 1/], ['--val-fraction', '1', /at least 0 and at most 0\.9/],
    ['--val-fraction', '-0.05', /at least 0 and at most 0\.9/], ['--max-time', '0', /duration/], ['--max-time', '-5m', /duration/],
    ['--max-time', '0s', /duration/], ['--level', 'byte', /one of char, word/], ['--sentence', 'word', /one of line, paragraph, file/],
  ];
  for (const [flag, value, range] of cases) {
    test(`${flag} ${value}`, async () => {
      await refusedBeforeWork(['train', missing, '-o', out, flag, value], flag, range);
      assert.deepEqual(readdirSync(dir), []);
    });
  }

  test('non-numbers for numeric options: words, trailing junk, NaN, Infinity', async () => {
    for (const [flag, value] of [['--hidden', 'abc'], ['--hidden', '12abc'], ['--bptt', 'NaN'], ['--lr', 'Infinity'], ['--clip', 'Infinity'],
      ['--epochs', '1e400'], ['--lr', 'fast'], ['--batch', '3 2'], ['--seed', '1.5']] as const) {
      await refusedBeforeWork(['train', missing, '-o', out, flag, value], flag, /must be/);
    }
  });

  test('an empty or blank number is refused, not read as 0', async () => {
    for (const flag of ['--embedding', '--seed', '--patience', '--lr-decay-after', '--clip', '--val-fraction', '--dropout']) {
      for (const value of ['', ' ']) await refusedBeforeWork(['train', missing, '-o', out, flag, value], flag, /must be/);
    }
  });
});

describe('train --unk-token that could never match: exit 2, one line, before the corpus is read', () => {
  const dir = scratchDir();
  const missing = join(dir, 'no-such-corpus.txt');
  const out = join(dir, 'm.json');

  test('with whitespace at word level (a space, a tab, a no-break space, a line break): words never hold any', async () => {
    for (const value of ['a b', '<unk> ', '\tunk', 'un\u00a0k', 'un\nk']) {
      const r = await runCli(['train', missing, '-o', out, '--level', 'word', '--unk-token', value]);
      assert.equal(r.code, 2, `${JSON.stringify(value)}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const line = oneLineError(r.stderr);
      assert.match(line, /^rnnlm: --unk-token holds whitespace, but words never do .* \(got ".*"\) — give the single word your corpus writes for an unknown word/);
      assert.doesNotMatch(line, /does not exist/, 'refused before the missing corpus was read');
    }
    assert.deepEqual(readdirSync(dir), []);
  });

  test('at char level (the default): every character is a token, a marker word is never looked for', async () => {
    for (const level of [[], ['--level', 'char']]) {
      const r = await runCli(['train', missing, '-o', out, ...level, '--unk-token', '<unk>']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(oneLineError(r.stderr), /^rnnlm: --unk-token goes with word level only: .*never read as <UNK> \(got "<unk>"\) — drop it, or train at word level$/);
    }
    assert.deepEqual(readdirSync(dir), []);
  });

  test('one word without whitespace at word level is accepted: that word, and only it, is <UNK>', async () => {
    const corpus = join(dir, 'ptb.txt');
    writeFileSync(corpus, 'the <unk> sat\nthe cat sat\n');
    const r = await runCli(['train', corpus, '-o', out, '--level', 'word', '--unk-token', '<unk>', '--hidden', '8', '--layers', '1', '--epochs', '1', '--samples', '0', '--val-fraction', '0', '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parseCheckpoint(readFileSync(out, 'utf8')).vocab.tokens, ['<EOS>', '<UNK>', 'cat', 'sat', 'the']);
    rmSync(corpus);
    rmSync(out);
  });
});

describe('train: accepted limits', () => {
  test('a batch larger than the corpus: an explicit --batch is refused (exit 2, naming the limit), the default shrinks to fit', async () => {
    const dir = scratchDir();
    const out = join(dir, 'm.json');
    const big = tinyLines + 1;
    const r = await runCli(['train', tiny, '-o', out, '--batch', String(big), '--val-fraction', '0', '--hidden', '8', '--layers', '1', '--epochs', '1', '--samples', '0']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLineError(r.stderr), new RegExp(`--batch ${big} is larger than the ${tinyLines} training sentences.*--batch ${tinyLines} or less`));
    assert.ok(!existsSync(out));
    const d = await runCli(['train', tiny, '-o', out, '--val-fraction', '0', '--hidden', '8', '--layers', '1', '--epochs', '1', '--samples', '0']);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stderr, new RegExp(`batch ${tinyLines} ×`));
    assert.equal(parseCheckpoint(readFileSync(out, 'utf8')).training!.config.batch, tinyLines);
  });

  test('a one-sentence corpus: the batch note and the refusal say "1 training sentence", singular', async () => {
    const dir = scratchDir();
    const corpus = join(dir, 'one.txt');
    writeFileSync(corpus, 'just one sentence\n');
    const out = join(dir, 'm.json');
    const common = [corpus, '-o', out, '--hidden', '8', '--layers', '1', '--max-steps', '1', '--samples', '0'];
    const r = await runCli(['train', ...common, '--batch', '2']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLineError(r.stderr), /--batch 2 is larger than the 1 training sentence — use --batch 1 or less/);
    const d = await runCli(['train', ...common]);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stderr, /note: batch reduced to 1 to fit the 1 training sentence\n/);
    assert.match(d.stderr, /batch 1 × \d+ steps, ~1 step per epoch\n/);
  });

  test('--bptt 2, --batch 1, --max-vocab 3, --val-fraction 0.9, --dropout 0.99: the edges of each range train', async () => {
    const dir = scratchDir();
    for (const extra of [['--bptt', '2'], ['--batch', '1'], ['--max-vocab', '3'], ['--val-fraction', '0.9'], ['--dropout', '0.99'], ['--clip', '0'], ['--embedding', '0']]) {
      const out = join(dir, `m${extra[0]}.json`);
      const r = await runCli(['train', tiny, '-o', out, '--hidden', '8', '--layers', '1', '--epochs', '1', '--samples', '0', ...extra]);
      assert.equal(r.code, 0, `${extra.join(' ')}: ${r.stderr}`);
      const ck = parseCheckpoint(readFileSync(existsSync(out) ? out : out.replace(/\.json$/, '.last.json'), 'utf8'));
      if (extra[0] === '--max-vocab') {
        assert.equal(ck.vocab.tokens.length, 3);
        assert.match(r.stderr, /vocabulary capped at 3 of/);
      }
    }
  });
});

describe('sample and score options', () => {
  let model = '';
  before(async () => {
    const dir = scratchDir();
    model = join(dir, 'm.json');
    const r = await runCli(['train', tiny, '-o', model, '--hidden', '8', '--layers', '1', '--epochs', '3', '--samples', '0', '-q']);
    assert.equal(r.code, 0, r.stderr);
  });

  test('out of range → exit 2 before the model is read', async () => {
    const missing = join(scratchDir(), 'no-such-model.json');
    const cases: [string, string, RegExp][] = [
      ['--temperature', '0', /greater than 0 and at most 100/], ['--temperature', '-1', /greater than 0/], ['--temperature', 'hot', /greater than 0/],
      ['--temperature', '101', /at most 100/], ['--max-length', '0', /from 1 to/], ['--max-length', '-3', /from 1 to/],
      ['--number', '0', /from 1 to/], ['--number', '-2', /from 1 to/], ['--top-k', '-1', /from 0 to/], ['--top-k', '2.5', /whole number/],
      ['--seed', 'abc', /from 0 to/],
    ];
    for (const [flag, value, range] of cases) await refusedBeforeWork(['sample', '-m', missing, flag, value], flag, range);
    for (const value of ['0', '257', '1.5', 'all']) {
      await refusedBeforeWork(['score', '-m', missing, '--threads', value, 'abc'], '--threads', /from 1 to 256/);
      await refusedBeforeWork(['eval', '-m', missing, '--threads', value, missing], '--threads', /from 1 to 256/);
    }
    const b = await runCli(['score', '-m', missing, '--bits', '--log10', 'abc']);
    assert.equal(b.code, 2);
    assert.match(oneLineError(b.stderr), /--log10 cannot go with --bits/);
  });

  test('--top-k larger than the vocabulary means all tokens: the same output as --top-k 0', async () => {
    const V = parseCheckpoint(readFileSync(model, 'utf8')).vocab.tokens.length;
    const all = await runCli(['sample', '-m', model, '-n', '20', '--seed', '5']);
    for (const k of [V, V + 1, 1_000_000]) {
      const r = await runCli(['sample', '-m', model, '-n', '20', '--seed', '5', '--top-k', String(k)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, all.stdout, `--top-k ${k}`);
    }
  });

  test('--top-k 1 is greedy; a vanishing temperature is greedy too', async () => {
    const greedy = await runCli(['sample', '-m', model, '-n', '3', '--greedy', '--allow-unk', '--max-length', '30']);
    assert.equal(greedy.code, 0, greedy.stderr);
    for (const extra of [['--top-k', '1'], ['--temperature', '1e-30']]) {
      const r = await runCli(['sample', '-m', model, '-n', '3', '--seed', '9', '--allow-unk', '--max-length', '30', ...extra]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, greedy.stdout, extra.join(' '));
    }
  });

  test('--max-length 1: at most one token after the prime; --temperature 100 still gives well-formed lines', async () => {
    const r = await runCli(['sample', '-m', model, '-n', '50', '--seed', '2', '--max-length', '1', '--prime', 'ab']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').slice(0, -1);
    assert.equal(lines.length, 50);
    for (const l of lines) assert.ok(l.startsWith('ab') && Array.from(l).length <= 3, JSON.stringify(l));
    const hot = await runCli(['sample', '-m', model, '-n', '50', '--seed', '2', '--temperature', '100', '--json']);
    assert.equal(hot.code, 0, hot.stderr);
    assert.equal(hot.stdout.trim().split('\n').map((l) => JSON.parse(l)).length, 50);
  });
});
