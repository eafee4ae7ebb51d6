/**
 * Untrusted text never reaches a terminal raw, and SVGs stay well-formed XML:
 * strings from a checkpoint (meta, tokens, options), from a file name, from
 * the corpus or from an argument are shown with their control characters as
 * escapes (`\x1b`) by `info`, `eval` and in every error line, and are
 * XML-escaped (the characters XML 1.0 forbids dropped) in `plot`'s SVG.
 */
import { test, before, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { RnnlmError } from '../../src/core/errors.js';
import { InputError, formatError } from '../../src/cli/errors.js';
import { jsonLine, shown } from '../../src/cli/format.js';
import { escapeXml } from '../../src/cli/svg.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

const tiny = repoPath('test/fixtures/tiny.txt');

/** A character no terminal output may carry raw (tab and line feed allowed: they are layout). */
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** The same without the layout exception: what one error line may not hold. */
const RAW_IN_LINE = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function assertNoRaw(text: string, what: string, re = RAW): void {
  const m = re.exec(text);
  assert.equal(m, null, `${what} holds a raw U+${m?.[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${m?.index}: ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 30), (m?.index ?? 0) + 30))}`);
}

/** Hostile strings and how shown() must write them (escapes written out by hand). */
const HOSTILE: [string, string][] = [
  ['\x1b]0;pwned\x07', '\\x1b]0;pwned\\x07'], // OSC: retitles the window
  ['\x1b[2J', '\\x1b[2J'], // clears the screen
  ['a\x00b', 'a\\x00b'],
  ['\u202eevil', '\\u202eevil'], // right-to-left override
  ['\x9b31m', '\\x9b31m'], // C1 CSI
  ['del\x7f', 'del\\x7f'],
  ['lone \ud800 high', 'lone \\ud800 high'],
  ['\udc00 low', '\\udc00 low'],
  ['line\nbreak', 'line\\x0abreak'],
  ['cr\rret', 'cr\\x0dret'],
  ['tab\there', 'tab\\x09here'],
  ['iso\u2066late\u2069', 'iso\\u2066late\\u2069'],
  ['sep\u2028ara', 'sep\\u2028ara'],
];

// ── shown, jsonLine, escapeXml ──────────────────────────────────────────────

test('shown: C0, C1, DEL, bidi controls, line separators and lone surrogates as \\xNN / \\uNNNN; other text unchanged', () => {
  for (const [raw, want] of HOSTILE) assert.equal(shown(raw), want, JSON.stringify(raw));
  for (const safe of ['plain ascii', 'café – naïve ✓', 'emoji 😀 (a surrogate pair)', 'back\\slash', '“quotes”', '\u200e\u00a0\ufeff']) {
    assert.equal(shown(safe), safe, JSON.stringify(safe));
  }
  assert.equal(shown('a\tb\nc\rd', true), 'a\tb\nc\\x0dd', 'keepLayout keeps tab and line feed, not carriage return');
  assert.equal(shown('\x1b[31m\n', true), '\\x1b[31m\n');
});

const awkward = fc.constantFrom('\x00', '\x07', '\x1b', '\n', '\r', '\t', '\x7f', '\x85', '\x9b', '\u202e', '\u2066', '\u2028', '\ud800', '\udfff', '\ud83d\ude00', '\\', 'x', '<', '&', '\ufffe', '\uffff');
const hostileText = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), awkward), { maxLength: 30 }).map((a) => a.join(''));

test('shown (property): no unsafe character left; idempotent; without backslashes in the input, un-escaping gives it back', () => {
  fc.assert(fc.property(hostileText, (s) => {
    const out = shown(s);
    assertNoRaw(out, 'shown()', RAW_IN_LINE);
    assert.equal(shown(out), out);
    if (!s.includes('\\')) {
      const back = out.replace(/\\x([0-9a-f]{2})|\\u([0-9a-f]{4})/g, (_m, x: string | undefined, u: string | undefined) => String.fromCharCode(parseInt(x ?? u!, 16)));
      assert.equal(back, s);
    }
  }), { numRuns: 500 });
});

test('jsonLine (property): parses back to the same value; no raw unsafe character; a lone surrogate is written \\ud800', () => {
  fc.assert(fc.property(fc.dictionary(hostileText, hostileText, { maxKeys: 4 }), (o) => {
    const line = jsonLine(o);
    assertNoRaw(line, 'jsonLine()', RAW_IN_LINE);
    assert.deepEqual(JSON.parse(line), { ...o });
  }), { numRuns: 300 });
  assert.equal(jsonLine({ s: '\ud800\x9b\u202e\x1b' }), '{"s":"\\ud800\\u009b\\u202e\\u001b"}');
});

/** XML 1.0 Char: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000 up (paired surrogates). */
const NOT_XML_CHAR = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The text an XML parser reads from escaped character data (the five entities and numeric references). */
function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|#x[0-9a-f]+);/g, (_m, e: string) =>
    ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" } as Record<string, string>)[e] ?? String.fromCodePoint(parseInt(e.slice(2), 16)));
}

test('escapeXml (property): no character XML 1.0 forbids, no raw markup; a parser reads back the text with the forbidden characters dropped', () => {
  fc.assert(fc.property(hostileText, (s) => {
    const out = escapeXml(s);
    assert.ok(!NOT_XML_CHAR.test(out), JSON.stringify(out));
    assert.ok(!/[<>"']/.test(out));
    assert.ok(!/&(?!(amp|lt|gt|quot|#39|#x[0-9a-f]+);)/.test(out), 'every & starts a reference');
    assertNoRaw(out, 'escapeXml()', RAW_IN_LINE);
    const dropped = s.replace(new RegExp(NOT_XML_CHAR.source, 'g'), '');
    assert.equal(unescapeXml(out), dropped);
  }), { numRuns: 500 });
  assert.equal(escapeXml('\x1b[31m\x00<script>&\ud800\uffff'), '[31m&lt;script&gt;&amp;');
});

// ── the commands ────────────────────────────────────────────────────────────

let dir = '';
let model = '';
let base: Record<string, any>;

before(async () => {
  dir = tempDir();
  model = join(dir, 'm.json');
  const r = await runCli(['train', tiny, '-o', model, '--hidden', '8', '--layers', '1', '--epochs', '3', '--val-fraction', '0.34', '--samples', '0', '-q']);
  assert.equal(r.code, 0, r.stderr);
  base = JSON.parse(readFileSync(model, 'utf8'));
});

/** The trained checkpoint with its strings replaced by hostile ones, written to `name` in the temp directory. */
function hostileCheckpoint(name: string): { path: string; meta: Record<string, string> } {
  const meta: Record<string, string> = { ...base.meta, corpus: '\x1b[2J<corpus> & "x"\x00\ud800' };
  HOSTILE.forEach(([raw], k) => { meta[`m${k}`] = raw; });
  meta['key\x1b[31m\u202e'] = 'v';
  const vocab = { ...base.vocab, tokens: base.vocab.tokens.map((t: string) => (t === 'c' ? '\x9b' : t)) };
  const ck = {
    ...base, meta, vocab,
    tokenizer: { ...base.tokenizer, unkToken: '\x1b' },
    training: { ...base.training, options: { ...base.training.options, corpus: 'corpus\x1b]0;pwned\x07.txt', output: 'o\u202e.json' } },
  };
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(ck, null, 1));
  return { path, meta };
}

test('info: meta keys and values, tokens, unk token, saved options and the file name from a hostile checkpoint are shown escaped', async () => {
  const { path } = hostileCheckpoint('info \x1b]0;pwned\x07.json');
  const r = await runCli(['info', path]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assertNoRaw(r.stdout, 'info stdout');
  for (const [, escaped] of HOSTILE) assert.ok(r.stdout.includes(escaped), `shows ${escaped}`);
  assert.ok(r.stdout.includes('info \\x1b]0;pwned\\x07.json  ('), 'the file name heads the report, escaped');
  assert.ok(r.stdout.includes('key\\x1b[31m\\u202e'), 'a meta key');
  assert.match(r.stdout, /^\s+corpus\s+\\x1b\[2J<corpus> & "x"\\x00\\ud800$/m, 'meta.corpus');
  assert.ok(r.stdout.includes('"\\x9b"'), 'a C1 vocabulary token');
  assert.ok(r.stdout.includes('unk token "\\u001b"'), 'the unk token (a JSON string)');
  // the command line stays pasteable: bash $'…' quoting with the escapes
  assert.ok(r.stdout.includes("rnnlm train $'corpus\\x1b]0;pwned\\x07.txt'"), 'the saved corpus option');
  assert.ok(r.stdout.includes("--output $'o\\u202e.json'"), 'the saved output option');
  // the top-token column stays aligned: the count starts at the same column on every row
  const rows = r.stdout.split('\n').filter((l) => /^\s+(top \d+)?\s+".*"\s+\d+\s+[\d.]+%$/.test(l));
  assert.ok(rows.length >= 2);
  assert.equal(new Set(rows.map((l) => l.search(/\d+\s+[\d.]+%$/) + l.match(/\d+\s+[\d.]+%$/)![0].length)).size, 1);
});

test('info --json: stays JSON that parses to the checkpoint\'s strings exactly; lone surrogates and C1/bidi characters written as \\u escapes', async () => {
  const { path, meta } = hostileCheckpoint('json.json');
  const r = await runCli(['info', path, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1);
  assertNoRaw(r.stdout.trimEnd(), 'info --json', RAW_IN_LINE);
  assert.ok(r.stdout.includes('\\ud800'), 'the lone surrogate as an escape');
  assert.ok(r.stdout.includes('\\u009b') && r.stdout.includes('\\u202e') && r.stdout.includes('\\u001b'));
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.meta, meta);
  assert.equal(j.vocabulary.unkToken, '\x1b');
  assert.equal(j.training.options.corpus, 'corpus\x1b]0;pwned\x07.txt');
  assert.equal(j.file, path);
});

test('errors quoting hostile text are one line without raw control characters: a path, a damaged checkpoint with NUL bytes, a checkpoint field', async () => {
  const cases: [string[], string | RegExp][] = [];
  // the path as the file layer quotes it (JSON-style \u001b) or as shown() does (\x1b): escaped either way
  const missingShown = /no(\\x1b|\\u001b)\]0;pwned(\\x07|\\u0007)(\\x0a|\\n)such\\u202e\.json does not exist/;
  const missing = join(dir, 'no\x1b]0;pwned\x07\nsuch\u202e.json');
  cases.push([['info', missing], missingShown]);
  const nul = join(dir, 'nul.json');
  writeFileSync(nul, '\x00\x1b[2J\x00{"format"');
  cases.push([['info', nul], /\\x00|\\u0000/]); // quoted by shown() or JSON-style by the parser: escaped either way
  const cut = join(dir, 'cut.json');
  writeFileSync(cut, readFileSync(model, 'utf8').slice(0, 300) + '\x00\x00\x1b[2J');
  cases.push([['info', cut], 'not valid JSON']);
  const cell = join(dir, 'cell.json');
  writeFileSync(cell, JSON.stringify({ ...base, config: { ...base.config, cell: '\x1b]0;pwned\x07\u202e' } }));
  cases.push([['info', cell], 'unknown cell']);
  const fmt = join(dir, 'fmt.json');
  writeFileSync(fmt, JSON.stringify({ ...base, format: '\x9b2J\ud800' }));
  cases.push([['info', fmt], 'not an rnnlm checkpoint']);
  cases.push([['eval', '-m', missing, tiny], missingShown]);
  cases.push([['plot', missing, '-o', '-'], missingShown]);
  for (const [argv, want] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 1, `${argv.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const line = oneLineError(r.stderr);
    assertNoRaw(line, `${JSON.stringify(argv)} error`, RAW_IN_LINE);
    if (typeof want === 'string') assert.ok(line.includes(want), `${JSON.stringify(line)} shows ${want}`);
    else assert.match(line, want);
  }
});

test('formatError: message and hint escaped, one line, whatever they quote', () => {
  assert.equal(formatError(new InputError('a\x1b\x00\ud800\u202e\nb', 'hint\x07\x9b')), 'rnnlm: a\\x1b\\x00\\ud800\\u202e\\x0ab — hint\\x07\\x9b');
  assert.equal(formatError(new RnnlmError('x\x1b[2J')), 'rnnlm: x\\x1b[2J');
  // a foreign (bug) error: its own line breaks folded into spaces, the rest escaped
  assert.equal(formatError(new Error('first\n  second \x1b[31m')), 'rnnlm: first second \\x1b[31m — this is a bug in rnnlm; run again with --debug and report it');
  assert.equal(formatError('thrown \x1b string'), 'rnnlm: thrown \\x1b string');
  fc.assert(fc.property(hostileText, hostileText, (m, h) => {
    const line = formatError(new InputError(m, h));
    assertNoRaw(line, 'formatError', RAW_IN_LINE);
    assert.ok(!line.includes('\n'));
  }), { numRuns: 200 });
});

test('eval: the corpus file name and the unknown characters it holds are shown escaped; --json stays JSON', async () => {
  const corpus = join(dir, 'corpus\x1b[2J\u202e.txt');
  writeFileSync(corpus, 'ab\u202ec\x9b\nab\x1b]0;pwned\x07\n');
  const r = await runCli(['eval', '-m', model, corpus]);
  assert.equal(r.code, 0, r.stderr);
  assertNoRaw(r.stdout, 'eval stdout');
  assertNoRaw(r.stderr, 'eval stderr');
  assert.match(r.stdout, /^corpus\s+.*corpus\\x1b\[2J\\u202e\.txt$/m);
  // the unknown forms, as JSON strings made safe: JSON already escapes C0, shown() the rest
  for (const u of ['"\\u202e"', '"\\x9b"', '"\\u001b"']) assert.ok(r.stderr.includes(u), `note lists ${u}: ${r.stderr}`);
  const j = await runCli(['eval', '-m', model, corpus, '--json', '-q']);
  assert.equal(j.code, 0, j.stderr);
  assertNoRaw(j.stdout, 'eval --json');
  assert.equal(JSON.parse(j.stdout).corpus, corpus);
});

// ── plot: well-formed XML whatever the title or the checkpoint holds ──────────

const python = spawnSync('python3', ['-c', 'import xml.dom.minidom'], { encoding: 'utf8' }).status === 0;

/** Well-formed XML by a small strict check here (see also pythonParses). */
function assertWellFormed(svg: string, what: string): void {
  assert.ok(!NOT_XML_CHAR.test(svg), `${what}: a character XML 1.0 forbids`);
  assertNoRaw(svg, what);
  assert.ok(!/&(?!(amp|lt|gt|quot|#39|#x[0-9a-f]+);)/.test(svg), `${what}: every & starts a reference`);
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  const s = svg.trim();
  for (const m of s.matchAll(tag)) {
    assert.ok(!/[<>]/.test(s.slice(at, m.index)), `${what}: stray markup before ${m[0]}`);
    at = m.index! + m[0].length;
    if (m[4]) continue;
    if (m[1]) assert.equal(stack.pop(), m[2], `${what}: </${m[2]}> closes the open tag`);
    else stack.push(m[2]!);
  }
  assert.equal(s.slice(at), '', `${what}: nothing after the last tag`);
  assert.deepEqual(stack, [], `${what}: every tag closed`);
}

/**
 * Every document parsed by python's XML parser (expat), in one python run
 * (its start-up is the slow part); skipped without a python3. The documents
 * go as JSON, so a lone surrogate would reach the parser as one (and fail),
 * not as the U+FFFD that UTF-8 encoding would silently make of it.
 */
function pythonParses(t: TestContext, docs: { svg: string; what: string }[]): void {
  if (!python) {
    t.diagnostic('python3 not found: the strict check here only');
    return;
  }
  const script = [
    'import sys, json, xml.dom.minidom',
    'for d in json.load(sys.stdin):',
    '    try:',
    '        e = xml.dom.minidom.parseString(d["svg"].encode("utf-8", "surrogatepass")).documentElement.tagName',
    '    except Exception as err:',
    '        e = "refused: " + str(err)',
    '    print(json.dumps([d["what"], e]))',
  ].join('\n');
  const p = spawnSync('python3', ['-c', script], { input: JSON.stringify(docs), encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  const results = p.stdout.trim().split('\n').map((l) => JSON.parse(l) as [string, string]);
  assert.equal(results.length, docs.length);
  for (const [what, got] of results) assert.equal(got, 'svg', `${what}: python's XML parser ${got}`);
}

test('plot --title with escape sequences, NUL, markup, a lone surrogate: well-formed SVG that shows the printable rest', async (t) => {
  const docs: { svg: string; what: string }[] = [];
  const titles: [string, string][] = [
    ['\x1b[31mred', '[31mred'],
    ['nul\x00byte', 'nulbyte'],
    ['<script>&amp', '&lt;script&gt;&amp;amp'],
    ['lone \ud800 surrogate', 'lone  surrogate'],
    ['\x9bbidi\u202e "q" \'a\'', '&#x9b;bidi&#x202e; &quot;q&quot; &#39;a&#39;'],
    ['\uffff\ufffe\x0b\x0c', ''],
  ];
  for (const [title, shownAs] of titles) {
    const r = await runCli(['plot', model, '-o', '-', '-q', '--title', title]);
    assert.equal(r.code, 0, r.stderr);
    assertWellFormed(r.stdout, JSON.stringify(title));
    docs.push({ svg: r.stdout, what: JSON.stringify(title) });
    assert.ok(r.stdout.includes(`font-weight="bold" fill="#333333">${shownAs}</text>`), `${JSON.stringify(title)} drawn as ${shownAs}`);
  }
  // written to a file: the same document
  const out = join(dir, 'title.svg');
  const f = await runCli(['plot', model, '-o', out, '-q', '--title', '\x1b]0;pwned\x07<&>']);
  assert.equal(f.code, 0, f.stderr);
  assertWellFormed(readFileSync(out, 'utf8'), 'the SVG file');
  docs.push({ svg: readFileSync(out, 'utf8'), what: 'the SVG file' });
  pythonParses(t, docs);
});

test('plot of a checkpoint whose meta.corpus and file name hold hostile characters: well-formed SVG', async (t) => {
  const { path } = hostileCheckpoint('plot \x1b[2J\u202e<&>.json');
  const r = await runCli(['plot', path, '-o', '-', '-q']);
  assert.equal(r.code, 0, r.stderr);
  assertWellFormed(r.stdout, 'plot of a hostile checkpoint');
  // subtitle: the file's base name and the corpus, escaped, forbidden characters dropped
  assert.ok(r.stdout.includes('plot [2J&#x202e;&lt;&amp;&gt;.json · trained on [2J&lt;corpus&gt; &amp; &quot;x&quot;</text>'), 'the subtitle');
  // and the same from a training log named so (its name is the title)
  const log = join(dir, 'log\x1b[2J.ndjson');
  writeFileSync(log, base.training.state.history.map((h: unknown) => JSON.stringify(h, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))).join('\n') + '\n');
  const l = await runCli(['plot', log, '-o', '-', '-q']);
  assert.equal(l.code, 0, l.stderr);
  assertWellFormed(l.stdout, 'plot of a hostile log name');
  assert.ok(l.stdout.includes('Training curve: log[2J.ndjson'));
  pythonParses(t, [{ svg: r.stdout, what: 'plot of a hostile checkpoint' }, { svg: l.stdout, what: 'plot of a hostile log name' }]);
});

test('the checks above can fail: the strict check and python refuse what the old escaping let through', () => {
  const bad = ['<svg><text>\x1b[31m</text></svg>', '<svg><text>a & b</text></svg>', '<svg><text>\ud800</text></svg>', '<svg><text></svg>'];
  for (const svg of bad) assert.throws(() => assertWellFormed(svg, 'bad'), JSON.stringify(svg));
  if (!python) return;
  const script = 'import sys, json, xml.dom.minidom\nfor d in json.load(sys.stdin):\n    try:\n        xml.dom.minidom.parseString(d.encode("utf-8", "surrogatepass")); print("parsed")\n    except Exception: print("refused")';
  const p = spawnSync('python3', ['-c', script], { input: JSON.stringify(bad), encoding: 'utf8' });
  assert.deepEqual(p.stdout.trim().split('\n'), bad.map(() => 'refused'));
});
