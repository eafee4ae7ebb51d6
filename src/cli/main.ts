/**
 * The command line: main(argv, host) → exit code. Never touches `process`;
 * bin/rnnlm.js runs it with the Node host.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode } from './exit-codes.js';
import { commanderMessage, exitCodeOf, formatError } from './errors.js';
import type { Host } from './host.js';
import { registerTrain } from './commands/train.js';
import { registerScore } from './commands/score.js';
import { registerSample } from './commands/sample.js';
import { registerInfo } from './commands/info.js';
import { registerEval } from './commands/eval.js';
import { registerPlot } from './commands/plot.js';
import { registerStrip } from './commands/strip.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerEncode } from './commands/encode.js';
import { registerRescore } from './commands/rescore.js';
import { registerView } from './commands/view.js';
import { registerTag } from './commands/tag.js';

export const VERSION = '0.1.0';

export async function main(argv: readonly string[], host: Host): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  let pending: ((host: Host) => Promise<number>) | null = null;
  const run = (action: (host: Host) => Promise<number>) => { pending = action; };

  const program = new Command('rnnlm')
    .description('Train recurrent language models (RNN, GRU, LSTM) on your own text, then score and sample with them.')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => host.stdout.write(s),
      writeErr: (s) => host.stderr.write(s),
      outputError: (s, write) => write(`rnnlm: ${commanderMessage(s)} — see 'rnnlm --help'\n`),
    })
    .addHelpText('after', `
Exit codes: 0 ok, 1 failure (bad file, corrupt checkpoint, diverged training), 2 usage (bad option, a run too large
for memory), 128+n stopped by signal n (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP, 131 SIGQUIT).
Add --debug to any command for a stack trace on errors. -q leaves on stderr only errors and, once, a warning
when the machine's limits (ulimit -v) make rnnlm run in TypeScript or on fewer threads.

Examples:
  rnnlm train corpora/names.txt --max-time 2m -o names.json
  rnnlm sample -m names.json -n 5
  rnnlm score -m names.json emma xqzt
  rnnlm eval -m names.json held-out.txt
  rnnlm info names.json
  rnnlm plot names.json -o curve.svg
  rnnlm strip names.json -o names.small.json
  rnnlm rescore -m model.json nbest.txt --best
  rnnlm tag train train.conllu --dev dev.conllu -o tagger.json`);
  for (const register of [registerTrain, registerScore, registerSample, registerEval, registerInfo, registerPlot, registerStrip, registerRescore, registerExport, registerImport, registerEncode, registerView, registerTag]) register(program, run);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({
      writeOut: (s) => host.stdout.write(s),
      writeErr: (s) => host.stderr.write(s),
      outputError: (s, write) => write(`rnnlm ${cmd.name()}: ${commanderMessage(s)} — see 'rnnlm ${cmd.name()} --help'\n`),
    });
  }

  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // help asked for (--help, `rnnlm help`) is a success; help shown because no command was given (`rnnlm`, `rnnlm tag`) is not
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
      if (err.code === 'commander.help' && err.exitCode === 0) return ExitCode.ok;
      return ExitCode.usage;
    }
    host.stderr.write(formatError(err) + '\n');
    return exitCodeOf(err);
  }
  if (!pending) {
    program.outputHelp({ error: true });
    return ExitCode.usage;
  }
  try {
    return await (pending as (host: Host) => Promise<number>)(host);
  } catch (err) {
    host.stderr.write(formatError(err) + '\n');
    if (debug && err instanceof Error && err.stack) host.stderr.write(err.stack + '\n');
    return exitCodeOf(err);
  }
}
