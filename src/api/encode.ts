/**
 * A text as the token ids a model reads it as, for training elsewhere
 * (`rnnlm encode`, examples/pytorch/): split into sentences by the model's
 * sentence mode, each tokenized with its tokenizer and vocabulary and ended
 * by <EOS> (id 0); unknown tokens are <UNK> (id 1). In a safetensors file:
 * "ids" (I32 [N]) and "starts" (I32 [S + 1]: sentence s is ids[starts[s] ..
 * starts[s+1]), its <EOS> last), with the model's vocabulary size and
 * sentence mode in the metadata.
 */
import type { Checkpoint } from '../checkpoint/codec.js';
import { writeSafetensors } from '../checkpoint/safetensors.js';
import { encodeCorpus, type EncodedCorpus } from '../core/tokenize.js';
import { OptionError } from '../core/errors.js';
import { checkCheckpoint, checkText, isObject } from './checks.js';
import { describeValue, readPlain } from './options.js';
import { sentencesOfText } from './text.js';

/** The text's sentences as the model's token ids (<EOS> after each). */
export function encodeText(ck: Checkpoint, text: string | Uint8Array, what = "encodeText()'s text"): EncodedCorpus & { sentences: number } {
  checkCheckpoint(ck, "encodeText()'s model");
  checkText(text, what, "pass the text itself, e.g. await readFile('corpus.txt', 'utf8')");
  const sentences = sentencesOfText(text, ck.tokenizer.sentence, what, 'encode');
  return { ...encodeCorpus(sentences, ck.vocab, ck.tokenizer), sentences: sentences.length };
}

/** The ids file of an encoded text (see the top of this file), in chunks. */
export function idsSafetensors(ck: Checkpoint, corpus: EncodedCorpus): Generator<Uint8Array, void, undefined> {
  checkCheckpoint(ck, "idsSafetensors()'s model");
  const c: unknown = corpus = readPlain(corpus, "idsSafetensors()'s corpus", 'pass encodeText(model, text)');
  if (!isObject(c) || !(c['ids'] instanceof Int32Array) || !(c['starts'] instanceof Int32Array) || c['starts'].length < 1 || typeof c['unkCount'] !== 'number') {
    throw new OptionError(`idsSafetensors()'s corpus must be what encodeText() returns, { ids, starts, unkCount } (got ${describeValue(corpus)})`, 'pass encodeText(model, text)');
  }
  const S = corpus.starts.length - 1;
  return writeSafetensors([
    { name: 'ids', dtype: 'I32', shape: [corpus.ids.length], data: corpus.ids },
    { name: 'starts', dtype: 'I32', shape: [S + 1], data: corpus.starts },
  ], {
    format: 'rnnlm-ids', vocabSize: String(ck.vocab.tokens.length), sentence: ck.tokenizer.sentence, eos: '0', unk: '1',
    unknownTokens: String(corpus.unkCount),
  });
}
