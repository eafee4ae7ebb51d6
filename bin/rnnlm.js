#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';
import { nodeHost } from '../dist/src/cli/host.js';
process.exitCode = await main(process.argv.slice(2), nodeHost());
