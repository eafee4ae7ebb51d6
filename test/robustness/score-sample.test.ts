/**
 * score and sample at their edges: the empty sentence, a 100,000-character
 * sentence, a prime the model has never seen, and readers that go away
 * (`| head -1`) or disks that are full — the last ones with real processes,
 * since only a real pipe can close.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint } from '../../src/checkpoint/codec.js';
import { nodeBackend } from '../../src/node/backend.js';
import { scoreSentences } from '../../src/core/score.js';
import { encode } from '../../src/core/tokenize.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath, repoRoot } from '../helpers/paths.js';
import { wasInvalidUtf8 } from '../../src/cli/argv.js';

/** Every temporary directory this file makes, removed when it is done. */
const made: string[] = [];
const scratchDir = (): string => { const d = tempDir(); made.push(d); return d; };
after(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

const tiny = repoPath('test/fixtures/tiny.txt');
const STACK = /\n\s+at .*:\d+|node:internal|EPIPE|Error:/;

let dir = '';
let model = '';
let wordModel = '';

before(async () => {
  dir = scratchDir();
  model = join(dir, 'm.json');
  wordModel = join(dir, 'w.json');
  const r = await runCli(['train', tiny, '-o', model, '--hidden', '8', '--layers', '1', '--epochs', '2', '--samples', '0', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const w = await runCli(['train', repoPath('corpora/sentences.txt'), '-o', wordModel, '--level', 'word', '--embedding', '4', '--hidden', '8',
    '--layers', '1', '--epochs', '1', '--samples', '0', '-q']);
  assert.equal(w.code, 0, w.stderr);
});

/** The checkpoint on the backend the command line computes on, so the core's numbers are the CLI's to the bit. */
const load = (path: string) => parseCheckpoint(readFileSync(path, 'utf8'), nodeBackend());

/** The one line of a warning on stderr (exactly one line, no colour). */
function oneLineWarning(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.ok(!/\u001b\[/.test(stderr));
  return lines[0]!;
}

describe('score', () => {
  test('the empty sentence: log P = log P(<EOS>) at step 1, as the core computes it; one token', async () => {
    for (const m of [model, wordModel]) {
      const ck = load(m);
      const [core] = scoreSentences(ck.model, [new Int32Array(0)]);
      assert.equal(core!.tokens, 1);
      for (const blank of ['', '   ', '\r\n']) {
        const r = await runCli(['score', '-m', m, '--json', '--per-token', blank]);
        assert.equal(r.code, 0, r.stderr);
        const rec = JSON.parse(r.stdout);
        assert.equal(rec.tokens, 1);
        assert.equal(rec.unk, 0);
        assert.equal(rec.logProb, core!.logProb, JSON.stringify(blank));
        assert.deepEqual(rec.perToken.map((p: { token: string }) => p.token), ['<EOS>']);
        assert.equal(rec.perToken[0].prob, Math.exp(core!.logProb));
        assert.ok(rec.logProb < 0 && Number.isFinite(rec.logProb));
      }
      // the table form: one line, tokens 1
      const t = await runCli(['score', '-m', m, '-q', '']);
      assert.equal(t.stdout.split('\t')[2], '1');
    }
  });

  test('arguments are cleaned like training lines: trailing spaces, CR and a BOM do not change the score', async () => {
    const plain = await runCli(['score', '-m', model, '--json', 'abc']);
    for (const variant of ['abc   ', 'abc\r\n', '\ufeffabc', 'abc\t']) {
      const r = await runCli(['score', '-m', model, '--json', variant]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).logProb, JSON.parse(plain.stdout).logProb, JSON.stringify(variant));
    }
    const stdin = await runCli(['score', '-m', model, '--json'], { stdin: 'abc   \r\n' });
    assert.equal(JSON.parse(stdin.stdout).logProb, JSON.parse(plain.stdout).logProb, 'the same sentence from stdin');
  });

  test('a sentence of 100,000 characters: works, finite, equal to the core score', { timeout: 60_000 }, async () => {
    const ck = load(model);
    const known = ck.vocab.tokens.slice(2).filter((t) => t !== ' ');
    let long = '';
    for (let i = 0; long.length < 100_000; i++) long += known[i % known.length]! + (i % 7 === 6 ? ' ' : '');
    long = long.slice(0, 100_000).trimEnd() + known[0]!;
    assert.equal(Array.from(long).length, 100_000);
    const r = await runCli(['score', '-m', model, '--json', long]);
    assert.equal(r.code, 0, r.stderr);
    const rec = JSON.parse(r.stdout);
    assert.equal(rec.tokens, 100_001);
    assert.equal(rec.unk, 0);
    assert.ok(Number.isFinite(rec.logProb) && rec.logProb < 0);
    const [core] = scoreSentences(ck.model, [encode(long, ck.vocab, { ...ck.tokenizer }).ids]);
    assert.equal(rec.logProb, core!.logProb);
    // the same from stdin, in the table form
    const t = await runCli(['score', '-m', model], { stdin: long + '\n' });
    assert.equal(t.code, 0, t.stderr);
    assert.equal(Number(t.stdout.split('\t')[0]), Number(rec.logProb.toFixed(4)));
  });

  test('a sentence with a line break (paragraph models) is still one output line', async () => {
    const p = join(dir, 'p.json');
    const t = await runCli(['train', tiny, '-o', p, '--sentence', 'paragraph', '--hidden', '8', '--layers', '1', '--epochs', '1', '--samples', '0', '-q']);
    assert.equal(t.code, 0, t.stderr);
    const r = await runCli(['score', '-m', p, '-q', 'ab\nba', 'c\ta']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').slice(0, -1);
    assert.equal(lines.length, 2);
    assert.deepEqual(lines.map((l) => l.split('\t').slice(4).join('\t')), ['ab ba', 'c a']);
  });

  test('many sentences on stdin: scored a chunk at a time, the same numbers as the core in one call; the summary counts all', { timeout: 60_000 }, async () => {
    const ck = load(model);
    const n = 5000; // more than two chunks of 2048
    const lines = Array.from({ length: n }, (_, i) => 'abc'.slice(i % 3) + ' ' + 'cab'.slice(0, 1 + (i % 3)));
    const r = await runCli(['score', '-m', model, '--json'], { stdin: lines.join('\n') + '\n' });
    assert.equal(r.code, 0, r.stderr);
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(recs.length, n);
    const core = scoreSentences(ck.model, lines.map((l) => encode(l, ck.vocab, { ...ck.tokenizer }).ids));
    recs.forEach((rec, i) => {
      assert.equal(rec.sentence, lines[i]);
      assert.ok(Math.abs(rec.logProb - core[i]!.logProb) <= 1e-9 * Math.abs(core[i]!.logProb), `${i}: ${rec.logProb} vs ${core[i]!.logProb}`);
    });
    const t = await runCli(['score', '-m', model], { stdin: lines.join('\n') + '\n' });
    const tokens = lines.reduce((sum, l) => sum + Array.from(l).length + 1, 0);
    assert.ok(t.stderr.startsWith(`${n.toLocaleString('en-US')} sentences, ${tokens.toLocaleString('en-US')} tokens`), t.stderr);
  });

  test('the reader goes away (in-process): score stops, no summary, exit 0', async () => {
    // the output is written a chunk of lines at a time: the reader takes three writes of 40,000 lines' worth
    const r = await runCli(['score', '-m', model], { stdin: 'abc\n'.repeat(40_000), closeStdoutAfter: 3 });
    assert.equal(r.code, 0);
    const lines = r.stdout.split('\n');
    assert.ok(lines.length > 3 && lines.length < 20_000, `${lines.length} lines`);
    assert.equal(lines.pop(), '', 'whole lines only');
    assert.equal(r.stderr, '');
  });

  test('only unknown characters: every token <UNK>, finite, exit 0', async () => {
    const r = await runCli(['score', '-m', model, '--json', 'xyz😀']);
    assert.equal(r.code, 0, r.stderr);
    const rec = JSON.parse(r.stdout);
    assert.equal(rec.unk, 4);
    assert.equal(rec.tokens, 5);
    assert.ok(Number.isFinite(rec.logProb));
  });
});

describe('sample', () => {
  test('a prime made only of unknown characters: one warning naming them, samples still come, exit 0', async () => {
    const r = await runCli(['sample', '-m', model, '-n', '3', '--seed', '1', '--prime', 'xy😀']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /warning: not in the model's vocabulary, read as <UNK>: "x", "y", "😀"/);
    const lines = r.stdout.split('\n').slice(0, -1);
    assert.equal(lines.length, 3);
    // the model read them as <UNK>, but the sample shows the prime as the user wrote it
    for (const l of lines) assert.ok(l.startsWith('xy😀') && !l.includes('<UNK>'), l);
    const q = await runCli(['sample', '-m', model, '-n', '3', '--seed', '1', '--prime', 'xy😀', '-q']);
    assert.equal(q.stderr, '');
    assert.equal(q.stdout, r.stdout);
    const w = await runCli(['sample', '-m', wordModel, '-n', '2', '--seed', '1', '--prime', 'zzyzx qwxq']);
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stderr, /"zzyzx", "qwxq"/);
  });

  test('a prime with unknown characters or words is printed as given, never as a literal <UNK>; the warning stays', async () => {
    const ck = load(model);
    const known = ck.vocab.tokens.slice(2).filter((t) => t !== ' ' && t !== '\n');
    const prime = `${known[0]}Q${known[1]}😀`; // known, unknown, known, unknown (astral)
    const r = await runCli(['sample', '-m', model, '-n', '5', '--seed', '3', '--prime', prime]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(oneLineWarning(r.stderr), /read as <UNK>: "Q", "😀"/);
    const lines = r.stdout.split('\n').slice(0, -1);
    assert.equal(lines.length, 5);
    for (const l of lines) assert.ok(l.startsWith(prime) && !l.includes('<UNK>'), l);
    // --json: the prime field is the prime as given, and every text starts with it
    const j = await runCli(['sample', '-m', model, '-n', '5', '--seed', '3', '--prime', prime, '--json', '-q']);
    assert.equal(j.stderr, '');
    const recs = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
    for (const [i, rec] of recs.entries()) {
      assert.equal(rec.prime, prime);
      assert.equal(rec.text, lines[i]);
    }
    // the model reads every unknown character as the same <UNK>: another unknown character in the
    // same place gives the same continuation, shown after that prime instead
    const other = `${known[0]}Z${known[1]}☃`;
    const o = await runCli(['sample', '-m', model, '-n', '5', '--seed', '3', '--prime', other, '-q']);
    assert.deepEqual(o.stdout.split('\n').slice(0, -1).map((l) => l.slice(other.length)), lines.map((l) => l.slice(prime.length)));
    // a CR, CRLF or BOM in the prime is normalised as the tokenizer normalises text
    const bom = await runCli(['sample', '-m', model, '-n', '5', '--seed', '3', '--prime', `\ufeff${prime}`, '-q']);
    assert.equal(bom.stdout, r.stdout);
    // word level: unknown words shown as written, spaced as words are
    const w = await runCli(['sample', '-m', wordModel, '-n', '3', '--seed', '1', '--prime', 'zzyzx the qwxq', '--max-length', '4']);
    assert.equal(w.code, 0, w.stderr);
    assert.match(oneLineWarning(w.stderr), /"zzyzx", "qwxq"/);
    for (const l of w.stdout.split('\n').slice(0, -1)) assert.ok(/^zzyzx the qwxq( |$)/.test(l) && !l.includes('<UNK>'), l);
  });

  test('the reader goes away after one line (in-process): stops at once, exit 0', async () => {
    const r = await runCli(['sample', '-m', model, '-n', '1000000000', '--seed', '1'], { closeStdoutAfter: 1 });
    assert.equal(r.code, 0);
    assert.equal(r.stdout.split('\n').length, 2);
  });
});

/** Run a shell pipeline with NO_COLOR=1 from the repository root. */
function sh(script: string, timeoutMs = 60_000): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn('bash', ['-c', script], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`hung: ${script}\n${stderr}`)); }, timeoutMs);
    child.on('error', fail);
    child.on('close', (code, signal) => { clearTimeout(timer); done({ code, signal, stdout, stderr, ms: performance.now() - t0 }); });
  });
}

describe('arguments that are not UTF-8', () => {
  const bin = 'node bin/rnnlm.js';
  const NOT_UTF8 = /is not valid UTF-8( text)?( \(byte 0x[0-9A-F]{2} at offset \d+\)| \(it would be read as "[^"]*"\))? — convert it to UTF-8 first \(e\.g\. iconv -f latin1 -t utf-8\)$/;

  test('wasInvalidUtf8: an argument holding U+FFFD that some raw entry of the command line spells in invalid UTF-8', () => {
    const cmdline = (...entries: (string | number[])[]) => Uint8Array.from(entries.flatMap((e) => [...(typeof e === 'string' ? Buffer.from(e) : e), 0]));
    const raw = cmdline('node', 'bin/rnnlm.js', 'score', [0x63, 0x61, 0x66, 0xe9], 'ok');
    assert.equal(wasInvalidUtf8('caf\ufffd', raw), true, 'Latin-1 é arrives as U+FFFD');
    assert.equal(wasInvalidUtf8('ok', raw), false, 'no U+FFFD: never');
    assert.equal(wasInvalidUtf8('caf\ufffd', cmdline('score', 'caf\ufffd')), false, 'a U+FFFD typed as such (valid UTF-8) is text');
    assert.equal(wasInvalidUtf8('caf\ufffd', null), false, 'no /proc: cannot tell, so fine');
    assert.equal(wasInvalidUtf8('caf\ufffdx', raw), false, 'the lenient decoding must be the whole argument');
  });

  test('invalid UTF-8 in a sentence argument of score: exit 2 (usage), one line naming the argument, nothing scored', { timeout: 60_000, skip: !existsSync('/proc/self/cmdline') }, async () => {
    // bash passes the raw byte \xe9 (Latin-1 é) to node; Node would read it as U+FFFD
    const r = await sh(`${bin} score -m '${model}' abc "$(printf 'caf\\xe9')"`);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '', 'nothing scored, not even the valid first argument');
    const line = oneLineError(r.stderr);
    assert.match(line, /^rnnlm: the sentence argument 2 is not valid UTF-8 \(it would be read as "caf\ufffd"\) /);
    assert.match(line, NOT_UTF8);
    // the same bytes on stdin: that line is named, keeps its place with a NaN record, and the run exits 1
    const s = await sh(`printf 'caf\\xe9\\n' | ${bin} score -m '${model}'`);
    assert.equal(s.code, 1, s.stderr);
    assert.match(oneLineError(s.stderr), /^rnnlm: line 1 is not valid UTF-8 text \(byte 0xE9 at offset 3 of the line\) — scored as NaN; convert the input to UTF-8/);
    // an overlong form, an encoded surrogate, a cut sequence: each refused, each named by its position
    for (const [i, bytes] of [['1', '\\xc0\\xaf'], ['1', '\\xed\\xa0\\x80'], ['1', 'ab\\xf0\\x9f\\x98']]) {
      const c = await sh(`${bin} score -m '${model}' "$(printf '${bytes}')"`);
      assert.equal(c.code, 2, `${bytes}: ${c.stderr}`);
      assert.match(oneLineError(c.stderr), new RegExp(`sentence argument ${i} `));
    }
    // U+FFFD written as valid UTF-8 is a character like any other: scored
    const ok = await sh(`${bin} score -m '${model}' -q "$(printf 'caf\\xef\\xbf\\xbd')"`);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.split('\n').length, 2);
    // and sample's --prime the same way
    const p = await sh(`${bin} sample -m '${model}' -n 1 --prime "$(printf 'caf\\xe9')"`);
    assert.equal(p.code, 2, p.stderr);
    assert.equal(p.stdout, '');
    assert.match(oneLineError(p.stderr), /^rnnlm: the --prime text is not valid UTF-8 \(it would be read as "caf\ufffd"\) — convert it/);
  });
});

describe('real processes: readers that go away, disks that are full', () => {
  const bin = 'node bin/rnnlm.js';

  test('sample -n 1000000000 | head -1: one line, quiet, the pipeline ends at once', { timeout: 90_000 }, async () => {
    // pipefail: the status is sample's own (0, or 141 if SIGPIPE killed it), not just head's
    const r = await sh(`set -o pipefail; ${bin} sample -m '${model}' -n 1000000000 --seed 1 | head -1`);
    assert.ok(r.code === 0 || r.code === 141, `status ${r.code}: ${r.stderr}`);
    assert.equal(r.stdout.split('\n').length, 2, r.stdout);
    assert.equal(r.stderr, '', 'nothing on stderr: no EPIPE, no stack trace');
  });

  test('score reading a big stdin | head -1: one line, nothing on stderr (no EPIPE trace, no summary)', { timeout: 90_000 }, async () => {
    const big = join(dir, 'big-stdin.txt');
    const line = 'abc cab', n = 100_000;
    writeFileSync(big, `${line}\n`.repeat(n));
    const r = await sh(`set -o pipefail; ${bin} score -m '${model}' < '${big}' | head -1`);
    assert.ok(r.code === 0 || r.code === 141, `status ${r.code}: ${r.stderr}`);
    assert.equal(r.stdout.split('\n').length, 2);
    assert.doesNotMatch(r.stderr, STACK);
    assert.equal(r.stderr, '', 'no summary of a run the reader cut short');
    const q = await sh(`set -o pipefail; cat '${big}' | ${bin} score -m '${model}' -q --per-token | head -1`);
    assert.ok(q.code === 0 || q.code === 141, `status ${q.code}: ${q.stderr}`);
    assert.equal(q.stderr, '');
  });

  test('stdout on a full disk (/dev/full): one line naming standard output, exit 1', { timeout: 60_000, skip: !existsSync('/dev/full') }, async () => {
    for (const cmd of [`sample -m '${model}' -n 5 --seed 1`, `score -m '${model}' abc`]) {
      const r = await sh(`${bin} ${cmd} > /dev/full`);
      assert.equal(r.code, 1, r.stderr);
      assert.match(oneLineError(r.stderr), /cannot write to standard output \(the disk is full\)/);
    }
  });

  test('stdout over a file-size limit (ulimit -f): one readable line, exit 1', { timeout: 60_000 }, async () => {
    const r = await sh(`ulimit -f 1; yes abc | head -20000 | ${bin} score -m '${model}' > '${join(tempDir(), 'out.txt')}'`);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneLineError(r.stderr), /^rnnlm: standard output could not be written: the file size limit was reached \(ulimit -f\) — raise the limit/);
  });

  test('stderr on a full disk: train still trains and saves (messages are not worth failing for)', { timeout: 60_000, skip: !existsSync('/dev/full') }, async () => {
    const out = join(scratchDir(), 'm.json');
    const r = await sh(`${bin} train '${tiny}' -o '${out}' --hidden 8 --layers 1 --epochs 1 --samples 1 2> /dev/full`);
    assert.equal(r.code, 0);
    assert.ok(existsSync(out));
  });
});
