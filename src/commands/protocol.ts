/**
 * The command protocol (schema/command.schema.json, schema/command-response.schema.json): strict parsing of a
 * command payload and the response envelope. Every refusal names the field, the value received and what was
 * expected, so a person typing `mosquitto_pub` sees what to fix.
 */
import { closestMatch } from '../config/suggest.js';
import type { ThresholdSetting } from '../postprocess/threshold.js';
import type { CommandError, PipelineControlState } from './control.js';

export const COMMAND_RESPONSE_SCHEMA_ID = 'edgepipe.command-response/1';
/** Larger payloads are refused before decoding: a command is a few dozen bytes. */
export const MAX_COMMAND_BYTES = 16 * 1024;
export const MAX_ID_LENGTH = 64;
/** A command is one flat object; deeper payloads are refused before JSON.parse (and before anything recursive). */
export const MAX_COMMAND_DEPTH = 8;
export const COMMAND_NAMES = ['pause', 'resume', 'reload', 'snapshot', 'set_threshold'] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

export type Command =
  | { id?: string; command: Exclude<CommandName, 'set_threshold'> }
  | { id?: string; command: 'set_threshold'; setting: ThresholdSetting };

/** A refused payload keeps what could be read of it (`id`, `command`) so the response can be correlated. */
export type ParsedCommand = { ok: true; command: Command } | { ok: false; id: string | null; command: string | null; error: CommandError };

export interface CommandResponse {
  schema: typeof COMMAND_RESPONSE_SCHEMA_ID;
  /** The command's `id`, or null when it had none (or an invalid one). */
  id: string | null;
  /** The command's name as received, or null when there was none. */
  command: string | null;
  ok: boolean;
  /** The pipeline after the command (successful commands). */
  state?: PipelineControlState;
  /** A human-readable outcome (reload's summary). */
  message?: string;
  error?: CommandError;
}

const ARGUMENTS: Record<CommandName, readonly string[]> = {
  pause: [],
  resume: [],
  reload: [],
  snapshot: [],
  set_threshold: ['value', 'below', 'above'],
};

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A received value for a message: JSON, cut to 60 characters. */
export function shown(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  } catch {
    // JSON.stringify recurses: a value nested a few thousand levels deep overflows the stack.
    text = typeName(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * How deep `text` nests arrays and objects, counted without recursion and stopping at `limit + 1`: JSON.parse
 * copes with 8,000 levels, but JSON.stringify (and any recursive walk) of the result overflows the stack.
 */
export function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return deepest;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function refuse(code: CommandError['code'], message: string, id: string | null = null, command: string | null = null): ParsedCommand {
  return { ok: false, id, command, error: { code, message } };
}

/** Parses and validates one command payload (bytes as received, or text). Never throws. */
export function parseCommand(payload: Uint8Array | string): ParsedCommand {
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (bytes > MAX_COMMAND_BYTES) {
    return refuse('too_large', `Expected a command of at most ${MAX_COMMAND_BYTES} bytes but received ${bytes} bytes`);
  }
  let text: string;
  try {
    text = typeof payload === 'string' ? payload : decoder.decode(payload);
  } catch {
    return refuse('invalid_json', 'Expected a JSON object in UTF-8 but the payload is not valid UTF-8');
  }
  if (nestingDepth(text, MAX_COMMAND_DEPTH) > MAX_COMMAND_DEPTH) {
    return refuse('invalid_request', `Expected a JSON object nested at most ${MAX_COMMAND_DEPTH} levels deep (like {"command":"pause"}) but the payload nests deeper`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return refuse('invalid_json', `Expected a JSON object but the payload is not valid JSON (${(error as Error).message}): ${shown(text)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse('invalid_request', `Expected a JSON object like {"command":"pause"} but received ${typeName(value)}: ${shown(value)}`);
  }
  return parseObject(value as Record<string, unknown>);
}

function parseObject(body: Record<string, unknown>): ParsedCommand {
  const rawId = body['id'];
  // Code points, as JSON Schema counts them (the schema's pattern ^[\s\S]{1,64}$ with the u flag).
  const idOk = rawId === undefined || (typeof rawId === 'string' && rawId !== '' && [...rawId].length <= MAX_ID_LENGTH);
  const id = idOk && typeof rawId === 'string' ? rawId : null;
  const rawCommand = body['command'];
  // Echoed in the response only when short: a 16 KiB "command" is not sent back.
  const command = typeof rawCommand === 'string' && [...rawCommand].length <= MAX_ID_LENGTH ? rawCommand : null;
  if (!idOk) {
    return refuse('invalid_request', `Expected a string of 1 to ${MAX_ID_LENGTH} characters for id but received ${shown(rawId)}`, null, command);
  }
  if (typeof rawCommand !== 'string') {
    const why = rawCommand === undefined ? 'nothing (the field is missing)' : shown(rawCommand);
    return refuse('invalid_request', `Expected one of ${COMMAND_NAMES.join(', ')} for command but received ${why}`, id);
  }
  if (!(COMMAND_NAMES as readonly string[]).includes(rawCommand)) {
    const near = closestMatch(rawCommand, COMMAND_NAMES);
    const hint = near ? `did you mean "${near}"? ` : '';
    return refuse('unknown_command', `Unknown command ${shown(rawCommand)}: ${hint}Expected one of ${COMMAND_NAMES.join(', ')}`, id, command);
  }
  const name = rawCommand as CommandName;
  const allowed = ARGUMENTS[name];
  for (const key of Object.keys(body)) {
    if (key === 'id' || key === 'command' || allowed.includes(key)) continue;
    const near = closestMatch(key, allowed);
    const expected = allowed.length === 0 ? `${name} takes no arguments` : `${name} takes ${allowed.join(', ')}`;
    return refuse('invalid_argument', `Unexpected field "${key}" for ${name}: ${near ? `did you mean "${near}"? ` : ''}${expected}`, id, command);
  }
  const withId = id === null ? {} : { id };
  if (name !== 'set_threshold') return { ok: true, command: { ...withId, command: name } };
  const setting = parseThreshold(body);
  if ('error' in setting) return refuse('invalid_argument', setting.error, id, command);
  return { ok: true, command: { ...withId, command: name, setting } };
}

function parseThreshold(body: Record<string, unknown>): ThresholdSetting | { error: string } {
  const has = (key: string): boolean => body[key] !== undefined;
  if (has('value') && (has('below') || has('above'))) {
    return { error: 'Expected either value (0 to 1: classify, detect, pose) or below/above (scalar) for set_threshold but received both' };
  }
  if (has('value')) {
    const value = body['value'];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      return { error: `Expected a number from 0 to 1 for value but received ${shown(value)}` };
    }
    return { value };
  }
  if (!has('below') && !has('above')) {
    return { error: 'Expected value (0 to 1: classify, detect, pose) or below and/or above (numbers: scalar) for set_threshold but received none of them' };
  }
  const setting: { below?: number; above?: number } = {};
  for (const key of ['below', 'above'] as const) {
    const bound = body[key];
    if (bound === undefined) continue;
    if (typeof bound !== 'number' || !Number.isFinite(bound)) return { error: `Expected a finite number for ${key} but received ${shown(bound)}` };
    setting[key] = bound;
  }
  if (setting.below !== undefined && setting.above !== undefined && setting.below >= setting.above) {
    return { error: `Expected below to be smaller than above but received below ${setting.below} and above ${setting.above}` };
  }
  return setting;
}

/** The response to a refused or failed command. */
export function errorResponse(id: string | null, command: string | null, error: CommandError): CommandResponse {
  return { schema: COMMAND_RESPONSE_SCHEMA_ID, id, command, ok: false, error };
}

/** The response to a command that was carried out. */
export function okResponse(command: Command, state: PipelineControlState, message?: string): CommandResponse {
  return {
    schema: COMMAND_RESPONSE_SCHEMA_ID,
    id: command.id ?? null,
    command: command.command,
    ok: true,
    state,
    ...(message !== undefined ? { message } : {}),
  };
}
