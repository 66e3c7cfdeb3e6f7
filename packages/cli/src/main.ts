#!/usr/bin/env node
/**
 * The `meterkit` executable. Everything happens in `runCli`; this file only binds it to the process.
 */
import { runCli } from './cli.js';
import { nodeIo } from './io.js';

// `meterkit decode … | head` closes our stdout early: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await runCli(process.argv.slice(2), nodeIo());
