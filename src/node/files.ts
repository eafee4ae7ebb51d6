/**
 * Every file rnnlm writes goes through `writeFileAtomic`, and every path a
 * command will write is checked by `checkOutputPath` before any work starts.
 *
 * The writer: a temporary file in the target's directory, with a unique random
 * name, created exclusively (O_EXCL, which also refuses to follow a planted
 * symbolic link), every byte of every chunk written and checked, fsync, the
 * permissions of the file it replaces, rename over the target, fsync of the
 * directory. A failure at any point removes the temporary and leaves the
 * previous file as it was. The temporary's name is short and fixed in length
 * (`.rnnlm-<pid>-<random>-<check>.tmp`), so any legal output name works, and
 * its last part is a checksum of the target's name, the pid and the random
 * part: only temporaries that carry it, and whose process is gone, are ever
 * cleaned up.
 */
import {
  accessSync, closeSync, constants, fchmodSync, fchownSync, fstatSync, fsyncSync, ftruncateSync, lstatSync, openSync, readdirSync, readSync,
  realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { RnnlmError } from '../core/errors.js';
import { deferStopSignals } from './signals.js';

/** A file that cannot be read or written (exit 1 on the command line). */
export class FileError extends RnnlmError {}

/** What a file is written from: text, bytes, or chunks of either (written as they come). */
export type Content = string | Uint8Array | Iterable<string | Uint8Array>;

/** Longest file name (one path component) on Linux and macOS file systems, in bytes. */
export const NAME_MAX = 255;

const show = (p: string) => JSON.stringify(p).slice(1, -1);

/** A one-line FileError for a failed file operation on `path`. */
export function fileError(err: unknown, path: string, verb: 'read' | 'written'): FileError {
  if (err instanceof FileError) return err;
  const code = (err as { code?: string }).code;
  const why: Record<string, [string, string]> = {
    ENOENT: ['does not exist', 'check the path'],
    EACCES: [`is not ${verb === 'read' ? 'readable' : 'writable'} (permission denied)`, 'check its permissions'],
    EPERM: [`could not be ${verb} (operation not permitted)`, 'check its permissions'],
    EISDIR: ['is a directory, not a file', 'give the path of a file'],
    ENOTDIR: ['has a part that is not a directory', 'check the path'],
    ENOSPC: ['could not be written: the disk is full', 'free some space'],
    EDQUOT: ['could not be written: the disk quota is used up', 'free some space'],
    EFBIG: ['could not be written: the file size limit was reached (ulimit -f)', 'raise the limit or free some space'],
    EROFS: ['could not be written: read-only file system', 'choose another output path'],
    ENAMETOOLONG: ['has a name that is too long', 'choose a shorter name'],
    EIO: [`could not be ${verb}: input/output error`, 'check the disk'],
    ENOMEM: [`could not be ${verb}: out of memory`, 'free some memory or use a smaller file'],
    ERR_FS_FILE_TOO_LARGE: ['is too large to read (4 GB or more)', 'use a smaller file'],
    EMFILE: [`could not be ${verb}: this process may open too few files (ulimit -n)`, 'raise the limit (ulimit -n 1024)'],
    ENFILE: [`could not be ${verb}: the system has too many files open`, 'close some programs, then try again'],
  };
  // a path with a NUL byte (possible only from code: Node refuses it before the system sees it), said as the writer says it
  if (code === 'ERR_INVALID_ARG_VALUE' && path.includes('\0')) return new FileError(`${show(path)} could not be ${verb}: the name holds a NUL byte`, 'choose another name');
  if (code === 'ENOENT' && verb === 'written') {
    return new FileError(`${show(path)} could not be written: its directory ${show(dirname(resolve(path)))} no longer exists`, 'create the directory again (or choose another output path)');
  }
  if (err instanceof RangeError && /allocation failed|Invalid array length|Array buffer/i.test(err.message)) {
    return new FileError(`${show(path)} could not be ${verb}: out of memory`, 'free some memory or use a smaller file');
  }
  const [what, hint] = why[code ?? ''] ?? [`could not be ${verb} (${code ?? String((err as Error)?.message ?? err)})`, 'check the path'];
  return new FileError(`${show(path)} ${what}`, hint);
}

function statOrNull(path: string, follow: boolean): Stats | null {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') return null;
    throw err;
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Where a write to `path` really lands: a symbolic link to a regular file is
 * followed (the link stays a link; its target is replaced), so the real path
 * is what gets renamed over. Throws FileError for anything that is not a
 * regular file or absent, and for a link that points nowhere. `example`:
 * the file name the hint suggests.
 */
export function writeTarget(path: string, example = 'model.json'): { target: string; existing: Stats | null } {
  const l = statOrNull(path, false);
  if (l?.isSymbolicLink()) {
    // what the link leads to (a pipe behind /dev/stdout has no path of its own: ask stat, not realpath)
    let st: Stats;
    try {
      st = statSync(path);
    } catch {
      throw new FileError(`cannot write ${show(path)}: it is a symbolic link to a file that does not exist`, 'remove the link or choose another output path');
    }
    if (!st.isFile()) throw new FileError(`cannot write ${show(path)}: it links to ${kindOf(st)}`, 'give the path of a regular file');
    const target = realpathSync(path);
    refuseWriteProtected(path, target, st);
    return { target, existing: st };
  }
  if (l && !l.isFile()) throw new FileError(`cannot write ${show(path)}: it is ${kindOf(l)}, not a regular file`, `give the path of a regular file, e.g. ${example}`);
  if (l) refuseWriteProtected(path, path, l);
  return { target: path, existing: l };
}

/**
 * A write replaces the file by a rename, which the directory's permissions
 * allow even when the file's own do not: a file its owner made read-only
 * (no write bit for anyone: refused even for root, as rm asks first), or
 * one this user may not write, is refused instead of replaced.
 */
function refuseWriteProtected(path: string, target: string, st: Stats): void {
  let writable = (st.mode & 0o222) !== 0;
  if (writable) {
    try {
      accessSync(target, constants.W_OK);
    } catch {
      writable = false;
    }
  }
  if (!writable) throw new FileError(`cannot write ${show(path)}: it is write-protected`, `make it writable to replace it (chmod u+w ${show(path)}), or choose another output path`);
}

/**
 * Refuses, before any work, an output path that could not be written at the
 * end: empty, ending in a slash, a name longer than NAME_MAX bytes, a missing
 * or unwritable directory, or something other than a regular file (a
 * directory, a device such as /dev/null, a FIFO, a dangling link).
 * `example` is the name the hints suggest (model.json unless said).
 */
export function checkOutputPath(path: string, what = 'output', example = 'model.json'): void {
  if (path === '') throw new FileError(`the ${what} path is empty`, `give a file name, e.g. ${example}`);
  // a standard stream by name: renaming over it would replace the file the shell redirected it to (`>> f.txt`)
  if (/^\/dev\/(stdin|stdout|stderr|fd\/\d+)$|^\/proc\/(self|\d+)\/fd\/\d+$/.test(path)) {
    throw new FileError(`cannot write ${show(path)}: it is a standard stream, not a file (whatever the shell connected it to would be replaced)`, 'give the path of a file');
  }
  if (/[/\\]$/.test(path) || /(^|\/)\.{1,2}$/.test(path)) {
    throw new FileError(`cannot write ${show(path)}: the ${what} must be a file name, not a directory`, `give a file name, e.g. ${example}`);
  }
  if (new TextEncoder().encode(basename(path)).length > NAME_MAX) {
    throw new FileError(`cannot write ${show(path)}: the file name is longer than ${NAME_MAX} bytes`, 'choose a shorter name');
  }
  if (path.includes('\0')) throw new FileError(`cannot write ${show(path)}: the name holds a NUL byte`, 'choose another name');
  const { target, existing } = writeTarget(path, example);
  // the file this process's output goes to (`-o log.txt > log.txt`, or a link to /dev/stdout): replacing it would lose that output
  if (existing) {
    for (const [fd, stream] of [[1, 'standard output'], [2, 'standard error']] as const) {
      let st: Stats | null = null;
      try { st = fstatSync(fd); } catch { /* closed */ }
      if (st && st.isFile() && st.dev === existing.dev && st.ino === existing.ino) {
        throw new FileError(`cannot write ${show(path)}: it is the file ${stream} goes to`, 'give another output path, or send the output elsewhere');
      }
    }
  }
  const dir = dirname(resolve(target));
  let st: Stats;
  try {
    st = statSync(dir);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw new FileError(`cannot write ${show(path)}: the directory ${show(dir)} does not exist`, 'create it or choose another output path');
    throw fileError(err, dir, 'written');
  }
  if (!st.isDirectory()) throw new FileError(`cannot write ${show(path)}: ${show(dir)} is not a directory`, 'choose another output path');
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new FileError(`cannot write ${show(path)}: the directory ${show(dir)} is not writable`, 'choose another output path');
  }
}

/**
 * The identity of the file at `path` for same-file checks: device and inode
 * when it exists (so a symbolic or hard link to it is the same file), else
 * its absolute path with the directory's links resolved.
 */
export function fileIdentity(path: string): string {
  const st = statOrNull(path, true);
  if (st) return `inode:${st.dev}:${st.ino}`;
  let dir = dirname(resolve(path));
  try { dir = realpathSync(dir); } catch { /* a missing directory is refused elsewhere */ }
  return `path:${join(dir, basename(path))}`;
}

/**
 * Refuses two roles of one command that name the same file (the corpus and
 * the output, the output and the log, …): `rnnlm train c.txt -o c.txt` would
 * overwrite the corpus. Entries with path '-' (standard input/output) or
 * undefined are skipped.
 */
export function checkDistinct(entries: readonly { role: string; path: string | undefined; rename?: string }[]): void {
  const seen = new Map<string, { role: string; path: string }>();
  for (const e of entries) {
    if (e.path === undefined || e.path === '-') continue;
    const id = fileIdentity(e.path);
    const prev = seen.get(id);
    if (prev) {
      const same = prev.path === e.path ? `${show(e.path)}` : `${show(e.path)} and ${show(prev.path)} (the same file)`;
      throw new FileError(`the ${e.role} and the ${prev.role} are both ${same}`, e.rename ?? `give the ${e.role} another name`);
    }
    seen.set(id, { role: e.role, path: e.path });
  }
}

// ── the temporary's name ────────────────────────────────────────────────────

const TEMP = /^\.rnnlm-(\d+)-([0-9a-f]{16})-([0-9a-f]{8})\.tmp$/;

/** FNV-1a over the UTF-16 code units: enough to tell our names from anyone else's. */
function check(target: string, pid: number, nonce: string): string {
  let h = 0x811c9dc5;
  const s = `${target}\u0000${pid}\u0000${nonce}\u0000rnnlm`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The temporary's name for a write to `targetName` (a file name, no directory) by process `pid`. */
export function temporaryName(targetName: string, pid = process.pid, nonce?: string): string {
  nonce ??= randomBytes(8).toString('hex');
  return `.rnnlm-${pid}-${nonce}-${check(targetName, pid, nonce)}.tmp`;
}

/** Whether `name` (in the directory of `targetName`) is a temporary this writer made for it. */
export function isOurTemporary(name: string, targetName: string): { pid: number } | null {
  const m = TEMP.exec(name);
  if (!m) return null;
  const pid = Number(m[1]);
  return check(targetName, pid, m[2]!) === m[3] ? { pid } : null;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temporaries of writes to `target` that were killed half-way (their process is gone). Best effort. */
function removeStaleTemporaries(target: string): void {
  try {
    const dir = dirname(resolve(target));
    const name = basename(target);
    for (const f of readdirSync(dir)) {
      const ours = isOurTemporary(f, name);
      if (!ours || ours.pid === process.pid || processAlive(ours.pid)) continue;
      try { unlinkSync(join(dir, f)); } catch { /* gone already */ }
    }
  } catch {
    // an unreadable directory: leave things as they are
  }
}

// ── writing ─────────────────────────────────────────────────────────────────

/** Every byte of `bytes` to `fd`; `done.bytes` counts what is written so far (for a caller that must take it back). */
function writeAll(fd: number, bytes: Uint8Array, done: { bytes: number } = { bytes: 0 }): void {
  let off = 0;
  while (off < bytes.length) {
    const n = writeSync(fd, bytes, off, bytes.length - off);
    // a write that takes nothing would loop for ever; the disk is as good as full
    if (n <= 0) throw Object.assign(new Error('no progress writing'), { code: 'ENOSPC' });
    off += n;
    done.bytes = off;
  }
}

function* chunksOf(content: Content): Iterable<string | Uint8Array> {
  if (typeof content === 'string' || content instanceof Uint8Array) yield content;
  else yield* content;
}

const encoder = new TextEncoder();

/**
 * Write `content` to `path` so that `path` is, at every moment, either its
 * old content or all of the new: see the file comment. Throws FileError.
 */
export async function writeFileAtomic(path: string, content: Content): Promise<void> {
  writeFileAtomicSync(path, content);
}

/** `nonce` fixes the temporary's random part (tests only). */
export function writeFileAtomicSync(path: string, content: Content, nonce?: string): void {
  signalsAfter(() => writeAtomically(path, content, nonce));
}

/** Run a write so that a signal during it ends the process after it, not in it (no temporary or partial line left behind). */
function signalsAfter(write: () => void): void {
  const release = deferStopSignals();
  try {
    write();
  } finally {
    release();
  }
}

function writeAtomically(path: string, content: Content, nonce?: string): void {
  let target: string, existing: Stats | null;
  try {
    ({ target, existing } = writeTarget(path));
  } catch (err) {
    throw fileError(err, path, 'written');
  }
  const dir = dirname(resolve(target));
  const tmp = join(dir, temporaryName(basename(target), process.pid, nonce));
  let fd = -1;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, existing ? 0o600 : 0o666);
  } catch (err) {
    throw fileError(err, path, 'written');
  }
  try {
    for (const chunk of chunksOf(content)) writeAll(fd, typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
    if (existing) {
      // keep the permissions (and, where we may, the owner) of the file being replaced
      fchmodSync(fd, existing.mode & 0o7777);
      const me = fstatSync(fd);
      if (me.uid !== existing.uid || me.gid !== existing.gid) {
        try { fchownSync(fd, existing.uid, existing.gid); } catch { /* only root may; the mode is kept */ }
      }
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, target);
  } catch (err) {
    if (fd >= 0) try { closeSync(fd); } catch { /* already failed */ }
    try { unlinkSync(tmp); } catch { /* nothing to clean */ }
    throw fileError(err, path, 'written');
  }
  syncDirectory(dir);
  removeStaleTemporaries(target);
}

/** How much of a file's end `appendLine`'s check sees. */
export const APPEND_TAIL_BYTES = 65536;

/**
 * Add `text` at the end of `path` (created when absent) in one write with
 * O_APPEND, so that two processes appending to one file keep each other's
 * lines, and the cost does not grow with the file. `check` first sees the
 * file's last bytes (all of them when `whole`) and may throw to refuse; a
 * line end is written first when the file's last line has none. A failed or
 * partial write (a full disk, `ulimit -f`) is cut off again: the file is as
 * it was. Links and write-protection as for writeFileAtomic. Throws FileError,
 * or what `check` throws.
 */
export function appendLine(path: string, text: string, check: (tail: Uint8Array, whole: boolean) => void): void {
  signalsAfter(() => appendTo(path, text, check));
}

function appendTo(path: string, text: string, check: (tail: Uint8Array, whole: boolean) => void): void {
  let target: string;
  try {
    ({ target } = writeTarget(path));
  } catch (err) {
    throw fileError(err, path, 'written');
  }
  let fd = -1;
  try {
    fd = openSync(target, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o666);
  } catch (err) {
    throw fileError(err, path, 'written');
  }
  // bytes of ours in the file: what a failure must take back (none before the write starts)
  const written = { bytes: 0 };
  try {
    // the file's end; one without a line end may be another run's record still arriving (a write
    // is seen in pieces, page by page): look again for a few ms before taking it as a last line unended
    let { tail, whole } = tailOf(fd);
    for (let tries = 0; tail.length > 0 && tail[tail.length - 1] !== 0x0a && tries < 5; tries++) {
      Atomics.wait(PAUSE, 0, 0, 2);
      ({ tail, whole } = tailOf(fd));
    }
    const n = tail.length;
    check(tail, whole);
    const bytes = encoder.encode(n > 0 && tail[n - 1] !== 0x0a ? '\n' + text : text);
    writeAll(fd, bytes, written);
    fsyncSync(fd);
  } catch (err) {
    // Cut off what a failed write left: with O_APPEND our bytes are the file's last (a line another
    // process appended before them stays; cutting back to the size seen before the write would take
    // it too, and a write that failed with nothing written has nothing to cut).
    if (written.bytes > 0) try { ftruncateSync(fd, Math.max(0, fstatSync(fd).size - written.bytes)); } catch { /* nothing more to do */ }
    try { closeSync(fd); } catch { /* already failed */ }
    if (err instanceof RnnlmError) throw err;
    throw fileError(err, path, 'written');
  }
  // written and synced: a failing close must not have the records written again
  try { closeSync(fd); } catch { /* the data is on disk */ }
}

/** A 2 ms pause for appendTo (Atomics.wait on a word nothing notifies). */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** The last APPEND_TAIL_BYTES of an open file (`whole`: all of it). */
function tailOf(fd: number): { tail: Uint8Array; whole: boolean } {
  const size = fstatSync(fd).size;
  const n = Math.min(size, APPEND_TAIL_BYTES);
  const tail = new Uint8Array(n);
  return { tail: tail.subarray(0, readFully(fd, tail, size - n)), whole: n === size };
}

/** Fill `buf` from `fd` (from byte `at`, or from the file position when null) until it is full or the file ends; the bytes read. */
function readFully(fd: number, buf: Uint8Array, at: number | null): number {
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, at === null ? null : at + off);
    if (n <= 0) break;
    off += n;
  }
  return off;
}

/** fsync the directory so the rename itself survives a power loss. Best effort (not every platform allows it). */
function syncDirectory(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // EINVAL / EISDIR / EPERM on some file systems: the rename is done all the same
  } finally {
    if (fd >= 0) try { closeSync(fd); } catch { /* ignore */ }
  }
}

// ── reading ─────────────────────────────────────────────────────────────────

/** All bytes of a file, up to 4 GB (Node's readFile stops at 2 GB). Throws FileError. */
export function readFileBytes(path: string): Uint8Array {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const st = readableStat(fd, path);
    if (!st.isFile()) return readStream(fd);
    if (st.size >= 2 ** 32) throw Object.assign(new Error('too large'), { code: 'ERR_FS_FILE_TOO_LARGE' });
    const out = Buffer.allocUnsafe(st.size);
    const off = readFully(fd, out, null);
    // a file that grew while read is read to its size at open; one that shrank, to its end
    return off === out.length ? out : out.subarray(0, off);
  } catch (err) {
    throw fileError(err, path, 'read');
  } finally {
    if (fd >= 0) try { closeSync(fd); } catch { /* ignore */ }
  }
}

/**
 * The stat of an open file that may be read: not a directory, a device (/dev/zero,
 * /dev/urandom, a tty: endless or interactive, never a file to read) or a socket.
 */
function readableStat(fd: number, path: string): Stats {
  const st = fstatSync(fd);
  if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  if (st.isCharacterDevice() || st.isBlockDevice()) throw new FileError(`${show(path)} is a device, not a file`, 'give the path of a file (or - for standard input)');
  if (st.isSocket()) throw new FileError(`${show(path)} is a socket, not a file`, 'give the path of a file');
  return st;
}

/** Bytes read into buf: 0 at the end, null when a FIFO has nothing yet (EAGAIN). */
function readSome(fd: number, buf: Buffer): number | null {
  try {
    return readSync(fd, buf, 0, buf.length, null);
  } catch (err) {
    if ((err as { code?: string }).code === 'EAGAIN') return null;
    throw err;
  }
}

/** Bytes per chunk of fileChunks. */
const FILE_CHUNK = 1 << 16;

/**
 * A file's bytes in chunks of at most 64 KiB (a pipe's size: what a reader
 * makes of one chunk, e.g. its lines as objects, stays small), read as they
 * are taken (memory stays flat whatever the size), with readFileBytes's
 * refusals (directories, devices, sockets); a FIFO is read to its end.
 */
export async function* fileChunks(path: string): AsyncGenerator<Uint8Array, void, undefined> {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    readableStat(fd, path);
    for (;;) {
      const buf = Buffer.allocUnsafe(FILE_CHUNK);
      const n = readSome(fd, buf);
      if (n === null) {
        await new Promise((r) => setTimeout(r, 10)); // a FIFO with nothing yet
        continue;
      }
      if (n === 0) break;
      yield buf.subarray(0, n);
    }
  } catch (err) {
    throw fileError(err, path, 'read');
  } finally {
    if (fd >= 0) try { closeSync(fd); } catch { /* ignore */ }
  }
}

/** A FIFO or character device (e.g. /dev/stdin, <(…)): read to its end. */
function readStream(fd: number): Uint8Array {
  const parts: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(1 << 20);
    const n = readSome(fd, buf);
    if (n === null) continue;
    if (n === 0) break;
    parts.push(buf.subarray(0, n));
    total += n;
    if (total >= 2 ** 32) throw Object.assign(new Error('too large'), { code: 'ERR_FS_FILE_TOO_LARGE' });
  }
  return Buffer.concat(parts);
}

/** The bytes of a file, or null when there is no file at `path`. Throws FileError. */
export function readFileIfExists(path: string): Uint8Array | null {
  try {
    statSync(path);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return null;
    throw fileError(err, path, 'read');
  }
  return readFileBytes(path);
}

/** Whether a regular file is at `path` (links followed). */
export function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Remove the regular file at `path`; false when there was none or it could not be removed. */
export function removeRegularFile(path: string): boolean {
  try {
    if (!lstatSync(path).isFile()) return false;
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * readFileBytes for callers that must not block (the library): a FIFO waits
 * for its writer on a worker of Node's thread pool, so timers and signals
 * still run meanwhile; a regular file is read at once.
 */
export async function readFileBytesAsync(path: string): Promise<Uint8Array> {
  let st: Stats | null = null;
  try {
    st = statSync(path);
  } catch {
    // missing or unreadable: readFileBytes says which
  }
  if (!st?.isFIFO()) return readFileBytes(path);
  try {
    const data = await readFile(path);
    return data;
  } catch (err) {
    throw fileError(err, path, 'read');
  }
}
