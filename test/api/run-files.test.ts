/**
 * The training log's writer (src/api/run-files.ts): records appended to what
 * the file holds, re-read at every write, so that two runs sharing one log
 * keep each other's records; a file that is not a log is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstNonRecordLine, openLog } from '../../src/api/run-files.js';
import type { FileSink } from '../../src/api/platform.js';
import { DataError } from '../../src/core/errors.js';

/** Files in memory, written whole as the Node sink writes them. */
function memorySink(files: Map<string, string>): FileSink {
  return {
    async write(path, content) { let s = ''; for (const c of content) s += typeof c === 'string' ? c : new TextDecoder().decode(c); files.set(path, s); },
    async read(path) { const s = files.get(path); return s === undefined ? null : new TextEncoder().encode(s); },
  };
}

const rec = (step: number, run: string) => JSON.stringify({ step, run }) + '\n';

test('two runs appending to one log keep every record, each run\'s in its order', async () => {
  const files = new Map<string, string>();
  const sink = memorySink(files);
  const a = await openLog(sink, 'run.ndjson');
  const b = await openLog(sink, 'run.ndjson');
  assert.equal(await a.append(rec(1, 'a')), null);
  assert.equal(await b.append(rec(1, 'b')), null);
  assert.equal(await a.append(rec(2, 'a')), null);
  assert.equal(await b.append(rec(2, 'b')), null);
  assert.equal(files.get('run.ndjson'), rec(1, 'a') + rec(1, 'b') + rec(2, 'a') + rec(2, 'b'));
});

test('a log whose last line has no line end gets one before the next record', async () => {
  const files = new Map([['log', '{"step":3}']]);
  const log = await openLog(memorySink(files), 'log');
  await log.append(rec(4, 'x'));
  assert.equal(files.get('log'), '{"step":3}\n' + rec(4, 'x'));
});

test('a file that is not a log is refused at open, and not written if it becomes one during the run', async () => {
  for (const text of ['{\n  "format": "rnnlm-checkpoint"\n}\n', 'plain text\n', '[1,2]\n', '{"loss":1}\n', '{"step":1}\nnot json\n']) {
    const files = new Map([['x', text]]);
    await assert.rejects(openLog(memorySink(files), 'x'), (e: unknown) => e instanceof DataError && /^x is not a training log \(line \d is not an evaluation record\)$/.test(e.message));
    assert.equal(files.get('x'), text);
  }
  const files = new Map<string, string>();
  const log = await openLog(memorySink(files), 'y');
  await log.append(rec(1, 'a'));
  files.set('y', 'replaced by the user\n');
  assert.match((await log.append(rec(2, 'a')))!, /^y is no longer a training log \(line 1 is not an evaluation record\): its records were not written$/);
  assert.equal(files.get('y'), 'replaced by the user\n');
  assert.equal(log.pending, true);
});

test('firstNonRecordLine: blank lines and CRLF are fine; the line number of the first bad one', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.equal(firstNonRecordLine(enc('')), 0);
  assert.equal(firstNonRecordLine(enc('{"step":1}\r\n\n{"step":2,"valLoss":null}\n')), 0);
  assert.equal(firstNonRecordLine(enc('{"step":1}\n{"step":"2"}\n')), 2);
  assert.equal(firstNonRecordLine(Uint8Array.of(0xff, 0x0a)), 1);
});
