/**
 * Under an address-space limit (ulimit -v, common on shared clusters),
 * WebAssembly's memory with V8's guard regions (~10 GB of addresses) may not
 * be made, and a worker thread may not start (V8 then ends the process). rnnlm
 * says what it lost and how to get it back, runs on what it has, and never
 * starts a thread the address space has no room for. Under a low `ulimit -n`
 * it says that the limit is what stops it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { addressSpace, addressSpaceNote, guardRegions, roomForThreads } from '../../src/node/address-space.js';
import { fileError } from '../../src/node/files.js';
import { tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

const GB = 2 ** 30, MB = 2 ** 20;
const BIN = repoPath('bin/rnnlm.js');
const linux = existsSync('/proc/self/limits');

test('the limit and the use are read from /proc; unlimited or unknown is null', () => {
  const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units     \nMax stack size            8388608              unlimited            bytes     \nMax address space         ${soft}           unlimited            bytes     \n`;
  assert.deepEqual(addressSpace(limits('3072000000'), 'Name:\tnode\nVmPeak:\t  999 kB\nVmSize:\t 2048 kB\n'), { limit: 3072000000, used: 2048 * 1024 });
  assert.equal(addressSpace(limits('unlimited'), 'VmSize:\t 2048 kB\n'), null);
  assert.equal(addressSpace(null, null), null);
  assert.equal(addressSpace('garbage', 'garbage'), null);
});

test('room for threads: the first worker needs 1 GB of free addresses, each further one 256 MB; no limit or no guard regions: all', () => {
  const at = (free: number) => ({ limit: 20 * GB, used: 20 * GB - free });
  assert.equal(roomForThreads(8, at(0.9 * GB), true), 1);
  assert.equal(roomForThreads(8, at(GB), true), 2);
  assert.equal(roomForThreads(8, at(GB + 3 * 256 * MB), true), 5);
  assert.equal(roomForThreads(2, at(100 * GB), true), 2);
  assert.equal(roomForThreads(8, null, true), 8);
  assert.equal(roomForThreads(8, at(0), false), 8);
  assert.equal(roomForThreads(1, at(0), true), 1);
});

test('the trap handler counts as off when Node was started with --disable-wasm-trap-handler, on the command line or in NODE_OPTIONS', () => {
  assert.equal(guardRegions([], ''), true);
  assert.equal(guardRegions(['--disable-wasm-trap-handler'], ''), false);
  assert.equal(guardRegions([], '--max-old-space-size=100 --disable-wasm-trap-handler'), false);
  assert.equal(guardRegions([], '--disable-wasm-trap-handlers'), true);
});

test('the note says what was lost, the limit, and both ways back', () => {
  const space = { limit: 3 * GB, used: 0 };
  assert.equal(addressSpaceNote({ kernels: false, threads: [2, 2] }, space), null);
  assert.equal(addressSpaceNote({ kernels: false, threads: null }, null), null);
  assert.equal(addressSpaceNote({ kernels: true, threads: [2, 1] }, space),
    "WebAssembly's memory could not be reserved (ulimit -v: the address space is limited to 3.0 GB): rnnlm computes in TypeScript, on one thread, many times slower — run it with NODE_OPTIONS=--disable-wasm-trap-handler (WebAssembly then reserves only what it uses), or raise the limit (ulimit -v unlimited)");
  assert.match(addressSpaceNote({ kernels: false, threads: [4, 2] }, { limit: 512 * MB, used: 0 })!, /^2 of 4 threads: the address space has no room for more \(ulimit -v: the address space is limited to 512 MB\) — run it with NODE_OPTIONS=/);
  assert.doesNotMatch(addressSpaceNote({ kernels: true, threads: null }, null)!, /ulimit/);
});

/** rnnlm under `ulimit -v kb` (bash counts in KB). */
function underLimit(kb: number, args: string[], env: Record<string, string> = {}) {
  return spawnSync('bash', ['-c', `ulimit -v ${kb}; exec "${process.execPath}" "$0" "$@"`, BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
}

test('ulimit -v too low for the guard regions: one warning with the way back, then the work done in TypeScript (exit 0)', { skip: !linux && 'no /proc here' }, () => {
  const dir = tempDir();
  const out = join(dir, 'm.json');
  const train = ['train', repoPath('corpora/sentences.txt'), '-o', out, '--hidden', '8', '--layers', '1', '--max-steps', '2', '--threads', '2', '--samples', '0', '-q'];
  const r = underLimit(3_000_000, train);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((r.stderr.match(/^warning: WebAssembly's memory could not be reserved \(ulimit -v: the address space is limited to 2\.9 GB\).*NODE_OPTIONS=--disable-wasm-trap-handler/gm) ?? []).length, 1, r.stderr);
  const s = underLimit(3_000_000, ['score', '-m', out, 'the cat']);
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /^-?\d/);
  assert.match(s.stderr, /^warning: WebAssembly's memory could not be reserved/m);
  // the way the warning gives: the kernels are back, and the warning is gone
  const back = underLimit(3_000_000, ['score', '-m', out, 'the cat'], { NODE_OPTIONS: '--disable-wasm-trap-handler' });
  assert.equal(back.status, 0, back.stderr);
  assert.doesNotMatch(back.stderr, /warning/);
});

test('ulimit -v with room for the memory but not for a worker: fewer threads and a warning, never V8\'s fatal "Fatal process OOM"', { skip: !linux && 'no /proc here' }, () => {
  // what a process holds once its WebAssembly memory is made (about 11 GB of addresses with the guard regions)
  const probe = spawnSync(process.execPath, ['--input-type=module', '-e', `import { nodeBackend } from ${JSON.stringify(repoPath('dist/src/node/backend.js'))};
import { readFileSync } from 'node:fs';
nodeBackend({});
console.log(/VmSize:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);`], { encoding: 'utf8' });
  const held = Number(probe.stdout.trim());
  assert.ok(held > 0, probe.stderr);
  const dir = tempDir();
  // room for the memory and the command, not for a worker thread's first ~780 MB
  const r = underLimit(held + 400 * 1024, ['train', repoPath('corpora/sentences.txt'), '-o', join(dir, 'm.json'), '--hidden', '8', '--layers', '1', '--max-steps', '2', '--threads', '2', '--samples', '0', '-q']);
  assert.doesNotMatch(r.stderr, /Fatal process OOM/);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^warning: 1 of \d+ threads: the address space has no room for more \(ulimit -v: /m);
  // a command that asks for one thread, or starts none (one sentence to score), loses none: no warning
  const one = underLimit(held + 400 * 1024, ['train', repoPath('corpora/sentences.txt'), '-o', join(dir, 'm1.json'), '--hidden', '8', '--layers', '1', '--max-steps', '2', '--threads', '1', '--samples', '0', '-q']);
  assert.equal(one.status, 0, one.stderr);
  assert.equal(one.stderr, '');
  const s = underLimit(held + 400 * 1024, ['score', '-m', join(dir, 'm1.json'), 'the cat']);
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /^-?\d/);
  assert.doesNotMatch(s.stderr, /warning/);
});

test('ulimit -n too low for Node to load rnnlm: one line naming the limit and the fix, exit 1, no stack trace', { skip: !linux && 'no /proc here' }, () => {
  const r = spawnSync('bash', ['-c', `ulimit -n 40; exec "${process.execPath}" "$0" --help`, BIN], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stderr, 'rnnlm: could not start: this process may open too few files (ulimit -n) — raise the limit (ulimit -n 1024), then try again\n');
  assert.equal(r.stdout, '');
});

test('a file that cannot be opened for want of descriptors says so (EMFILE, ENFILE)', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(fileError(err('EMFILE'), 'm.json', 'read').message, 'm.json could not be read: this process may open too few files (ulimit -n)');
  assert.equal(fileError(err('EMFILE'), 'm.json', 'read').hint, 'raise the limit (ulimit -n 1024)');
  assert.equal(fileError(err('ENFILE'), 'm.json', 'written').message, 'm.json could not be written: the system has too many files open');
});
