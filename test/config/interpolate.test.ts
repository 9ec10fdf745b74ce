/**
 * `${NAME}`, `${file:PATH}`, `${credential:NAME}` and `$${` in values. Secrets (file and credential values,
 * passwords, keys, tokens) never appear in messages; values from the environment do.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactedConfigDump } from '../../src/config/dump.js';
import { interpolateString } from '../../src/config/interpolate.js';
import { loadConfigFiles, parseConfig } from '../../src/config/load.js';
import { redact, secretCount } from '../../src/runtime/secrets.js';
import { runCli } from '../helpers/cli.js';
import { projectRoot } from '../helpers/shared-models.js';
import { configError, pipelineYaml, problemLines, tempDir } from './helpers.js';

const secret = 's3cr3t-value';

describe('interpolateString', () => {
  const dir = '/nowhere';
  it('replaces environment variables, several per value, empty ones too', () => {
    expect(interpolateString('${A}/x/${B}${C}', { env: { A: 'one', B: 'two', C: '' }, dir })).toEqual({ text: 'one/x/two', refs: ['${A}', '${B}', '${C}'] });
  });

  it('keeps $ that starts no reference, and $${ writes a literal ${', () => {
    expect(interpolateString('cost $5, a$$b, $${HOME} and $', { env: { HOME: '/root' }, dir })).toEqual({ text: 'cost $5, a$$b, ${HOME} and $', refs: [] });
  });

  it('reads files relative to the YAML folder, without trailing newlines', () => {
    const base = tempDir();
    writeFileSync(path.join(base, 'token'), `${secret}\r\n\n`);
    expect(interpolateString('${file:token}', { env: {}, dir: base })).toEqual({ text: secret, refs: ['${file:token}'] });
    expect(interpolateString(`\${file:${base}/token}`, { env: {}, dir: '/' })).toEqual({ text: secret, refs: [`\${file:${base}/token}`] });
  });

  it('reads systemd credentials from $CREDENTIALS_DIRECTORY', () => {
    const base = tempDir();
    writeFileSync(path.join(base, 'mqtt'), secret);
    expect(interpolateString('${credential:mqtt}', { env: { CREDENTIALS_DIRECTORY: base }, dir })).toEqual({ text: secret, refs: ['${credential:mqtt}'] });
    expect(interpolateString('${credential:other}', { env: { CREDENTIALS_DIRECTORY: base }, dir })).toEqual({
      errors: [`\${credential:other}: cannot read ${base}/other: no such file`],
    });
  });

  it('names what is missing or malformed, every one of them', () => {
    expect(interpolateString('${NOPE}-${ALSO}', { env: {}, dir })).toEqual({
      errors: ['environment variable NOPE is not set (referenced as ${NOPE})', 'environment variable ALSO is not set (referenced as ${ALSO})'],
    });
    expect(interpolateString('${}', { env: {}, dir })).toEqual({
      errors: ['"${}" is not a reference edgepipe understands; use ${NAME}, ${file:PATH} or ${credential:NAME}, and $${ for a literal ${'],
    });
    expect(interpolateString('${file:}', { env: {}, dir })).toEqual({
      errors: ['${file:} names no file; use ${NAME}, ${file:PATH} or ${credential:NAME}, and $${ for a literal ${'],
    });
    expect(interpolateString('${credential:a/b}', { env: {}, dir })).toEqual({ errors: ['${credential:a/b} is not a valid credential name (letters, digits, _ . -)'] });
  });
});

describe('interpolation in a config', () => {
  const file = '/srv/edgepipe/door.yaml';
  const yaml = (extra: string, model = '${MODEL_DIR}/m.tflite') => `version: 1\npipelines:\n${pipelineYaml('door', extra, model)}`;
  /** An empty regular file: `${file:...}` of it adds nothing to a value but makes it a secret. */
  const emptyFile = (): string => {
    const empty = path.join(tempDir(), 'empty');
    writeFileSync(empty, '');
    return empty;
  };

  it('fills strings, and whole-value references fill numbers, booleans and choices', () => {
    const config = parseConfig(
      file,
      yaml('    preprocess: { resize: "${RESIZE}" }\n    every: ${EVERY}\n    sinks: [{ kind: file, path: "${file:/dev/null}out.jsonl", keep: "${KEEP}" }]\n').replace('/dev/null', emptyFile()),
      { env: { MODEL_DIR: '/models', RESIZE: 'contain', EVERY: '3', KEEP: '2' } },
    );
    const pipeline = config.pipelines[0]!;
    expect(pipeline.model.file).toBe('/models/m.tflite');
    expect(pipeline.preprocess.resize).toBe('contain');
    expect(pipeline.every).toBe(3);
    expect(pipeline.sinks[0]).toEqual({ kind: 'file', path: '/srv/edgepipe/out.jsonl', maxBytes: 10485760, keep: 2 });
    // Only secrets are secret: the ${file:...} value; values from the environment are ordinary values.
    expect(config.secretPaths).toEqual(['pipelines[0].sinks[0].path']);
  });

  it('booleans from references', () => {
    const config = parseConfig(file, yaml('').replace('{ kind: synthetic }', '{ kind: images, path: x, loop: "${LOOP}" }'), { env: { MODEL_DIR: '/m', LOOP: 'true' } });
    expect(config.pipelines[0]!.source).toMatchObject({ loop: true });
  });

  it('an escaped value is not a secret', () => {
    const config = parseConfig(file, yaml('', '/m/$${literal}.tflite'), { env: {} });
    expect(config.pipelines[0]!.model.file).toBe('/m/${literal}.tflite');
    expect(config.secretPaths).toEqual([]);
  });

  it('reports a missing variable at its value; shows values from the environment, never those of files', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'flip'), secret);
    const error = await configError(() =>
      parseConfig(
        path.join(dir, 'door.yaml'),
        yaml('    every: "${EVERY}"\n    preprocess: { flip: "${file:flip}" }\n    sinks: [{ kind: file, path: "${UNSET}" }]\n'),
        { env: { MODEL_DIR: '/m', EVERY: 'often' } },
      ),
    );
    expect(problemLines(error)).toEqual([
      `${dir}/door.yaml:7:12: pipelines[0].every: expected an integer between 1 and 100000, received "often" (from \${EVERY})`,
      `${dir}/door.yaml:8:25: pipelines[0].preprocess.flip: expected one of none, horizontal, vertical, received the value of \${file:flip} (not shown)`,
      `${dir}/door.yaml:9:33: pipelines[0].sinks[0].path: environment variable UNSET is not set (referenced as \${UNSET})`,
    ]);
    expect(JSON.stringify(error.problems)).not.toContain(secret);
  });

  it('a name from a file is not shown when it is a duplicate or invalid; one from the environment is', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'name'), 'door');
    writeFileSync(path.join(dir, 'bad'), 'Bad Name');
    const text = `version: 1\npipelines:\n${pipelineYaml('"${file:name}"')}${pipelineYaml('"${file:name}"')}${pipelineYaml('"${file:bad}"')}${pipelineYaml('"${ENV_NAME}"')}`;
    const error = await configError(() => parseConfig(path.join(dir, 'door.yaml'), text, { env: { ENV_NAME: 'Env Name' } }));
    expect(problemLines(error)).toEqual([
      `${dir}/door.yaml:7:11: pipelines[1].name: this name is already the name of the pipeline at ${dir}/door.yaml:3:11; names must be unique across all files`,
      `${dir}/door.yaml:11:11: pipelines[2].name: expected a name of lowercase letters, digits, - and _ (1 to 63, starting with a letter or digit), received the value of \${file:bad} (not shown)`,
      `${dir}/door.yaml:15:11: pipelines[3].name: expected a name of lowercase letters, digits, - and _ (1 to 63, starting with a letter or digit), received "Env Name" (from \${ENV_NAME})`,
    ]);
    expect(error.message).not.toMatch(/"door"|Bad Name|bad-name/);
  });

  it('passwords and tokens are secrets however they are written, key file paths are not; secrets are registered for redaction', () => {
    const before = secretCount();
    const sinks = [
      '    sinks:',
      '      - { kind: mqtt, url: "mqtt://${BROKER}", username: "${MQTT_USER}", password: "${MQTT_PASSWORD}" }',
      '      - { kind: mqtt, url: "mqtts://broker:8883", client_id: b, password: literal-pw-1234, tls: { ca: "${CA}", cert: /etc/c.crt, key: "${KEY}" } }',
      '',
    ].join('\n');
    const env = { MODEL_DIR: '/m', BROKER: 'broker:1883', MQTT_USER: 'edge', MQTT_PASSWORD: 'pw-from-env-5678', CA: '/etc/ca.crt', KEY: '/etc/key-path.pem' };
    const config = parseConfig(file, yaml(sinks), { env });
    // tls.key is a path (to the key file): shown, so a message can say which file is missing.
    expect(config.secretPaths).toEqual(['pipelines[0].sinks[0].password', 'pipelines[0].sinks[1].password']);
    const dump = redactedConfigDump(config);
    expect(dump).toContain('url: mqtt://broker:1883');
    expect(dump).toContain('username: edge');
    expect(dump).toContain('ca: /etc/ca.crt');
    expect(dump).toContain('key: /etc/key-path.pem');
    expect(dump).not.toMatch(/pw-from-env-5678|literal-pw-1234/);
    expect(secretCount()).toBeGreaterThan(before);
    expect(redact('auth failed for pw-from-env-5678 and literal-pw-1234; key /etc/key-path.pem; model /m/m.tflite')).toBe(
      'auth failed for <hidden> and <hidden>; key /etc/key-path.pem; model /m/m.tflite',
    );
  });

  it('file references resolve against the YAML folder, not the current one', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'secrets'));
    writeFileSync(path.join(dir, 'secrets', 'model-path'), '/opt/models/m.tflite\n');
    writeFileSync(path.join(dir, 'door.yaml'), yaml('', '${file:secrets/model-path}'));
    const [config] = await loadConfigFiles([path.join(dir, 'door.yaml')], { env: {}, checkFiles: false });
    expect(config!.pipelines[0]!.model.file).toBe('/opt/models/m.tflite');
    expect(config!.secretPaths).toEqual(['pipelines[0].model.file']);
  });

  it('a relative path led by ${NAME} resolves against the current directory; one written in the YAML against the YAML folder', () => {
    const config = parseConfig(
      file,
      yaml('    sinks: [{ kind: file, path: "out/${RUN}.jsonl" }, { kind: file, path: "${OUT}/b.jsonl" }]\n', '${MODEL_DIR}/m.tflite'),
      { env: { MODEL_DIR: '../shared/models', RUN: 'r1', OUT: 'logs' } },
    );
    const pipeline = config.pipelines[0]!;
    // EDGEPIPE_MODELS=../shared/models typed on a command line means the folder next to the one the user is in.
    expect(pipeline.model.file).toBe(path.resolve(process.cwd(), '../shared/models/m.tflite'));
    expect(pipeline.sinks.map((sink) => (sink as { path: string }).path)).toEqual(['/srv/edgepipe/out/r1.jsonl', path.resolve(process.cwd(), 'logs/b.jsonl')]);
    // Written in the YAML, relative to the YAML, as before; an absolute value from the environment stays as it is.
    expect(parseConfig(file, yaml('', 'models/m.tflite'), { env: {} }).pipelines[0]!.model.file).toBe('/srv/edgepipe/models/m.tflite');
    expect(parseConfig(file, yaml(''), { env: { MODEL_DIR: '/opt/models' } }).pipelines[0]!.model.file).toBe('/opt/models/m.tflite');
  });

  it('edgepipe validate (config read on a worker thread) resolves EDGEPIPE_MODELS=../x against its own current folder', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'p.yaml'), yaml('', '${EDGEPIPE_MODELS}/m.tflite'));
    const result = await runCli(['validate', path.join(dir, 'p.yaml')], { EDGEPIPE_MODELS: '../no-such-models' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`file not found: \${EDGEPIPE_MODELS}/m.tflite -> ${path.resolve(projectRoot, '../no-such-models/m.tflite')}`);
  });

  it('the config dump hides secrets and shows values from the environment', () => {
    const config = parseConfig(file, yaml('    sinks: [{ kind: file, path: "${file:/dev/null}${SECRET}" }]\n').replace('/dev/null', emptyFile()), { env: { MODEL_DIR: '/m', SECRET: secret } });
    const dump = redactedConfigDump(config);
    expect(dump).not.toContain(secret);
    expect(dump).toContain('path: <hidden>');
    expect(dump).toContain('file: /m/m.tflite');
    expect(dump.split('\n')[0]).toBe('# Effective configuration of /srv/edgepipe/door.yaml: defaults filled in, paths absolute. Secrets are shown as <hidden>.');
  });

  it('field names are not interpolated', async () => {
    const error = await configError(() => parseConfig(file, 'version: 1\n${KEY}: 1\npipelines: []\n', { env: { KEY: 'runtime' } }));
    expect(problemLines(error)).toEqual(['/srv/edgepipe/door.yaml:2:1: ${KEY}: unknown field; valid fields here: version, runtime, pipelines']);
  });
});
