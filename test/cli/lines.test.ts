/**
 * The input reader of `score` and `eval` (src/cli/lines.ts) against a plain
 * reference written here: split the whole input at its line ends as
 * training does (LF, CRLF, a lone CR), drop a BOM at the start, decode each
 * line on its own. Whatever the chunking — every two-piece split, one byte at a time,
 * random sizes — the units must be the reference's, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inputUnits, MAX_UNIT_BYTES, UnitReader, type InputUnit } from '../../src/cli/lines.js';
import { cleanSentence } from '../../src/api/text.js';
import { createRng } from '../../src/core/rng.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

/** What every line becomes: its cleaned text, or (not UTF-8) the start of the error that names it. */
function reference(input: Uint8Array): { line: number; text?: string; error?: string }[] {
  // line ends as training reads them: CRLF, LF, and a lone CR
  const bytes = Uint8Array.from(Array.from(input).flatMap((b, i) => (b === 0x0d ? (input[i + 1] === 0x0a ? [] : [0x0a]) : [b])));
  const lines: Uint8Array[] = [];
  let from = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) { lines.push(bytes.subarray(from, i)); from = i + 1; }
  if (from < bytes.length) lines.push(bytes.subarray(from));
  return lines.map((raw, i) => {
    let b = raw;
    if (i === 0 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
    try {
      return { line: i + 1, text: cleanSentence(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b)) };
    } catch {
      return { line: i + 1, error: `line ${i + 1} is not valid UTF-8 text` };
    }
  });
}

function read(chunks: Uint8Array[], unit: 'line' | 'paragraph' = 'line'): InputUnit[] {
  const got: InputUnit[] = [];
  const r = new UnitReader(unit, (u) => got.push(u));
  for (const c of chunks) r.push(c);
  r.end();
  return got;
}

/** Units compared with the reference: texts exactly, errors by their start. */
function same(got: InputUnit[], want: ReturnType<typeof reference>, what: string): void {
  assert.equal(got.length, want.length, `${what}: ${got.length} units for ${want.length} lines`);
  got.forEach((u, i) => {
    const w = want[i]!;
    assert.equal(u.line, w.line, what);
    if (w.error !== undefined) assert.ok('error' in u && u.error.startsWith(w.error), `${what}: line ${w.line}: ${JSON.stringify(u)}`);
    else assert.deepEqual(u, { line: w.line, text: w.text }, what);
  });
}

const long = 'x'.repeat(5000) + ' é😀 ' + 'y'.repeat(3000);
const inputs: [string, Uint8Array][] = [
  ['blank lines, CRLF, no final LF', enc('a\nb\r\n\nc')],
  ['a BOM, then U+FEFF inside a line', enc('\uFEFFx\ny\uFEFFz\n')],
  ['a line that is not UTF-8 among good ones', cat(enc('ok\n'), Uint8Array.of(0xff, 0x20), enc('bad\nok2 é\n'))],
  ['a lone CR is a line end, as training reads it (old Mac files); CR at the very end', enc('a\rb\nc\r')],
  ['old Mac line ends only, a blank line among them, CR then CRLF', enc('one\rtwo\r\rthree\r\r\nfour')],
  ['only line feeds', enc('\n\n\n')],
  ['lines longer than a decoded piece, multi-byte characters', enc(`${long}\nshort\n${long}\r\n${'z'.repeat(4095)}\n${'w'.repeat(4096)}\n`)],
  ['trailing spaces and tabs are cleaned', enc('a b  \t\nc\t\n')],
  ['a bad byte in a long line', cat(enc('y'.repeat(6000)), Uint8Array.of(0xc3), enc('\nfine\n'))],
];

test('UnitReader: one unit per line, as the reference reads it, at every split into two chunks and one byte at a time', () => {
  for (const [what, bytes] of inputs) {
    const want = reference(bytes);
    same(read([bytes]), want, `${what}, whole`);
    same(read(Array.from(bytes, (b) => Uint8Array.of(b))), want, `${what}, a byte at a time`);
    const step = bytes.length > 200 ? 97 : 1;
    for (let cut = 0; cut <= bytes.length; cut += step) same(read([bytes.subarray(0, cut), bytes.subarray(cut)]), want, `${what}, cut at ${cut}`);
  }
  assert.deepEqual(read([]), [], 'no input, no unit');
  assert.deepEqual(read([new Uint8Array(0), enc('a'), new Uint8Array(0)]), [{ line: 1, text: 'a' }], 'empty chunks change nothing');
});

test('UnitReader: random chunk sizes over a mixed input', () => {
  const rng = createRng(11);
  const bytes = cat(...inputs.map(([, b]) => cat(b, enc('\n'))));
  const want = reference(bytes);
  for (let trial = 0; trial < 20; trial++) {
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < bytes.length;) {
      const n = 1 + Math.floor(rng.uniform() * 9000);
      chunks.push(bytes.subarray(at, at + n));
      at += n;
    }
    same(read(chunks), want, `trial ${trial}`);
  }
});

test('UnitReader: a line longer than the limit is reported once, its number kept, the next lines read', () => {
  const big = new Uint8Array(MAX_UNIT_BYTES + 10).fill(0x61);
  const chunks = [enc('first\n')];
  for (let at = 0; at < big.length; at += 1 << 16) chunks.push(big.subarray(at, at + (1 << 16)));
  chunks.push(enc('\nlast\n'));
  const got = read(chunks);
  assert.equal(got.length, 3);
  assert.deepEqual(got[0], { line: 1, text: 'first' });
  assert.ok('error' in got[1]! && got[1].line === 2 && /longer than 16 MB/.test(got[1].error), JSON.stringify(got[1]).slice(0, 200));
  assert.deepEqual(got[2], { line: 3, text: 'last' });
});

test('UnitReader: the 16 MB limit does not depend on where the chunks are cut: a line of exactly the limit is read, one byte more is reported even when its line end comes in the chunk that crosses the limit', () => {
  const limit = new Uint8Array(MAX_UNIT_BYTES).fill(0x61);
  // the limit filled by the first chunk, the line end alone in the next: read
  let got = read([limit, enc('\nnext\n')]);
  assert.deepEqual(got.map((u) => ('text' in u ? u.text.length : u.error)), [MAX_UNIT_BYTES, 4]);
  // one byte more, which comes with the line end (a 16 MB + 1 line, in 64 KB chunks, was scored)
  for (const chunks of [[limit, enc('a\nnext\n')], [cat(limit, enc('a\nnext\n'))], [enc('a'), limit, enc('\nnext\n')]]) {
    got = read(chunks);
    assert.equal(got.length, 2);
    assert.ok('error' in got[0]! && got[0].line === 1 && /^line 1 is longer than 16 MB: not scored$/.test(got[0].error), JSON.stringify(got[0]).slice(0, 200));
    assert.deepEqual(got[1], { line: 2, text: 'next' });
  }
});

/**
 * A paragraph's text is its lines joined by line feeds: a one-line paragraph
 * of exactly 16 MB is 16 MB long, and so is one of two lines of 8 MB and
 * 8 MB − 1 bytes with the line feed between them. Each line's line feed was
 * counted, the last one's too, so a paragraph of exactly the limit was
 * reported as longer than 16 MB (a 16 MB line read in line mode was refused
 * by a paragraph model's eval).
 */
test('UnitReader: a paragraph of exactly 16 MB (its lines and the line feeds between them) is read; one byte more is reported', () => {
  const half = MAX_UNIT_BYTES / 2;
  const cases: [Uint8Array[], number][] = [
    [[new Uint8Array(MAX_UNIT_BYTES).fill(0x61), enc('\n\nnext\n')], MAX_UNIT_BYTES],
    [[new Uint8Array(half).fill(0x61), enc('\n'), new Uint8Array(half - 1).fill(0x62), enc('\n\nnext\n')], MAX_UNIT_BYTES],
  ];
  for (const [chunks, length] of cases) {
    const got = read(chunks, 'paragraph');
    assert.deepEqual(got.map((u) => ('text' in u ? u.text.length : u.error)), [length, 4]);
  }
  for (const chunks of [[new Uint8Array(MAX_UNIT_BYTES + 1).fill(0x61), enc('\n\nnext\n')], [new Uint8Array(half).fill(0x61), enc('\n'), new Uint8Array(half).fill(0x62), enc('\n\nnext\n')]]) {
    const got = read(chunks, 'paragraph');
    assert.equal(got.length, 2);
    assert.ok('error' in got[0]! && /^(the paragraph at )?line 1 is longer than 16 MB: not scored$/.test(got[0].error), JSON.stringify(got[0]).slice(0, 200));
    assert.equal('text' in got[1]! && got[1].text, 'next');
  }
});

test('UnitReader: paragraphs are the lines up to a blank one, numbered by their first line; a bad line spoils its paragraph only', () => {
  const bytes = cat(enc('p1 a\np1 b\n\np2\n\n\n\np3 a\r\n'), Uint8Array.of(0xff), enc('\n\np4\n'));
  const want: InputUnit[] = [{ line: 1, text: 'p1 a\np1 b' }, { line: 4, text: 'p2' }];
  for (const chunks of [[bytes], Array.from(bytes, (b) => Uint8Array.of(b))]) {
    const got = read(chunks, 'paragraph');
    assert.equal(got.length, 4);
    assert.deepEqual(got.slice(0, 2), want);
    assert.ok('error' in got[2]! && got[2].line === 8 && got[2].error.startsWith('line 9 is not valid UTF-8'), JSON.stringify(got[2]));
    assert.deepEqual(got[3], { line: 11, text: 'p4' });
  }
});

test('UnitReader: a UnitSink gets the units a function sink gets, as calls (text, or error with its hint), in order', () => {
  const bytes = cat(enc('\uFEFFone  \r\ntwo\n'), Uint8Array.of(0x61, 0xff), enc('\n\nlast'));
  for (const unit of ['line', 'paragraph'] as const) {
    const calls: InputUnit[] = [];
    const reader = new UnitReader(unit, {
      text: (line, text) => calls.push({ line, text }),
      error: (line, error, hint) => calls.push({ line, error, hint }),
    });
    reader.push(bytes);
    reader.end();
    assert.deepEqual(calls, read([bytes], unit));
  }
  const lines: InputUnit[] = [];
  const reader = new UnitReader('line', { text: (line, text) => lines.push({ line, text }), error: (line, error, hint) => lines.push({ line, error, hint }) });
  reader.push(bytes);
  reader.end();
  assert.deepEqual(lines.map((u) => ('text' in u ? u.text : `error ${u.line}`)), ['one', 'two', 'error 3', '', 'last']);
});

test('inputUnits: the same units from an async stream of chunks, in arrays', async () => {
  const bytes = inputs[2]![1];
  async function* chunks() { for (const b of bytes) yield Uint8Array.of(b); }
  const got: InputUnit[] = [];
  for await (const us of inputUnits(chunks(), 'line')) got.push(...us);
  same(got, reference(bytes), 'async');
});

test('inputUnits: a large chunk of short lines comes out in arrays of at most one 4 KiB slice\'s lines, all of them, in order', async () => {
  const n = 32768;
  const big = new TextEncoder().encode('a\n'.repeat(n)); // 64 KiB in one chunk
  async function* chunks() { yield big; }
  const sizes: number[] = [];
  const got: InputUnit[] = [];
  for await (const us of inputUnits(chunks(), 'line')) {
    sizes.push(us.length);
    got.push(...us);
  }
  assert.equal(got.length, n);
  assert.ok(got.every((u, i) => 'text' in u && u.text === 'a' && u.line === i + 1));
  assert.ok(Math.max(...sizes) <= 4096 / 2, `arrays of ${Math.max(...sizes)} units`);
});
