/**
 * edgepipe demo: the main job with no hardware and no setup. Writes the colour classifier with edgepipe's own
 * TFLite writer, then runs the shipped pipelines/demo.yaml (a synthetic camera showing colours) through the
 * same engine as `edgepipe run`, printing one line per prediction with its latency, and the stats at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../config/load.js';
import { readFile } from 'node:fs/promises';
import { colourClassifierModel } from '../demo/colour-classifier.js';
import type { Prediction } from '../pipeline/frame.js';
import { memoryLogger } from '../pipeline/log.js';
import type { StatsReport } from '../pipeline/stats.js';
import { Supervisor } from '../pipeline/supervisor.js';
import { descriptorsFor } from '../pipeline/validate.js';
import { packageRoot } from '../runtime/paths.js';
import { callbackSink } from '../sinks/callback-sink.js';
import { parseCommand } from './args.js';

export const demoHelp = `Usage: edgepipe demo [--json]

Writes a tiny int8 colour classifier, then runs pipelines/demo.yaml: a synthetic camera showing solid colours
at 10 frames/s, classified through the delegate chain. No hardware, no download, no broker.
--json prints the predictions as JSON lines (the stdout sink's format) instead of the summary lines.`;

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
  const parsed = parseCommand('demo', argv, { json: { type: 'boolean' }, help: { type: 'boolean' } });
  if (parsed.values['help']) {
    console.log(demoHelp);
    return 0;
  }
  const json = parsed.values['json'] === true;
  const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-demo-'));
  try {
    const modelFile = path.join(dir, 'colour_classifier_int8.tflite');
    writeFileSync(modelFile, colourClassifierModel());
    const yamlFile = path.join(packageRoot(), 'pipelines', 'demo.yaml');
    const config = parseConfig(yamlFile, await readFile(yamlFile, 'utf8'), { env: { ...process.env, EDGEPIPE_DEMO_MODEL: modelFile } });
    const predictions: Prediction[] = [];
    let final: StatsReport | undefined;
    const logger = memoryLogger();
    // The demo shows predictions its own way: the YAML's stdout sink is for `edgepipe run`.
    const pipelines = config.pipelines.map((p) => ({ ...p, sinks: json ? p.sinks : [] }));
    if (!json) console.log(`edgepipe demo: ${yamlFile} with a colour classifier written to ${modelFile}`);
    const supervisor = new Supervisor(pipelines, {
      runtime: config.runtime,
      logger,
      descriptors: descriptorsFor(config),
      onStats: (report) => {
        final = report;
      },
      extraSinks: (name) => [
        callbackSink(name, (prediction) => {
          predictions.push(prediction);
          if (!json) console.log(describe(prediction));
        }),
      ],
    });
    await supervisor.start();
    const failed = supervisor.status().find((s) => s.state === 'backoff');
    if (!failed) await supervisor.whenAllEnded();
    await supervisor.stop();
    if (failed) throw new Error(`the demo pipeline failed: ${failed.lastError}`);
    const wrong = predictions.filter((p) => p.result.kind !== 'classify' || p.result.classes[0]?.label !== p.meta['expected']);
    if (json) {
      if (final) process.stdout.write(`${JSON.stringify({ stats: final })}\n`);
    } else if (final) {
      console.log(summary(final));
      console.log(wrong.length === 0 ? 'every frame got the colour it shows' : `${wrong.length} frame(s) misclassified`);
    }
    return wrong.length === 0 && predictions.length > 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
