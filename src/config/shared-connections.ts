/**
 * MQTT sinks that name the same broker, client id, username and TLS files share one connection in the process
 * (src/sinks/mqtt/shared-connection.ts), so they must agree on what a connection has only once: the protocol, the
 * password, the keepalive and the status topic. Without this check the second sink failed at start, after the
 * service was up, with no position in the file; here it is a problem at the field that differs, naming the sink it
 * differs from, before anything runs.
 */
import type { MqttSinkConfig } from './types.js';
import type { ParsedFile } from './parse.js';
import type { ConfigProblem, Position } from './problems.js';

interface FirstSink {
  sink: MqttSinkConfig;
  where: string;
}

/** The settings a shared connection has once: the YAML field, and how to show a value (undefined: not shown). */
const SHARED_SETTINGS: ReadonlyArray<{ field: string; value: (sink: MqttSinkConfig) => unknown; show?: (sink: MqttSinkConfig) => string }> = [
  { field: 'protocol', value: (s) => s.protocol, show: (s) => String(s.protocol) },
  // A password is compared, never shown (it may come from a credential).
  { field: 'password', value: (s) => s.password },
  { field: 'keepalive_s', value: (s) => s.keepaliveS, show: (s) => String(s.keepaliveS) },
  { field: 'status_topic', value: (s) => s.statusTopic, show: (s) => `"${s.statusTopic}"` },
];

/** Identifies the connection a sink uses; an absent client_id is the same default for every sink. */
function connectionKey(sink: MqttSinkConfig): string {
  return JSON.stringify([sink.url, sink.clientId ?? null, sink.username ?? null, sink.tls ?? null]);
}

/** Problems of the valid pipelines of `files` taken together, in the order the files and sinks were given. */
export function sharedConnectionProblems(files: readonly ParsedFile[]): ConfigProblem[] {
  const firsts = new Map<string, FirstSink>();
  const out: ConfigProblem[] = [];
  for (const file of files) {
    for (const part of file.parts?.pipelines ?? []) {
      part.pipeline?.sinks.forEach((sink, j) => {
        if (sink.kind !== 'mqtt') return;
        const base = `pipelines[${part.index}].sinks[${j}]`;
        const sinkPos: Position = file.positions.get(base) ?? { line: 0, col: 0 };
        const key = connectionKey(sink);
        const first = firsts.get(key);
        if (!first) {
          firsts.set(key, { sink, where: `${file.display}:${sinkPos.line}:${sinkPos.col}` });
          return;
        }
        for (const setting of SHARED_SETTINGS) {
          if (setting.value(sink) === setting.value(first.sink)) continue;
          const path = `${base}.${setting.field}`;
          // An absent field is its default: the problem is then at the sink.
          const pos = file.positions.get(path) ?? sinkPos;
          const differs = setting.show ? `is ${setting.show(sink)} but the mqtt sink at ${first.where} uses ${setting.show(first.sink)}` : `differs from the one of the mqtt sink at ${first.where}`;
          const message = `${differs} on the same connection (same url, client_id, username and TLS files share one); use the same ${setting.field} or another client_id`;
          out.push({ file: file.display, line: pos.line, col: pos.col, path, message });
        }
      });
    }
  }
  return out;
}
