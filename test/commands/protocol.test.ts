/** The command payload parser: every refusal names the field, the value and what was expected; the shipped schemas agree. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMAND_RESPONSE_SCHEMA_ID, errorResponse, okResponse, parseCommand, type ParsedCommand } from '../../src/commands/protocol.js';
import { jsonSchemaErrors } from '../../src/config/json-schema-check.js';

type Json = Parameters<typeof jsonSchemaErrors>[1];
type Schema = Parameters<typeof jsonSchemaErrors>[0];
const load = (name: string): Schema => JSON.parse(readFileSync(new URL(`../../schema/${name}`, import.meta.url), 'utf8')) as Schema;
const commandSchema = load('command.schema.json');
const responseSchema = load('command-response.schema.json');

function refusal(payload: string | Uint8Array): { code: string; message: string; id: string | null; command: string | null } {
  const parsed: ParsedCommand = parseCommand(payload);
  if (parsed.ok) throw new Error(`accepted ${String(payload)}`);
  return { ...parsed.error, id: parsed.id, command: parsed.command };
}

describe('command protocol', () => {
  it('accepts each command, with and without an id, and the command schema agrees', () => {
    const accepted = [
      '{"command":"pause"}',
      '{"id":"a-1","command":"resume"}',
      '{"command":"reload","id":"x"}',
      '{"command":"snapshot"}',
      '{"id":"t","command":"set_threshold","value":0.75}',
      '{"command":"set_threshold","value":0}',
      '{"command":"set_threshold","below":-1.5}',
      '{"command":"set_threshold","above":3}',
      '{"command":"set_threshold","below":0.1,"above":0.9}',
    ];
    for (const text of accepted) {
      expect(parseCommand(text).ok, text).toBe(true);
      expect(jsonSchemaErrors(commandSchema, JSON.parse(text) as Json), text).toEqual([]);
    }
    expect(parseCommand(Buffer.from('{"id":"t","command":"set_threshold","value":0.75}'))).toEqual({
      ok: true,
      command: { id: 't', command: 'set_threshold', setting: { value: 0.75 } },
    });
    expect(parseCommand('{"command":"set_threshold","above":3}')).toEqual({ ok: true, command: { command: 'set_threshold', setting: { above: 3 } } });
  });

  it('refuses malformed payloads with messages naming the field, the value and what was expected', () => {
    const cases: Array<[string | Uint8Array, string, string]> = [
      ['{"command":"pause"', 'invalid_json', 'Expected a JSON object but the payload is not valid JSON'],
      [Buffer.from([0x7b, 0xff, 0x7d]), 'invalid_json', 'Expected a JSON object in UTF-8 but the payload is not valid UTF-8'],
      ['"pause"', 'invalid_request', 'Expected a JSON object like {"command":"pause"} but received a string: "pause"'],
      ['[1,2]', 'invalid_request', 'Expected a JSON object like {"command":"pause"} but received an array: [1,2]'],
      ['null', 'invalid_request', 'Expected a JSON object like {"command":"pause"} but received null: null'],
      ['{}', 'invalid_request', 'Expected one of pause, resume, reload, snapshot, set_threshold for command but received nothing (the field is missing)'],
      ['{"command":7}', 'invalid_request', 'Expected one of pause, resume, reload, snapshot, set_threshold for command but received 7'],
      ['{"command":"pasue"}', 'unknown_command', 'Unknown command "pasue": did you mean "pause"? Expected one of pause, resume, reload, snapshot, set_threshold'],
      ['{"command":"setThreshold","value":1}', 'unknown_command', 'Unknown command "setThreshold": did you mean "set_threshold"? Expected one of pause, resume, reload, snapshot, set_threshold'],
      ['{"command":"reboot"}', 'unknown_command', 'Unknown command "reboot": Expected one of pause, resume, reload, snapshot, set_threshold'],
      ['{"command":"pause","force":true}', 'invalid_argument', 'Unexpected field "force" for pause: pause takes no arguments'],
      ['{"command":"set_threshold","valeu":0.5}', 'invalid_argument', 'Unexpected field "valeu" for set_threshold: did you mean "value"? set_threshold takes value, below, above'],
      ['{"command":"set_threshold"}', 'invalid_argument', 'Expected value (0 to 1: classify, detect, pose) or below and/or above (numbers: scalar) for set_threshold but received none of them'],
      ['{"command":"set_threshold","value":1.5}', 'invalid_argument', 'Expected a number from 0 to 1 for value but received 1.5'],
      ['{"command":"set_threshold","value":"0.5"}', 'invalid_argument', 'Expected a number from 0 to 1 for value but received "0.5"'],
      ['{"command":"set_threshold","value":0.5,"above":2}', 'invalid_argument', 'Expected either value (0 to 1: classify, detect, pose) or below/above (scalar) for set_threshold but received both'],
      ['{"command":"set_threshold","below":"low"}', 'invalid_argument', 'Expected a finite number for below but received "low"'],
      ['{"command":"set_threshold","below":2,"above":1}', 'invalid_argument', 'Expected below to be smaller than above but received below 2 and above 1'],
      ['{"id":"","command":"pause"}', 'invalid_request', 'Expected a string of 1 to 64 characters for id but received ""'],
      ['{"id":12,"command":"pause"}', 'invalid_request', 'Expected a string of 1 to 64 characters for id but received 12'],
    ];
    for (const [payload, code, message] of cases) {
      const error = refusal(payload);
      expect(error.code, String(payload)).toBe(code);
      expect(error.message.startsWith(message), `${error.message}\n  should start with\n${message}`).toBe(true);
    }
    // JSON Schema cannot compare two fields: below < above is checked by the parser only.
    for (const [payload, , message] of cases.slice(2)) {
      if (typeof payload !== 'string' || message.startsWith('Expected below to be smaller')) continue;
      expect(jsonSchemaErrors(commandSchema, JSON.parse(payload) as Json), payload).not.toEqual([]);
    }
  });

  it('keeps the id and the command of a refused payload for correlation, and never echoes a long one', () => {
    expect(refusal('{"id":"c-9","command":"pasue"}')).toMatchObject({ id: 'c-9', command: 'pasue' });
    expect(refusal('{"id":"c-9","command":"set_threshold","value":2}')).toMatchObject({ id: 'c-9', command: 'set_threshold' });
    expect(refusal(`{"id":"${'x'.repeat(65)}","command":"pause"}`)).toMatchObject({ id: null, command: 'pause' });
    const long = refusal(`{"command":"${'p'.repeat(200)}"}`);
    expect(long).toMatchObject({ code: 'unknown_command', command: null });
    expect(long.message.length).toBeLessThan(200);
    expect(parseCommand(`{"id":"${'é'.repeat(64)}","command":"pause"}`).ok).toBe(true);
  });

  it('refuses a payload over 16 KiB before reading it', () => {
    const padded = JSON.stringify({ command: 'pause', id: 'big', pad: 'x'.repeat(16 * 1024) });
    expect(refusal(padded)).toEqual({
      code: 'too_large',
      message: `Expected a command of at most 16384 bytes but received ${Buffer.byteLength(padded)} bytes`,
      id: null,
      command: null,
    });
    const exactly = `{"command":"pause"}${' '.repeat(16 * 1024 - 19)}`;
    expect(parseCommand(exactly).ok).toBe(true);
  });

  it('builds responses the response schema accepts', () => {
    const state = { pipeline: 'door', state: 'running', paused: true, threshold: { kind: 'score' as const, value: 0.5 } };
    const ok = okResponse({ id: 'a', command: 'pause' }, state);
    expect(ok).toEqual({ schema: COMMAND_RESPONSE_SCHEMA_ID, id: 'a', command: 'pause', ok: true, state });
    const bounds = okResponse({ command: 'reload' }, { pipeline: 'x', state: 'running', paused: false, threshold: { kind: 'bounds', above: 2 } }, 'reloaded: 0 changed');
    const error = errorResponse(null, null, { code: 'invalid_json', message: 'Expected a JSON object' });
    for (const response of [ok, bounds, error]) expect(jsonSchemaErrors(responseSchema, JSON.parse(JSON.stringify(response)) as Json)).toEqual([]);
    expect(jsonSchemaErrors(responseSchema, { ...error, error: { code: 'oops', message: 'x' } } as unknown as Json)).not.toEqual([]);
    expect(jsonSchemaErrors(responseSchema, { ...ok, ok: false } as unknown as Json)).not.toEqual([]);
  });
});
