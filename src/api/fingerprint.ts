/**
 * A corpus fingerprint: 64 bits of FNV-1a over the normalised text's UTF-16
 * code units (two 32-bit lanes with different offsets), and its length. Saved
 * with a checkpoint so that `--resume` can tell whether it is given the text
 * the run started on. Not a cryptographic hash: it tells corpora apart, it
 * does not authenticate them.
 */
export function corpusFingerprint(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c ^ (i & 0xff), 0x01000193) >>> 0;
  }
  return `fnv1a:${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}:${text.length}`;
}
