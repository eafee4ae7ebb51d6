/**
 * Every file rnnlm writes goes through one writer (src/node/files.ts), and
 * every path a command writes is checked before any work. These are the
 * hostile and careless cases: a short write under `ulimit -f`, the same file
 * under two names (symbolic and hard links), planted symbolic links at the
 * temporary's name, devices and FIFOs as outputs, concurrent writers, file
 * permissions, names at the length limit, and logs that cannot be written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  appendLine, checkDistinct, checkOutputPath, FileError, isOurTemporary, temporaryName, writeFileAtomic, writeFileAtomicSync,
} from '../../src/node/files.js';
import { parseCheckpoint } from '../../src/checkpoint/codec.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

const BIN = repoPath('bin/rnnlm.js');
const CORPUS = repoPath('corpora/sentences.txt');
const QUICK = ['--hidden', '8', '--layers', '1', '--max-steps', '2', '--threads', '1', '--samples', '0', '-q'];

/** Files in `dir` that are not in `expected`, ignoring none: temporaries left behind would show here. */
function listing(dir: string): string[] {
  return readdirSync(dir).sort();
}

// ── the writer ──────────────────────────────────────────────────────────────

test('writer: text, bytes and chunks arrive whole; no temporary is left', async () => {
  const dir = tempDir();
  const p = join(dir, 'out.txt');
  function* parts() { yield 'héllo '; yield new TextEncoder().encode('wörld'); yield '\n'; }
  await writeFileAtomic(p, parts());
  assert.equal(readFileSync(p, 'utf8'), 'héllo wörld\n');
  await writeFileAtomic(p, 'x');
  assert.equal(readFileSync(p, 'utf8'), 'x');
  assert.deepEqual(listing(dir), ['out.txt']);
});

test('writer: a short write (ulimit -f) fails loudly, leaves the old file and no temporary', () => {
  const dir = tempDir();
  const p = join(dir, 'out.bin');
  writeFileSync(p, 'the good old content');
  const script = `import { writeFileAtomic } from ${JSON.stringify(repoPath('dist/src/node/files.js'))};
try { await writeFileAtomic(${JSON.stringify(p)}, ['a'.repeat(30000), 'b'.repeat(30000)]); console.log('wrote'); }
catch (e) { console.log(e.name + ': ' + e.message); }`;
  // bash counts ulimit -f in 1024-byte blocks: 20 KB, less than the 60 KB written
  const r = spawnSync('bash', ['-c', `ulimit -f 20; exec "${process.execPath}" --input-type=module -e "$0"`, script], { encoding: 'utf8' });
  assert.match(r.stdout, /^FileError: .*out\.bin could not be written: the file size limit was reached/m, r.stdout + r.stderr);
  assert.equal(readFileSync(p, 'utf8'), 'the good old content');
  assert.deepEqual(listing(dir), ['out.bin']);
});

test('writer: a symbolic link planted at the temporary name is never followed', () => {
  const dir = tempDir();
  const victim = join(dir, 'victim.txt');
  const p = join(dir, 'model.json');
  writeFileSync(victim, 'precious');
  writeFileSync(p, 'old model');
  const nonce = '0123456789abcdef';
  symlinkSync(victim, join(dir, temporaryName('model.json', process.pid, nonce)));
  // and the names of earlier versions of the writer, for good measure
  symlinkSync(victim, `${p}.tmp-${process.pid}`);
  assert.throws(() => writeFileAtomicSync(p, 'new model', nonce), FileError);
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  assert.equal(readFileSync(p, 'utf8'), 'old model');
  writeFileAtomicSync(p, 'new model'); // a fresh random name: fine, and the old-style link is left alone
  assert.equal(readFileSync(p, 'utf8'), 'new model');
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
});

test('writer: the permissions of the replaced file are kept; a link to a file stays a link', async () => {
  const dir = tempDir();
  const p = join(dir, 'secret.json');
  writeFileSync(p, 'a');
  chmodSync(p, 0o600);
  await writeFileAtomic(p, 'b');
  assert.equal(statSync(p).mode & 0o777, 0o600);
  chmodSync(p, 0o640);
  await writeFileAtomic(p, 'c');
  assert.equal(statSync(p).mode & 0o777, 0o640);
  const link = join(dir, 'link.json');
  symlinkSync(p, link);
  await writeFileAtomic(link, 'd');
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readFileSync(p, 'utf8'), 'd');
});

test('writer: concurrent writes in one process and from two processes: always one whole file', async () => {
  const dir = tempDir();
  const p = join(dir, 'm.json');
  const contents = Array.from({ length: 12 }, (_, i) => String(i).repeat(1000 * (i + 1)));
  await Promise.all(contents.map((c) => writeFileAtomic(p, c)));
  assert.ok(contents.includes(readFileSync(p, 'utf8')));
  const script = (tag: string) => `import { writeFileAtomic } from ${JSON.stringify(repoPath('dist/src/node/files.js'))};
for (let i = 0; i < 40; i++) await writeFileAtomic(${JSON.stringify(p)}, ${JSON.stringify(tag)}.repeat(5000 + 997 * i));`;
  const runs = ['A', 'B'].map((tag) => spawn(process.execPath, ['--input-type=module', '-e', script(tag)], { stdio: 'inherit' }));
  const seen = new Set<string>();
  const watcher = setInterval(() => {
    const text = readFileSync(p, 'utf8');
    assert.match(text, /^(A+|B+|\d+)$/); // never a mix, never empty
    seen.add(text[0]!);
  }, 2);
  const codes = await Promise.all(runs.map((c) => new Promise((r) => c.once('exit', r))));
  clearInterval(watcher);
  assert.deepEqual(codes, [0, 0]);
  assert.match(readFileSync(p, 'utf8'), /^(A+|B+)$/);
  assert.deepEqual(listing(dir), ['m.json']);
});

// ── the appender (training logs) ────────────────────────────────────────────

test('appender: two processes appending to one file keep every line, each process\'s in its order', async () => {
  const dir = tempDir();
  const p = join(dir, 'run.ndjson');
  const script = (tag: string) => `import { appendLine } from ${JSON.stringify(repoPath('dist/src/node/files.js'))};
for (let i = 0; i < 300; i++) appendLine(${JSON.stringify(p)}, JSON.stringify({ step: i, run: ${JSON.stringify(tag)}, pad: 'x'.repeat(i) }) + '\\n', () => {});`;
  const runs = ['a', 'b'].map((tag) => spawn(process.execPath, ['--input-type=module', '-e', script(tag)], { stdio: 'inherit' }));
  const codes = await Promise.all(runs.map((c) => new Promise((r) => c.once('exit', r))));
  assert.deepEqual(codes, [0, 0]);
  const recs = readFileSync(p, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { step: number; run: string; pad: string });
  assert.equal(recs.length, 600);
  for (const tag of ['a', 'b']) {
    const mine = recs.filter((r) => r.run === tag);
    assert.deepEqual(mine.map((r) => r.step), Array.from({ length: 300 }, (_, i) => i));
    assert.ok(mine.every((r) => r.pad.length === r.step));
  }
  assert.deepEqual(listing(dir), ['run.ndjson']);
});

test('appender: a line end first when the last line has none; the check sees the end and may refuse; links followed, write-protection kept', () => {
  const dir = tempDir();
  const p = join(dir, 'log');
  writeFileSync(p, 'one');
  const seen: [string, boolean][] = [];
  appendLine(p, 'two\n', (tail, whole) => { seen.push([new TextDecoder().decode(tail), whole]); });
  assert.equal(readFileSync(p, 'utf8'), 'one\ntwo\n');
  assert.deepEqual(seen, [['one', true]]);
  writeFileSync(p, 'z'.repeat(70000) + '\n');
  appendLine(p, 'end\n', (tail, whole) => { seen.push([String(tail.length), whole]); });
  assert.deepEqual(seen[1], ['65536', false]);
  assert.throws(() => appendLine(p, 'no\n', () => { throw new FileError('refused', 'by the check'); }), /^FileError: refused$/);
  assert.equal(readFileSync(p, 'utf8'), 'z'.repeat(70000) + '\nend\n');
  const link = join(dir, 'link');
  symlinkSync(p, link);
  appendLine(link, 'via link\n', () => {});
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.match(readFileSync(p, 'utf8'), /\nend\nvia link\n$/);
  const ro = join(dir, 'ro');
  writeFileSync(ro, 'kept\n');
  chmodSync(ro, 0o444);
  assert.throws(() => appendLine(ro, 'x\n', () => {}), /write-protected/);
  assert.equal(readFileSync(ro, 'utf8'), 'kept\n');
  appendLine(join(dir, 'new'), 'first\n', (tail, whole) => { assert.equal(tail.length, 0); assert.equal(whole, true); });
  assert.equal(readFileSync(join(dir, 'new'), 'utf8'), 'first\n');
});

test('appender: a write cut short (ulimit -f) is taken back: the file is as it was', () => {
  const dir = tempDir();
  const p = join(dir, 'run.ndjson');
  const before = '{"step":1}\n'.repeat(50); // 550 bytes
  writeFileSync(p, before);
  const script = `import { appendLine } from ${JSON.stringify(repoPath('dist/src/node/files.js'))};
try { appendLine(${JSON.stringify(p)}, 'y'.repeat(3000) + '\\n', () => {}); console.log('wrote'); }
catch (e) { console.log(e.name + ': ' + e.message); }`;
  // 1 KB: 550 bytes fit, 3 KB more do not
  const r = spawnSync('bash', ['-c', `ulimit -f 1; exec "${process.execPath}" --input-type=module -e "$0"`, script], { encoding: 'utf8' });
  assert.match(r.stdout, /^FileError: .*run\.ndjson could not be written: the file size limit was reached/m, r.stdout + r.stderr);
  assert.equal(readFileSync(p, 'utf8'), before);
});

test('appender: a failed write takes back only its own bytes, not a line another process appended after the look at the file', () => {
  // the other process's append is made inside the check, i.e. between this appender's look at the
  // file (its size) and its write: the window two runs sharing a log can hit
  const dir = tempDir();
  const p = join(dir, 'run.ndjson');
  const before = '{"step":1}\n'.repeat(50); // 550 bytes
  const run = (other: string) => {
    writeFileSync(p, before);
    const script = `import { appendFileSync } from 'node:fs';
import { appendLine } from ${JSON.stringify(repoPath('dist/src/node/files.js'))};
try { appendLine(${JSON.stringify(p)}, 'y'.repeat(3000) + '\\n', () => { appendFileSync(${JSON.stringify(p)}, ${JSON.stringify(other)}); }); console.log('wrote'); }
catch (e) { console.log(e.name + ': ' + e.message); }`;
    // ulimit -f 1: the file may grow to 1024 bytes
    const r = spawnSync('bash', ['-c', `ulimit -f 1; exec "${process.execPath}" --input-type=module -e "$0"`, script], { encoding: 'utf8' });
    assert.match(r.stdout, /^FileError: .*run\.ndjson could not be written: the file size limit was reached/m, r.stdout + r.stderr);
    return readFileSync(p, 'utf8');
  };
  // the other line fills the file to the limit (550 + 474 = 1024): this write gets nothing in
  const full = JSON.stringify({ step: 2, pad: 'o'.repeat(474 - 20) }) + '\n';
  assert.equal(full.length, 474);
  assert.equal(run(full), before + full);
  // the other line leaves 74 bytes (550 + 400 = 950): this write gets 74 in, and only they go
  const most = JSON.stringify({ step: 2, pad: 'o'.repeat(400 - 20) }) + '\n';
  assert.equal(most.length, 400);
  assert.equal(run(most), before + most);
});

test('outputs: devices, FIFOs, directories, dangling links, trailing slashes and over-long names are refused', () => {
  const dir = tempDir();
  const fifo = join(dir, 'fifo');
  spawnSync('mkfifo', [fifo]);
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  symlinkSync('/dev/null', join(dir, 'devlink'));
  mkdirSync(join(dir, 'sub'));
  const refused: [string, RegExp][] = [
    ['/dev/null', /is a device, not a regular file/],
    [fifo, /named pipe/],
    [join(dir, 'sub'), /is a directory/],
    [join(dir, 'sub') + '/', /must be a file name/],
    [join(dir, 'dangling'), /symbolic link to a file that does not exist/],
    [join(dir, 'devlink'), /links to a device/],
    [join(dir, 'x'.repeat(256)), /longer than 255 bytes/],
    [join(dir, 'é'.repeat(128)), /longer than 255 bytes/], // 256 bytes in UTF-8
    [join(dir, 'missing', 'm.json'), /directory .* does not exist/],
  ];
  for (const [p, why] of refused) {
    assert.throws(() => checkOutputPath(p), (e: Error) => e instanceof FileError && why.test(e.message) && !e.message.includes('\n'), p);
    assert.rejects(writeFileAtomic(p, 'x'), FileError);
  }
  assert.ok(statSync('/dev/null').isCharacterDevice());
  // 255 bytes is a legal name, and the temporary's name does not grow with it
  const longest = join(dir, 'm'.repeat(250) + '.json');
  checkOutputPath(longest);
  writeFileAtomicSync(longest, 'ok');
  assert.equal(readFileSync(longest, 'utf8'), 'ok');
});

test('the hints for an output that is not a file name suggest a file of the kind the command writes', async () => {
  const dir = tempDir();
  const model = join(dir, 'm.json');
  assert.equal((await runCli(['train', CORPUS, '-o', model, ...QUICK])).code, 0);
  for (const [args, example] of [
    [['export', model, '-o', dir, '--format', 'onnx'], 'model.onnx'],
    [['export', model, '-o', dir + '/', '--format', 'safetensors'], 'model.safetensors'],
    [['view', model, '-o', dir], 'model.html'],
    [['strip', model, '-o', dir], 'model.json'],
  ] as const) {
    const r = await runCli([...args]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`give (the path of a regular file|a file name), e\\.g\\. ${example.replace('.', '\\.')}\\n$`), args.join(' '));
  }
});

test('same file under two names: symbolic links, hard links and spellings of one path are found', () => {
  const dir = tempDir();
  const a = join(dir, 'a.txt');
  writeFileSync(a, 'x');
  symlinkSync(a, join(dir, 'soft.txt'));
  linkSync(a, join(dir, 'hard.txt'));
  for (const other of [join(dir, 'soft.txt'), join(dir, 'hard.txt'), join(dir, '.', 'a.txt')]) {
    assert.throws(() => checkDistinct([{ role: 'corpus', path: a }, { role: 'output', path: other }]), /the output and the corpus are both/);
  }
  // files that do not exist yet: the same path spelled twice
  assert.throws(() => checkDistinct([{ role: 'output', path: join(dir, 'n.json') }, { role: 'log', path: join(dir, 'sub', '..', 'n.json') }]), FileError);
  checkDistinct([{ role: 'corpus', path: a }, { role: 'output', path: join(dir, 'b.txt') }, { role: 'log', path: '-' }, { role: 'resume', path: undefined }]);
  assert.ok(isOurTemporary(temporaryName('m.json', 42), 'm.json'));
  assert.equal(isOurTemporary(temporaryName('m.json', 42), 'other.json'), null);
});

// ── the commands ────────────────────────────────────────────────────────────

test('train refuses an output, log or resume that is another of its files, before any work', async () => {
  const dir = tempDir();
  const corpus = join(dir, 'c.txt');
  writeFileSync(corpus, readFileSync(CORPUS));
  const original = readFileSync(corpus);
  const m = join(dir, 'm.json');
  assert.equal((await runCli(['train', corpus, '-o', m, ...QUICK])).code, 0);
  const model = readFileSync(m);
  symlinkSync(corpus, join(dir, 'soft.txt'));
  linkSync(corpus, join(dir, 'hard.txt'));
  const cases: [string[], RegExp][] = [
    [['-o', corpus], /output \(-o\) and the corpus/],
    [['-o', join(dir, 'soft.txt')], /output \(-o\) and the corpus/],
    [['-o', join(dir, 'hard.txt')], /output \(-o\) and the corpus/],
    [['-o', m, '--log', corpus], /log \(--log\) and the corpus/],
    [['-o', m, '--log', m], /log \(--log\) and the output/],
    [['-o', join(dir, 'n.json'), '--log', join(dir, 'n.last.json')], /log \(--log\) and the latest-state file/],
    [['-o', join(dir, 'n.json'), '--resume', m, '--log', m], /log \(--log\) and the output|log \(--log\) and the checkpoint to resume/],
  ];
  for (const [args, why] of cases) {
    const r = await runCli(['train', corpus, ...args, ...QUICK]);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(oneLineError(r.stderr), why);
  }
  // a corpus named as the latest-state file of -o, a file the user does not name directly: the hint says how it is named
  const last = join(dir, 'c.last.json');
  writeFileSync(last, readFileSync(CORPUS));
  const named = await runCli(['train', last, '-o', join(dir, 'c.json'), ...QUICK]);
  assert.equal(named.code, 1);
  assert.match(oneLineError(named.stderr), /the latest-state file and the corpus are both .*c\.last\.json — choose another -o: the latest-state file is named after it \(.*c\.json → .*c\.last\.json\)/);
  assert.deepEqual(readFileSync(corpus), original);
  assert.deepEqual(readFileSync(m), model);
  assert.ok(!existsSync(join(dir, 'n.json')));
  // -o - is not a file
  const dash = await runCli(['train', corpus, '-o', '-', ...QUICK]);
  assert.equal(dash.code, 2);
  assert.match(oneLineError(dash.stderr), /-o - would write checkpoints to standard output/);
  // resuming into the run's own files is the documented continuation, and allowed
  const r = await runCli(['train', corpus, '--resume', m, '-o', m, ...QUICK]);
  assert.equal(r.code, 0, r.stderr);
});

test('train refuses outputs that cannot be written at the end: device, FIFO, dir/, too long — before reading the corpus', async () => {
  const dir = tempDir();
  const fifo = join(dir, 'fifo');
  spawnSync('mkfifo', [fifo]);
  const missing = join(dir, 'no-such-corpus.txt');
  for (const [out, why] of [
    ['/dev/null', /device/], [fifo, /named pipe/], [dir + '/', /must be a file name/], [join(dir, 'n'.repeat(251) + '.json'), /latest-state file|longer than 255/],
  ] as const) {
    const r = await runCli(['train', missing, '-o', out, ...QUICK]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneLineError(r.stderr), why);
  }
  const log = await runCli(['train', missing, '-o', join(dir, 'm.json'), '--log', '/dev/null', ...QUICK]);
  assert.match(oneLineError(log.stderr), /log \(--log\).*device|cannot write "?\/dev\/null/);
  assert.ok(statSync('/dev/null').isCharacterDevice());
});

test('plot refuses to draw over its own input (same name, or a hard link to it)', async () => {
  const dir = tempDir();
  const m = join(dir, 'm.json');
  assert.equal((await runCli(['train', CORPUS, '-o', m, ...QUICK])).code, 0);
  const before = readFileSync(m);
  linkSync(m, join(dir, 'hard.json'));
  for (const out of [m, join(dir, 'hard.json')]) {
    const r = await runCli(['plot', m, '-o', out]);
    assert.equal(r.code, 1);
    assert.match(oneLineError(r.stderr), /output \(-o\) and the input/);
  }
  assert.deepEqual(readFileSync(m), before);
  parseCheckpoint(readFileSync(m, 'utf8'));
});

test('train under ulimit -f: the checkpoint that does not fit is reported, the good one stays, exit 1', () => {
  const dir = tempDir();
  const m = join(dir, 'm.json');
  const train = (extra: string) => spawnSync('bash', ['-c', `${extra} exec "${process.execPath}" "${BIN}" train "${CORPUS}" -o "${m}" --hidden 64 --max-steps 3 --eval-every 1 --threads 1 --samples 0 --force`],
    { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(train('').status, 0);
  const good = readFileSync(m);
  assert.ok(good.length > 60 * 1024, `checkpoint of ${good.length} bytes must exceed the limit`);
  const r = train('ulimit -f 40;');
  assert.equal(r.status, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /✓ saved/);
  assert.match(r.stderr, /file size limit was reached/);
  assert.match(r.stderr.trim().split('\n').pop()!, /^rnnlm: .*could not be written/);
  assert.deepEqual(readFileSync(m), good);
  assert.deepEqual(listing(dir), ['m.json']);
});

test('train keeps a 0600 checkpoint 0600', async () => {
  const dir = tempDir();
  const m = join(dir, 'm.json');
  writeFileSync(m, '{}');
  chmodSync(m, 0o600);
  assert.equal((await runCli(['train', CORPUS, '-o', m, ...QUICK, '--force'])).code, 0);
  assert.equal(statSync(m).mode & 0o777, 0o600);
  parseCheckpoint(readFileSync(m, 'utf8'));
});

/** A training run of `steps` steps evaluating at each, whose first `failing` writes of `log` fail (a full disk that then frees up). */
async function trainWithFailingLog(dir: string, log: string, steps: number, failing: number) {
  const args = ['train', CORPUS, '-o', join(dir, 'm.json'), '--log', log, '--hidden', '8', '--layers', '1', '--max-steps', String(steps), '--eval-every', '1', '--threads', '1', '--samples', '0'];
  let failures = 0;
  const r = await runCli(args, { failWrite: (p) => p === log && failures++ < failing });
  assert.equal(r.code, 0, r.stderr);
  // said once (the reason stays the same), and once that it is written again
  assert.equal((r.stderr.match(/log not written/g) ?? []).length, 1, r.stderr);
  assert.equal((r.stderr.match(/log written again/g) ?? []).length, 1, r.stderr);
  assert.ok(r.stderr.indexOf('log not written') < r.stderr.indexOf('log written again'));
  assert.doesNotMatch(r.stderr, /the last records of the log were not written/);
  return { args, steps: readFileSync(log, 'utf8').trimEnd().split('\n') };
}

test('--log appends to what the file held; a log that cannot be written is retried, said once, and nothing is lost', async () => {
  const dir = tempDir();
  const log = join(dir, 'run.ndjson');
  writeFileSync(log, '{"step":3,"earlier":"run"}'); // no newline at the end
  const { args, steps: lines } = await trainWithFailingLog(dir, log, 6, 3);
  assert.equal(lines[0], '{"step":3,"earlier":"run"}');
  assert.deepEqual(lines.slice(1).map((l) => (JSON.parse(l) as { step: number }).step), [1, 2, 3, 4, 5, 6]);
  // a second run appends again
  assert.equal((await runCli([...args, '--force'])).code, 0);
  assert.equal(readFileSync(log, 'utf8').trimEnd().split('\n').length, 13);
});

test('--log that fails at every evaluation and is written only by the run\'s last write: the end says it was written', async () => {
  const dir = tempDir();
  const log = join(dir, 'run.ndjson');
  // the four evaluations' writes fail; the fifth write (the end's) succeeds
  const { steps: lines } = await trainWithFailingLog(dir, log, 4, 4);
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { step: number }).step), [1, 2, 3, 4]);
});

// ── signals ─────────────────────────────────────────────────────────────────

/** rnnlm in a child process: its stderr so far, when it exits (and when), and once stderr matches `ready`. */
function spawnRnnlm(args: string[], ready: RegExp) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
  const started = new Promise<void>((resolve) => { const t = setInterval(() => { if (ready.test(stderr)) { clearInterval(t); resolve(); } }, 20); });
  return { child, exited, started, stderr: () => stderr };
}

/** Start training; resolves once the first evaluation line is on stderr. */
function startTraining(dir: string, extra: string[]) {
  const child = spawn(process.execPath, [BIN, 'train', CORPUS, '-o', join(dir, 'm.json'), '--hidden', '32', '--eval-every', '5',
    '--epochs', '100000', '--threads', '1', '--samples', '0', ...extra], { env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const started = new Promise<void>((resolve) => {
    const look = () => { if (/step 5 /.test(stderr)) { child.stderr.off('data', look); resolve(); } };
    child.stderr.on('data', look);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
  return { child, started, exited, stderr: () => stderr };
}

for (const [sig, code] of [['SIGHUP', 129], ['SIGQUIT', 131], ['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`${sig} during training: saves, says how to resume, exits ${code}`, { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const run = startTraining(dir, []);
    await run.started;
    run.child.kill(sig);
    const end = await run.exited;
    assert.equal(end.code, code, run.stderr());
    assert.match(run.stderr(), /continue with: rnnlm train .* --resume /);
    const latest = existsSync(join(dir, 'm.last.json')) ? join(dir, 'm.last.json') : join(dir, 'm.json');
    assert.ok(parseCheckpoint(readFileSync(latest, 'utf8')).training!.state.step >= 5);
  });
}

test('a second signal ends the process at once, even in the middle of a long validation pass', { timeout: 120_000 }, async () => {
  // a validation set large enough that one pass takes seconds
  const dir = tempDir();
  const big = join(dir, 'big.txt');
  writeFileSync(big, readFileSync(CORPUS, 'utf8').repeat(150));
  const args = (out: string) => [BIN, 'train', big, '-o', out, '--hidden', '128', '--val-fraction', '0.5', '--eval-every', '100000',
    '--epochs', '1000', '--threads', '1', '--samples', '0'];
  const go = (out: string) => spawnRnnlm(args(out).slice(1), /threads|steps? per epoch/);
  // one signal: the run validates and saves before it exits — this is how long that takes
  const one = go(join(dir, 'one.json'));
  await one.started;
  await new Promise((r) => setTimeout(r, 800));
  const t1 = performance.now();
  one.child.kill('SIGINT');
  const end1 = await one.exited;
  assert.equal(end1.code, 130, one.stderr());
  const graceful = end1.at - t1;
  assert.ok(graceful > 2500, `the final validation pass took ${graceful.toFixed(0)} ms; make it longer for this test`);
  // two signals: the second one, sent while that validation runs, ends the process at once
  const two = go(join(dir, 'two.json'));
  await two.started;
  await new Promise((r) => setTimeout(r, 800));
  two.child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 600));
  const t2 = performance.now();
  two.child.kill('SIGINT');
  const end2 = await two.exited;
  const abrupt = end2.at - t2;
  assert.ok(end2.signal === 'SIGINT' || end2.code === 130, `${end2.signal} ${end2.code}`);
  assert.ok(abrupt < 1000, `the second Ctrl-C took ${abrupt.toFixed(0)} ms to end the process (a graceful stop took ${graceful.toFixed(0)} ms)`);
  assert.doesNotMatch(two.stderr(), /best model:/);
  // nothing half-written: whatever is there is a whole checkpoint
  for (const f of readdirSync(dir)) {
    if (f === 'two.json' || f === 'two.last.json') parseCheckpoint(readFileSync(join(dir, f), 'utf8'));
    else assert.ok(['big.txt', 'one.json', 'one.last.json'].includes(f) || isOurTemporary(f, 'two.json') || isOurTemporary(f, 'two.last.json'), f);
  }
});

test('a signal during the last validation of a run that ends on its own: said, saved, exit 130; a second one ends it at once', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const big = join(dir, 'big.txt');
  writeFileSync(big, readFileSync(CORPUS, 'utf8').repeat(150));
  // one step, then the final validation pass over half of the corpus: seconds long
  const go = (out: string) => spawnRnnlm(['train', big, '-o', out, '--hidden', '128', '--val-fraction', '0.5', '--max-steps', '1', '--threads', '1', '--samples', '0'], /steps? per epoch/);
  const one = go(join(dir, 'one.json'));
  await one.started;
  await new Promise((r) => setTimeout(r, 1500));
  one.child.kill('SIGINT');
  const end1 = await one.exited;
  assert.equal(end1.code, 130, one.stderr());
  assert.match(one.stderr(), /interrupted: finishing this step and saving/);
  parseCheckpoint(readFileSync(join(dir, 'one.json'), 'utf8'));
  const two = go(join(dir, 'two.json'));
  await two.started;
  await new Promise((r) => setTimeout(r, 1500));
  two.child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 300));
  const t2 = performance.now();
  two.child.kill('SIGINT');
  const end2 = await two.exited;
  assert.ok(end2.signal === 'SIGINT' || end2.code === 130, `${end2.signal} ${end2.code}`);
  assert.ok(end2.at - t2 < 1000, `the second Ctrl-C took ${(end2.at - t2).toFixed(0)} ms`);
});

test('/dev/stdout as -o when stdout is a pipe, and devices as inputs, are refused with one line (no "this is a bug", no endless read)', () => {
  const dir = tempDir();
  const m = join(dir, 'm.json');
  const run = (args: string[], input?: string) => spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" ${args.join(' ')}${input ?? ''} | cat`], { encoding: 'utf8', timeout: 20_000 });
  let r = run(['train', CORPUS, '-o', '/dev/stdout', ...QUICK]);
  assert.match(r.stderr.trim(), /^rnnlm: cannot write \/dev\/stdout: it is a standard stream, not a file/);
  assert.equal(spawnSync(process.execPath, [BIN, 'train', CORPUS, '-o', m, ...QUICK]).status, 0);
  r = run(['info', '/dev/zero']);
  assert.match(r.stderr.trim(), /^rnnlm: "?\/dev\/zero"? is a device, not a file — /);
  r = run(['score', '-m', '-', 'x'], ' < /dev/zero');
  assert.match(r.stderr.trim(), /^rnnlm: standard input is a device, not a file or a pipe — /);
  r = run(['train', '/dev/urandom', '-o', join(dir, 'n.json'), ...QUICK]);
  assert.match(r.stderr.trim(), /^rnnlm: "?\/dev\/urandom"? is a device, not a file — /);
});

test('train: -o naming no file, a path that is not UTF-8, stdin twice, a removed output directory: one accurate line', () => {
  const dir = tempDir();
  const run = (cmd: string, opts: { input?: string } = {}) => spawnSync('bash', ['-c', cmd], { encoding: 'utf8', input: opts.input, env: { ...process.env, NO_COLOR: '1' } });
  const rnnlm = `"${process.execPath}" "${BIN}"`;
  let r = run(`${rnnlm} train "${CORPUS}" -o '' ${QUICK.join(' ')}`);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--output must not be empty: give a file name, e.g. -o model.json/);
  r = run(`cd "${dir}" && ${rnnlm} train "${CORPUS}" -o "$(printf 'm\\xe9.json')" ${QUICK.join(' ')}`);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /the -o path is not valid UTF-8/);
  assert.deepEqual(readdirSync(dir), []);
  r = run(`${rnnlm} train - --resume - -o "${join(dir, 'm.json')}" ${QUICK.join(' ')}`, { input: 'abc\n' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /the corpus and the checkpoint to resume cannot both be standard input/);
  // the directory of -o removed while training (once the first checkpoint is in it): the message names the directory
  const out = join(dir, 'out');
  mkdirSync(out);
  r = run(`${rnnlm} train "${CORPUS}" -o "${join(out, 'm.json')}" --hidden 64 --layers 1 --eval-every 1 --max-steps 600 --epochs 100000 --threads 1 --samples 0 -q & pid=$!; until [ -e "${join(out, 'm.json')}" ]; do sleep 0.05; done; until rm -rf "${out}" 2>/dev/null; do sleep 0.01; done; wait $pid`);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /could not be written: its directory .*out no longer exists/);
});

test('the resume hint quotes a file name with a line break so that it can be pasted ($\'…\')', async () => {
  const dir = tempDir();
  const out = join(dir, 'a\nb.json');
  const r = await runCli(['train', CORPUS, '-o', out, '--hidden', '8', '--layers', '1', '--max-steps', '2', '--eval-every', '1', '--threads', '1', '--samples', '0']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes(`-o $'${dir}/a\\x0ab.json'`), r.stderr);
});

test('-o /dev/stdout with stdout appended to a file: refused, the file untouched; plot -o and input paths that are not UTF-8: refused', () => {
  const dir = tempDir();
  const f = join(dir, 'f.txt');
  writeFileSync(f, 'precious\n');
  const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" train "${CORPUS}" -o /dev/stdout ${QUICK.join(' ')} >> "${f}"`], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^rnnlm: cannot write \/dev\/stdout: it is a standard stream, not a file/);
  assert.equal(readFileSync(f, 'utf8'), 'precious\n');
  // the same through a link of one's own to /dev/stdout: the file standard output goes to is recognised
  symlinkSync('/dev/stdout', join(dir, 'link.json'));
  const l = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" train "${CORPUS}" -o "${join(dir, 'link.json')}" ${QUICK.join(' ')} >> "${f}"`], { encoding: 'utf8' });
  assert.equal(l.status, 1);
  assert.match(l.stderr.trim(), /^rnnlm: cannot write .*link\.json: it is the file standard output goes to/);
  assert.equal(readFileSync(f, 'utf8'), 'precious\n');
  const m = join(dir, 'm.json');
  assert.equal(spawnSync(process.execPath, [BIN, 'train', CORPUS, '-o', m, ...QUICK]).status, 0);
  const p = spawnSync('bash', ['-c', `cd "${dir}" && "${process.execPath}" "${BIN}" plot m.json -o "$(printf 'p\\xe9.svg')"`], { encoding: 'utf8' });
  assert.equal(p.status, 2, p.stderr);
  assert.match(p.stderr, /the -o path is not valid UTF-8/);
  const i = spawnSync('bash', ['-c', `cd "${dir}" && cp m.json "$(printf 'm\\xe9.json')" && "${process.execPath}" "${BIN}" info "$(printf 'm\\xe9.json')"`], { encoding: 'utf8' });
  assert.equal(i.status, 2, i.stderr);
  assert.match(i.stderr, /the model path is not valid UTF-8/);
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.svg')), []);
  // /dev/null on standard input is the usual "no input": nothing to score, exit 0
  const n = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" score -m "${m}" < /dev/null`], { encoding: 'utf8' });
  assert.equal(n.status, 0, n.stderr);
  assert.equal(n.stdout, '');
});

test('two signals within one long training step: the second is not lost — the run quits when the step ends, without the validation or the save', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const out = join(dir, 'm.json');
  // one step of a 2×512 LSTM over 64 × 300 characters takes seconds on one thread
  const child = spawn(process.execPath, [BIN, 'train', CORPUS, '-o', out, '--hidden', '512', '--batch', '64', '--bptt', '300', '--sentence', 'file',
    '--val-fraction', '0.3', '--max-steps', '50', '--threads', '1', '--samples', '0'], { env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve) => { const t = setInterval(() => { if (/steps? per epoch/.test(stderr)) { clearInterval(t); resolve(); } }, 20); });
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGINT');
  const end = await exited;
  assert.ok(end.code === 130 || end.signal === 'SIGINT', `${end.code} ${end.signal}: ${stderr}`);
  assert.match(stderr, /interrupted again: quitting now without saving this step/);
  assert.doesNotMatch(stderr, /best model:/);
  assert.ok(!existsSync(out), 'nothing was saved: the run quit before its validation and save');
});

test('a new run does not replace an earlier run\'s checkpoint or its latest state: refused before any work, unless --resume or --force', async () => {
  const dir = tempDir();
  const m = join(dir, 'm.json');
  assert.equal((await runCli(['train', CORPUS, '-o', m, ...QUICK])).code, 0);
  const kept = readFileSync(m);
  const again = await runCli(['train', CORPUS, '-o', m, ...QUICK]);
  assert.equal(again.code, 2);
  assert.match(oneLineError(again.stderr), /m\.json exists already: a new run would replace it — continue that run with rnnlm train … --resume .*m\.json -o .*m\.json, write elsewhere with -o, or add --force to replace it/);
  assert.deepEqual(readFileSync(m), kept, 'untouched');
  // continuing it is what --resume is for
  assert.equal((await runCli(['train', CORPUS, '-o', m, '--resume', m, ...QUICK])).code, 0);
  assert.ok(parseCheckpoint(readFileSync(m, 'utf8')).training!.state.step > 2, 'it went on from step 2');
  // resuming another run's checkpoint does not make -o free to replace
  const other = join(dir, 'other.json');
  assert.equal((await runCli(['train', CORPUS, '-o', other, ...QUICK])).code, 0);
  const before = readFileSync(m);
  const elsewhere = await runCli(['train', CORPUS, '-o', m, '--resume', other, ...QUICK]);
  assert.equal(elsewhere.code, 2);
  assert.match(oneLineError(elsewhere.stderr), /m\.json exists already/);
  assert.deepEqual(readFileSync(m), before);
  // --force: a new run from step 0
  assert.equal((await runCli(['train', CORPUS, '-o', m, ...QUICK, '--force'])).code, 0);
  assert.equal(parseCheckpoint(readFileSync(m, 'utf8')).training!.state.step, 2);
  // the tagger's train alike
  const tagger = join(dir, 't.json');
  const TAG = ['tag', 'train', repoPath('test/fixtures/tag/tiny.conllu'), '-o', tagger, '--hidden', '4', '--embedding', '4', '--no-chars', '--epochs', '1', '--threads', '1', '-q'];
  assert.equal((await runCli(TAG)).code, 0);
  const t = await runCli(TAG);
  assert.equal(t.code, 2);
  assert.match(oneLineError(t.stderr), /t\.json exists already: .*rnnlm tag train … --resume .*--force/);
  assert.equal((await runCli([...TAG, '--force'])).code, 0);
});

test('--log refuses a file that is not a training log (a checkpoint, a text), before training, and leaves it as it was', async () => {
  const dir = tempDir();
  const m = join(dir, 'm.json');
  assert.equal((await runCli(['train', CORPUS, '-o', m, ...QUICK])).code, 0);
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'my notes\n');
  for (const [victim, name] of [[m, 'm\\.json'], [text, 'notes\\.txt']] as const) {
    const before = readFileSync(victim);
    const out = join(dir, 'other.json');
    const r = await runCli(['train', CORPUS, '-o', out, '--log', victim, ...QUICK]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneLineError(r.stderr), new RegExp(`^rnnlm: [^ ]*${name} is not a training log \\(line 1 is not an evaluation record\\) — give --log a new file`));
    assert.deepEqual(readFileSync(victim), before);
    assert.ok(!existsSync(out), 'nothing trained');
  }
});

test('a signal during a write (strip, export, view, saveModel: no handler of their own) lets the write finish: exit 128 + n, the file whole, no temporary left', () => {
  const dir = tempDir();
  const out = join(dir, 'big.json');
  const files = pathToFileURL(repoPath('dist/src/node/files.js')).href;
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    // the signal comes while a synchronous 40 MB write is under way, and the program has nothing left to do after it
    const script = `import { writeFileAtomicSync } from ${JSON.stringify(files)};
function* chunks() { for (let i = 0; i < 40; i++) { if (i === 1) process.kill(process.pid, ${JSON.stringify(sig)}); yield 'x'.repeat(2 ** 20); } }
writeFileAtomicSync(${JSON.stringify(out)}, chunks());`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, code, `${sig}: ${r.signal} ${r.stderr}`);
    assert.equal(statSync(out).size, 40 * 2 ** 20, 'the whole file');
    assert.deepEqual(listing(dir), ['big.json'], 'no temporary');
  }
  // outside a write the default action stands: a signal ends the process at once
  const idle = spawnSync(process.execPath, ['-e', "process.kill(process.pid, 'SIGINT'); setTimeout(() => process.stdout.write('not stopped'), 2000);"], { encoding: 'utf8' });
  assert.equal(idle.signal, 'SIGINT');
  assert.equal(idle.stdout, '');
});

test('a signal during a write is answered even when the program pauses after it (a long garbage collection, a busy caller): export exited 0 after a Ctrl-C', () => {
  const dir = tempDir();
  const out = join(dir, 'w.txt');
  const files = pathToFileURL(repoPath('dist/src/node/files.js')).href;
  // the signal comes during the write; then the thread is held for 100 ms (as freeing a 200 MB model did), longer
  // than the grace the writer gave the signal before restoring the default action
  const script = `import { writeFileAtomicSync } from ${JSON.stringify(files)};
function* chunks() { yield 'a'; process.kill(process.pid, 'SIGINT'); yield 'b'; }
writeFileAtomicSync(${JSON.stringify(out)}, chunks());
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 130, `${r.signal} ${r.stderr}`);
  assert.equal(readFileSync(out, 'utf8'), 'ab');
  assert.deepEqual(listing(dir), ['w.txt'], 'no temporary');
});

test('a write-protected output is refused, not replaced by the rename its directory allows', async () => {
  const dir = tempDir();
  const m = join(dir, 'm.json');
  assert.equal((await runCli(['train', CORPUS, '-o', m, ...QUICK])).code, 0);
  const ro = join(dir, 'ro.json');
  writeFileSync(ro, 'kept');
  chmodSync(ro, 0o444);
  const r = await runCli(['strip', m, '-o', ro]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(oneLineError(r.stderr), /cannot write .*ro\.json.*: it is write-protected — make it writable to replace it \(chmod u\+w/);
  assert.equal(readFileSync(ro, 'utf8'), 'kept');
  assert.throws(() => writeFileAtomicSync(ro, ['x']), /write-protected/);
  // through a symbolic link too
  symlinkSync(ro, join(dir, 'link.json'));
  assert.throws(() => checkOutputPath(join(dir, 'link.json')), /write-protected/);
  chmodSync(ro, 0o644);
  writeFileAtomicSync(ro, ['replaced']);
  assert.equal(readFileSync(ro, 'utf8'), 'replaced');
});

test('an input that is the file standard output writes to (score < f >> f, eval f >> f, sample m.json >> m.json): refused before a byte is read, the file untouched', () => {
  const dir = tempDir();
  const m = join(dir, 'm.json');
  assert.equal(spawnSync(process.execPath, [BIN, 'train', CORPUS, '-o', m, ...QUICK]).status, 0);
  const text = join(dir, 'c.txt');
  writeFileSync(text, 'emma\nava\n');
  const model = readFileSync(m);
  const rnnlm = `"${process.execPath}" "${BIN}"`;
  const run = (cmd: string) => spawnSync('bash', ['-c', `cd "${dir}" && ${cmd}`], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } });
  // a streamed input would read its own output back without end (a 600 KB input grew to 100 MB in 30 s)
  for (const [cmd, name] of [
    [`${rnnlm} score -m m.json < c.txt >> c.txt`, 'standard input'],
    [`${rnnlm} score -m m.json < c.txt >> ./c.txt`, 'standard input'],
    [`ln -sf c.txt l.txt && ${rnnlm} eval -m m.json l.txt >> c.txt`, 'l.txt'],
  ]) {
    const r = run(cmd!);
    assert.equal(r.status, 1, `${cmd}: ${r.stderr}`);
    assert.equal(oneLineError(r.stderr), `rnnlm: ${name} is the file standard output writes to: rnnlm would read its own output back as input, without end — send the output to another file (or read a copy of the input)`);
    assert.equal(readFileSync(text, 'utf8'), 'emma\nava\n');
  }
  // a model read whole would get the samples appended: a damaged checkpoint
  const r = run(`${rnnlm} sample m.json -n 2 >> m.json`);
  assert.equal(r.status, 1, r.stderr);
  assert.match(oneLineError(r.stderr), /^rnnlm: m\.json is the file standard output writes to: what rnnlm prints would be written into it — /);
  assert.deepEqual(readFileSync(m), model);
  // the same commands writing elsewhere (a file, a pipe, /dev/null) work
  assert.equal(run(`${rnnlm} score -m m.json < c.txt >> out.txt && ${rnnlm} score -m m.json < c.txt | cat > /dev/null`).status, 0);
  assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8').split('\n').length, 3);
});
