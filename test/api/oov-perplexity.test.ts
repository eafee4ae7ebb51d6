/**
 * Perplexity excluding <UNK> tokens, as KenLM prints it beside the one that
 * includes them: eval's `perplexityExcludingUnk` and score's summary equal
 * exp(−Σ log P / n) over the tokens that are not <UNK>, computed here from
 * the library's per-token log-probabilities.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { basicPlatform } from '../../src/api/platform.js';
import { evaluate } from '../../src/api/evaluate.js';
import { scoreNow } from '../../src/api/score.js';
import { runCli } from '../helpers/fake-host.js';
import { tinyModel, ENV } from './tiny-model.js';

test('perplexity excluding <UNK>: eval and the score summary equal the per-token definition', async () => {
  const m = await tinyModel();
  // 'x' and 'z' are not in the vocabulary of a, b, c and space
  const lines = ['abc xa', 'ccz', 'ab ab'];
  const scored = scoreNow(m.ref, lines);
  let sum = 0, n = 0, unk = 0;
  for (const s of scored) for (const t of s.perToken) { if (t.token === '<UNK>') unk++; else { sum += t.logProb; n++; } }
  assert.equal(unk, 2);
  const byHand = Math.exp(-sum / n);
  const e = await evaluate(basicPlatform(), m.ref, lines.join('\n'));
  assert.ok(e.perplexityExcludingUnk !== null && Math.abs(e.perplexityExcludingUnk - byHand) < 1e-9 * byHand, `${e.perplexityExcludingUnk} vs ${byHand}`);
  assert.ok(e.perplexityExcludingUnk! < e.perplexity, 'the unknown characters were the hard part');
  const file = join(m.dir, 'lines.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = await runCli(['score', '-m', m.file], { stdin: lines.join('\n') + '\n', env: ENV });
  const shownValue = Number(/perplexity [\d.]+ \(([\d.]+) excluding <UNK> tokens\)/.exec(r.stderr)?.[1]);
  assert.ok(Math.abs(shownValue - byHand) < 5e-4 * byHand, `${r.stderr}`);
  const ev = await runCli(['eval', '-m', m.file, file], { env: ENV });
  assert.match(ev.stdout, new RegExp(`ppl w/o <UNK>\\s+${byHand.toFixed(3)} \\(over the tokens that are not <UNK>\\)`));
});
