/** edgepipe run [FILE|DIR ...]: run pipelines until SIGTERM/SIGINT (or until every finite source ends). */
import { loadConfigFilesOffThread } from '../config/load-off-thread.js';
import type { ConfigFile } from '../config/types.js';
import { EdgepipeError } from '../runtime/errors.js';
import { tuneHeapForFrames } from '../runtime/heap.js';
import { ConfigError, formatProblem } from '../config/problems.js';
import type { LogLevel, Logger } from '../core/log.js';
import { HttpEndpoint } from '../service/http-endpoint.js';
import { liveServerFor } from '../live/index.js';
import { sampleSupervisors, serviceNotifierFromEnv } from '../service/index.js';
import { secretValues, serviceLogger } from '../service/journal-logger.js';
import { MetricsRegistry } from '../service/metrics.js';
import { PipelineSet, reloadSummary } from '../service/pipeline-set.js';
import { deepEqual, specsOf, type PipelineSpec } from '../service/reload-plan.js';
import { Deadline } from '../core/deadline.js';
import { within } from '../sinks/timing.js';
import { parseCommand, stringOption } from './args.js';
import { releaseHeldSignals } from './early-signals.js';

export const DEFAULT_CONFIG_DIR = '/etc/edgepipe/pipelines.d';

export const runHelp = `Usage: edgepipe run [FILE|DIR ...] [--log-level debug|info|warn|error] [--log-format text|json]

Runs the pipelines of the given YAML files or directories (default ${DEFAULT_CONFIG_DIR}).
Predictions go to the pipelines' sinks; logs and stats lines to stderr. SIGTERM or SIGINT stops the sources,
finishes frames in flight, flushes the sinks and exits 0, within 10 s (MQTT messages not acknowledged by then stay
in the outbox for the next start). With only finite sources (images without loop),
exits 0 when they have all ended; exits 2 when no pipeline is left running and one failed for good (an images
path removed after start: it is not retried). --log-level and --log-format override runtime.log; under systemd each line
starts with its journald priority. runtime.http starts a local endpoint with /healthz, /metrics and /status.
SIGHUP (systemctl reload under systemd; kill -HUP elsewhere) re-reads the files: an invalid edit changes nothing (every problem is
logged with file:line:col); otherwise only changed (config, or model or labels file content), new and removed
pipelines are restarted, started or stopped; a new model that fails the probe is refused (the pipeline keeps
running as it was), and a changed or new one without a prediction within runtime.reload_health_s is rolled back
to its previous config and model.`;

/**
 * From SIGTERM (or the last source's end) to exit, at most, ms (docs/operations.md, "Stop"): frames in flight,
 * the sinks' flush and the MQTT goodbye share it. Well under the unit's TimeoutStopSec=30.
 */
export const STOP_BUDGET_MS = 10_000;
/** Past the budget, the stop is no longer awaited and the process exits this much later at the latest, ms. */
const STOP_OVERRUN_MS = 1000;

const levels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const formats = ['text', 'json'] as const;

/**
 * Loads every file; all problems of all files are reported together (ConfigError, exit code 2). On a worker
 * thread, so a reload never stalls the running pipelines.
 */
export async function loadConfigs(paths: readonly string[]): Promise<ConfigFile[]> {
  return loadConfigFilesOffThread(paths.length > 0 ? [...paths] : [DEFAULT_CONFIG_DIR]);
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
  // The signal handlers before anything slow (bin/edgepipe.js held the signals that came during the import): a
  // SIGTERM while the files load must stop the process normally, not kill it by signal.
  let signalled: NodeJS.Signals | undefined;
  const stopping = new AbortController();
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    // Like `once`: a second SIGTERM or SIGINT kills the process, for a stop that hangs.
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    signalled = signal;
    stopping.abort(); // ends a reload's health check at once
    resolveStopped();
  };
  // SIGHUP reloads the files, with or without systemd (without a listener it would end the process silently).
  // Before the pipelines have started it is remembered and applied once they have (the files may have changed).
  let hangupsBeforeStart = 0;
  let onHangup = (): void => {
    hangupsBeforeStart += 1;
  };
  const hangup = (): void => onHangup();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', hangup);
  for (const signal of releaseHeldSignals()) {
    if (signal === 'SIGHUP') hangup();
    else if (!signalled) onSignal(signal);
  }
  const configs = await loadConfigs(parsed.positionals);
  // Frames leave off-heap buffers behind; without room for them V8 runs a mark-compact every few frames.
  tuneHeapForFrames();
  const loggerOptions = {
    ...(level ? { level: level as LogLevel } : {}),
    ...(format ? { format: format as (typeof formats)[number] } : {}),
  };
  // One logger and one endpoint per process, from the files as first loaded (a reload keeps them); a reload only
  // adds the secrets of the files it loaded, so they are never logged either.
  const secrets = new Set<string>();
  let inner = serviceLogger(configs, loggerOptions);
  const logger: Logger = { log: (lvl, message, fields) => inner.log(lvl, message, fields) };
  const httpConfig = configs.find((config) => config.runtime.http)?.runtime.http;
  const registry = httpConfig ? new MetricsRegistry() : undefined;
  // The live view (src/live) on the same listener: its frame taps are one more extra sink per pipeline.
  const live = httpConfig ? liveServerFor(httpConfig, () => pipelines.supervisors(), logger) : undefined;
  const pipelines: PipelineSet = new PipelineSet({
    logger,
    onStats: (report) => logger.log('info', `stats ${report.pipeline}`, { ...report }),
    ...(registry ? { extraSinks: (pipeline: string) => [registry.sinkFor(pipeline), ...(live ? [live.sinkFor(pipeline)] : [])] } : {}),
    // The `reload` command: called only after start, when reloadNow exists.
    requestReload: async () => {
      const result = await reloadNow();
      return { ok: result.ok, message: result.detail ? `${result.message}; first: ${result.detail}` : result.message };
    },
  });
  // The notifier first: its socket is opened now and kept, so no HTTP connection can take the descriptor a
  // watchdog ping needs.
  const { notifier } = serviceNotifierFromEnv(() => sampleSupervisors(pipelines.supervisors()), logger);
  const endpoint =
    httpConfig && registry
      ? new HttpEndpoint({
          listen: httpConfig.listen,
          allowRemote: httpConfig.allowRemote,
          limits: { maxConnections: httpConfig.maxConnections },
          supervisors: () => pipelines.supervisors(),
          registry,
          logger,
          ...(live ? { extension: live } : {}),
        })
      : undefined;
  if (signalled) {
    logger.log('info', `edgepipe: ${signalled} before the pipelines started, exiting`);
    process.off('SIGHUP', hangup);
    notifier.close();
    return 0;
  }
  const bound = await endpoint?.start();
  if (bound && live) logger.log('info', `http: live view on http://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}/ (docs/live-view.md)`);
  // SIGHUP (ExecReload under systemd) reloads the files: see reloadFiles. The `reload` command takes the same
  // path; reloads run one after the other.
  let reload: Promise<unknown> = Promise.resolve();
  const reloadNow = (): Promise<ReloadResult> => {
    const next = reload.then(async (): Promise<ReloadResult> => {
      if (signalled) return { ok: false, message: `edgepipe is stopping (${signalled}); nothing reloaded` };
      notifier.reloading();
      let result: ReloadResult;
      try {
        result = await reloadFiles({
          paths: parsed.positionals,
          pipelines,
          logger,
          signal: stopping.signal,
          onLoaded: (next) => {
            for (const secret of secretValues(next)) secrets.add(secret);
            inner = serviceLogger(configs, { ...loggerOptions, secrets: [...secrets] });
            warnProcessWide(configs, next, logger);
          },
        });
      } catch (error) {
        // A bug here must not take the running pipelines down with an unhandled rejection.
        logger.log('error', `edgepipe: reload failed: ${(error as Error).stack ?? String(error)}`);
        result = { ok: false, message: 'reload failed (see the journal)' };
      }
      notifier.ready(result.message);
      // Every problem, on the status topic too: the engineer who made the edit may be watching MQTT, not the journal.
      const problems = result.problems ?? [];
      const shown = problems.slice(0, 20).join('; ') + (problems.length > 20 ? `; and ${problems.length - 20} more` : '');
      const notice = { kind: 'reload' as const, ok: result.ok, message: shown ? `${result.message}: ${shown}` : result.message, atMs: Date.now() };
      for (const supervisor of pipelines.supervisors()) for (const pipeline of supervisor.pipelines()) pipeline.notice(notice);
      return result;
    });
    reload = next;
    return next;
  };
  const started = pipelines.start(specsOf(configs));
  reload = started; // a SIGHUP during start waits for it
  onHangup = (): void => void reloadNow();
  if (hangupsBeforeStart > 0) onHangup();
  await started;
  notifier.ready();
  const total = configs.reduce((n, c) => n + c.pipelines.length, 0);
  if (signalled) logger.log('info', `edgepipe: ${signalled} before the pipelines started, stopping`);
  else logger.log('info', `edgepipe: ${total} pipeline(s) from ${configs.length} file(s) started`);
  await Promise.race([stopped, pipelines.whenAllEnded()]);
  // Pipelines whose source can never start again (an images folder removed) end the run like a bad path at start: exit 2.
  const failed = signalled ? [] : pipelines.supervisors().flatMap((supervisor) => supervisor.failedForGood());
  const reason = signalled
    ? `${signalled}, stopping`
    : failed.length > 0
      ? `no pipeline left running (failed for good: ${failed.join(', ')}), stopping`
      : 'every source ended, stopping';
  notifier.stopping(reason);
  logger.log('info', `edgepipe: ${reason}`);
  onHangup = (): void => logger.log('warn', `edgepipe: SIGHUP while stopping (${reason}); nothing reloaded`);
  // One budget for the whole stop, each step given what the earlier ones left: a frozen broker or a stuck reload
  // must not keep the process until systemd's SIGKILL (TimeoutStopSec=30).
  const deadline = new Deadline(STOP_BUDGET_MS);
  const shutdown = (async () => {
    await within(reload, deadline.left());
    await pipelines.stop(deadline.left());
    live?.stop();
    await endpoint?.stop();
  })();
  if (!(await within(shutdown, deadline.left() + STOP_OVERRUN_MS))) {
    logger.log('error', `edgepipe: the stop took more than ${STOP_BUDGET_MS / 1000} s; exiting without waiting (unacknowledged MQTT messages stay in the outbox)`);
    // Whatever still holds the event loop (a hung disk, a reload's probe) must not keep the process either.
    setTimeout(() => process.exit(), STOP_OVERRUN_MS).unref();
  }
  notifier.close();
  process.off('SIGHUP', hangup);
  return failed.length > 0 ? 2 : 0;
}

interface ReloadRequest {
  paths: readonly string[];
  pipelines: PipelineSet;
  logger: Logger;
  signal: AbortSignal;
  /** The files loaded, valid, before anything is applied. */
  onLoaded: (next: ConfigFile[]) => void;
}

/** A reload's STATUS note; ok is false when it was refused or a pipeline was rolled back or removed. */
export interface ReloadResult {
  ok: boolean;
  /** Short, for systemd's STATUS line. */
  message: string;
  /** The first configuration problem of a refused reload (for the `reload` command's answer). */
  detail?: string;
  /** Every problem of a refused reload, each with its file:line:col (for the MQTT status topic). */
  problems?: string[];
}

/**
 * Re-reads and validates the files. Invalid: nothing changes, every problem is logged with its position. Valid:
 * only the pipelines whose config, model or labels file changed are swapped (PipelineSet.reload).
 */
export async function reloadFiles(request: ReloadRequest): Promise<ReloadResult> {
  const { logger } = request;
  let next: ConfigFile[];
  let specs: PipelineSpec[];
  try {
    next = await loadConfigs(request.paths);
    specs = specsOf(next);
  } catch (error) {
    if (error instanceof ConfigError) {
      const count = error.problems.length === 1 ? '1 problem' : `${error.problems.length} problems`;
      logger.log('error', `edgepipe: reload refused, pipelines unchanged: ${count} in the configuration`);
      for (const problem of error.problems) logger.log('error', `edgepipe: reload refused: ${formatProblem(problem)}`);
      const problems = error.problems.map((problem) => formatProblem(problem));
      const first = problems[0];
      return { ok: false, message: `reload refused (${count} in the configuration), pipelines unchanged`, problems, ...(first ? { detail: first } : {}) };
    }
    logger.log('error', `edgepipe: reload refused, pipelines unchanged: ${(error as Error).message}`);
    return { ok: false, message: 'reload refused, pipelines unchanged' };
  }
  request.onLoaded(next);
  const outcome = await request.pipelines.reload(specs, request.signal);
  const summary = reloadSummary(outcome);
  const failed = outcome.refused.length + outcome.rolledBack.length + outcome.dropped.length > 0;
  logger.log(failed ? 'warn' : 'info', `edgepipe: ${summary}; ${request.pipelines.supervisors().length} pipeline(s)`);
  // A refusal's whole reason (the probe's verdict, the file named) for the status topic and the `reload` command.
  const problems = outcome.refused.map((failure) => `pipeline ${failure.name}: ${failure.reason}`);
  return { ok: !failed && !outcome.aborted, message: summary, ...(problems.length > 0 ? { problems, detail: problems[0] } : {}) };
}

/** The logger and the HTTP endpoint stay as first configured: say so when a reload would change them. */
function warnProcessWide(first: readonly ConfigFile[], next: readonly ConfigFile[], logger: Logger): void {
  for (const key of ['log', 'http'] as const) {
    const before = first.find((config) => config.runtime[key])?.runtime[key];
    const after = next.find((config) => config.runtime[key])?.runtime[key];
    if (!deepEqual(before, after)) logger.log('warn', `edgepipe: reload: runtime.${key} changed; it takes effect at the next restart`);
  }
}
