/**
 * The flat stores of rnnlm score: pending units (ids and UTF-8 bytes of each
 * sentence, errors at their places) and the output built as bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingUnits } from '../../src/cli/pending-units.js';
import { OutputBytes } from '../../src/cli/output-bytes.js';
import { CorpusBuilder } from '../../src/core/tokenize.js';
import { vocabFromTokens } from '../../src/core/vocab.js';

const vocab = vocabFromTokens(['<EOS>', '<UNK>', 'a', 'b', 'é']);
const CHAR = { level: 'char', lowercase: false, unkToken: null } as const;

test('PendingUnits: texts as ids and bytes, errors at their places among them; clear() empties it for the next chunk', () => {
  const p = new PendingUnits(new CorpusBuilder(vocab, CHAR));
  for (let round = 0; round < 2; round++) {
    p.addText('ab');
    p.addError(7, 'line 7 is not valid UTF-8 text', 'convert it');
    p.addText('é\tx'.repeat(round + 1));
    p.addText('');
    assert.equal(p.size, 4);
    assert.equal(p.sentences, 3);
    assert.deepEqual(p.errors, [{ at: 1, line: 7, error: 'line 7 is not valid UTF-8 text', hint: 'convert it' }]);
    // é is 2 bytes (C3 A9), a tab 1, x 1
    assert.deepEqual([...p.textBytes(1)], Array<number[]>(round + 1).fill([0xc3, 0xa9, 0x09, 0x78]).flat());
    assert.equal(p.text(0), 'ab');
    assert.equal(p.text(1), 'é\tx'.repeat(round + 1));
    assert.equal(p.text(2), '');
    const c = p.corpus();
    // a b <EOS> | é <UNK> x... as ids: é 4, tab and x unknown (1), EOS 0
    assert.deepEqual([...c.ids], [2, 3, 0, ...Array<number[]>(round + 1).fill([4, 1, 1]).flat(), 0, 0]);
    p.clear();
    assert.equal(p.size, 0);
    assert.equal(p.errors.length, 0);
  }
});

test('OutputBytes: text as UTF-8, tabs and line feeds of a sentence as spaces, bytes taken once', () => {
  const out = new OutputBytes();
  out.text('-1.5000\t');
  out.bytesOnOneLine(Buffer.from('é\ta\nb'));
  out.byte(0x0a);
  assert.equal(out.take(), '-1.5000\té a b\n');
  assert.equal(out.length, 0);
  const long = 'ü'.repeat(50_000);
  out.text(long);
  assert.equal(out.take(), long);
});
