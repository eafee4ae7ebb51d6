/**
 * Run the CLI in-process: real files (in a temp directory of the test's
 * choosing), captured stdout/stderr, stdin from a string, no TTY, no colour
 * unless asked, and Ctrl-C triggered by the test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { nodeHost, type Host, type OutStream } from '../../src/cli/host.js';
import { InputError } from '../../src/cli/errors.js';
import { nodeBackend } from '../../src/node/backend.js';
import { nodePlatform } from '../../src/node/platform.js';
import assert from 'node:assert/strict';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface FakeOptions {
  stdin?: string | Uint8Array;
  /** Standard input in pieces, each after a pause (for filters that must answer before the input ends). */
  stdinPieces?: { data: string | Uint8Array; afterMs?: number }[];
  env?: Record<string, string>;
  isTTY?: boolean;
  /** Called with a function that simulates Ctrl-C, once the command registers for it. */
  /** Called with a function that simulates a signal (Ctrl-C, i.e. SIGINT = 2, unless given), once the command registers for it. */
  onInterruptRegistered?: (interrupt: (signal?: number) => void) => void;
  /** Stop accepting stdout after this many writes (a reader that went away). */
  closeStdoutAfter?: number;
  /** Width of the (fake) terminal (default 100). */
  columns?: number;
  /** Make writeFileAtomic (and the log's appends) fail (as on a full disk) for the paths where this returns true. */
  failWrite?: (path: string, attempt: number) => boolean;
}

class Capture implements OutStream {
  text = '';
  writes = 0;
  constructor(readonly isTTY: boolean, private readonly limit = Infinity, private readonly width = 100) {}
  get columns() { return this.width; }
  get closed() { return this.writes >= this.limit; }
  write(s: string) { if (!this.closed) { this.text += s; this.writes++; } }
}

export function fakeHost(opts: FakeOptions = {}): { host: Host; out: Capture; err: Capture } {
  const real = nodeHost();
  const out = new Capture(opts.isTTY ?? false, opts.closeStdoutAfter);
  const err = new Capture(opts.isTTY ?? false, Infinity, opts.columns ?? 100);
  let attempts = 0;
  const host: Host = {
    ...real,
    stdout: out,
    stderr: err,
    env: opts.env ?? {},
    async *stdinChunks() {
      const enc = (d: string | Uint8Array) => (typeof d === 'string' ? new TextEncoder().encode(d) : d);
      if (opts.stdinPieces) {
        for (const p of opts.stdinPieces) {
          if (p.afterMs) await new Promise((r) => setTimeout(r, p.afterMs));
          yield enc(p.data);
        }
        return;
      }
      yield enc(opts.stdin ?? '');
    },
    async readStdin() {
      const s = opts.stdin ?? '';
      return typeof s === 'string' ? new TextEncoder().encode(s) : s;
    },
    onInterrupt(handler) {
      opts.onInterruptRegistered?.((signal = 2) => handler(signal));
      return () => {};
    },
    exitNow(code) { throw new Error(`exitNow(${code})`); },
    async writeFileAtomic(path, content) {
      attempts++;
      if (opts.failWrite?.(path, attempts)) throw new InputError(`${path} could not be written: the disk is full`, 'free some space');
      return real.writeFileAtomic(path, content);
    },
    randomSeed: () => 12345,
    backend: () => nodeBackend(opts.env ?? {}),
    platform: () => nodePlatform(opts.env ?? {}),
    // through this host's writeFileAtomic, so that failWrite reaches every file the api writes
    files: () => ({
      write: (p, c) => host.writeFileAtomic(p, c),
      read: real.files().read,
      async append(p, text, check) {
        attempts++;
        if (opts.failWrite?.(p, attempts)) throw new InputError(`${p} could not be written: the disk is full`, 'free some space');
        return real.files().append!(p, text, check);
      },
    }),
  };
  return { host, out, err };
}

export async function runCli(argv: string[], opts: FakeOptions = {}): Promise<CliResult> {
  const { host, out, err } = fakeHost(opts);
  const code = await main(argv, host);
  return { code, stdout: out.text, stderr: err.text };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rnnlm-test-'));
}

/** The one line of an error on stderr: exactly one line, no stack trace, no colour codes. */
export function oneLineError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got: ${stderr}`);
  assert.ok(!/\bat .*\.js:\d+/.test(stderr), 'no stack trace');
  assert.ok(!/\u001b\[/.test(stderr), 'no colour when stderr is not a terminal');
  return lines[0]!;
}
