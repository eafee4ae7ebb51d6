/**
 * Pre-tokenized text (issue 12): --pretokenized splits on whitespace only, so
 * Penn Treebank's "'s", "u.s." and "$" stay as written, a line comes back
 * from its ids exactly, and a corpus that writes <unk> without --unk-token is
 * told so. With the shared corpora present, `rnnlm eval` on PTB's test set
 * counts the 82,430 tokens (78,669 words + 3,761 <eos>) every published
 * perplexity is computed on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encode, tokenize, type TokenizerConfig } from '../../src/core/tokenize.js';
import { buildVocab } from '../../src/core/vocab.js';
import { parseCheckpoint } from '../../src/checkpoint/codec.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

const PTB_LIKE = [
  "the u.s. company 's stock rose N N to $ N a share",
  'mr. <unk> said the deal would n\'t close until jan. N',
  "it 's a buy-back of about N shares -lrb- including options -rrb- .",
];

test('whitespace split: every piece is a token as written, and a line comes back from its ids exactly', () => {
  const cfg: TokenizerConfig = { level: 'word', lowercase: false, unkToken: '<unk>', split: 'whitespace' };
  assert.deepEqual(tokenize(PTB_LIKE[0]!, cfg), PTB_LIKE[0]!.split(' '));
  assert.deepEqual(tokenize(PTB_LIKE[1]!, cfg)[1], '<UNK>');
  const counts = new Map<string, number>();
  for (const l of PTB_LIKE) for (const t of tokenize(l, cfg)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const { vocab } = buildVocab(counts);
  for (const l of [PTB_LIKE[0]!, PTB_LIKE[2]!]) assert.equal(decode(encode(l, vocab, cfg).ids, vocab, cfg), l);
  // the default tokenizer splits the same line apart
  assert.notDeepEqual(tokenize(PTB_LIKE[0]!, { ...cfg, split: undefined }), PTB_LIKE[0]!.split(' '));
});

test('train --pretokenized: kept in the checkpoint (and only then written), refused at char level and as a change on resume; <unk> without --unk-token is noted', async () => {
  const dir = tempDir();
  const corpus = join(dir, 'ptb.txt');
  writeFileSync(corpus, (PTB_LIKE.join('\n') + '\n').repeat(10));
  const m = join(dir, 'm.json');
  const r = await runCli(['train', corpus, '-o', m, '--level', 'word', '--pretokenized', '--hidden', '8', '--layers', '1', '--embedding', '8', '--max-steps', '2', '--threads', '1', '--samples', '0']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /note: the corpus writes <unk> 10 times, which looks like its mark for an unknown word; it is read as an ordinary word — with --unk-token '<unk>' it would be <UNK>/);
  const ck = parseCheckpoint(readFileSync(m, 'utf8'));
  assert.equal(ck.tokenizer.split, 'whitespace');
  assert.ok(ck.vocab.tokens.includes("'s") && ck.vocab.tokens.includes('u.s.') && !ck.vocab.tokens.includes('.s'));
  const plain = join(dir, 'p.json');
  assert.equal((await runCli(['train', corpus, '-o', plain, '--level', 'word', '--unk-token', '<unk>', '--hidden', '8', '--layers', '1', '--max-steps', '1', '-q', '--samples', '0'])).code, 0);
  assert.ok(!readFileSync(plain, 'utf8').includes('"split"'), 'the default tokenizer writes no split field');
  const c = await runCli(['train', corpus, '-o', join(dir, 'c.json'), '--pretokenized']);
  assert.equal(c.code, 2);
  assert.match(oneLineError(c.stderr), /--pretokenized goes with word level only/);
  const resumed = await runCli(['train', corpus, '--resume', plain, '-o', plain, '--level', 'word', '--pretokenized', '--max-steps', '1', '-q']);
  assert.equal(resumed.code, 2);
  assert.match(oneLineError(resumed.stderr), /--pretokenized true differs from its false/);
});

const PTB_VALID = repoPath('../shared/corpora/ptb.valid.txt');
const PTB_TEST = repoPath('../shared/corpora/ptb.test.txt');

test('rnnlm eval on Penn Treebank\'s test set counts 82,430 tokens (78,669 words + 3,761 <eos>)', { skip: !existsSync(PTB_TEST) && 'the shared corpora are not here' }, async () => {
  const dir = tempDir();
  // independent sentences, and the PTB convention proper: the lines as one stream, the state carried across them
  for (const sentence of ['line', 'stream']) {
    const m = join(dir, `ptb-${sentence}.json`);
    const t = await runCli(['train', PTB_VALID, '-o', m, '--level', 'word', '--pretokenized', '--unk-token', '<unk>', '--sentence', sentence, '--hidden', '8', '--layers', '1', '--embedding', '8', '--max-steps', '1', '-q', '--samples', '0']);
    assert.equal(t.code, 0, t.stderr);
    const e = await runCli(['eval', '-m', m, PTB_TEST, '--json']);
    const j = JSON.parse(e.stdout) as { tokens: number; sentences: number; sentenceMode: string };
    assert.equal(j.sentenceMode, sentence);
    assert.equal(j.sentences, 3761);
    assert.equal(j.tokens, 82430);
  }
});
