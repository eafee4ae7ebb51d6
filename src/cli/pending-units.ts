/**
 * The units a filter has read and not yet scored, kept flat: each sentence as
 * token ids (the scorer's encoder) and as the UTF-8 bytes of its text, in
 * arrays reused chunk after chunk; a unit that could not be read as the
 * error it is (rare). Nothing per sentence lives on the JavaScript heap while
 * a chunk fills and is scored, so a long stream makes no old-generation
 * garbage here (issue 13: memory flat however long the input).
 */
import type { CorpusBuilder, EncodedCorpus } from '../api/score.js';

/** A unit that could not be read, at its place among the units. */
export interface PendingError {
  /** Its index among the units of the chunk. */
  at: number;
  line: number;
  error: string;
  hint: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class PendingUnits {
  private bytes = new Uint8Array(1 << 16);
  private byteStarts = new Int32Array(1025);
  private used = 0;
  private texts = 0;
  private units = 0;
  /** The errors among the units, in order. */
  readonly errors: PendingError[] = [];

  constructor(private readonly encoder: CorpusBuilder) {}

  /** Units held (texts and errors). */
  get size(): number {
    return this.units;
  }

  /** Sentences held (the units that are texts). */
  get sentences(): number {
    return this.texts;
  }

  addText(text: string): void {
    this.encoder.add(text);
    // at most 3 bytes per UTF-16 unit
    const need = this.used + 3 * text.length;
    if (need > this.bytes.length) {
      const grown = new Uint8Array(Math.max(need, 2 * this.bytes.length));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    this.used += encoder.encodeInto(text, this.bytes.subarray(this.used)).written;
    if (this.texts + 1 === this.byteStarts.length) {
      const grown = new Int32Array(2 * this.byteStarts.length);
      grown.set(this.byteStarts);
      this.byteStarts = grown;
    }
    this.byteStarts[++this.texts] = this.used;
    this.units++;
  }

  addError(line: number, error: string, hint: string): void {
    this.errors.push({ at: this.units++, line, error, hint });
  }

  /** The sentences as ids (views valid until the next add or clear). */
  corpus(): EncodedCorpus {
    return this.encoder.corpus();
  }

  /** The UTF-8 bytes of sentence k (a view valid until the next add or clear). */
  textBytes(k: number): Uint8Array {
    return this.bytes.subarray(this.byteStarts[k]!, this.byteStarts[k + 1]!);
  }

  /** Sentence k's text. */
  text(k: number): string {
    return decoder.decode(this.textBytes(k));
  }

  clear(): void {
    this.encoder.clear();
    this.used = 0;
    this.texts = 0;
    this.units = 0;
    this.errors.length = 0;
  }
}
