/** Log lines: journald priorities under systemd, JSON lines, levels per module, secrets never written. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';
import { childLogger } from '../../src/core/log.js';
import { lineLogger, moduleOf } from '../../src/service/line-logger.js';
import { secretValues, serviceLogger, underJournal } from '../../src/service/journal-logger.js';

const file = '/srv/edgepipe/door.yaml';

function capture(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line) => lines.push(line) };
}

describe('log lines', () => {
  it('start with the sd-daemon priority when JOURNAL_STREAM is set', () => {
    const out = capture();
    const logger = serviceLogger([], { env: { JOURNAL_STREAM: '8:12345' }, level: 'debug', write: out.write });
    logger.log('error', 'pipeline door: failed');
    logger.log('warn', 'service: no progress');
    logger.log('info', 'edgepipe: 1 pipeline(s) started', { files: 1 });
    logger.log('debug', 'pipeline door: frame 3');
    expect(out.lines).toEqual([
      '<3>error pipeline door: failed\n',
      '<4>warn service: no progress\n',
      '<6>info edgepipe: 1 pipeline(s) started {"files":1}\n',
      '<7>debug pipeline door: frame 3\n',
    ]);
  });

  it('have no prefix outside systemd; INVOCATION_ID alone also means systemd', () => {
    expect(underJournal({})).toBe(false);
    expect(underJournal({ INVOCATION_ID: 'abc' })).toBe(true);
    const out = capture();
    serviceLogger([], { env: {}, write: out.write }).log('info', 'edgepipe: started');
    expect(out.lines).toEqual(['info edgepipe: started\n']);
  });

  it('are JSON objects {time, level, msg, module, ...fields} in json format, one per line', () => {
    const out = capture();
    const logger = lineLogger({ format: 'json', journal: true, write: out.write, now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    logger.log('warn', 'pipeline door: frame 7 dropped\nsecond line', { reason: 'buffer' });
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]!.startsWith('<4>{')).toBe(true);
    expect(out.lines[0]!.endsWith('}\n')).toBe(true);
    expect(JSON.parse(out.lines[0]!.slice(3))).toEqual({
      time: '2026-01-02T03:04:05.000Z',
      level: 'warn',
      msg: 'pipeline door: frame 7 dropped\nsecond line',
      module: 'pipeline',
      reason: 'buffer',
    });
  });

  it('keep a newline in a text message on one line', () => {
    const out = capture();
    lineLogger({ write: out.write }).log('error', 'edgepipe: reload refused:\nfile:1:1: bad');
    expect(out.lines).toEqual(['error edgepipe: reload refused:\\nfile:1:1: bad\n']);
  });

  it('are filtered per module: the first word of the message or a module field', () => {
    expect(moduleOf('pipeline door: running', undefined)).toBe('pipeline');
    expect(moduleOf('stats door', { framesIn: 1 })).toBe('stats');
    expect(moduleOf('service: ready', { module: 'http' })).toBe('http');
    expect(moduleOf('Something else', undefined)).toBeUndefined();
    const out = capture();
    const logger = lineLogger({ level: 'info', modules: { pipeline: 'debug', stats: 'warn' }, write: out.write });
    logger.log('debug', 'pipeline door: frame 1');
    logger.log('debug', 'service: tick');
    logger.log('info', 'stats door', { fpsIn: 1 });
    logger.log('info', 'edgepipe: started');
    childLogger(logger, 'stats').log('warn', 'slow');
    expect(out.lines).toEqual(['debug pipeline door: frame 1\n', 'info edgepipe: started\n', 'warn slow {"module":"stats"}\n']);
  });

  it('take level, format and modules from runtime.log, overridden by the command line', () => {
    const config = parseConfig(file, 'version: 1\nruntime: { log: { level: warn, format: json, modules: { pipeline: debug } } }\npipelines: []\n');
    expect(config.runtime.log).toEqual({ level: 'warn', format: 'json', modules: { pipeline: 'debug' } });
    const out = capture();
    serviceLogger([config], { env: {}, write: out.write }).log('info', 'edgepipe: hidden at warn');
    serviceLogger([config], { env: {}, write: out.write }).log('debug', 'pipeline door: shown');
    serviceLogger([config], { env: {}, write: out.write, level: 'info', format: 'text' }).log('info', 'edgepipe: shown');
    expect(out.lines.map((l) => l.replace(/"time":"[^"]+",/, ''))).toEqual([
      '{"level":"debug","msg":"pipeline door: shown","module":"pipeline"}\n',
      'info edgepipe: shown\n',
    ]);
  });

  it('never contain a secret; paths from ${NAME} are shown as they are', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-log-secret-'));
    writeFileSync(path.join(dir, 'sink-path'), '/var/lib/f1le-s3cr3t/out.jsonl\n');
    const yaml = [
      'version: 1',
      'pipelines:',
      '  - name: door',
      '    source: { kind: synthetic }',
      '    model: { file: "${MODEL_DIR}/m.tflite" }',
      '    postprocess: { kind: classify }',
      '    sinks:',
      '      - { kind: file, path: "${file:sink-path}" }',
      '      - { kind: mqtt, url: "mqtt://127.0.0.1:1883", password: "${MQTT_PASSWORD}" }',
      '',
    ].join('\n');
    const config = parseConfig(path.join(dir, 'door.yaml'), yaml, { env: { MODEL_DIR: '/opt/models', MQTT_PASSWORD: 'env-pa55word' } });
    expect(config.secretPaths).toEqual(['pipelines[0].sinks[0].path', 'pipelines[0].sinks[1].password']);
    expect(secretValues([config])).toEqual(['/var/lib/f1le-s3cr3t/out.jsonl', 'env-pa55word']);
    const out = capture();
    // Any logger, not only the service's: the secrets were registered when the config was read.
    const logger = lineLogger({ format: 'json', write: out.write });
    logger.log('error', 'pipeline door: cannot open /var/lib/f1le-s3cr3t/out.jsonl', { model: '/opt/models/m.tflite', nested: ['env-pa55word'] });
    const line = out.lines.join('');
    expect(line).not.toMatch(/f1le-s3cr3t|env-pa55word/);
    expect(JSON.parse(line)).toMatchObject({ msg: 'pipeline door: cannot open <hidden>', model: '/opt/models/m.tflite', nested: ['<hidden>'] });
  });

  it('escape control characters from outside data: one line, no NUL, no ESC, no C1', () => {
    const text = capture();
    const json = capture();
    const message = 'serial door: line "a\u0000b\u001b[2Jc\u007fd\u009be\r\nf\tg"';
    lineLogger({ write: text.write }).log('warn', message, { raw: '\u0000\u001b\u0085' });
    lineLogger({ format: 'json', write: json.write }).log('warn', message, { raw: '\u0000\u001b\u0085' });
    expect(text.lines).toEqual(['warn serial door: line "a\\x00b\\x1b[2Jc\\x7fd\\x9be\\r\\nf\tg" {"raw":"\\u0000\\u001b\\u0085"}\n']);
    const [line] = json.lines;
    expect(line).toMatch(/^[\t\x20-\x7e]*\n$/u);
    expect(JSON.parse(line!)).toMatchObject({ msg: message, raw: '\u0000\u001b\u0085' });
  });
});

describe('runtime.log and runtime.http in the config', () => {
  const problems = (yaml: string): string[] => {
    try {
      parseConfig(file, yaml);
    } catch (error) {
      if (error instanceof ConfigError) return error.message.split('\n').filter((line) => line.startsWith(file));
      throw error;
    }
    return [];
  };

  it('are off by default', () => {
    const config = parseConfig(file, 'version: 1\npipelines: []\n');
    expect(config.runtime.log).toBeUndefined();
    expect(config.runtime.http).toBeUndefined();
  });

  it('defaults allow_remote to false and accepts loopback addresses and port 0', () => {
    for (const listen of ['127.0.0.1:9108', '"[::1]:0"', 'localhost:9108', '":0"']) {
      expect(parseConfig(file, `version: 1\nruntime:\n  http: { listen: ${listen} }\npipelines: []\n`).runtime.http, listen).toMatchObject({ allowRemote: false });
    }
  });

  it('refuses a listen address that is not loopback, not host:port or out of range, with positions', () => {
    expect(problems('version: 1\nruntime:\n  http: { listen: "0.0.0.0:9108" }\npipelines: []\n')).toEqual([
      `${file}:3:19: runtime.http.listen: "0.0.0.0" is not a loopback address; the endpoint has no authentication: use 127.0.0.1, or set allow_remote: true`,
    ]);
    // The live view's actions: a non-loopback address needs a token too (issue 15).
    expect(problems('version: 1\nruntime:\n  http: { listen: "0.0.0.0:9108", allow_remote: true }\npipelines: []\n')).toEqual([
      `${file}:3:19: runtime.http.listen: "0.0.0.0" is not a loopback address: the live view's actions need a token there; set runtime.http.auth (token_file or credential), or use 127.0.0.1 and an SSH tunnel`,
    ]);
    expect(problems('version: 1\nruntime:\n  http: { listen: "0.0.0.0:9108", allow_remote: true, auth: { credential: http-token } }\npipelines: []\n')).toEqual([]);
    expect(problems('version: 1\nruntime:\n  http:\n    listen: 9108\npipelines: []\n')).toEqual([
      expect.stringMatching(new RegExp(`^${file}:4:13: runtime\\.http\\.listen: .*an address host:port such as 127\\.0\\.0\\.1:9108`)),
    ]);
    expect(problems('version: 1\nruntime:\n  http: { listen: "127.0.0.1:70000" }\npipelines: []\n')).toEqual([
      `${file}:3:19: runtime.http.listen: Expected a port between 0 and 65535 but received "127.0.0.1:70000"`,
    ]);
  });

  it('refuses unknown levels and modules with suggestions', () => {
    const lines = problems('version: 1\nruntime:\n  log: { level: verbose, modules: { pipelines: debug } }\npipelines: []\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${file}:3:17: runtime\\.log\\.level: `));
    expect(lines[1]).toMatch(new RegExp(`^${file}:3:37: runtime\\.log\\.modules\\.pipelines: unknown field; did you mean "pipeline"\\?`));
  });
});
