/**
 * What the model sees in a text, token by token, for `rnnlm view`'s page:
 * each token's log-probability given the tokens before it in its sentence
 * (the numbers `rnnlm score --per-token` prints, <EOS> included), the model's
 * most likely candidates at that point, and the recurrent state after it
 * (a, and c for the LSTM, per layer and unit), with the units ranked by how
 * strongly they respond to the text or to a pattern in it (Karpathy's
 * "visualizing and understanding recurrent networks": the quote cell, the
 * line-length cell).
 *
 *   const view = createInspector(platform, ck);
 *   const seen = view.inspect('emma\nolivia');   // tokens, totals
 *   view.top(3, 10);                               // candidates for token 3
 *   view.trace(0, 17, 'a');                        // unit 17 of layer 0, per token
 *
 * Sentences are split as `score` splits its input: one per line (one per
 * paragraph for a model trained on paragraphs), trailing whitespace not
 * counted; a blank line is a sentence of its own, scored as P(<EOS>). Each
 * sentence starts from the zero state.
 *
 * Incremental: inspect() again with an edited text recomputes from the first
 * token that changed, reusing the steps before it (a keystroke at the end of
 * 500 characters is one step, not 500). The steps run through a Stepper
 * (step.ts), one token at a time, in float64 after the model's products; a
 * stepper is kept per token (its state and next-token distribution), which is
 * what makes both the reuse and `top` cheap. Pure: no platform API.
 */
import type { Checkpoint } from '../checkpoint/codec.js';
import { z } from 'zod';
import { OptionError } from '../core/errors.js';
import { encode, normalizeText, splitSentences, tokenize } from '../core/tokenize.js';
import { EOS, UNK } from '../core/vocab.js';
import { checkCheckpoint, checkPlatform, checkString, isObject } from './checks.js';
import { describeValue, int, parseWith } from './options.js';
import type { Platform } from './platform.js';
import { createStepper, type Stepper, type TokenProbability } from './step.js';

export interface InspectedToken {
  /** Which sentence (line) of the text, from 0. */
  sentence: number;
  id: number;
  /** The token as the model read it (lowercased if it was trained so); '' for <EOS>. */
  text: string;
  /** Offsets of `text` in the sentence as read (`Inspection.read[sentence]`). */
  start: number;
  end: number;
  /** Read as <UNK>: not in the vocabulary. */
  unknown: boolean;
  eos: boolean;
  /** log P(token | the tokens before it in its sentence), natural log. */
  logProb: number;
}

export interface Inspection {
  tokens: InspectedToken[];
  /** Each sentence as the model read it: its tokens joined ('' between characters, ' ' between words). */
  read: string[];
  /** Σ log P over every token, <EOS> included (natural log). */
  logProb: number;
  /** Tokens scored, <EOS> included. */
  count: number;
  unk: number;
  /** exp(−logProb / count), as `score` reports it. */
  perplexity: number;
  /** −logProb / ln 2 / count at char level (as `score` reports it); null at word level. */
  bitsPerChar: number | null;
  /** Index of the first token recomputed by this call (the ones before it were reused). */
  recomputedFrom: number;
  /** Tokens of the text left out: past `maxTokens` (0 when the whole text was inspected). */
  cut: number;
}

export interface InspectorOptions {
  /**
   * Inspect at most this many tokens of a text (<EOS> included); the rest is
   * left out and counted in `cut`. A stepper (state and next-token
   * distribution) is kept per token, so the default keeps them within about
   * 32 MB: 4·10⁶ / (V + 2·layers·hidden) tokens, at least 500 and at most 20,000.
   */
  maxTokens?: number;
}

export interface UnitScore {
  unit: number;
  /** The variance of the unit over the text's tokens, or its |correlation| with the pattern. */
  score: number;
}

export interface Inspector {
  /** Inspect `text` (an edit of the last one reuses what did not change). */
  inspect(text: string): Inspection;
  /** The k most likely tokens where token `i` of the last inspection was read (its candidates), most likely first. */
  top(i: number, k: number): TokenProbability[];
  /** Unit `unit` of layer `layer` after each token of the last inspection (a, or c of the LSTM); NaN at <EOS>. */
  trace(layer: number, unit: number, which?: 'a' | 'c'): Float64Array;
  /**
   * The units of a layer, the most responsive first: by variance over the
   * text's tokens, or, given one value per token (e.g. 1 inside quotes, 0
   * outside: `patternIndicator`), by the absolute Pearson correlation with it.
   * <EOS> tokens are left out.
   */
  rank(layer: number, which?: 'a' | 'c', pattern?: ArrayLike<number>): UnitScore[];
  readonly layers: number;
  readonly hidden: number;
  /** True when the cells keep a memory c (LSTM). */
  readonly hasMemory: boolean;
}

const inspectorOptionsSchema = z.strictObject({ maxTokens: int(1, Number.MAX_SAFE_INTEGER).optional() });

/** An inspector of `ck`'s model (as loadModel() or train() return it). */
export function createInspector(platform: Platform, ck: Checkpoint, options: InspectorOptions = {}): Inspector {
  checkPlatform(platform, "createInspector()'s platform");
  checkCheckpoint(ck, "createInspector()'s model");
  const start = createStepper(platform, ck);
  const { layers, hidden } = ck.model.config;
  const o = parseWith(inspectorOptionsSchema, options, (k) => `createInspector()'s ${k}`, 'createInspector() takes { maxTokens }, e.g. { maxTokens: 5000 }', { what: "createInspector()'s options", numbersAsNumbers: true });
  const maxTokens = o.maxTokens ?? defaultMaxTokens(ck);
  const hasMemory = start.state().c[0] !== null;
  const tok = ck.tokenizer;
  const joiner = ck.tokenizer.level === 'char' ? '' : ' ';
  /** steppers[i]: before token i; steppers[n]: after the last one. */
  let steppers: Stepper[] = [start];
  let tokens: InspectedToken[] = [];
  let last: Inspection | null = null;

  const checkToken = (i: unknown, what: string): number => {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= tokens.length) {
      throw new OptionError(`${what} must be the index of a token of the last inspection, 0 to ${tokens.length - 1} (got ${describeValue(i)})`, 'inspect() a text first; its tokens are numbered from 0');
    }
    return i;
  };
  const checkUnit = (layer: unknown, unit: unknown, which: unknown): void => {
    if (typeof layer !== 'number' || !Number.isInteger(layer) || layer < 0 || layer >= layers) throw new OptionError(`the layer must be 0 to ${layers - 1} (got ${describeValue(layer)})`, 'layers are numbered from 0, the bottom one first');
    if (unit !== undefined && (typeof unit !== 'number' || !Number.isInteger(unit) || unit < 0 || unit >= hidden)) throw new OptionError(`the unit must be 0 to ${hidden - 1} (got ${describeValue(unit)})`, `each layer has ${hidden} units`);
    if (which !== 'a' && which !== 'c') throw new OptionError(`which must be 'a' or 'c' (got ${describeValue(which)})`, "'a' is the hidden state, 'c' the LSTM's memory cell");
    if (which === 'c' && !hasMemory) throw new OptionError(`this ${ck.model.config.cell} has no memory cell c`, "use 'a'");
  };

  /** The state after token i (NaN rows at <EOS>: the state after it is the next sentence's start). */
  const after = (i: number, layer: number, which: 'a' | 'c'): Float64Array | null => {
    if (tokens[i]!.eos) return null;
    const st = steppers[i + 1]!.state();
    return which === 'a' ? st.a[layer]! : st.c[layer]!;
  };

  return {
    layers, hidden, hasMemory,
    inspect(text) {
      if (typeof text !== 'string') throw new OptionError(`inspect() takes a string (got ${describeValue(text)})`, 'pass the text to look at');
      const sentences = sentencesOf(text, ck.tokenizer.sentence);
      const next: InspectedToken[] = [];
      const read: string[] = [];
      let total = 0; // tokens of the whole text, those left out included
      sentences.forEach((sentence, si) => {
        const pieces = tokenize(sentence, tok);
        total += pieces.length + 1;
        if (next.length >= maxTokens) return; // counted, not kept
        const ids = encode(sentence, ck.vocab, tok).ids;
        let at = 0;
        pieces.forEach((p, k) => {
          if (k > 0) at += joiner.length;
          next.push({ sentence: si, id: ids[k]!, text: p, start: at, end: at + p.length, unknown: ids[k] === UNK, eos: false, logProb: 0 });
          at += p.length;
        });
        read.push(pieces.join(joiner));
        next.push({ sentence: si, id: EOS, text: '', start: at, end: at, unknown: false, eos: true, logProb: 0 });
      });
      if (next.length > maxTokens) next.length = maxTokens;
      const cut = total - next.length;
      // reuse the steps of the unchanged beginning
      let same = 0;
      while (same < next.length && same < tokens.length && next[same]!.id === tokens[same]!.id && next[same]!.sentence === tokens[same]!.sentence) same++;
      steppers = steppers.slice(0, same + 1);
      const s = steppers[same]!.clone();
      for (let i = same; i < next.length; i++) {
        const t = next[i]!;
        t.logProb = s.logProbOf(t.id);
        s.feed(t.id);
        steppers.push(s.clone());
      }
      for (let i = 0; i < same; i++) next[i]!.logProb = tokens[i]!.logProb;
      tokens = next;
      let logProb = 0, unk = 0;
      for (const t of tokens) {
        logProb += t.logProb;
        if (t.unknown) unk++;
      }
      const count = tokens.length;
      last = {
        tokens, read, logProb, count, unk,
        perplexity: count ? Math.exp(-logProb / count) : NaN,
        bitsPerChar: ck.tokenizer.level === 'char' && count ? -logProb / Math.LN2 / count : null,
        recomputedFrom: same, cut,
      };
      return last;
    },
    top(i, k) {
      return steppers[checkToken(i, "top()'s token")]!.top(k);
    },
    trace(layer, unit, which = 'a') {
      checkUnit(layer, unit, which);
      const out = new Float64Array(tokens.length);
      for (let i = 0; i < tokens.length; i++) out[i] = after(i, layer, which)?.[unit] ?? NaN;
      return out;
    },
    rank(layer, which = 'a', pattern) {
      checkUnit(layer, undefined, which);
      if (pattern !== undefined && (typeof pattern !== 'object' || pattern === null || pattern.length !== tokens.length)) {
        throw new OptionError(`rank()'s pattern must have one value per token of the last inspection (${tokens.length})`, 'make it with patternIndicator()');
      }
      const rows: Float64Array[] = [];
      const target: number[] = [];
      for (let i = 0; i < tokens.length; i++) {
        const row = after(i, layer, which);
        if (!row) continue;
        rows.push(row);
        if (pattern) target.push(Number(pattern[i]));
      }
      return unitScores(rows, hidden, pattern ? target : null).sort((x, y) => y.score - x.score || x.unit - y.unit);
    },
  };
}

/** createInspector's default maxTokens for `ck`: its per-token steppers within about 32 MB. */
export function defaultMaxTokens(ck: Checkpoint): number {
  checkCheckpoint(ck, "defaultMaxTokens()'s model");
  const { layers, hidden, vocabSize } = ck.model.config;
  return Math.min(20_000, Math.max(500, Math.floor(4e6 / (vocabSize + 2 * layers * hidden))));
}

/** How many tokens an inspection of `text` reads, <EOS> included (the model is not run). */
export function inspectedLength(ck: Checkpoint, text: string): number {
  checkCheckpoint(ck, "inspectedLength()'s model");
  checkString(text, "inspectedLength()'s text", 'pass the text to inspect');
  let n = 0;
  for (const sentence of sentencesOf(text, ck.tokenizer.sentence)) n += tokenize(sentence, ck.tokenizer).length + 1;
  return n;
}

/** The sentences of a text as `score` reads them: every line (blank ones included), or paragraphs. */
function sentencesOf(text: string, mode: Checkpoint['tokenizer']['sentence']): string[] {
  const t = normalizeText(text);
  if (mode === 'paragraph') return splitSentences(t, 'paragraph');
  if (t === '') return [];
  const lines = t.split('\n').map((l) => l.trimEnd());
  if (t.endsWith('\n')) lines.pop();
  return lines;
}

/** Per unit: the variance over the rows, or |corr(unit, target)| (0 where either is constant). */
function unitScores(rows: readonly Float64Array[], H: number, target: readonly number[] | null): UnitScore[] {
  const n = rows.length;
  const out: UnitScore[] = [];
  let tMean = 0, tVar = 0;
  if (target) {
    for (const v of target) tMean += v;
    tMean /= n || 1;
    for (const v of target) tVar += (v - tMean) ** 2;
  }
  for (let u = 0; u < H; u++) {
    let mean = 0;
    for (const r of rows) mean += r[u]!;
    mean /= n || 1;
    let v = 0, cov = 0;
    for (let i = 0; i < n; i++) {
      const d = rows[i]![u]! - mean;
      v += d * d;
      if (target) cov += d * (target[i]! - tMean);
    }
    const score = target ? (v > 0 && tVar > 0 ? Math.abs(cov) / Math.sqrt(v * tVar) : 0) : n ? v / n : 0;
    out.push({ unit: u, score });
  }
  return out;
}

/**
 * 1 for each token that lies inside a match of `pattern` in its sentence as
 * read (`Inspection.read`), else 0; <EOS> tokens 0. E.g. /"[^"]*"/g marks the
 * characters inside quotes (the quotes included).
 */
export function patternIndicator(inspection: Inspection, pattern: RegExp): Float64Array {
  const read: unknown = isObject(inspection) ? inspection['read'] : undefined, tokens: unknown = isObject(inspection) ? inspection['tokens'] : undefined;
  if (!Array.isArray(read) || !read.every((l) => typeof l === 'string') || !Array.isArray(tokens) || !tokens.every(isObject)) {
    throw new OptionError(`patternIndicator()'s inspection must be what an inspector's inspect() returns (got ${describeValue(inspection)})`, 'pass createInspector(platform, model).inspect(text)');
  }
  if (!(pattern instanceof RegExp)) throw new OptionError(`patternIndicator()'s pattern must be a regular expression (got ${describeValue(pattern)})`, 'e.g. /"[^"]*"/g');
  const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
  const inside = inspection.read.map((line) => {
    const mark = new Uint8Array(line.length);
    for (const m of line.matchAll(re)) {
      if (m[0].length === 0) continue;
      mark.fill(1, m.index, m.index + m[0].length);
    }
    return mark;
  });
  return Float64Array.from(inspection.tokens, (t) => {
    if (t.eos) return 0;
    const mark = inside[t.sentence]!;
    for (let k = t.start; k < t.end; k++) if (mark[k]) return 1;
    return 0;
  });
}
