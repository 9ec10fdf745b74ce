/**
 * What the CLI prints from outside data: paths from `${NAME}` shown in full, secrets never, and control
 * characters from a model file escaped (the built CLI as a user runs it).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeColourModel } from '../helpers/image-models.js';
import { customOpModel } from '../helpers/models.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-printing-'));
const model = writeColourModel(dir);

/** No C0 control but tab and newline, no DEL, no C1. */
const plainText = /^[\t\n\x20-\x7e\u00a0-\uffff]*$/u;

describe('edgepipe validate', () => {
  it('names a missing model by its path when the path came from an environment variable', async () => {
    const config = path.join(dir, 'env-model.yaml');
    writeFileSync(config, ['version: 1', 'pipelines:', '  - name: door', '    source: { kind: synthetic }', '    model: { file: "${EDGEPIPE_TEST_MODELS}/yolo.tflite" }', '    postprocess: { kind: classify }', ''].join('\n'));
    const result = await runCli(['validate', config], { EDGEPIPE_TEST_MODELS: '/opt/edgepipe-test-none' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${config}:5:20: pipelines[0].model.file: file not found: \${EDGEPIPE_TEST_MODELS}/yolo.tflite -> /opt/edgepipe-test-none/yolo.tflite`);
    expect(result.stderr).not.toContain('not shown');
  });

  it('never prints an mqtt password from an environment variable, even where another field repeats it', async () => {
    const config = path.join(dir, 'env-password.yaml');
    const sink = '{ kind: mqtt, url: "mqtt://127.0.0.1:1883", username: "${EDGEPIPE_TEST_USER}", password: "${EDGEPIPE_TEST_PASSWORD}", client_id: "${EDGEPIPE_TEST_PASSWORD}" }';
    writeFileSync(config, ['version: 1', 'pipelines:', '  - name: door', '    source: { kind: synthetic }', `    model: { file: "${model}" }`, '    postprocess: { kind: classify }', `    sinks: [ ${sink} ]`, ''].join('\n'));
    const result = await runCli(['validate', config], { EDGEPIPE_TEST_USER: 'edge-user', EDGEPIPE_TEST_PASSWORD: 'pass word 8472' });
    expect(result.code).toBe(2);
    // client_id refuses spaces: its message quotes the value, which is the password.
    expect(result.stderr).toContain(`${config}:7:`);
    expect(result.stderr).toContain('pipelines[0].sinks[0].client_id: expected 1 to 128 printable characters without spaces, received "<hidden>" (from ${EDGEPIPE_TEST_PASSWORD})');
    expect(result.stderr).not.toContain('8472');
  });
});

describe('edgepipe inspect', () => {
  it('escapes control characters in a custom op name (NUL, newline, ESC)', async () => {
    const file = path.join(dir, 'evil-op.tflite');
    writeFileSync(file, customOpModel('evil\u0000op\n\u001b[31mred\u009b').bytes);
    const text = await runCli(['inspect', file]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(plainText);
    expect(text.stdout).toContain('custom ops: evil\\x00op\\n\\x1b[31mred\\x9b\n');
    const json = await runCli(['inspect', file, '--json']);
    expect(json.stdout).toMatch(plainText);
    expect((JSON.parse(json.stdout) as { custom_ops: string[] }).custom_ops).toEqual(['evil\u0000op\n\u001b[31mred\u009b']);
  });
});
