/**
 * Command-line arguments as bytes. Node decodes argv leniently: an argument
 * that is not valid UTF-8 (Latin-1 "café" as `caf\xe9`) arrives with U+FFFD
 * where the bad bytes were, and nothing says so. On Linux the raw bytes are
 * in /proc/self/cmdline (NUL-separated), so an argument can be checked
 * against them; elsewhere (or when /proc cannot be read) we cannot tell, and
 * say the argument was fine.
 */
import { readFileSync } from 'node:fs';

/**
 * Whether `arg` reached us as invalid UTF-8: some raw entry of the command
 * line fails strict UTF-8 decoding and decodes leniently to exactly `arg`.
 * Only an argument holding U+FFFD can be one, so any other costs nothing.
 * `cmdline`: the raw bytes to look in (default: /proc/self/cmdline; null when
 * unreadable, which gives false).
 */
export function wasInvalidUtf8(arg: string, cmdline?: Uint8Array | null): boolean {
  if (!arg.includes('\ufffd')) return false;
  const raw = cmdline === undefined ? readCmdline() : cmdline;
  if (raw === null) return false;
  const strict = new TextDecoder('utf-8', { fatal: true });
  const lenient = new TextDecoder('utf-8');
  let from = 0;
  for (let i = 0; i <= raw.length; i++) {
    if (i < raw.length && raw[i] !== 0) continue;
    const entry = raw.subarray(from, i);
    from = i + 1;
    if (entry.length === 0) continue;
    try {
      strict.decode(entry);
    } catch {
      if (lenient.decode(entry) === arg) return true;
    }
  }
  return false;
}

/** The raw command line of this process, or null where there is no /proc (macOS, Windows) or it cannot be read. */
function readCmdline(): Uint8Array | null {
  try {
    return readFileSync('/proc/self/cmdline');
  } catch {
    return null;
  }
}
