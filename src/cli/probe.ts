/**
 * edgepipe probe: what this machine is and has, for the engineer setting a board up: the board profile and why
 * it was chosen, CPU, the TFLite library, each delegate's library, cameras, IIO sensors, serial ports and
 * temperatures. --json prints one object (its shape: docs/boards.md).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { probeMachine, type ProbeReport } from '../boards/probe-report.js';
import type { Evidence } from '../boards/detect.js';
import { EdgepipeError, invalidOption } from '../runtime/errors.js';
import { listOption, parseCommand, stringOption } from './args.js';

export const probeHelp = `Usage: edgepipe probe [--json] [--root DIR] [--library PATH] [--device-dir DIR] [--delegate-dir DIR]

Reports the board (the device profile chosen and the evidence for it), CPU cores, the TensorFlow Lite library
and its version, each delegate's library (found where, or where it was looked for), cameras (/dev/video*, with
formats and sizes when v4l2-ctl is installed), IIO sensors and their channels, serial ports and thermal zones.
Parts that are absent are reported as absent.

  --json             one JSON object (see docs/boards.md)
  --root DIR         read /proc, /sys, /dev and /etc under DIR instead of / (a copy of a board's files)
  --library PATH     the libtensorflowlite_c.so to load (default: $EDGEPIPE_TFLITE_LIBRARY, then the bundled one)
  --device-dir DIR   another folder of device profiles, read after devices/ (repeatable)
  --delegate-dir DIR another folder of delegate descriptors, read after delegates/ (repeatable)`;

function existingDir(option: string, value: string): string {
  const resolved = path.resolve(value);
  let isDir = false;
  try {
    isDir = statSync(resolved).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw invalidOption(option, 'an existing directory', value);
  return resolved;
}

/** The JSON contract uses snake_case keys like the other commands' --json output. */
function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(v)]));
}

function evidenceText(e: Evidence): string {
  switch (e.kind) {
    case 'model':
      return `${e.path} "${e.found}" contains "${e.expected}"`;
    case 'compatible':
      return `${e.path} lists "${e.expected}"`;
    case 'file':
      return `${e.path} exists`;
    case 'arch':
      return `architecture ${e.found}`;
  }
}

const indent = (lines: string[]): string[] => lines.map((l) => `  ${l}`);

/** The profile's camera; a device path says whether the Cameras list below has it (one list, one answer). */
function cameraText(b: ProbeReport['board']): string {
  if (b.camera?.command) return `${b.camera.command.join(' ')} (writes ${b.camera.commandOutput})`;
  const input = b.camera?.input;
  if (b.cameraPresent === undefined) return `${input}`;
  return `${input} (the profile's default; ${b.cameraPresent ? 'present, see Cameras' : 'not on this machine: set source.input to one listed under Cameras'})`;
}

function boardLines(r: ProbeReport): string[] {
  const b = r.board;
  const found = b.model ? `device-tree model "${b.model}"` : 'no device-tree model';
  if (!b.id) return [`Board: unknown (${found}, architecture ${b.arch}; no profile matches and none is generic for ${b.arch})`];
  const lines = [
    `Board: ${b.name} (profile ${b.id}${b.fallback ? ', the generic fallback' : ''})`,
    ...indent([
      `evidence: ${b.evidence.map(evidenceText).join('; ')}`,
      ...(b.ties.length > 0 ? [`also matched as well: ${b.ties.join(', ')} (the profiles overlap)`] : []),
      `camera: ${cameraText(b)}`,
      `delegates: ${[...(b.delegates ?? []), 'cpu'].join(' > ')}`,
    ]),
  ];
  return lines;
}

function cpuLines(r: ProbeReport): string[] {
  if ('error' in r.cpu) return [`CPU: unknown (${r.cpu.error})`];
  const parts = [r.cpu.model, r.cpu.hardware].filter(Boolean).join(', ');
  return [`CPU: ${r.cpu.count} cores${parts ? `, ${parts}` : ''}`];
}

function runtimeLines(r: ProbeReport): string[] {
  const t = r.tflite;
  const head = t.found
    ? `TensorFlow Lite ${t.version}: ${t.path} (from ${t.source}${t.xnnpack ? ', XNNPACK built in' : ', no XNNPACK'})`
    : `TensorFlow Lite: not loaded (${t.error})`;
  const delegates = r.delegates.map((d) => {
    const lib = d.library;
    const where = 'builtin' in lib ? (lib.available ? 'built into TensorFlow Lite' : 'not available (needs a TFLite library with XNNPACK)') : lib.found ? `found: ${lib.path}` : `not found (${lib.reason})`;
    return `${d.name.padEnd(8)} ${where}`;
  });
  return [head, 'Delegates:', ...indent(delegates)];
}

function deviceLines(r: ProbeReport): string[] {
  const cameras = r.cameras.map((c) => {
    const head = `${c.device}${c.name ? ` (${c.name})` : ''}`;
    if (!c.formats) return `${head}: formats unknown, ${c.formatsUnavailable}`;
    if (c.formats.length === 0) return `${head}: no capture formats`;
    const formats = c.formats.map((f) => {
      const sizes = f.sizes.map((s) => ('width' in s ? `${s.width}x${s.height}${s.fps.length ? `@${Math.max(...s.fps)}` : ''}` : `${s.min}..${s.max}`));
      return `${f.fourcc} ${sizes.join(' ')}`;
    });
    return `${head}: ${formats.join('; ')}`;
  });
  const iio = r.iio.map((d) => {
    const channels = d.channels.map((c) => (c.error ? `${c.channel} (${c.error})` : `${c.channel} ${c.kind} ${c.value}${c.scale !== undefined ? ` x ${c.scale}` : ''}`));
    return `${d.device} ${d.name ?? '(no name)'}: ${channels.join(', ') || 'no channels'}`;
  });
  return [
    r.cameras.length ? 'Cameras:' : 'Cameras: none (no /dev/video*)',
    ...indent(cameras),
    r.iio.length ? 'IIO sensors:' : 'IIO sensors: none',
    ...indent(iio),
    `Serial ports: ${r.serial.join(' ') || 'none'}`,
  ];
}

function thermalLines(r: ProbeReport): string[] {
  const zones = r.thermal.zones.map((z) => ('celsius' in z ? `${z.zone} ${z.type}: ${z.celsius.toFixed(1)} °C` : `${z.zone} ${z.type ?? ''}: unreadable (${z.error})`));
  const soc = r.thermal.soc;
  const head = soc
    ? `Thermal: SoC ${soc.celsius.toFixed(1)} °C (${soc.type}), throttling from about ${soc.throttleC} °C${soc.nearThrottle ? ': AT THE LIMIT' : ''}`
    : r.thermal.zones.length ? "Thermal: none of the profile's zones is readable" : 'Thermal: no thermal zones';
  return [head, ...indent(zones)];
}

export function probeText(r: ProbeReport): string {
  const root = r.root === '/' ? [] : [`(machine files read under ${r.root})`];
  return [...root, ...boardLines(r), ...cpuLines(r), ...runtimeLines(r), ...deviceLines(r), ...thermalLines(r)].join('\n');
}

export async function probeCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand('probe', argv, {
    json: { type: 'boolean' },
    root: { type: 'string' },
    library: { type: 'string' },
    'device-dir': { type: 'string', multiple: true },
    'delegate-dir': { type: 'string', multiple: true },
    help: { type: 'boolean' },
  });
  if (parsed.values['help']) {
    console.log(probeHelp);
    return 0;
  }
  if (parsed.positionals.length > 0) {
    throw new EdgepipeError('ERR_USAGE', `unexpected argument "${parsed.positionals[0]}" (see edgepipe probe --help)`, { exitCode: 2 });
  }
  const rootOption = stringOption(parsed, 'root');
  const library = stringOption(parsed, 'library');
  const report = await probeMachine({
    root: rootOption === undefined ? '/' : existingDir('--root', rootOption),
    ...(library ? { library } : {}),
    deviceDirs: listOption(parsed, 'device-dir').map((d) => existingDir('--device-dir', d)),
    delegateDirs: listOption(parsed, 'delegate-dir').map((d) => existingDir('--delegate-dir', d)),
  });
  console.log(parsed.values['json'] === true ? JSON.stringify(snakeKeys(report)) : probeText(report));
  return 0;
}
