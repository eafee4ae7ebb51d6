/**
 * What a careless or hostile user gives the newer commands (rescore, --ngram,
 * tag): each case either works as documented or is refused in one line with
 * the exit code of its kind.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

const NER = repoPath('test/fixtures/tag/ner-bio.txt');
const TINY = repoPath('test/fixtures/tag/tiny.conllu');
const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));

/** A tagger trained for a few steps: what it predicts does not matter here, only that the column asked for is the one read. */
async function quickTagger(data: string, out: string): Promise<string> {
  const r = await runCli(['tag', 'train', data, '-o', out, '--max-steps', '2', '--hidden', '4', '--embedding', '4', '--char-embedding', '4', '--char-hidden', '4', '--threads', '1', '-q']);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

test('tag eval --label as a column number (as tag train and tag predict take it): the same report as the column by name or by default', async () => {
  const ner = await quickTagger(NER, join(dir, 'ner.json'));
  const upos = await quickTagger(TINY, join(dir, 'upos.json'));
  const report = async (...args: string[]) => {
    const r = await runCli(['tag', 'eval', '--json', '-q', ...args]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    delete j['label'];
    return j;
  };
  // the NER file has two columns: the last is the second
  const byDefault = await report('-m', ner, NER);
  assert.deepEqual(await report('-m', ner, NER, '--label', '2'), byDefault);
  assert.deepEqual(await report('-m', ner, NER, '--label', '-1'), byDefault);
  // UPOS is CoNLL-U's 4th column
  assert.deepEqual(await report('-m', upos, TINY, '--label', '4'), await report('-m', upos, TINY, '--label', 'upos'));
  // a column that is not there: the option named, exit 2
  const bad = await runCli(['tag', 'eval', '-m', upos, TINY, '--label', '11']);
  assert.equal(bad.code, 2);
  assert.match(oneLineError(bad.stderr), /^rnnlm: --label: CoNLL-U label column 11 does not exist/);
});
