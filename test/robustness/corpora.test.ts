/**
 * Awkward corpora through `rnnlm train`: each one either trains correctly
 * (and the checkpoint's vocabulary is checked) or is refused with one line
 * naming the file, exit 1 and no checkpoint. docs/bad-input.md lists which.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseCheckpoint, type Checkpoint } from '../../src/checkpoint/codec.js';
import { oneLineError, runCli, tempDir, type CliResult } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

/** Every temporary directory this file makes, removed when it is done. */
const made: string[] = [];
const scratchDir = (): string => { const d = tempDir(); made.push(d); return d; };
after(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

const fast = ['--hidden', '8', '--layers', '1', '--epochs', '1', '--samples', '0'];

/** A lone (unpaired) UTF-16 surrogate anywhere in s. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Train on `content` (written to a file, or given on stdin with file '-'). */
async function trainOn(content: string | Uint8Array, extra: string[] = [], viaStdin = false): Promise<CliResult & { dir: string; model: string; file: string }> {
  const dir = scratchDir();
  const model = join(dir, 'm.json');
  const file = join(dir, 'corpus.txt');
  writeFileSync(file, content);
  const r = viaStdin
    ? await runCli(['train', '-', '-o', model, ...fast, '-q', ...extra], { stdin: content })
    : await runCli(['train', file, '-o', model, ...fast, '-q', ...extra]);
  return { ...r, dir, model, file };
}

function checkpointOf(path: string): Checkpoint {
  return parseCheckpoint(readFileSync(path, 'utf8'));
}

/** The regular (non-special) tokens of a checkpoint's vocabulary. */
const regular = (ck: Checkpoint): string[] => ck.vocab.tokens.slice(2);

/** Distinct code points of the lines of `text` (as a sorted list), what a char vocabulary must hold. */
function charsOf(lines: string[]): string[] {
  return [...new Set(lines.flatMap((l) => Array.from(l)))].sort();
}

async function refused(content: string | Uint8Array, re: RegExp, extra: string[] = []): Promise<string> {
  for (const viaStdin of [false, true]) {
    const r = await trainOn(content, extra, viaStdin);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    const line = oneLineError(r.stderr);
    assert.match(line, re);
    assert.ok(line.includes(viaStdin ? 'standard input' : r.file), `names the input: ${line}`);
    assert.ok(!existsSync(r.model), 'no checkpoint written');
  }
  return '';
}

describe('corpora that are refused', () => {
  test('an empty file', async () => {
    await refused('', /has no text to train on/);
  });

  test('only blank lines (spaces, tabs, CRLF, a BOM)', async () => {
    await refused('\n\n   \n\t\n', /has no text to train on/);
    await refused('\r\n \r\n\r\n', /has no text to train on/);
    await refused('\ufeff\n\n', /has no text to train on/);
    await refused('\ufeff', /has no text to train on/, ['--sentence', 'paragraph']);
    await refused(' \n\t\n', /has no text to train on/, ['--sentence', 'file']);
  });

  test('binary data (a NUL byte): refused, with the offset of the first NUL', async () => {
    const bytes = Buffer.concat([Buffer.from('some text\nmore\n'), Buffer.from([0, 1, 2, 0xff, 0])]);
    await refused(bytes, new RegExp(`binary file \\(a NUL byte at offset ${bytes.indexOf(0)}\\)`));
  });

  test('a compressed corpus (gzip, xz, zstd, bzip2, zip): refused naming the compression and the command that undoes it', async () => {
    const text = Buffer.from('emma\nolivia\n');
    // gzip and bzip2 by node's zlib and by hand: the formats' signatures, then anything
    await refused(gzipSync(text), /is compressed \(gzip\) — decompress it first \(gunzip -k\)/);
    await refused(Buffer.concat([Buffer.from('BZh9'), Buffer.from([0x31, 0x41, 0x59, 0x26, 0x53, 0x59]), text]), /is compressed \(bzip2\) — decompress it first \(bunzip2 -k\)/);
    await refused(Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), text]), /is compressed \(xz\)/);
    await refused(Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), text]), /is compressed \(zstd\)/);
    await refused(Buffer.concat([Buffer.from('PK\x03\x04'), text]), /is compressed \(zip\)/);
    // a text that merely starts like one is text
    const r = await trainOn('BZh9 is a name\nemma\nolivia\n');
    assert.equal(r.code, 0, r.stderr);
  });

  test('invalid UTF-8: Latin-1, a stray continuation byte, overlong, an encoded surrogate, a cut sequence', async () => {
    const cases: [string, number[]][] = [
      ['Latin-1 é', [0x63, 0x61, 0x66, 0xe9, 0x0a]],
      ['stray continuation byte', [0x61, 0x80, 0x62]],
      ['overlong "/"', [0x61, 0xc0, 0xaf]],
      ['UTF-8-encoded surrogate (CESU)', [0x61, 0xed, 0xa0, 0x80]],
      ['sequence cut at the end', [0x61, 0x62, 0xf0, 0x9f, 0x98]],
      ['code point above U+10FFFF', [0x61, 0xf4, 0x90, 0x80, 0x80]],
    ];
    for (const [, bytes] of cases) await refused(Uint8Array.from(bytes), /not valid UTF-8/);
  });

});

describe('corpora that train', () => {
  test('only one sentence: trains, without validation (and says so)', async () => {
    const line = 'the only sentence';
    const dir = scratchDir();
    const file = join(dir, 'one.txt');
    writeFileSync(file, line + '\n');
    const r = await runCli(['train', file, '-o', join(dir, 'm.json'), ...fast]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /training without validation/);
    const ck = checkpointOf(join(dir, 'm.json'));
    assert.deepEqual(regular(ck), charsOf([line]));
    assert.match(r.stderr, new RegExp(`data\\s+${Array.from(line).length + 1} training tokens, no validation`));
  });

  test('one character in all: a corpus of two tokens (x, <EOS>) still trains', async () => {
    for (const sentence of ['line', 'file']) {
      const r = await trainOn('x', ['--sentence', sentence]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(regular(checkpointOf(r.model)), ['x']);
    }
  });

  test('a UTF-8 BOM is not a token (file and stdin), and a BOM inside the text is an ordinary character', async () => {
    for (const viaStdin of [false, true]) {
      const r = await trainOn('\ufeffab\nba\n', [], viaStdin);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(regular(checkpointOf(r.model)), ['a', 'b']);
    }
    const inside = await trainOn('a\ufeffb\nab\n');
    assert.equal(inside.code, 0, inside.stderr);
    assert.deepEqual(regular(checkpointOf(inside.model)), ['a', 'b', '\ufeff']);
  });

  test('CRLF and lone CR line endings: no \\r in the vocabulary, at either level, in every sentence mode', async () => {
    const text = 'ab cd\r\nba dc\r\n\r\ncab\rbac\r\n';
    for (const level of ['char', 'word']) {
      for (const sentence of ['line', 'paragraph', 'file']) {
        const r = await trainOn(text, ['--level', level, '--sentence', sentence, '--val-fraction', '0']);
        assert.equal(r.code, 0, r.stderr);
        const tokens = regular(checkpointOf(r.model));
        assert.ok(!tokens.some((t) => t.includes('\r')), `${level}/${sentence}: ${JSON.stringify(tokens)}`);
        if (level === 'word') assert.deepEqual(tokens, ['ab', 'ba', 'bac', 'cab', 'cd', 'dc']);
        else assert.ok(tokens.includes('\n') === (sentence !== 'line'), `${sentence}: \\n joins lines of a paragraph or file`);
      }
    }
  });

  test('emoji, skin tones, flags, ZWJ sequences and combining marks: code points, never half a surrogate', async () => {
    const lines = ['café e\u0301 😀 👍🏽', 'naïve 🇫🇷 👩\u200d👧 ok', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ̈x'];
    for (const level of ['char', 'word']) {
      const r = await trainOn(lines.join('\n') + '\n', ['--level', level]);
      assert.equal(r.code, 0, r.stderr);
      const ck = checkpointOf(r.model);
      for (const t of regular(ck)) {
        assert.ok(!LONE_SURROGATE.test(t), `well-formed: ${JSON.stringify(t)}`);
        if (level === 'char') assert.equal(Array.from(t).length, 1, `one code point: ${JSON.stringify(t)}`);
        else assert.ok(!/\s/u.test(t) && t !== '', `a word: ${JSON.stringify(t)}`);
      }
      if (level === 'char') assert.deepEqual(regular(ck).slice().sort(), charsOf(lines));
      // every character of the corpus is known: scoring the corpus lines gives no <UNK>
      const s = await runCli(['score', '-m', r.model, '--json', ...lines]);
      assert.equal(s.code, 0, s.stderr);
      for (const rec of s.stdout.trim().split('\n').map((l) => JSON.parse(l))) assert.equal(rec.unk, 0, rec.sentence);
      // and samples are well-formed text
      const g = await runCli(['sample', '-m', r.model, '-n', '20', '--seed', '3', '--temperature', '2']);
      assert.equal(g.code, 0, g.stderr);
      assert.ok(!LONE_SURROGATE.test(g.stdout));
    }
  });

  test('a literal <EOS> or <UNK> in the text is text: never id 0 or 1', async () => {
    const lines = ['say <EOS> now', '<UNK>', 'a <EOS><UNK> b'];
    for (const level of ['char', 'word']) {
      const r = await trainOn(lines.join('\n') + '\n', ['--level', level]);
      assert.equal(r.code, 0, r.stderr);
      const ck = checkpointOf(r.model);
      assert.deepEqual(ck.vocab.tokens.slice(0, 2), ['<EOS>', '<UNK>']);
      assert.ok(!regular(ck).includes('<EOS>') && !regular(ck).includes('<UNK>'));
      const s = await runCli(['score', '-m', r.model, '--json', '--per-token', ...lines]);
      assert.equal(s.code, 0, s.stderr);
      for (const rec of s.stdout.trim().split('\n').map((l) => JSON.parse(l))) {
        const tokens = rec.perToken.map((p: { token: string }) => p.token);
        assert.equal(rec.unk, 0, rec.sentence);
        assert.equal(tokens.lastIndexOf('<EOS>'), tokens.length - 1, 'the only <EOS> is the last token');
        assert.equal(tokens.indexOf('<EOS>'), tokens.length - 1);
        assert.ok(!tokens.includes('<UNK>'));
      }
    }
    // with --unk-token the user says the corpus literal means unknown: that, and only that, is <UNK>
    const ptb = await trainOn('the <unk> sat\nthe cat sat\n', ['--level', 'word', '--unk-token', '<unk>']);
    assert.equal(ptb.code, 0, ptb.stderr);
    assert.deepEqual(regular(checkpointOf(ptb.model)), ['cat', 'sat', 'the']);
  });

  test('a single ~10 MB line at char level: one sentence in BPTT windows (line mode) or one stream (file mode), in linear time', { timeout: 120_000 }, async () => {
    const unit = readFileSync(repoPath('corpora/sentences.txt'), 'utf8').replace(/\s+/g, ' ');
    const make = (n: number) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n).trimEnd();
    const timeOf = async (text: string, sentence: string) => {
      const dir = scratchDir();
      const file = join(dir, 'line.txt');
      writeFileSync(file, text + '\n');
      const t0 = performance.now();
      const r = await runCli(['train', file, '-o', join(dir, 'm.json'), '--hidden', '8', '--layers', '1', '--bptt', '32',
        '--max-steps', '2', '--samples', '0', '--sentence', sentence, '--val-fraction', '0']);
      const ms = performance.now() - t0;
      assert.equal(r.code, 0, r.stderr);
      const ck = checkpointOf(join(dir, 'm.json'));
      assert.deepEqual(regular(ck), charsOf([text]));
      assert.equal(ck.training!.state.step, 2);
      const tokens = Number(/data\s+([\d,]+) training tokens/.exec(r.stderr)![1]!.replace(/,/g, ''));
      assert.equal(tokens, Array.from(text).length + 1, 'every character plus one <EOS>');
      return ms;
    };
    const big = make(10_000_000);
    assert.ok(big.length > 9_900_000);
    for (const sentence of ['line', 'file']) {
      const quarter = await timeOf(make(2_500_000), sentence);
      const whole = await timeOf(big, sentence);
      // linear: ~4×; quadratic would be ~16×. A generous bound for a busy machine.
      assert.ok(whole < 10 * quarter + 2000, `${sentence}: 10 MB took ${whole.toFixed(0)} ms, 2.5 MB ${quarter.toFixed(0)} ms`);
    }
  });
});
