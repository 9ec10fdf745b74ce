/**
 * edgepipe's command line. Exit codes: 0 success, 2 bad user input (files, flags, config), 1 runtime failure.
 * User errors print one message without a stack trace; set EDGEPIPE_DEBUG=1 for stacks.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../runtime/paths.js';
import { EdgepipeError } from '../runtime/errors.js';
import { printableLines } from '../runtime/printable.js';
import { benchCommand, benchHelp } from './bench.js';
import { demoCommand, demoHelp } from './demo.js';
import { inferCommand, inferHelp } from './infer.js';
import { inspectCommand, inspectHelp } from './inspect.js';
import { optimizeCommand, optimizeHelp } from './optimize.js';
import { installServiceCommand, installServiceHelp } from './install-service.js';
import { probeCommand, probeHelp } from './probe.js';
import { runCommand, runHelp } from './run.js';
import { validateCommand, validateHelp } from './validate.js';
import { watchCommand, watchHelp } from './watch.js';

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, { run: Command; help: string; summary: string }> = {
  run: { run: runCommand, help: runHelp, summary: 'run pipelines from YAML files until stopped' },
  validate: { run: validateCommand, help: validateHelp, summary: 'check pipeline YAML files and their models' },
  inspect: { run: inspectCommand, help: inspectHelp, summary: 'describe a .tflite model (tensors, ops, metadata)' },
  infer: { run: inferCommand, help: inferHelp, summary: 'run a model once on raw tensors or images' },
  bench: { run: benchCommand, help: benchHelp, summary: 'time load, allocation and invoke of a model' },
  optimize: { run: optimizeCommand, help: optimizeHelp, summary: 'rewrite a uint8 TF1 model as int8 for XNNPACK, checked against the original' },
  probe: { run: probeCommand, help: probeHelp, summary: 'report the board, TFLite, delegates, cameras, sensors and temperatures' },
  demo: { run: demoCommand, help: demoHelp, summary: 'run a synthetic-camera pipeline on a model edgepipe writes (no hardware)' },
  'install-service': { run: installServiceCommand, help: installServiceHelp, summary: 'install (or --uninstall) the systemd units and /etc/edgepipe' },
  watch: { run: watchCommand, help: watchHelp, summary: 'show live predictions, status, fps, drops from an MQTT broker' },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`);
  return `Usage: edgepipe <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "edgepipe help <command>" or "edgepipe <command> --help" for a command's options.`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs one command line; returns the exit code (never throws). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const topic = name === 'help' && rest[0] ? commands[rest[0]] : undefined;
  if (topic) {
    console.log(topic.help);
    return 0;
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(version());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`edgepipe: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof EdgepipeError) {
      console.error(printableLines(`edgepipe ${name}: ${error.message}`));
      if (process.env['EDGEPIPE_DEBUG']) console.error(printableLines(error.stack ?? ''));
      return error.exitCode;
    }
    console.error(printableLines(`edgepipe ${name}: unexpected failure: ${(error as Error).stack ?? String(error)}`));
    return 1;
  }
}
