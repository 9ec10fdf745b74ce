/**
 * edgepipe demo: the main job with no hardware and no setup. Writes the colour classifier with edgepipe's own
 * TFLite writer, then runs the shipped pipelines/demo.yaml (a synthetic camera showing colours) through the
 * same engine as `edgepipe run`, printing one line per prediction with its latency, and the stats at the end.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../config/load.js';
import { readFile } from 'node:fs/promises';
import { colourClassifierModel } from '../demo/colour-classifier.js';
import { DEMO_MODEL_FILE, EXAMPLE_FILES, writeExampleModels } from '../demo/example-models.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../demo/mqtt-broker.js';
import { DEMO_DEVICE, demoYamlWithMqtt } from '../demo/mqtt-config.js';
import type { Prediction } from '../core/frame.js';
import { memoryLogger } from '../core/log.js';
import type { StatsReport } from '../core/stats-report.js';
import { Supervisor } from '../pipeline/supervisor.js';
import { descriptorsFor } from '../pipeline/validate.js';
import { EdgepipeError, invalidOption } from '../runtime/errors.js';
import { tuneHeapForFrames } from '../runtime/heap.js';
import { packageRoot } from '../runtime/paths.js';
import { callbackSink } from '../sinks/callback-sink.js';
import { HttpEndpoint } from '../service/http-endpoint.js';
import { MetricsRegistry } from '../service/metrics.js';
import { LiveServer } from '../live/index.js';
import { parseDocument } from 'yaml';
import { parseCommand, stringOption } from './args.js';

export const demoHelp = `Usage: edgepipe demo [--json] [--mqtt [PORT]] [--live] [--http-port PORT]
       edgepipe demo --write-models DIR

Writes a tiny int8 colour classifier, then runs pipelines/demo.yaml: a synthetic camera showing solid colours
at 10 frames/s, classified through the delegate chain. No hardware, no download, no broker.
--json prints the predictions as JSON lines (the stdout sink's format) instead of the summary lines.
--mqtt [PORT] also starts an embedded MQTT 3.1.1 broker (aedes) on 127.0.0.1:PORT (default 1883; 0 = a free
  port) and publishes every prediction to it through the mqtt sink (device "${DEMO_DEVICE}"), until Ctrl-C; watch
  with \`edgepipe watch --broker mqtt://127.0.0.1:PORT\` or mosquitto_sub.
--live keeps the demo running until Ctrl-C, to watch it in the browser: the live view (docs/live-view.md) is served
  on 127.0.0.1 (a free port, or --http-port PORT) and its address printed, with or without --live.
--write-models DIR writes the models the examples in pipelines/ need that edgepipe can make itself (the demo's
  colour classifier, the sensor examples' stand-in anomaly scorer, a YOLO-layout stand-in and the COCO labels)
  into DIR under stable names, and exits without running the demo. Put them next to the models you download and
  point EDGEPIPE_MODELS at that folder.`;

/** `--mqtt`, `--mqtt PORT` or `--mqtt=PORT` taken out of argv (node's parseArgs has no optional values). */
export function takeMqttFlag(argv: readonly string[]): { rest: string[]; port: number | undefined } {
  const rest: string[] = [];
  let port: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg !== '--mqtt' && !arg.startsWith('--mqtt=')) {
      rest.push(arg);
      continue;
    }
    let raw = arg.startsWith('--mqtt=') ? arg.slice('--mqtt='.length) : undefined;
    if (raw === undefined && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) raw = argv[++i];
    if (raw === undefined) port = 1883;
    else if (/^\d{1,5}$/u.test(raw) && Number(raw) <= 65535) port = Number(raw);
    else throw invalidOption('--mqtt', 'a port from 0 to 65535 (0: any free port; no value: 1883)', raw);
  }
  return { rest, port };
}

function watchInstructions(broker: EmbeddedBroker): string {
  return [
    `MQTT: embedded broker (aedes, MQTT 3.1.1) on ${broker.url}; predictions go to edgepipe/${DEMO_DEVICE}/demo/predictions`,
    `  watch them:  edgepipe watch --broker ${broker.url}    (in a clone: ./bin/edgepipe.js watch ...)`,
    `  or:          mosquitto_sub -h 127.0.0.1 -p ${broker.port} -t 'edgepipe/#' -v`,
    'Ctrl-C stops the demo.',
  ].join('\n');
}

function describe(prediction: Prediction): string {
  const best = prediction.result.kind === 'classify' ? prediction.result.classes[0] : undefined;
  const expected = String(prediction.meta['expected'] ?? '');
  const mark = best?.label === expected ? 'ok' : `MISMATCH (shows ${expected})`;
  const l = prediction.latencyMs;
  return (
    `frame ${String(prediction.frameId).padStart(3)}  ${String(best?.label).padEnd(6)} ${best?.score.toFixed(3)}  ` +
    `latency ${l.total.toFixed(2)} ms (preprocess ${l.preprocess.toFixed(2)}, infer ${l.infer.toFixed(3)}) on ${prediction.delegate}  ${mark}`
  );
}

function summary(report: StatsReport): string {
  const l = report.latencyMs;
  const drops = Object.entries(report.drops).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return (
    `${report.framesOut} of ${report.framesIn} frames classified on ${report.delegate}; drops: ${drops}\n` +
    `latency p50/p99 ms: total ${l.total.p50}/${l.total.p99}, preprocess ${l.preprocess.p50}/${l.preprocess.p99}, ` +
    `infer ${l.infer.p50}/${l.infer.p99}`
  );
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { rest, port } = takeMqttFlag(argv);
  const parsed = parseCommand('demo', rest, { json: { type: 'boolean' }, help: { type: 'boolean' }, 'write-models': { type: 'string' }, live: { type: 'boolean' }, 'http-port': { type: 'string' } });
  if (parsed.values['help']) {
    console.log(demoHelp);
    return 0;
  }
  const modelsDir = stringOption(parsed, 'write-models');
  if (modelsDir !== undefined) {
    if (port !== undefined || parsed.values['json'] !== undefined) throw new EdgepipeError('ERR_USAGE', '--write-models DIR only writes the models: give it alone, and run the demo (--json, --mqtt) without it', { exitCode: 2 });
    return writeModelsCommand(modelsDir);
  }
  const json = parsed.values['json'] === true;
  const liveMode = parsed.values['live'] === true;
  const httpPortText = stringOption(parsed, 'http-port') ?? '0';
  if (!/^\d{1,5}$/u.test(httpPortText) || Number(httpPortText) > 65535) throw invalidOption('--http-port', 'a port from 0 to 65535 (0: any free port)', httpPortText);
  tuneHeapForFrames(); // as `edgepipe run` does
  const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-demo-'));
  let broker: EmbeddedBroker | undefined;
  let endpoint: HttpEndpoint | undefined;
  const halt = new AbortController();
  const stop = (): void => halt.abort();
  try {
    const modelFile = path.join(dir, DEMO_MODEL_FILE);
    writeFileSync(modelFile, colourClassifierModel());
    const yamlFile = path.join(packageRoot(), 'pipelines', 'demo.yaml');
    let yamlText = await readFile(yamlFile, 'utf8');
    if (port !== undefined) {
      broker = await startEmbeddedBroker(port);
      const outboxDir = path.join(dir, 'mqtt-outbox');
      mkdirSync(outboxDir);
      yamlText = demoYamlWithMqtt(yamlText, { url: broker.url, outboxDir });
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
    if (liveMode) {
      const doc = parseDocument(yamlText);
      doc.setIn(['pipelines', 0, 'source', 'frames'], 0);
      yamlText = doc.toString();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
    const config = parseConfig(yamlFile, yamlText, { env: { ...process.env, EDGEPIPE_MODELS: dir } });
    // Counted, not kept: with --mqtt the demo runs until Ctrl-C.
    let classified = 0;
    let wrong = 0;
    let final: StatsReport | undefined;
    const logger = memoryLogger();
    // The demo shows predictions its own way: the YAML's stdout sink is for `edgepipe run`.
    const pipelines = config.pipelines.map((p) => ({ ...p, sinks: json ? p.sinks : p.sinks.filter((s) => s.kind !== 'stdout') }));
    if (!json) console.log(`edgepipe demo: ${yamlFile} with a colour classifier written to ${modelFile}`);
    if (broker) (json ? process.stderr : process.stdout).write(`${watchInstructions(broker)}\n`);
    // The live view on loopback, as `edgepipe run` serves it with runtime.http.
    let supervisor: Supervisor | undefined;
    const registry = new MetricsRegistry();
    const live = new LiveServer({ supervisors: () => (supervisor ? [supervisor] : []), logger });
    endpoint = new HttpEndpoint({ listen: `127.0.0.1:${httpPortText}`, supervisors: () => (supervisor ? [supervisor] : []), registry, logger, extension: live });
    const bound = await endpoint.start();
    const address = `http://127.0.0.1:${bound.port}/`;
    (json ? process.stderr : process.stdout).write(
      liveMode ? `live view: ${address} (Ctrl-C stops the demo)\n` : `live view: ${address} (while the demo runs; --live keeps it running until Ctrl-C)\n`,
    );
    supervisor = new Supervisor(pipelines, {
      runtime: config.runtime,
      logger,
      descriptors: descriptorsFor(config),
      onStats: (report) => {
        final = report;
      },
      extraSinks: (name) => [
        registry.sinkFor(name),
        live.sinkFor(name),
        callbackSink(name, (prediction) => {
          classified += 1;
          if (!matches(prediction)) wrong += 1;
          if (!json) console.log(describe(prediction));
        }),
      ],
    });
    await supervisor.start();
    const failed = supervisor.status().find((s) => s.state === 'backoff');
    if (!failed) {
      const stopped = halt.signal.aborted ? Promise.resolve() : new Promise<void>((resolve) => halt.signal.addEventListener('abort', () => resolve()));
      await Promise.race([supervisor.whenAllEnded(), stopped]);
    }
    await supervisor.stop();
    if (failed) throw new Error(`the demo pipeline failed: ${failed.lastError}`);
    if (json) {
      if (final) process.stdout.write(`${JSON.stringify({ stats: final })}\n`);
    } else if (final) {
      console.log(summary(final));
      console.log(wrong === 0 ? 'every frame got the colour it shows' : `${wrong} frame(s) misclassified`);
    }
    return wrong === 0 && classified > 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await endpoint?.stop();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function matches(prediction: Prediction): boolean {
  return prediction.result.kind === 'classify' && prediction.result.classes[0]?.label === prediction.meta['expected'];
}

function writeModelsCommand(dir: string): number {
  if (dir === '') throw invalidOption('--write-models', 'a folder to write the example models into', dir);
  const written = writeExampleModels(dir);
  const folder = path.dirname(written[0]!);
  console.log(`edgepipe demo: wrote ${written.length} files to ${folder}`);
  const width = Math.max(...EXAMPLE_FILES.map((f) => f.name.length));
  for (const file of EXAMPLE_FILES) console.log(`  ${file.name.padEnd(width)}  ${file.what}`);
  console.log(`Put the models you download in the same folder, then: EDGEPIPE_MODELS=${folder} edgepipe validate pipelines/`);
  return 0;
}
