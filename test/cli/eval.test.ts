/**
 * rnnlm eval: the corpus cross-entropy equals the mean −log P per token that
 * the core's scoreSentences gives over the same sentences (computed here
 * independently); perplexity, bits/char and the <UNK> rate follow from it
 * and from a hand count.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint, type Checkpoint } from '../../src/checkpoint/codec.js';
import { scoreSentences } from '../../src/core/score.js';
import { encode, splitSentences } from '../../src/core/tokenize.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

const tiny = repoPath('test/fixtures/tiny.txt');
const sentencesTxt = repoPath('corpora/sentences.txt');

let dir = '';
let model = '';
let ck: Checkpoint;


/** Mean −log P per token (EOS included) of `text` under `ck`, with the core's sentence scorer. */
function independentCrossEntropy(c: Checkpoint, text: string): { ce: number; tokens: number } {
  const tok = { level: c.tokenizer.level, lowercase: c.tokenizer.lowercase, unkToken: c.tokenizer.unkToken };
  const sentences = splitSentences(text, c.tokenizer.sentence);
  const scores = scoreSentences(c.model, sentences.map((s) => encode(s, c.vocab, tok).ids));
  let logProb = 0, tokens = 0;
  for (const s of scores) { logProb += s.logProb; tokens += s.tokens; }
  return { ce: -logProb / tokens, tokens };
}

before(async () => {
  dir = tempDir();
  model = join(dir, 'm.json');
  const r = await runCli(['train', tiny, '-o', model, '--hidden', '8', '--layers', '1', '--epochs', '3', '--samples', '0', '-q']);
  assert.equal(r.code, 0, r.stderr);
  ck = parseCheckpoint(readFileSync(model, 'utf8'));
});

test('eval on the training file: cross-entropy = mean −log P per token from scoreSentences; ppl = exp(ce); bits/char = ce / ln 2', async () => {
  const r = await runCli(['eval', '-m', model, tiny, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no notes: every character is known');
  assert.equal(r.stdout.trim().split('\n').length, 1);
  const j = JSON.parse(r.stdout);
  const text = readFileSync(tiny, 'utf8');
  const want = independentCrossEntropy(ck, text);
  assert.ok(Math.abs(j.crossEntropy - want.ce) < 1e-4, `${j.crossEntropy} vs ${want.ce}`);
  assert.equal(j.tokens, want.tokens);
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  assert.equal(j.sentences, lines.length);
  assert.equal(j.tokens, lines.reduce((n, l) => n + [...l].length + 1, 0), 'characters + one <EOS> per line');
  assert.equal(j.perplexity, Math.exp(j.crossEntropy));
  assert.equal(j.bitsPerChar, j.crossEntropy / Math.LN2);
  assert.equal(j.unk, 0);
  assert.equal(j.unkRate, 0);

  const plain = await runCli(['eval', '-m', model, tiny]);
  assert.equal(plain.code, 0);
  assert.match(plain.stdout, new RegExp(`cross-entropy\\s+${j.crossEntropy.toFixed(4)} nats/token`));
  assert.match(plain.stdout, new RegExp(`perplexity\\s+${j.perplexity.toFixed(3)}\\n`));
  assert.match(plain.stdout, /bits\/char\s+\d+\.\d{4} \(cross-entropy \/ ln 2; <EOS> counted as a character\)/);
});

test('eval: <UNK> rate = unknown characters / tokens (EOS counted), by hand; stdin with -', async () => {
  const text = 'abz\nqq c\n\nxyz abc\n';
  const known = new Set(ck.vocab.tokens.slice(2));
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const tokens = lines.reduce((n, l) => n + [...l].length + 1, 0);
  const unk = [...lines.join('')].filter((ch) => !known.has(ch)).length;
  assert.ok(unk > 0);
  const file = join(dir, 'unk.txt');
  writeFileSync(file, text);
  const r = await runCli(['eval', '-m', model, file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.unk, unk);
  assert.equal(j.tokens, tokens);
  assert.equal(j.unkRate, unk / tokens);
  assert.match(oneLineError(r.stderr), /not in the model's vocabulary, scored as <UNK>: .*"z"/);
  assert.ok(Math.abs(j.crossEntropy - independentCrossEntropy(ck, text).ce) < 1e-4);
  const q = await runCli(['eval', '-m', model, '-', '--json', '-q'], { stdin: text });
  assert.equal(q.code, 0);
  assert.equal(q.stderr, '', '-q: no notes');
  assert.equal(JSON.parse(q.stdout).crossEntropy, j.crossEntropy);
});

test('eval of a stream model (--sentence file): one lane = the whole text scored as one sentence; every token counted with any batch', async () => {
  const m = join(dir, 'stream.json');
  const t = await runCli(['train', sentencesTxt, '-o', m, '--sentence', 'file', '--hidden', '8', '--layers', '1', '--max-steps', '3', '--bptt', '16', '--samples', '0', '-q']);
  assert.equal(t.code, 0, t.stderr);
  const sck = parseCheckpoint(readFileSync(m, 'utf8'));
  assert.equal(sck.tokenizer.sentence, 'file');
  const text = readFileSync(sentencesTxt, 'utf8');
  const want = independentCrossEntropy(sck, text);
  const one = JSON.parse((await runCli(['eval', '-m', m, sentencesTxt, '--json', '--batch', '1'])).stdout);
  assert.equal(one.sentences, 1);
  assert.equal(one.tokens, want.tokens);
  assert.ok(Math.abs(one.crossEntropy - want.ce) < 1e-4, `${one.crossEntropy} vs ${want.ce}`);
  // B lanes where B does not divide the token count: the leftover tokens are scored too (as a short lane)
  const B = [5, 7, 9, 11, 13].find((b) => want.tokens % b !== 0)!;
  const lanes = JSON.parse((await runCli(['eval', '-m', m, sentencesTxt, '--json', '--batch', String(B)])).stdout);
  assert.equal(lanes.tokens, want.tokens);
  // lanes start from a zero state mid-text: close to the one-lane value, not equal
  assert.ok(Math.abs(lanes.crossEntropy - one.crossEntropy) < 0.1 * one.crossEntropy, `${lanes.crossEntropy} vs ${one.crossEntropy}`);
});

test('eval: empty corpus → exit 1, one line; missing model → exit 1; bad or missing flags → exit 2; --help has examples', async () => {
  const empty = join(dir, 'empty.txt');
  writeFileSync(empty, '\n  \n\n');
  const e = await runCli(['eval', '-m', model, empty]);
  assert.equal(e.code, 1);
  assert.match(oneLineError(e.stderr), /has no text to evaluate/);
  assert.equal(e.stdout, '');
  const s = await runCli(['eval', '-m', model, '-'], { stdin: '' });
  assert.equal(s.code, 1);
  assert.match(oneLineError(s.stderr), /standard input has no text/);
  // a line that cannot be read stops the run; the hint is its cause's
  const latin1 = await runCli(['eval', '-m', model, '-'], { stdin: Uint8Array.from([0x61, 0x0a, 0x63, 0xe9, 0x0a]) });
  assert.equal(latin1.code, 1);
  assert.match(oneLineError(latin1.stderr), /standard input: line 2 is not valid UTF-8 text .* — the evaluation stops there: fix or remove that line, or convert the input to UTF-8/);
  // (in pieces, as a pipe delivers it: the line is cut off at 16 MB, not read whole)
  const long = await runCli(['eval', '-m', model, '-'], { stdinPieces: [{ data: 'a\n' }, ...Array.from({ length: 17 }, () => ({ data: 'b'.repeat(2 ** 20) })), { data: '\n' }] });
  assert.equal(long.code, 1);
  assert.match(oneLineError(long.stderr), /standard input: line 2 is longer than 16 MB: not scored — the evaluation stops there: fix or remove that line, or split it into shorter lines/);
  const m = await runCli(['eval', '-m', join(dir, 'none.json'), tiny]);
  assert.equal(m.code, 1);
  assert.match(oneLineError(m.stderr), /does not exist/);
  const b = await runCli(['eval', '-m', model, tiny, '--batch', '0']);
  assert.equal(b.code, 2);
  assert.match(oneLineError(b.stderr), /--batch must be a whole number from 1/);
  const n = await runCli(['eval', tiny]);
  assert.equal(n.code, 2);
  assert.match(oneLineError(n.stderr), /--model/);
  const h = await runCli(['eval', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Examples:/);
  assert.match(h.stdout, /<EOS>/);
});
