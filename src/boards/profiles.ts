/**
 * Device profiles: one YAML file per board in devices/ (see devices/*.yaml for the fields). A profile says how
 * to recognise the board, which camera command it uses by default, which delegates to try in which order and
 * which thermal zones tell its SoC temperature. Every problem is reported with file:line:col, the field, the
 * value and what was expected; loading stops only after all of a file's problems are collected.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, isMap, parseDocument, type Node as YamlNode } from 'yaml';
import { EdgepipeError, describeValue } from '../runtime/errors.js';
import { packageRoot } from '../runtime/paths.js';

/** One way to recognise a board: every condition given must hold. */
export interface MatchRule {
  /** A substring of /proc/device-tree/model. */
  model?: string;
  /** One entry (exact) of the NUL-separated /proc/device-tree/compatible list. */
  compatible?: string;
  /** An absolute path that must exist (read under the detection root), e.g. /etc/nv_tegra_release. */
  file?: string;
  /** process.arch values, one of which must be this process's. */
  arch?: string[];
}

export type CommandOutput = 'rgb24' | 'bgr24' | 'gray8' | 'i420' | 'nv12' | 'yuyv' | 'mjpeg';

/** Fields named as in a pipeline's camera source, so a profile's camera can fill one in. */
export interface ProfileCamera {
  /** A V4L2 device, or with `command` a name for the camera in messages. */
  input: string;
  command?: string[];
  commandOutput?: CommandOutput;
}

export interface DeviceProfile {
  id: string;
  name: string;
  /** A generic profile: chosen by architecture when no board profile matches. */
  fallback: boolean;
  /** Board profiles: alternatives, any one of which recognises the board. Fallbacks: `arch` only. */
  match: MatchRule[];
  camera: ProfileCamera;
  /** Delegate names from delegates/, in order of preference; the CPU kernels are implied at the end. */
  delegates: string[];
  thermal: {
    /** thermal_zone `type` names whose readings tell the SoC temperature (the hottest one counts). */
    zones: string[];
    /** Around this temperature (°C) the board starts to throttle its clocks. */
    throttleC: number;
  };
  /** The YAML file it came from. */
  file: string;
}

/** The devices/ folder shipped with edgepipe. */
export const builtinDevicesDir = path.join(packageRoot(), 'devices');

/** Values process.arch can take (Node's documented list). */
export const ARCHES: readonly string[] = ['arm', 'arm64', 'ia32', 'loong64', 'mips', 'mipsel', 'ppc', 'ppc64', 'riscv64', 's390', 's390x', 'x64'];
const COMMAND_OUTPUTS: readonly CommandOutput[] = ['rgb24', 'bgr24', 'gray8', 'i420', 'nv12', 'yuyv', 'mjpeg'];
const TOP_KEYS = ['version', 'id', 'name', 'fallback', 'match', 'camera', 'delegates', 'thermal'];
const RULE_KEYS = ['model', 'compatible', 'file', 'arch'];
const ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

export interface ProfileCheckOptions {
  /** Delegate names that exist (from delegates/); when given, every profile's delegates must be among them. */
  delegates?: ReadonlySet<string>;
}

class ProfileReader {
  readonly errors: string[] = [];
  constructor(private readonly where: (key: string) => string) {}

  fail(key: string, expected: string, received: unknown): void {
    this.errors.push(`${this.where(key)}: ${key}: expected ${expected} but received ${describeValue(received)}`);
  }

  string(key: string, value: unknown): string | undefined {
    if (typeof value === 'string' && value !== '') return value;
    this.fail(key, 'a non-empty string', value);
    return undefined;
  }

  stringList(key: string, value: unknown, min: number): string[] {
    if (!Array.isArray(value) || value.length < min || !value.every((v) => typeof v === 'string' && v !== '')) {
      this.fail(key, min > 0 ? `a list of at least ${min} non-empty string${min > 1 ? 's' : ''}` : 'a list of non-empty strings', value);
      return [];
    }
    return value as string[];
  }

  map(key: string, value: unknown, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(key, `a map with ${allowed.join(', ')}`, value);
      return undefined;
    }
    const fields = value as Record<string, unknown>;
    for (const k of Object.keys(fields)) {
      if (!allowed.includes(k)) this.fail(key ? `${key}.${k}` : k, `one of the fields ${allowed.join(', ')}`, k);
    }
    return fields;
  }

  rule(key: string, value: unknown): MatchRule {
    const fields = this.map(key, value, RULE_KEYS);
    if (!fields) return {};
    const rule: MatchRule = {};
    if (Object.keys(fields).length === 0) this.fail(key, `at least one of ${RULE_KEYS.join(', ')}`, value);
    if (fields['model'] !== undefined) rule.model = this.string(`${key}.model`, fields['model']);
    if (fields['compatible'] !== undefined) rule.compatible = this.string(`${key}.compatible`, fields['compatible']);
    if (fields['file'] !== undefined) {
      const file = this.string(`${key}.file`, fields['file']);
      if (file && !path.isAbsolute(file)) this.fail(`${key}.file`, 'an absolute path', file);
      rule.file = file;
    }
    if (fields['arch'] !== undefined) rule.arch = this.arches(`${key}.arch`, fields['arch']);
    return rule;
  }

  arches(key: string, value: unknown): string[] {
    const list = this.stringList(key, value, 1);
    for (const [i, a] of list.entries()) if (!ARCHES.includes(a)) this.fail(`${key}.${i}`, `one of ${ARCHES.join(', ')}`, a);
    return list;
  }
}

function yamlDocument(file: string, text: string): { root: Record<string, unknown>; where: (key: string) => string } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = lineCounter.linePos(first.pos[0]);
    throw new EdgepipeError('ERR_DEVICE_PROFILE', `${file}:${pos.line}:${pos.col}: ${first.message}`, { exitCode: 2 });
  }
  const root = doc.toJS() as unknown;
  if (!isMap(doc.contents) || typeof root !== 'object' || root === null) {
    throw new EdgepipeError('ERR_DEVICE_PROFILE', `${file}:1:1: expected a map of fields`, { exitCode: 2 });
  }
  const where = (key: string): string => {
    const segments = key.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    // The nearest node that exists: a missing field points at its parent.
    let node: YamlNode | undefined;
    for (let n = segments.length; n >= 0 && !node?.range; n--) node = doc.getIn(segments.slice(0, n), true) as YamlNode | undefined;
    const pos = lineCounter.linePos(node?.range?.[0] ?? 0);
    return `${file}:${pos.line}:${pos.col}`;
  };
  return { root: root as Record<string, unknown>, where };
}

function readCamera(reader: ProfileReader, value: unknown): ProfileCamera {
  const fields = reader.map('camera', value, ['input', 'command', 'command_output']) ?? {};
  const camera: ProfileCamera = { input: reader.string('camera.input', fields['input']) ?? '' };
  if (fields['command'] !== undefined) camera.command = reader.stringList('camera.command', fields['command'], 1);
  const output = fields['command_output'];
  if (output !== undefined) {
    if (COMMAND_OUTPUTS.includes(output as CommandOutput)) camera.commandOutput = output as CommandOutput;
    else reader.fail('camera.command_output', `one of ${COMMAND_OUTPUTS.join(', ')}`, output);
  }
  if (camera.command && !camera.commandOutput) reader.fail('camera.command_output', 'what camera.command writes (required with command)', output);
  if (!camera.command && output !== undefined) reader.fail('camera.command_output', 'nothing without camera.command', output);
  if (!camera.command && camera.input && !camera.input.startsWith('/dev/')) {
    reader.fail('camera.input', 'a V4L2 device (/dev/...) when there is no camera.command', camera.input);
  }
  return camera;
}

function readDelegates(reader: ProfileReader, value: unknown, known: ReadonlySet<string> | undefined): string[] {
  const names = reader.stringList('delegates', value, 0);
  for (const [i, name] of names.entries()) {
    if (name === 'cpu') {
      if (i !== names.length - 1) reader.fail(`delegates.${i}`, 'cpu only at the end (it is implied there anyway)', name);
    } else if (known && !known.has(name)) {
      reader.fail(`delegates.${i}`, `a delegate from delegates/ (${[...known].sort().join(', ')})`, name);
    }
    if (names.indexOf(name) !== i) reader.fail(`delegates.${i}`, 'each delegate once', name);
  }
  return names.filter((n) => n !== 'cpu');
}

function readMatch(reader: ProfileReader, value: unknown, fallback: boolean): MatchRule[] {
  if (fallback) {
    const fields = reader.map('match', value, ['arch']);
    return fields ? [{ arch: reader.arches('match.arch', fields['arch']) }] : [];
  }
  if (!Array.isArray(value) || value.length === 0) {
    reader.fail('match', 'a list of rules (each a map of model, compatible, file, arch)', value);
    return [];
  }
  return value.map((rule, i) => reader.rule(`match.${i}`, rule));
}

/** Parses and validates one profile; throws one EdgepipeError listing every problem. */
export function parseDeviceProfile(file: string, text: string, options: ProfileCheckOptions = {}): DeviceProfile {
  const { root, where } = yamlDocument(file, text);
  const reader = new ProfileReader(where);
  reader.map('', root, TOP_KEYS);
  if (root['version'] !== 1) reader.fail('version', '1', root['version']);
  const id = reader.string('id', root['id']) ?? '';
  if (id && !ID_PATTERN.test(id)) reader.fail('id', 'lower-case letters, digits and dashes (raspberry-pi-5)', id);
  const name = reader.string('name', root['name']) ?? id;
  const fallbackValue = root['fallback'] ?? false;
  if (typeof fallbackValue !== 'boolean') reader.fail('fallback', 'true or false', fallbackValue);
  const fallback = fallbackValue === true;
  const match = readMatch(reader, root['match'], fallback);
  const camera = readCamera(reader, root['camera']);
  const delegates = readDelegates(reader, root['delegates'], options.delegates);
  const thermalFields = reader.map('thermal', root['thermal'], ['zones', 'throttle_c']) ?? {};
  const zones = reader.stringList('thermal.zones', thermalFields['zones'], 1);
  const throttleC = thermalFields['throttle_c'];
  if (typeof throttleC !== 'number' || !Number.isFinite(throttleC) || throttleC < 30 || throttleC > 150) {
    reader.fail('thermal.throttle_c', 'a temperature in °C between 30 and 150', throttleC);
  }
  if (reader.errors.length > 0) throw new EdgepipeError('ERR_DEVICE_PROFILE', reader.errors.join('\n'), { exitCode: 2 });
  return { id, name, fallback, match, camera, delegates, thermal: { zones, throttleC: throttleC as number }, file };
}

/**
 * Loads every *.yaml in the given folders; a later folder overrides an earlier one by id (so
 * /etc/edgepipe/devices can adjust a shipped profile or add a board). Sorted by id.
 */
export function loadDeviceProfiles(dirs: readonly string[] = [builtinDevicesDir], options: ProfileCheckOptions = {}): DeviceProfile[] {
  const byId = new Map<string, DeviceProfile>();
  const problems: string[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort()) {
      const file = path.join(dir, entry);
      try {
        const profile = parseDeviceProfile(file, readFileSync(file, 'utf8'), options);
        const earlier = byId.get(profile.id);
        if (earlier && path.dirname(earlier.file) === dir) {
          problems.push(`${file}:1:1: id: expected an id no other file in ${dir} uses but received "${profile.id}" (also in ${earlier.file})`);
        }
        byId.set(profile.id, profile);
      } catch (error) {
        if (!(error instanceof EdgepipeError)) throw error;
        problems.push(error.message);
      }
    }
  }
  if (problems.length > 0) throw new EdgepipeError('ERR_DEVICE_PROFILE', problems.join('\n'), { exitCode: 2 });
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}
