/** edgepipe run [FILE|DIR ...]: run pipelines until SIGTERM/SIGINT (or until every finite source ends). */
import { loadConfigFiles } from '../config/load.js';
import type { ConfigFile } from '../config/types.js';
import { EdgepipeError } from '../runtime/errors.js';
import type { LogLevel } from '../pipeline/log.js';
import { Supervisor } from '../pipeline/supervisor.js';
import { descriptorsFor } from '../pipeline/validate.js';
import { HttpEndpoint } from '../service/http-endpoint.js';
import { sampleSupervisors, serviceNotifierFromEnv } from '../service/index.js';
import { serviceLogger } from '../service/journal-logger.js';
import { MetricsRegistry } from '../service/metrics.js';
import { parseCommand, stringOption } from './args.js';

export const DEFAULT_CONFIG_DIR = '/etc/edgepipe/pipelines.d';

export const runHelp = `Usage: edgepipe run [FILE|DIR ...] [--log-level debug|info|warn|error] [--log-format text|json]

Runs the pipelines of the given YAML files or directories (default ${DEFAULT_CONFIG_DIR}).
Predictions go to the pipelines' sinks; logs and stats lines to stderr. SIGTERM or SIGINT stops the sources,
finishes frames in flight, flushes the sinks and exits 0. With only finite sources (images without loop),
exits 0 when they have all ended. --log-level and --log-format override runtime.log; under systemd each line
starts with its journald priority. runtime.http starts a local endpoint with /healthz, /metrics and /status.`;

const levels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const formats = ['text', 'json'] as const;

/** Loads every file; all problems of all files are reported together (ConfigError, exit code 2). */
export async function loadConfigs(paths: readonly string[]): Promise<ConfigFile[]> {
  return loadConfigFiles(paths.length > 0 ? [...paths] : [DEFAULT_CONFIG_DIR]);
}

export async function runCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand('run', argv, { 'log-level': { type: 'string' }, 'log-format': { type: 'string' }, help: { type: 'boolean' } });
  if (parsed.values['help']) {
    console.log(runHelp);
    return 0;
  }
  const level = stringOption(parsed, 'log-level');
  if (level !== undefined && !levels.includes(level as LogLevel)) {
    throw new EdgepipeError('ERR_USAGE', `Expected one of ${levels.join(', ')} for --log-level but received "${level}"`, { exitCode: 2 });
  }
  const format = stringOption(parsed, 'log-format');
  if (format !== undefined && !(formats as readonly string[]).includes(format)) {
    throw new EdgepipeError('ERR_USAGE', `Expected one of ${formats.join(', ')} for --log-format but received "${format}"`, { exitCode: 2 });
  }
  let configs = await loadConfigs(parsed.positionals);
  // One logger and one endpoint per process, from the files as first loaded (a reload keeps them).
  const logger = serviceLogger(configs, {
    ...(level ? { level: level as LogLevel } : {}),
    ...(format ? { format: format as (typeof formats)[number] } : {}),
  });
  const httpConfig = configs.find((config) => config.runtime.http)?.runtime.http;
  const registry = httpConfig ? new MetricsRegistry() : undefined;
  const build = (files: ConfigFile[]): Supervisor[] =>
    files.map(
      (config) =>
        new Supervisor(config.pipelines, {
          runtime: config.runtime,
          logger,
          descriptors: descriptorsFor(config),
          onStats: (report) => logger.log('info', `stats ${report.pipeline}`, { ...report }),
          ...(registry ? { extraSinks: (pipeline: string) => [registry.sinkFor(pipeline)] } : {}),
        }),
    );
  let supervisors = build(configs);
  const endpoint =
    httpConfig && registry
      ? new HttpEndpoint({ listen: httpConfig.listen, allowRemote: httpConfig.allowRemote, supervisors: () => supervisors, registry, logger })
      : undefined;
  await endpoint?.start();
  const { notifier, underSystemd } = serviceNotifierFromEnv(() => sampleSupervisors(supervisors), logger);
  let signalled: NodeJS.Signals | undefined;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      signalled = signal;
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  // Under systemd, SIGHUP (ExecReload) reloads the files; a file that no longer validates keeps the old pipelines.
  let reload: Promise<unknown> = Promise.resolve();
  const onHangup = (): void => {
    reload = reload.then(async () => {
      if (signalled) return;
      notifier.reloading();
      try {
        const next = await loadConfigs(parsed.positionals);
        await Promise.all(supervisors.map((s) => s.stop()));
        configs = next;
        supervisors = build(configs);
        await Promise.all(supervisors.map((s) => s.start()));
        logger.log('info', `edgepipe: reloaded, ${configs.reduce((n, c) => n + c.pipelines.length, 0)} pipeline(s)`);
      } catch (error) {
        logger.log('error', `edgepipe: reload refused, pipelines unchanged: ${(error as Error).message}`);
      }
      notifier.ready();
    });
  };
  const started = Promise.all(supervisors.map((s) => s.start()));
  reload = started; // a SIGHUP during start waits for it
  if (underSystemd) process.on('SIGHUP', onHangup);
  await started;
  notifier.ready();
  const total = configs.reduce((n, c) => n + c.pipelines.length, 0);
  logger.log('info', `edgepipe: ${total} pipeline(s) from ${configs.length} file(s) started`);
  await Promise.race([stopped, Promise.all(supervisors.map((s) => s.whenAllEnded()))]);
  const reason = signalled ? `${signalled}, stopping` : 'every source ended, stopping';
  notifier.stopping(reason);
  logger.log('info', `edgepipe: ${reason}`);
  process.off('SIGHUP', onHangup);
  await reload;
  await Promise.all(supervisors.map((s) => s.stop()));
  await endpoint?.stop();
  notifier.close();
  return 0;
}
