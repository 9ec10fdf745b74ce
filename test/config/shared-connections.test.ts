/**
 * MQTT sinks on one connection (same url, client_id, username, TLS files) must agree on protocol, password,
 * keepalive_s and status_topic: checked when the files load, at the field that differs, across files.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFiles } from '../../src/config/load.js';
import { configError, pipelineYaml, problemLines, tempDir } from './helpers.js';

const header = 'version: 1\npipelines:\n';
const mqtt = (fields: string): string => `    sinks:\n      - kind: mqtt\n        url: mqtt://127.0.0.1:1883\n${fields}`;

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('MQTT sinks sharing a connection', () => {
  it('reports a keepalive, protocol or status topic that differs from the first sink on the connection, at its field', async () => {
    const dir = tempDir();
    const a = write(dir, 'a.yaml', header + pipelineYaml('one', mqtt('        keepalive_s: 30\n')));
    const b = write(dir, 'b.yaml', header + pipelineYaml('two', mqtt('        keepalive_s: 15\n        protocol: 4\n        status_topic: site/{device}/up\n')));
    const error = await configError(() => loadConfigFiles([a, b], { checkFiles: false }));
    expect(problemLines(error).map((line) => line.replaceAll(`${dir}/`, ''))).toEqual([
      'b.yaml:10:22: pipelines[0].sinks[0].keepalive_s: is 15 but the mqtt sink at a.yaml:8:9 uses 30 on the same connection (same url, client_id, username and TLS files share one); use the same keepalive_s or another client_id',
      'b.yaml:11:19: pipelines[0].sinks[0].protocol: is 4 but the mqtt sink at a.yaml:8:9 uses 5 on the same connection (same url, client_id, username and TLS files share one); use the same protocol or another client_id',
      'b.yaml:12:23: pipelines[0].sinks[0].status_topic: is "site/{device}/up" but the mqtt sink at a.yaml:8:9 uses "edgepipe/{device}/status" on the same connection (same url, client_id, username and TLS files share one); use the same status_topic or another client_id',
    ]);
  });

  it('puts a difference that comes from a default at the sink, and never shows a password', async () => {
    const dir = tempDir();
    const a = write(dir, 'a.yaml', header + pipelineYaml('one', mqtt('        password: first-secret\n        keepalive_s: 30\n')) + pipelineYaml('two', mqtt('        password: other-secret\n')));
    const error = await configError(() => loadConfigFiles([a], { checkFiles: false }));
    const lines = problemLines(error).map((line) => line.replaceAll(`${dir}/`, ''));
    expect(lines).toEqual([
      'a.yaml:17:9: pipelines[1].sinks[0].keepalive_s: is 15 but the mqtt sink at a.yaml:8:9 uses 30 on the same connection (same url, client_id, username and TLS files share one); use the same keepalive_s or another client_id',
      'a.yaml:19:19: pipelines[1].sinks[0].password: differs from the one of the mqtt sink at a.yaml:8:9 on the same connection (same url, client_id, username and TLS files share one); use the same password or another client_id',
    ]);
    expect(lines.join('\n')).not.toContain('secret');
  });

  it('lets sinks on other connections (another client_id or url) and sinks that agree differ in nothing else', async () => {
    const dir = tempDir();
    const a = write(dir, 'a.yaml', header +
      pipelineYaml('one', mqtt('        keepalive_s: 30\n')) +
      pipelineYaml('two', mqtt('        keepalive_s: 15\n        client_id: door-2\n')) +
      pipelineYaml('three', '    sinks:\n      - kind: mqtt\n        url: mqtt://127.0.0.1:1884\n        protocol: 4\n') +
      pipelineYaml('four', mqtt('        keepalive_s: 30\n        topic: other/{pipeline}\n')));
    const configs = await loadConfigFiles([a], { checkFiles: false });
    expect(configs[0]!.pipelines.map((p) => p.name)).toEqual(['one', 'two', 'three', 'four']);
  });
});
