/**
 * rnnlm tag: the sequence tagger's commands (a bidirectional RNN that gives
 * each word a label: part of speech, named-entity chunks, …), grouped under
 * one command as git groups its own:
 *
 *   rnnlm tag train DATA --dev DEV -o tagger.json   (tag-train.ts)
 *   rnnlm tag predict -m tagger.json [FILE | --text …]  (tag-predict.ts)
 *   rnnlm tag eval -m tagger.json GOLD              (tag-eval.ts)
 */
import type { Command } from 'commander';
import type { Host } from '../host.js';
import { commanderMessage } from '../errors.js';
import { registerTagTrain } from './tag-train.js';
import { registerTagPredict } from './tag-predict.js';
import { registerTagEval } from './tag-eval.js';

export function registerTag(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  const tag = program
    .command('tag')
    .description('label each word of a sentence (part of speech, named entities) with a bidirectional RNN tagger: train, predict, eval')
    .addHelpText('after', `
Data: CoNLL-U (Universal Dependencies; the label column is UPOS unless --label says another) or plain
CoNLL ("word TAB label" per line, a blank line between sentences; the label is the last column unless
--label gives its number). A tagger is one JSON file (format "rnnlm-tagger", docs/checkpoint.md).

Examples:
  rnnlm tag train train.conllu --dev dev.conllu -o tagger.json
  rnnlm tag predict -m tagger.json --text "Harry Potter met Hermione"
  rnnlm tag eval -m tagger.json test.conllu`);
  for (const register of [registerTagTrain, registerTagPredict, registerTagEval]) register(tag, run);
  for (const cmd of tag.commands) {
    // the subcommands inherit the program's output (made before them); their errors name their own help
    cmd.exitOverride().configureOutput({
      ...cmd.configureOutput(),
      outputError: (s, write) => write(`rnnlm tag ${cmd.name()}: ${commanderMessage(s)} — see 'rnnlm tag ${cmd.name()} --help'\n`),
    });
  }
}
