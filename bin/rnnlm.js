#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';
import { nodeHost } from '../dist/src/cli/host.js';
import { exitOnStopSignals } from '../dist/src/node/signals.js';
// a signal ends a command at the end of what it is doing synchronously (a file write finishes or cleans up)
exitOnStopSignals();
process.exitCode = await main(process.argv.slice(2), nodeHost());
