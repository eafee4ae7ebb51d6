/**
 * `rnnlm view` writes one self-contained page: a CSP that forbids every
 * request, the model as `rnnlm strip` writes it (weights bit for bit, no
 * training state) and the page's data in JSON blocks whose '<' are escaped,
 * the bundled script, nothing fetched from anywhere; a text or title full of
 * markup cannot end the blocks; refusals (same file in and out, -o -, both
 * text options, a missing text file) are one line, exit non-zero and write
 * nothing. The page itself runs in Chromium in test/browser/page.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint } from '../../src/checkpoint/codec.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';

const bits = (v: ArrayLike<number>) => [...new Uint32Array(Float32Array.from(v).buffer)];

async function trained() {
  const d = tempDir();
  writeFileSync(join(d, 'c.txt'), 'emma\nolivia\nava\nisabella\nsophia\nmia\n"quoted"\n');
  const model = join(d, 'm.json');
  const r = await runCli(['train', join(d, 'c.txt'), '-o', model, '--hidden', '12', '--layers', '1', '--max-steps', '3', '--val-fraction', '0', '-q', '--samples', '0']);
  assert.equal(r.code, 0, r.stderr);
  return { d, model };
}

/** The text of each <script> element, in order (the page has no other use of the tag). */
function scripts(html: string): { attrs: string; body: string }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1]!, body: m[2]! }));
}

test('view: one file with a no-request CSP, the stripped model, the data and the code; markup in the text stays text', async () => {
  const { d, model } = await trained();
  const page = join(d, 'page.html');
  const hostile = '</script><script>alert(1)</script><!-- "\u2028 </SCRIPT>';
  const r = await runCli(['view', model, '-o', page, '--text', hostile, '--title', '<b>mine</b> & co']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote \S*page\.html: [\d.]+ [KM]B, a page that runs/);
  const html = readFileSync(page, 'utf8');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; img-src data:">/);
  assert.match(html, /<title>&#60;b&#62;mine&#60;\/b&#62; &#38; co<\/title>/);
  const s = scripts(html);
  assert.equal(s.length, 3, 'the data, the model, the code: no element ends early');
  assert.equal((html.match(/<\/script/gi) ?? []).length, 3);
  assert.ok(!s[0]!.body.includes('<') && !s[1]!.body.includes('<'), "every '<' of the data blocks is escaped");
  const data = JSON.parse(s[0]!.body) as { title: string; text: string; card: { info: string; curve: string | null }; parameters: number };
  assert.equal(data.text, hostile);
  assert.equal(data.title, '<b>mine</b> & co');
  assert.match(data.card.info, /model\n {2}cell/);
  assert.match(data.card.curve ?? '', /^<svg/);
  const ck = parseCheckpoint(s[1]!.body);
  const original = parseCheckpoint(readFileSync(model, 'utf8'));
  assert.equal(ck.training, null, 'the model without its training state');
  assert.deepEqual(bits(ck.model.params.data), bits(original.model.params.data));
  assert.deepEqual(ck.vocab.tokens, original.vocab.tokens);
  assert.equal(data.parameters, original.model.layout.total);
  assert.ok(s[2]!.body.length > 10_000, 'the bundled code is inside');
  assert.ok(!/\b(src|href)\s*=\s*["']?https?:/i.test(html), 'nothing loaded from a server');
});

test('view: the default text is five samples of the model; --text-file reads one', async () => {
  const { d, model } = await trained();
  const page = join(d, 'p.html');
  assert.equal((await runCli(['view', model, '-o', page, '-q'])).code, 0);
  const text = (JSON.parse(scripts(readFileSync(page, 'utf8'))[0]!.body) as { text: string }).text;
  const sampled = await runCli(['sample', '-m', model, '-n', '5', '--seed', '1']);
  assert.equal(text + '\n', sampled.stdout);
  writeFileSync(join(d, 't.txt'), 'ava\nmia\n');
  assert.equal((await runCli(['view', model, '-o', page, '--text-file', join(d, 't.txt'), '-q'])).code, 0);
  assert.equal((JSON.parse(scripts(readFileSync(page, 'utf8'))[0]!.body) as { text: string }).text, 'ava\nmia\n');
});

test('view: refusals are one line, exit non-zero, and write nothing', async () => {
  const { d, model } = await trained();
  const before = readFileSync(model);
  for (const [argv, pattern] of [
    [['view', model, '-o', model], /the output \(-o\) and the model are both/],
    [['view', model, '-o', '-'], /standard output/],
    [['view', model, '-o', join(d, 'x.html'), '--text', 'a', '--text-file', join(d, 'c.txt')], /--text-file/],
    [['view', model, '-o', join(d, 'x.html'), '--text-file', join(d, 'missing.txt')], /missing\.txt/],
    [['view', join(d, 'c.txt'), '-o', join(d, 'x.html')], /c\.txt/],
    [['view', model], /-o/],
  ] as const) {
    const r = await runCli([...argv]);
    assert.notEqual(r.code, 0, argv.join(' '));
    assert.match(oneLineError(r.stderr), pattern);
  }
  assert.deepEqual(readFileSync(model), before, 'the model is untouched');
  assert.ok(!existsSync(join(d, 'x.html')));
});

test('view: a text longer than the page looks at is said on the command line, with both counts', async () => {
  const { d, model } = await trained();
  const long = join(d, 'long.txt');
  // a names model (one-hot, 12 hidden, 1 layer; V = the corpus's characters + 2): its cap is 20,000 tokens at most
  writeFileSync(long, 'ava\n'.repeat(6000));
  const r = await runCli(['view', model, '-o', join(d, 'long.html'), '--text-file', long]);
  assert.equal(r.code, 0, r.stderr);
  // 6,000 lines of 3 characters and an <EOS>: 24,000 tokens
  assert.match(r.stderr, /note: the page colours the first 20,000 tokens of the text \(it has 24,000\)/);
  assert.equal((await runCli(['view', model, '-o', join(d, 'short.html'), '--text', 'ava'])).stderr.includes('note:'), false);
});

test('view: a model file name (or --title) holding ESC, BEL or U+202E is shown escaped in the page\'s <title> and heading, never raw', async () => {
  const { d, model } = await trained();
  const hostileName = join(d, 'm\u001b[2J\u0007L\u202eX.json');
  writeFileSync(hostileName, readFileSync(model));
  for (const extra of [[], ['--title', 'my\u001b]8;;x\u0007 model\u202e']]) {
    const page = join(d, 'hostile.html');
    const r = await runCli(['view', hostileName, '-o', page, '-q', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(page, 'utf8');
    const title = /<title>([^<]*)<\/title>/.exec(html)![1]!;
    assert.ok(!/[\u0000-\u001f\u202e]/.test(title), JSON.stringify(title));
    assert.equal(title, extra.length ? 'my\\x1b]8;;x\\x07 model\\u202e' : 'rnnlm · ' + join(d, 'm\\x1b[2J\\x07L\\u202eX.json'));
    const data = JSON.parse(scripts(html)[0]!.body) as { title: string };
    assert.equal(data.title, title, 'the heading the page writes is the same text');
  }
});
