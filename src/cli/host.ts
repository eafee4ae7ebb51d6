/**
 * Everything the CLI needs from the outside world, behind one interface, so
 * that commands run in-process in tests (a fake host) and for real (nodeHost).
 */
import { fstatSync, statSync, type Stats } from 'node:fs';
import { availableParallelism } from 'node:os';
import { randomInt } from 'node:crypto';
import { checkDistinct, checkOutputPath, fileError, fileIdentity, readFileBytes, fileChunks, readFileIfExists, isRegularFile, removeRegularFile, writeFileAtomic, type Content } from '../node/files.js';
import { shown } from './format.js';
import { InputError } from './errors.js';
import type { Backend } from '../api/index.js';
import { nodeBackend } from '../node/backend.js';
import { nodeFiles, nodePlatform, nodePlatformNote } from '../node/platform.js';
import { onStopSignal } from '../node/signals.js';
import type { FileSink, Platform } from '../api/platform.js';

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
  /** Standard input as it arrives (for filters that answer line by line). */
  stdinChunks(): AsyncIterable<Uint8Array>;
  readFile(path: string): Promise<Uint8Array>;
  /** A file's bytes as they are read, in chunks (memory flat); the same refusals as readFile. */
  fileChunks(path: string): AsyncIterable<Uint8Array>;
  /** The bytes of a file, or null when there is none. */
  readFileIfExists(path: string): Promise<Uint8Array | null>;
  /** Whether a regular file is at `path`. */
  isFile(path: string): boolean;
  /** Remove a regular file; false when there was none (or it could not be removed). */
  removeFile(path: string): Promise<boolean>;
  /** Write to a temporary file beside `path`, fsync, rename over `path`: never a half-written file (src/node/files.ts). */
  writeFileAtomic(path: string, content: Content): Promise<void>;
  /** Throws FileError when `path` could not be written at the end (bad name, missing directory, not a regular file). */
  /** `example`: the file name the hints suggest (model.json unless said). */
  checkWritable(path: string, what?: string, example?: string): void;
  /** Throws FileError when two of the paths (corpus, output, log, …) are one file; '-' and undefined are skipped. */
  checkDistinct(entries: readonly { role: string; path: string | undefined; rename?: string }[]): void;
  /** Whether two paths name one file (device and inode: through links, and any spelling). */
  sameFile(a: string, b: string): boolean;
  /** Milliseconds, monotonic. */
  now(): number;
  /**
   * Register a handler for Ctrl-C, SIGTERM, SIGHUP and SIGQUIT, called with the
   * signal's number; returns a function that removes it. After the first
   * signal the real host restores the default action, so a second one ends
   * the process at once, whatever it is doing (every write is atomic).
   */
  onInterrupt(handler: (signal: number) => void): () => void;
  /** Leave at once (a second Ctrl-C): nothing half-written is left, since every write is atomic. */
  exitNow(code: number): void;
  /** A fresh random seed (for commands whose --seed is not given). */
  randomSeed(): number;
  /** Logical CPUs. */
  readonly cpus: number;
  /** What models compute on: made once per process (WebAssembly SIMD; the TypeScript reference with RNNLM_KERNELS=js). */
  backend(): Backend;
  /** The api's platform (backend, worker threads, clock) and file sink (the atomic writer). */
  platform(): Platform;
  files(): FileSink;
}

/**
 * The last guard before a terminal. Standard output carries data (samples,
 * scores) and no styling: every control character but line feed and tab is
 * shown as an escape. Standard error carries rnnlm's own colours and the
 * progress bar's cursor moves (ESC [ … letter), which pass; any other
 * control character is escaped. Untrusted strings are escaped where they are
 * interpolated (format.ts `shown`), so a sequence inside them is already
 * harmless text here; this catches what slipped through.
 */
function terminalSafe(text: string, styled: boolean): string {
  if (!styled) return shown(text, true);
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]|[^\u001b\r\n\t]+|\u001b/g, (piece) => (piece.length > 1 && piece.charCodeAt(0) === 0x1b ? piece : shown(piece)));
}

/**
 * Standard input as it arrives. `< /dev/zero` or `< /dev/urandom` is a
 * device that never ends: refused (a terminal is one too, and is read as
 * typed; /dev/null is the usual "no input": read, and it ends at once).
 */
async function* stdinChunks(): AsyncGenerator<Uint8Array> {
  const st = fstatSync(0);
  if (!process.stdin.isTTY && st.isCharacterDevice() && st.rdev !== DEV_NULL) {
    throw new InputError('standard input is a device, not a file or a pipe', 'redirect a file (< corpus.txt) or pipe text into rnnlm');
  }
  refuseOwnOutput(st, 'standard input');
  for await (const c of process.stdin) yield c as Buffer;
}

/** A file read as it comes (tag predict, eval), refused when standard output writes to it. */
async function* ownFileChunks(path: string): AsyncGenerator<Uint8Array> {
  refuseOwnOutputFile(path, true);
  yield* fileChunks(path);
}

/** A whole file (a model, a corpus), refused when standard output writes to it: what rnnlm prints would land in it. */
function ownFileBytes(path: string): Uint8Array {
  refuseOwnOutputFile(path, false);
  return readFileBytes(path);
}

/** refuseOwnOutput for the file at `path`; a path that cannot be stat'ed is left to the reader, which says why. */
function refuseOwnOutputFile(path: string, streamed: boolean): void {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return;
  }
  refuseOwnOutput(st, shown(path), streamed);
}

/**
 * An input read as it comes that is the regular file standard output writes
 * to (`rnnlm score < f >> f`, `rnnlm tag predict f >> f`) would read back
 * what rnnlm writes, and again, without end, until the disk is full; a whole
 * file read first (`rnnlm sample m.json >> m.json`) would get the output
 * appended, a model damaged by it. Refused before a byte is read, as cat
 * refuses "input file is output file".
 */
function refuseOwnOutput(input: Stats, name: string, streamed = true): void {
  let out: Stats;
  try {
    out = fstatSync(1);
  } catch {
    return; // no standard output: nothing is written back
  }
  if (input.isFile() && out.isFile() && input.dev === out.dev && input.ino === out.ino) {
    throw new InputError(`${name} is the file standard output writes to: ${streamed ? 'rnnlm would read its own output back as input, without end' : 'what rnnlm prints would be written into it'}`,
      'send the output to another file (or read a copy of the input)');
  }
}

/** The device number of /dev/null on Linux (major 1, minor 3). */
const DEV_NULL = (1 << 8) | 3;

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
      // a file-size limit (ulimit -f) or a quota: said as for an output file
      if (failure.code === 'EFBIG' || failure.code === 'EDQUOT') {
        const e = fileError(failure, name, 'written');
        throw new InputError(e.message, e.hint);
      }
      const why = failure.code === 'ENOSPC' ? 'the disk is full' : failure.code ?? failure.message;
      throw new InputError(`cannot write to ${name} (${why})`, 'check where the output goes: free some space or choose another file');
    }
  };
  return {
    write(text) {
      check();
      if (closed) return;
      stream.write(stream.isTTY ? terminalSafe(text, name === 'standard error') : text);
      check();
    },
    get isTTY() { return stream.isTTY === true; },
    get columns() { return stream.columns ?? 80; },
    get closed() { poll(); return closed; },
  };
}

export function nodeHost(): Host {
  // what an address-space limit (ulimit -v) cost this process, one warning at most: the kernels
  // (when the work first needs the backend), else threads (when an engine is started on fewer
  // than the command asked for; a command that starts none loses none)
  let noted = false;
  const noteLimits = (threads: [number, number] | null = null) => {
    if (noted) return;
    const note = nodePlatformNote(process.env, threads);
    if (note === null) return;
    noted = true;
    host.stderr.write(`warning: ${note}\n`);
  };
  const host: Host = {
    stdout: outStream(process.stdout, 'standard output'),
    stderr: outStream(process.stderr, 'standard error'),
    env: process.env,
    stdinChunks,
    async readStdin() {
      const chunks: Uint8Array[] = [];
      let total = 0;
      for await (const c of stdinChunks()) {
        total += c.length;
        if (total >= 2 ** 32) throw new InputError('standard input is too large to read (4 GB or more)', 'give a smaller input');
        chunks.push(c);
      }
      return Buffer.concat(chunks);
    },
    async readFile(path) {
      return ownFileBytes(path);
    },
    fileChunks: ownFileChunks,
    readFileIfExists: async (path) => readFileIfExists(path),
    isFile: isRegularFile,
    removeFile: async (path) => removeRegularFile(path),
    writeFileAtomic,
    checkWritable: (path, what, example) => checkOutputPath(path, what, example),
    checkDistinct,
    sameFile: (a, b) => fileIdentity(a) === fileIdentity(b),
    now: () => performance.now(),
    onInterrupt: onStopSignal,
    exitNow: (code) => process.exit(code),
    randomSeed: () => randomInt(0, 2 ** 31),
    cpus: availableParallelism(),
    backend: () => { const b = nodeBackend(process.env); noteLimits(); return b; },
    platform: () => { const p = nodePlatform(process.env, (wanted, got) => noteLimits([wanted, got])); noteLimits(); return p; },
    files: () => nodeFiles,
  };
  return host;
}
