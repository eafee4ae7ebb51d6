/**
 * The training log's writer (src/api/run-files.ts): records appended to what
 * the file holds, by the sink's `append` when it has one (checked against the
 * file's last bytes only) or else re-read and rewritten at every write, so
 * that two runs sharing one log keep each other's records; a file that is not
 * a log is refused.
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

/** The same files with an appender that shows `check` only the last `tailBytes` bytes (Node's shows 64 KB). */
function appendingSink(files: Map<string, string>, tailBytes: number): FileSink & { appends: number } {
  const sink = {
    ...memorySink(files),
    appends: 0,
    async append(path: string, text: string, check: (tail: Uint8Array, whole: boolean) => void) {
      const bytes = new TextEncoder().encode(files.get(path) ?? '');
      const tail = bytes.subarray(Math.max(0, bytes.length - tailBytes));
      check(tail, tail.length === bytes.length);
      const old = files.get(path) ?? '';
      files.set(path, old + (old !== '' && !old.endsWith('\n') ? '\n' : '') + text);
      sink.appends++;
    },
  };
  return sink;
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

test('with an appending sink: one append per write, two runs interleave, the file is checked at its end only', async () => {
  const files = new Map([['log', '{"step":1,"run":"old"}']]);
  const sink = appendingSink(files, 40);
  const a = await openLog(sink, 'log');
  const b = await openLog(sink, 'log');
  assert.equal(await a.append(rec(1, 'a')), null);
  assert.equal(await b.append(rec(1, 'b')), null);
  assert.equal(await a.append(rec(2, 'a')), null);
  assert.equal(files.get('log'), '{"step":1,"run":"old"}\n' + rec(1, 'a') + rec(1, 'b') + rec(2, 'a'));
  assert.equal(sink.appends, 3);
  // the open reads the whole file; later writes look at its end only (40 bytes here, 64 KB in Node's)
  files.set('log', 'edited by hand\n' + rec(3, 'a') + rec(4, 'a'));
  assert.equal(await a.append(rec(5, 'a')), null);
  assert.equal(files.get('log'), 'edited by hand\n' + rec(3, 'a') + rec(4, 'a') + rec(5, 'a'));
  await assert.rejects(openLog(sink, 'log'), DataError);
});

test('with an appending sink: a log replaced during the run by something else is not appended to; its records wait', async () => {
  for (const [replacement, why] of [
    ['{\n  "format": "rnnlm-checkpoint"\n}\n', /^y is no longer a training log \(line 1 is not an evaluation record\): its records were not written$/],
    // longer than the tail: the cut first line is skipped, the lines after it judged
    [rec(9, 'z').repeat(10) + '{"format":"not a record"}\n', /^y is no longer a training log \(a line near its end is not an evaluation record\): its records were not written$/],
    // a last line longer than the tail cannot be a record the appender can see
    ['x'.repeat(100) + '\n', /^y is no longer a training log \(its last line is not an evaluation record\): its records were not written$/],
  ] as const) {
    const files = new Map<string, string>();
    const log = await openLog(appendingSink(files, 60), 'y');
    assert.equal(await log.append(rec(1, 'a')), null);
    files.set('y', replacement);
    assert.match((await log.append(rec(2, 'a')))!, why);
    assert.equal(files.get('y'), replacement);
    assert.equal(log.pending, true);
    // once it is a log again, both waiting records go in one append
    files.set('y', '');
    assert.equal(await log.flush(), null);
    assert.equal(files.get('y'), rec(2, 'a'));
  }
});

test('with an appending sink: a long log of records takes more (only its cut first line is skipped)', async () => {
  const files = new Map([['log', rec(1, 'x'.repeat(50)) + rec(2, 'y')]]);
  const log = await openLog(appendingSink(files, 30), 'log');
  assert.equal(await log.append(rec(3, 'z')), null);
  assert.equal(files.get('log')!.trimEnd().split('\n').length, 3);
});
