#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm ci` (prepare) or `npm run build`.
// `run`'s stop and reload signals are held before the (slow) import of the CLI: see src/cli/early-signals.ts.
import { holdSignals } from '../dist/cli/early-signals.js';

if (process.argv[2] === 'run') holdSignals();
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
