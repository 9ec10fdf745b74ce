/**
 * Loading configuration files while the event loop should keep serving pipelines (issue 11): event-loop lag and
 * wall time of loading large legal files and hostile ones, on the JS thread (loadConfigFiles) and on a worker
 * thread (loadConfigFilesOffThread, what `edgepipe run` does at start and on every reload).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfigFiles } from '../src/config/load.js';
import { loadConfigFilesOffThread } from '../src/config/load-off-thread.js';

export interface ConfigLoadResult {
  name: 'config_load';
  case: string;
  bytes: number;
  mode: string;
  ms: number;
  /** `loaded N pipeline(s)`, or the first problem (paths shortened). */
  outcome: string;
  lag_ms: { p50: number; p99: number; max: number };
}

export type Loader = (paths: string[]) => Promise<Array<{ pipelines: readonly unknown[] }>>;

const pipelinesYaml = (count: number, model: string): string =>
  'version: 1\npipelines:\n' +
  Array.from({ length: count }, (_, i) => `  - name: p${i}\n    source: { kind: synthetic }\n    model: { file: ${model} }\n    postprocess: { kind: classify }\n`).join('');

/** The cases, written into `dir`: name -> file. */
function writeCases(dir: string, model: string): Array<{ name: string; file: string; bytes: number }> {
  const cases: Array<[string, string]> = [
    ['legal-20-pipelines', pipelinesYaml(20, model)],
    ['legal-1500-pipelines', pipelinesYaml(1500, model)],
    ['legal-6000-pipelines-1mib', pipelinesYaml(6000, model)],
    ['flow-list-1m-items-2mb', `version: 1\npipelines: [${Array(1_000_000).fill('1').join(',')}]\n`],
    ['flow-list-500k-items-1mb', `version: 1\npipelines: [${Array(500_000).fill('1').join(',')}]\n`],
    ['file-ref-dev-zero', pipelinesYaml(1, model).replace('{ kind: classify }', '{ kind: classify }\n    sinks: [{ kind: file, path: "${file:/dev/zero}" }]')],
    ['file-ref-fifo', pipelinesYaml(1, model).replace('{ kind: classify }', '{ kind: classify }\n    sinks: [{ kind: file, path: "${file:secret.fifo}" }]')],
  ];
  const written = cases.map(([name, text]) => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    return { name, file, bytes: Buffer.byteLength(text) };
  });
  execFileSync('mkfifo', [path.join(dir, 'secret.fifo')]);
  execFileSync('mkfifo', [path.join(dir, 'pipeline-fifo.yaml')]);
  written.push({ name: 'yaml-is-a-fifo', file: path.join(dir, 'pipeline-fifo.yaml'), bytes: 0 });
  return written;
}

async function measure(run: () => Promise<string>): Promise<{ ms: number; outcome: string; lag_ms: ConfigLoadResult['lag_ms'] }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  const outcome = await run();
  const ms = Math.round(performance.now() - started);
  // The histogram's timer records a stall when it next fires: let it fire once more after a blocking load.
  await new Promise((resolve) => setTimeout(resolve, 5));
  histogram.disable();
  // As in event-loop-lag.ts: the histogram records whole timer intervals; the lag is that minus the resolution.
  const lag = (ns: number): number => Math.round((Math.max(0, ns - 1e6) / 1e6) * 10) / 10;
  return { ms, outcome, lag_ms: { p50: lag(histogram.percentile(50)), p99: lag(histogram.percentile(99)), max: lag(histogram.max) } };
}

/**
 * Loads each case with each loader (default: on the thread and off it) and reports wall time and event-loop lag.
 * `model` is any existing file (the loader checks that model files exist). Hostile cases a loader cannot survive
 * (the loader before issue 11 hangs on a FIFO and reads /dev/zero until memory runs out) are left out with `skip`.
 */
export async function configLoadBenchmark(
  model: string,
  loaders: Record<string, Loader> = { 'in-thread': loadConfigFiles, 'worker-thread': loadConfigFilesOffThread },
  skip: readonly string[] = [],
): Promise<ConfigLoadResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-bench-config-'));
  const results: ConfigLoadResult[] = [];
  try {
    for (const { name, file, bytes } of writeCases(dir, model)) {
      if (skip.includes(name)) continue;
      for (const [mode, load] of Object.entries(loaders)) {
        const measured = await measure(async () => {
          try {
            const configs = await load([file]);
            return `loaded ${configs.reduce((n, c) => n + c.pipelines.length, 0)} pipeline(s)`;
          } catch (error) {
            const lines = (error as Error).message.split('\n');
            return (lines[1] ?? lines[0] ?? '').replaceAll(`${dir}/`, '');
          }
        });
        results.push({ name: 'config_load', case: name, bytes, mode, ...measured });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
