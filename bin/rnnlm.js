#!/usr/bin/env node
// Node's module loader opens rnnlm's files all at once: under a low `ulimit -n` it fails before rnnlm runs.
let cli;
try {
  cli = await Promise.all([import('../dist/src/cli/main.js'), import('../dist/src/cli/host.js')]);
} catch (err) {
  const code = err && typeof err === 'object' ? err.code : undefined;
  if (code !== 'EMFILE' && code !== 'ENFILE') throw err;
  const why = code === 'EMFILE' ? 'this process may open too few files (ulimit -n)' : 'the system has too many files open';
  process.stderr.write(`rnnlm: could not start: ${why} — ${code === 'EMFILE' ? 'raise the limit (ulimit -n 1024)' : 'close some programs'}, then try again\n`);
  process.exit(1);
}
const [{ main }, { nodeHost }] = cli;
process.exitCode = await main(process.argv.slice(2), nodeHost());
