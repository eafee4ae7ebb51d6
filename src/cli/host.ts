/**
 * Everything the CLI needs from the outside world, behind one interface, so
 * that commands run in-process in tests (a fake host) and for real (nodeHost).
 */
import { closeSync, fsyncSync, openSync, writeSync, renameSync, unlinkSync, statSync, accessSync, constants, readdirSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import { InputError } from './errors.js';

export interface OutStream {
  write(text: string): void;
  readonly isTTY: boolean;
  readonly columns: number;
  /** True once the reader has gone away (EPIPE): stop writing. */
  readonly closed: boolean;
}

export interface Host {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** All of standard input. */
  readStdin(): Promise<Uint8Array>;
  readFile(path: string): Promise<Uint8Array>;
  /** Write to a temporary file beside `path`, fsync, rename over `path`: never a half-written file. */
  writeFileAtomic(path: string, text: string): Promise<void>;
  /** Append text to a file (created if missing); with `truncate`, start it empty. */
  appendFile(path: string, text: string, truncate?: boolean): Promise<void>;
  /** Throws InputError when a file cannot be created at `path` (missing directory, no permission). */
  checkWritable(path: string): void;
  /** Milliseconds, monotonic. */
  now(): number;
  /** Register a handler for Ctrl-C / SIGTERM; returns a function that removes it. */
  onInterrupt(handler: () => void): () => void;
  /** Leave at once (a second Ctrl-C): nothing half-written is left, since every write is atomic. */
  exitNow(code: number): void;
  /** A fresh random seed (for commands whose --seed is not given). */
  randomSeed(): number;
  /** Logical CPUs. */
  readonly cpus: number;
}

function fsError(err: unknown, path: string, verb: string): InputError {
  const code = (err as { code?: string }).code;
  const why: Record<string, [string, string]> = {
    ENOENT: ['does not exist', 'check the path'],
    EACCES: [`is not ${verb === 'read' ? 'readable' : 'writable'} (permission denied)`, 'check its permissions'],
    EISDIR: ['is a directory, not a file', 'give the path of a file'],
    ENOSPC: ['could not be written: the disk is full', 'free some space'],
    EROFS: ['could not be written: read-only file system', 'choose another output path'],
    ERR_FS_FILE_TOO_LARGE: ['is too large to read (2 GB or more)', 'train on a part of it, e.g. head -c 400M'],
  };
  const [what, hint] = why[code ?? ''] ?? [`could not be ${verb} (${code ?? String(err)})`, 'check the path'];
  return new InputError(`${path} ${what}`, hint);
}

const streams = new WeakMap<NodeJS.WriteStream, OutStream>();

/** One OutStream per process stream (one 'error' listener, however many hosts are made). */
function outStream(stream: NodeJS.WriteStream, name: 'standard output' | 'standard error'): OutStream {
  const known = streams.get(stream);
  if (known) return known;
  const made = makeOutStream(stream, name);
  streams.set(stream, made);
  return made;
}

/**
 * A process stream that never throws from an 'error' event. A reader that
 * went away (EPIPE: `rnnlm sample | head -1`) closes it quietly. Any other
 * failure (ENOSPC: `> /dev/full`, EIO) closes it too; on standard output,
 * where the data would be lost, the write that finds it throws an InputError
 * (one line, exit 1). Messages on standard error are not worth failing a
 * long training run for, so there the failure only closes the stream.
 *
 * Node reports a failed write in an 'error' event on the next tick, but marks
 * the stream errored or destroyed at once (pipes, files and terminals write
 * synchronously), so a loop of writes notices at the next write, without
 * waiting for the event loop.
 */
function makeOutStream(stream: NodeJS.WriteStream, name: string): OutStream {
  let closed = false;
  let failure: NodeJS.ErrnoException | null = null;
  let reported = false;
  const fail = (err: NodeJS.ErrnoException): void => {
    closed = true;
    if (err.code !== 'EPIPE') failure ??= err;
  };
  stream.on('error', fail);
  const poll = (): void => {
    if (closed) return;
    const err = (stream as { errored?: Error | null }).errored;
    if (err) fail(err as NodeJS.ErrnoException);
    else if (stream.destroyed) closed = true;
  };
  const check = (): void => {
    poll();
    if (failure && !reported && name === 'standard output') {
      reported = true;
      const why = failure.code === 'ENOSPC' ? 'the disk is full' : failure.code ?? failure.message;
      throw new InputError(`cannot write to ${name} (${why})`, 'check where the output goes: free some space or choose another file');
    }
  };
  return {
    write(text) {
      check();
      if (closed) return;
      stream.write(text);
      check();
    },
    get isTTY() { return stream.isTTY === true; },
    get columns() { return stream.columns ?? 80; },
    get closed() { poll(); return closed; },
  };
}

/** Whether a process with this id exists (signal 0 checks without sending anything). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, but not ours
  }
}

/**
 * After a successful write of `path`: delete the `path.tmp-PID` files that
 * writes killed half-way (SIGKILL, power loss) left behind, when their
 * process is gone. Best effort: a failure here changes nothing written.
 */
function removeStaleTemporaries(path: string): void {
  try {
    const dir = dirname(resolve(path));
    const prefix = `${basename(path)}.tmp-`;
    for (const f of readdirSync(dir)) {
      if (!f.startsWith(prefix)) continue;
      const pid = f.slice(prefix.length);
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid || processAlive(Number(pid))) continue;
      try { unlinkSync(join(dir, f)); } catch { /* gone already, or not ours to delete */ }
    }
  } catch {
    // an unreadable directory: leave things as they are
  }
}

export function nodeHost(): Host {
  return {
    stdout: outStream(process.stdout, 'standard output'),
    stderr: outStream(process.stderr, 'standard error'),
    env: process.env,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    async readFile(path) {
      try {
        return await readFile(path);
      } catch (err) {
        throw fsError(err, path, 'read');
      }
    },
    async writeFileAtomic(path, text) {
      const tmp = `${path}.tmp-${process.pid}`;
      try {
        const fd = openSync(tmp, 'w');
        try {
          writeSync(fd, text);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, path);
      } catch (err) {
        try { unlinkSync(tmp); } catch { /* nothing to clean */ }
        throw fsError(err, path, 'written');
      }
      removeStaleTemporaries(path);
    },
    async appendFile(path, text, truncate = false) {
      try {
        await (truncate ? writeFile(path, text) : appendFile(path, text));
      } catch (err) {
        throw fsError(err, path, 'written');
      }
    },
    checkWritable(path) {
      const dir = dirname(resolve(path));
      try {
        if (!statSync(dir).isDirectory()) throw new InputError(`cannot write ${path}: ${dir} is not a directory`, 'choose another output path');
        accessSync(dir, constants.W_OK);
      } catch (err) {
        if (err instanceof InputError) throw err;
        const code = (err as { code?: string }).code;
        if (code === 'ENOENT') throw new InputError(`cannot write ${path}: the directory ${dir} does not exist`, 'create it or choose another output path');
        throw new InputError(`cannot write ${path}: the directory ${dir} is not writable`, 'choose another output path');
      }
      try {
        if (statSync(path).isDirectory()) throw new InputError(`cannot write ${path}: it is a directory`, 'give a file name, e.g. model.json');
      } catch (err) {
        if (err instanceof InputError) throw err;
      }
    },
    now: () => performance.now(),
    onInterrupt(handler) {
      const h = () => handler();
      process.on('SIGINT', h);
      process.on('SIGTERM', h);
      return () => {
        process.off('SIGINT', h);
        process.off('SIGTERM', h);
      };
    },
    exitNow: (code) => process.exit(code),
    randomSeed: () => randomInt(0, 2 ** 31),
    cpus: availableParallelism(),
  };
}
