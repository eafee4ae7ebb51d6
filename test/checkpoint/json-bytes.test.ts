/**
 * The strict JSON parser over bytes, against JSON.parse (an independent
 * implementation of the same RFC): the same values for every document both
 * accept, a refusal for every text JSON.parse refuses, then what JSON.parse
 * does not do — a nesting limit instead of deep recursion, UTF-8 validated
 * byte by byte, long strings left as byte ranges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteString, JsonBytesError, MAX_DEPTH, firstInvalidUtf8, lineAndColumn, parseJsonBytes, utf8Length, type JsonPath } from '../../src/checkpoint/json-bytes.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const parse = (s: string, opts = {}): unknown => parseJsonBytes(enc(s), opts);

function refusal(bytes: Uint8Array, opts = {}): JsonBytesError {
  try {
    parseJsonBytes(bytes, opts);
  } catch (e) {
    assert.ok(e instanceof JsonBytesError, `not a JsonBytesError: ${String(e)}`);
    return e;
  }
  assert.fail(`accepted: ${new TextDecoder().decode(bytes).slice(0, 80)}`);
}

test('any JSON document: the same value as JSON.parse (-0, escapes, astral characters, big and tiny numbers)', () => {
  const doc = fc.jsonValue({ maxDepth: 5, stringUnit: 'binary' }); // binary: any code point
  fc.assert(fc.property(doc, fc.boolean(), (v, pretty) => {
    const text = JSON.stringify(v, null, pretty ? 2 : undefined);
    assert.deepEqual(parse(text), JSON.parse(text)); // deepEqual is Object.is: -0 ≠ 0
  }), { numRuns: 300 });
});

test('numbers, escapes and keys exactly as JSON.parse reads them', () => {
  const texts = [
    '-0', '0', '1e400', '-1e400', '1E-400', '123456789012345678901234567890', '9007199254740993', '0.1', '-0.0e+0', '2.5E3',
    '"\\u0041\\u00e9\\ud83d\\ude00\\n\\t\\/\\\\\\"\\b\\f\\r"', '"\\ud800"', '"\\uDFFF x"', '"é😀\u2028"',
    '{"__proto__": 1, "a": 2}', '{"a": 1, "b": 2, "a": 3}', '{"2": "x", "1": "y", "b": 0}', ' [ 1 , [ ] , { } ] ', '"\ufeff"',
  ];
  for (const t of texts) {
    const got = parse(t);
    assert.deepEqual(got, JSON.parse(t), t);
    if (t.startsWith('{"__proto__"')) {
      assert.equal(Object.getPrototypeOf(got), Object.prototype, 'the prototype is not replaced');
      assert.deepEqual(Object.keys(got as object), ['__proto__', 'a']);
    }
    if (t.startsWith('{"a": 1')) assert.deepEqual(Object.keys(got as object), ['a', 'b']);
  }
});

test('every text JSON.parse refuses is refused (a syntax error at a byte offset)', () => {
  const bad = [
    '', ' ', '{', '[1,]', '{"a":1,}', '[01]', '[-]', '[1.]', '[.5]', '[1e]', '[+1]', '[0x10]', '[NaN]', '[Infinity]', "['a']",
    '{a: 1}', '{"a" 1}', '{"a":}', '[1 2]', 'tru', 'nul', 'True', '"abc', '"\\x41"', '"\\u12"', '"\\u12G4"', '"a\tb"', '"a\nb"',
    '[1] x', '{} {}', '// c\n1', '/* c */ 1', '\ufeff{}', '[1]\u00a0', '\u2028[]', '"\\', '[', '{"a"', '{"a":', '{"a":1',
  ];
  for (const t of bad) {
    assert.throws(() => JSON.parse(t), SyntaxError, `JSON.parse accepts ${JSON.stringify(t)}`);
    const e = refusal(enc(t));
    assert.equal(e.kind, 'syntax', t);
    assert.ok(e.offset >= 0 && e.offset <= enc(t).length, t);
  }
});

test('mutated JSON: accepted by the parser exactly when JSON.parse accepts it, with the same value', () => {
  const CHARS = fc.constantFrom(...'{}[]",:0123456789.-+eE tfnulrs\\/\n\t\u00e9'.split(''));
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.tuple(fc.nat(), CHARS, fc.boolean()), { minLength: 1, maxLength: 3 }), (v, edits) => {
    let t = JSON.stringify(v);
    for (const [at, ch, insert] of edits) {
      const i = t.length === 0 ? 0 : at % (t.length + 1);
      t = t.slice(0, i) + ch + t.slice(insert ? i : i + 1);
    }
    let want: unknown;
    try {
      want = JSON.parse(t);
    } catch {
      assert.equal(refusal(enc(t)).kind, 'syntax', t);
      return;
    }
    assert.deepEqual(parse(t), want, t);
  }), { numRuns: 1000 });
});

test('nesting: maxDepth levels are read, one more is refused with kind "depth", 100,000 levels without a stack overflow', () => {
  const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  assert.equal(MAX_DEPTH, 64);
  assert.doesNotThrow(() => parse(nest(64)));
  const e = refusal(enc(nest(65)));
  assert.equal(e.kind, 'depth');
  assert.equal(e.offset, 64, 'at the 65th bracket');
  assert.equal(refusal(enc(nest(100_000))).kind, 'depth');
  assert.equal(refusal(enc('{"a":'.repeat(100_000))).kind, 'depth');
  assert.equal(refusal(enc(nest(3)), { maxDepth: 2 }).kind, 'depth');
  // the path to the refused container
  const deep = `{"x": {"y": [0, ${nest(70)}]}}`;
  const d = refusal(enc(deep));
  assert.deepEqual(d.path.slice(0, 4), ['x', 'y', 1, 0]);
});

test('UTF-8: valid sequences of every length are read; every invalid one is refused with kind "utf8" at its first byte', () => {
  assert.equal(parse('"\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}"'), '\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}');
  const at = (prefix: number[], bad: number[], suffix: number[] = [0x22]): void => {
    const bytes = Uint8Array.from([...prefix, ...bad, ...suffix]);
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), TypeError, 'the platform decoder refuses it too');
    const e = refusal(bytes);
    assert.equal(e.kind, 'utf8', JSON.stringify(bad));
    assert.equal(e.offset, prefix.length, JSON.stringify(bad));
    assert.equal(firstInvalidUtf8(bytes), prefix.length);
  };
  const q = [0x22, 0x61]; // '"a'
  at(q, [0x80]); // a stray continuation byte
  at(q, [0xc0, 0xaf]); // overlong '/'
  at(q, [0xe0, 0x80, 0xaf]); // overlong, 3 bytes
  at(q, [0xed, 0xa0, 0x80]); // an encoded surrogate (CESU-8)
  at(q, [0xf4, 0x90, 0x80, 0x80]); // above U+10FFFF
  at(q, [0xf5, 0x80, 0x80, 0x80]);
  at(q, [0xff]);
  at(q, [0xe2, 0x82], []); // cut at the end of the text
  at(q, [0xe2, 0x82, 0x41]); // cut by an ASCII byte
  at([0x5b], [0xff], [0x5d]); // outside any string
  assert.equal(firstInvalidUtf8(enc('plain ascii é 😀')), -1);
  assert.equal(utf8Length(Uint8Array.from([0xf0, 0x9f, 0x98, 0x80]), 0, 4), 4);
  assert.equal(utf8Length(Uint8Array.from([0xf0, 0x9f, 0x98, 0x80]), 0, 3), 0, 'cut by end');
  // a valid non-ASCII character out of place is a syntax error naming it
  const e = refusal(enc('[é]'));
  assert.equal(e.kind, 'syntax');
  assert.match(e.what, /unexpected "é"/);
});

test('a leading byte order mark: skipped with skipBom, refused without (as JSON.parse does)', () => {
  const bytes = enc('\ufeff{"a": 1}');
  assert.deepEqual(parseJsonBytes(bytes, { skipBom: true }), { a: 1 });
  assert.equal(refusal(bytes).kind, 'syntax');
});

test('strings at the asBytes paths come back as byte ranges with their UTF-16 length; others as strings', () => {
  const at = (p: JsonPath) => p.length === 2 && p[0] === 'big';
  const text = '{"big": ["QUJD", "é😀x", "a\\nb", ""], "small": "QUJD", "n": {"big": "no"}}';
  const bytes = enc(text);
  const v = parseJsonBytes(bytes, { asBytes: at }) as { big: unknown[]; small: unknown; n: { big: unknown } };
  const [b0, b1, b2, b3] = v.big;
  assert.ok(b0 instanceof ByteString && b1 instanceof ByteString && b3 instanceof ByteString);
  assert.equal(new TextDecoder().decode(bytes.subarray(b0.start, b0.end)), 'QUJD');
  assert.equal(b0.length, 4);
  assert.ok(b0.ascii);
  assert.equal(b1.length, 'é😀x'.length); // 4 UTF-16 units in 7 bytes
  assert.ok(!b1.ascii);
  assert.equal(b1.head(40), 'é😀x');
  assert.equal(b1.charAt(1), '😀');
  assert.equal(b1.charAt(3), 'x');
  assert.equal(b2, 'a\nb', 'a string with an escape is decoded');
  assert.equal(b3.length, 0);
  assert.equal(v.small, 'QUJD');
  assert.equal(v.n.big, 'no');
});

test('long strings (read four bytes at a time): every special byte at every position and alignment is seen', () => {
  const specials: [string, number[]][] = [
    ['quote', [0x22]], ['escape', [0x5c, 0x6e]], ['bad escape', [0x5c, 0x78]], ['control', [0x1f]], ['NUL', [0x00]],
    ['DEL', [0x7f]], ['space', [0x20]], ['tilde', [0x7e]], ['é', [0xc3, 0xa9]], ['stray continuation', [0x80]], ['0xFF', [0xff]],
  ];
  const L = 150;
  for (const [name, bytes] of specials) {
    for (let p = 60; p < 90; p++) {
      const content = [...Array.from({ length: p }, () => 0x41), ...bytes, ...Array.from({ length: L - p }, () => 0x42)];
      const doc = [0x22, ...content, 0x22];
      let want: unknown;
      try {
        want = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(doc)));
      } catch {
        want = undefined;
      }
      for (let offset = 0; offset < 8; offset++) {
        const framed = new Uint8Array(doc.length + 16);
        framed.set(doc, offset);
        const view = framed.subarray(offset, offset + doc.length);
        const what = `${name} at ${p}, offset ${offset}`;
        if (want === undefined) {
          assert.throws(() => parseJsonBytes(view), JsonBytesError, what);
          continue;
        }
        assert.equal(parseJsonBytes(view), want, what);
        const raw = parseJsonBytes(view, { asBytes: () => true });
        if (raw instanceof ByteString) assert.equal(raw.head(1000), want, what);
        else assert.equal(raw, want, `${what} (escaped: a string)`);
      }
    }
  }
});

test('lineAndColumn counts lines from 1 and columns in code points', () => {
  const b = enc('ab\ncé😀x');
  assert.equal(lineAndColumn(b, 0), 'line 1, column 1');
  assert.equal(lineAndColumn(b, 3), 'line 2, column 1');
  assert.equal(lineAndColumn(b, b.length - 1), 'line 2, column 4'); // the x after c, é, 😀
});
