/**
 * pipelines/demo.yaml for `npm run demo -- --mqtt`: the same file plus an mqtt sink to the embedded broker, and a
 * source that runs until Ctrl-C. Edited as YAML and loaded by the same loader as `edgepipe run`, so the sink gets
 * every default the schema gives it.
 */
import { parseDocument } from 'yaml';

export const DEMO_DEVICE = 'demo';

export interface DemoMqtt {
  url: string;
  /** The outbox folder (in the demo's temporary folder). */
  outboxDir: string;
}

/** The demo YAML with an mqtt sink added to its first pipeline and its frame limit lifted. */
export function demoYamlWithMqtt(yamlText: string, mqtt: DemoMqtt): string {
  const doc = parseDocument(yamlText);
  doc.setIn(['pipelines', 0, 'source', 'frames'], 0);
  doc.addIn(['pipelines', 0, 'sinks'], {
    kind: 'mqtt',
    url: mqtt.url,
    device_id: DEMO_DEVICE,
    protocol: 4,
    outbox: { dir: mqtt.outboxDir },
  });
  return doc.toString();
}
