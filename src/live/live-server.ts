/**
 * The live view's routes on the runtime.http listener (an HttpExtension of src/service/http-endpoint.ts); the
 * contract is docs/live-view.md. Static page files need no auth (they hold no data); every /api/ route but
 * /api/whoami and /api/login needs the token when runtime.http.auth is set. Without auth (loopback only) the API
 * also refuses a Host that is not a loopback name, so a web page cannot reach it by DNS rebinding, and every
 * action is a POST with a JSON body, which a cross-site form cannot send.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import { readRegularFile } from '../config/bounded-read.js';
import { isLoopbackHost } from '../config/schema.js';
import type { Logger } from '../core/log.js';
import type { CommandDispatcher } from '../commands/dispatcher.js';
import type { TrackEvent } from '../core/events.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { Supervisor } from '../pipeline/supervisor.js';
import { isSensorSource } from '../config/sensor-channels.js';
import { packageRoot } from '../runtime/paths.js';
import type { PredictionSink } from '../sinks/types.js';
import { escapeLabelValue } from '../service/prometheus.js';
import { Authenticator } from './auth.js';
import { EventHub } from './event-hub.js';
import { FrameTap } from './frame-tap.js';
import { hostOf, readJsonBody, SECURITY_HEADERS, sendError, sendJson } from './http-util.js';
import { buildLiveState, FpsMeter, pipelineFile, type LiveState } from './live-state.js';
import { streamMjpeg } from './mjpeg.js';
import { commandAnswer, liveDispatcher, type LiveCommand } from './pipeline-commands.js';
import { RecentEvents } from './recent-events.js';
import { EVENT_SNAPSHOT_LIMITS, SnapshotStore } from './snapshot-store.js';
import { StaticFiles } from './static-files.js';
import { validateText } from './validate-text.js';

export interface LiveServerOptions {
  /** The current supervisors (they change on reload). */
  supervisors: () => readonly Supervisor[];
  logger: Logger;
  /** MJPEG streams at once over all pipelines (default 4). */
  maxViewers?: number;
  /** Highest ?fps= (default 10). */
  maxFps?: number;
  /** The token /api/ needs; undefined: no auth (the listener must then be loopback). */
  token?: string;
  /** The folder of the page's files (default: the package's web/). */
  webRoot?: string;
}

export const DEFAULT_FPS = 5;
/** Body limits, bytes: /api/validate carries a YAML file, the rest a few fields. */
export const MAX_VALIDATE_BODY = 256 * 1024;
export const MAX_SMALL_BODY = 16 * 1024;
/** frame.jpg waits this long for the next frame, ms. */
export const FRAME_WAIT_MS = 5000;

const pipelineRoute = /^\/api\/pipelines\/([a-z0-9][a-z0-9_-]{0,62})\/(stream\.mjpeg|frame\.jpg|config|pause|resume|snapshot)$/;
const snapshotRoute = /^\/api\/snapshots\/([0-9a-f]{32})\.jpg$/;

type Refusal = 'auth' | 'viewers' | 'events' | 'host' | 'origin' | 'body';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export class LiveServer {
  private readonly options: LiveServerOptions;
  private readonly auth: Authenticator;
  private readonly files: StaticFiles;
  private readonly hub = new EventHub();
  private readonly taps = new Map<string, FrameTap>();
  private readonly dispatchers = new Map<string, CommandDispatcher>();
  /** Frames taken with the snapshot button. */
  private readonly snapshots = new SnapshotStore();
  /** Track events' best pictures, and the recent events that name them. */
  private readonly eventSnapshots = new SnapshotStore(EVENT_SNAPSHOT_LIMITS);
  private readonly recent = new RecentEvents(this.eventSnapshots);
  private readonly fps = new FpsMeter();
  private readonly version = packageVersion();
  private readonly maxViewers: number;
  private readonly maxFps: number;
  private readonly refusals: Record<Refusal, number> = { auth: 0, viewers: 0, events: 0, host: 0, origin: 0, body: 0 };
  private stateTimer: NodeJS.Timeout | undefined;
  private validating = false;

  constructor(options: LiveServerOptions) {
    this.options = options;
    this.auth = new Authenticator(options.token);
    this.maxViewers = options.maxViewers ?? 4;
    this.maxFps = options.maxFps ?? 10;
    const webRoot = options.webRoot ?? path.join(packageRoot(), 'web');
    this.files = new StaticFiles(webRoot);
    if (this.files.skipped.length > 0) options.logger.log('warn', `http: live view: not served from ${webRoot} (type or size): ${this.files.skipped.join(', ')}`);
  }

  /** The sink each pipeline instance gets (PipelineContext.extraSinks): its frame tap. */
  sinkFor(pipeline: string): PredictionSink {
    return this.tap(pipeline).sink();
  }

  /** Frames encoded so far for `pipeline` (tests, the benchmark). */
  tapOf(pipeline: string): FrameTap {
    return this.tap(pipeline);
  }

  /** Ends the event streams and the state timer (the endpoint closes the connections). */
  stop(): void {
    clearInterval(this.stateTimer);
    this.stateTimer = undefined;
    this.hub.closeAll();
  }

  /** HttpExtension.handle: true when `path` is one of the live view's. */
  handle(request: http.IncomingMessage, response: http.ServerResponse, pathname: string): boolean {
    if (pathname !== '/' && !pathname.startsWith('/static/') && pathname !== '/api' && !pathname.startsWith('/api/')) return false;
    response.on('error', () => response.destroy());
    this.route(request, response, pathname).catch((error: unknown) => {
      this.options.logger.log('error', `http: live view: ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent) sendError(response, 500, 'internal error');
      else response.destroy();
    });
    return true;
  }

  /** HttpExtension.metrics: viewers, frames sent and skipped, refusals. */
  metrics(): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string, samples: Array<[Record<string, string>, number]>): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) {
        const text = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
        lines.push(`${name}${text ? `{${text}}` : ''} ${value}`);
      }
    };
    const taps = [...this.taps.values()];
    const per = (value: (tap: FrameTap) => number): Array<[Record<string, string>, number]> => taps.map((tap) => [{ pipeline: tap.name }, value(tap)]);
    family('edgepipe_live_viewers', 'gauge', 'MJPEG streams of the live view open now.', per((t) => t.viewerCount));
    family('edgepipe_live_frames_encoded_total', 'counter', 'Annotated frames encoded for the live view (only while someone watches).', per((t) => t.encoded));
    family('edgepipe_live_frames_sent_total', 'counter', 'MJPEG parts written to viewers.', per((t) => t.sent));
    family('edgepipe_live_frames_skipped_total', 'counter', "Frames a viewer missed because its connection had not drained the previous one.", per((t) => t.skipped));
    family('edgepipe_live_encode_errors_total', 'counter', 'Frames the live view could not draw.', per((t) => t.encodeErrors));
    family('edgepipe_live_event_clients', 'gauge', 'Server-Sent Events streams open now.', [[{}, this.hub.size]]);
    const stores: Array<[string, SnapshotStore]> = [['button', this.snapshots], ['event', this.eventSnapshots]];
    family('edgepipe_live_snapshots', 'gauge', 'Snapshots the live view keeps now, by kind (button: the snapshot button; event: track events\' best pictures).', stores.map(([kind, s]) => [{ kind }, s.size]));
    family('edgepipe_live_snapshot_bytes', 'gauge', 'Bytes of the snapshots the live view keeps now, by kind.', stores.map(([kind, s]) => [{ kind }, s.heldBytes]));
    family('edgepipe_live_snapshots_evicted_total', 'counter', 'Snapshots removed (the oldest first) to keep the store within its bounds, by kind.', stores.map(([kind, s]) => [{ kind }, s.counts.evicted]));
    family('edgepipe_live_snapshots_refused_total', 'counter', 'Snapshots not kept because the picture alone was over the size limit, by kind.', stores.map(([kind, s]) => [{ kind }, s.counts.refused]));
    family('edgepipe_live_refused_total', 'counter', 'Live view requests refused, by reason.', Object.entries(this.refusals).map(([reason, n]) => [{ reason }, n]));
    return `${lines.join('\n')}\n`;
  }

  /** The LiveState now. */
  state(): LiveState {
    return buildLiveState(this.options.supervisors(), this.taps, this.fps, this.version);
  }

  private tap(name: string): FrameTap {
    let tap = this.taps.get(name);
    if (!tap) {
      const hub = this.hub;
      tap = new FrameTap(name, {
        listening: () => hub.size > 0,
        emit: (event, data) => hub.broadcast(event, data),
        track: (event) => this.trackEvent(event),
      });
      this.taps.set(name, tap);
    }
    return tap;
  }

  /** Kept for replay (with its picture, when it has one) and sent to the open event streams. */
  private trackEvent(event: TrackEvent): void {
    const entry = this.recent.add(event);
    this.hub.broadcast('track', entry.record, entry.id);
  }

  private pipeline(name: string): Pipeline | undefined {
    for (const supervisor of this.options.supervisors()) {
      const found = supervisor.pipelines().find((p) => p.name === name);
      if (found) return found;
    }
    return undefined;
  }

  private refuse(response: http.ServerResponse, reason: Refusal, status: number, error: string, headers: Record<string, string> = {}): void {
    this.refusals[reason] += 1;
    sendError(response, status, error, headers);
  }

  private async route(request: http.IncomingMessage, response: http.ServerResponse, pathname: string): Promise<void> {
    const method = request.method ?? 'GET';
    const read = method === 'GET' || method === 'HEAD';
    if (pathname === '/' || pathname.startsWith('/static/')) {
      if (!read) return sendError(response, 405, 'method not allowed', { allow: 'GET, HEAD' });
      const name = pathname === '/' ? 'index.html' : pathname.slice('/static/'.length);
      if (!this.files.serve(name, response)) sendError(response, 404, pathname === '/' ? 'the page is not installed (web/index.html is missing)' : 'not found');
      return;
    }
    // DNS rebinding: a page from elsewhere whose name now points at 127.0.0.1 would be same-origin to us.
    if (!this.auth.required && !isLoopbackHost(hostOf(request))) {
      return this.refuse(response, 'host', 403, 'expected a loopback Host (127.0.0.1, localhost, [::1]): without runtime.http.auth the API answers only those');
    }
    if (!read && !this.sameOrigin(request)) return this.refuse(response, 'origin', 403, 'cross-origin request refused');
    if (pathname === '/api/whoami') {
      if (!read) return sendError(response, 405, 'method not allowed', { allow: 'GET, HEAD' });
      return sendJson(response, 200, { auth_required: this.auth.required, authenticated: this.auth.authenticated(request) });
    }
    if (pathname === '/api/login') {
      if (method !== 'POST') return sendError(response, 405, 'method not allowed', { allow: 'POST' });
      return this.login(request, response);
    }
    if (!this.auth.authenticated(request)) return this.refuse(response, 'auth', 401, 'authentication required', { 'www-authenticate': 'Bearer' });
    if (pathname === '/api/state') {
      if (!read) return sendError(response, 405, 'method not allowed', { allow: 'GET, HEAD' });
      return sendJson(response, 200, this.state());
    }
    if (pathname === '/api/events') {
      if (method !== 'GET') return sendError(response, 405, 'method not allowed', { allow: 'GET' });
      const recent = this.recent.list().map((entry) => ({ event: 'track', data: entry.record, id: entry.id }));
      if (!this.hub.open(request, response, [{ event: 'state', data: this.state() }, ...recent])) {
        return this.refuse(response, 'events', 503, 'too many event streams are open; try again later');
      }
      this.startStateTimer();
      return;
    }
    if (pathname === '/api/validate') {
      if (method !== 'POST') return sendError(response, 405, 'method not allowed', { allow: 'POST' });
      return this.validate(request, response);
    }
    const snapshot = snapshotRoute.exec(pathname);
    if (snapshot) {
      if (!read) return sendError(response, 405, 'method not allowed', { allow: 'GET, HEAD' });
      const jpeg = this.snapshots.get(snapshot[1]!) ?? this.eventSnapshots.get(snapshot[1]!);
      if (!jpeg) return sendError(response, 404, "no such snapshot (the live view keeps the last 32 of the snapshot button and the last 64 events' pictures)");
      response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'image/jpeg', 'content-length': jpeg.byteLength });
      response.end(method === 'HEAD' ? undefined : jpeg);
      return;
    }
    const match = pipelineRoute.exec(pathname);
    if (!match) return sendError(response, 404, 'not found');
    const [, name, action] = match as unknown as [string, string, string];
    const pipeline = this.pipeline(name);
    if (!pipeline) return sendError(response, 404, `no pipeline named "${name}"`);
    if (action === 'stream.mjpeg' || action === 'frame.jpg') {
      if (method !== 'GET') return sendError(response, 405, 'method not allowed', { allow: 'GET' });
      if (isSensorSource(pipeline.settings.source)) return sendError(response, 409, `pipeline ${name} is a sensor pipeline: it has no frames (see the series events)`);
      return action === 'frame.jpg' ? this.oneFrame(response, name) : this.stream(request, response, name);
    }
    if (action === 'config') {
      if (method !== 'GET') return sendError(response, 405, 'method not allowed', { allow: 'GET' });
      return this.configFile(response, pipelineFile(pipeline.settings));
    }
    if (method !== 'POST') return sendError(response, 405, 'method not allowed', { allow: 'POST' });
    return this.command(request, response, name, action as LiveCommand);
  }

  /** A POST with an Origin must come from this very host and port (browsers send Origin on every POST). */
  private sameOrigin(request: http.IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    try {
      return new URL(origin).host.toLowerCase() === (request.headers.host ?? '').toLowerCase();
    } catch {
      return false;
    }
  }

  private async login(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const body = await readJsonBody(request, MAX_SMALL_BODY);
    if (!body.ok) return this.bodyRefused(response, body.status, body.error);
    const token = (body.value as { token?: unknown } | null)?.token;
    if (typeof token !== 'string') return sendError(response, 400, 'expected a JSON body {"token": "..."}');
    if (!this.auth.required) return sendError(response, 400, 'no token is configured (runtime.http.auth): nothing to log in to');
    const outcome = this.auth.login(token);
    if (outcome === 'throttled') return this.refuse(response, 'auth', 429, 'too many wrong tokens; wait 10 s');
    if (outcome === 'wrong') return this.refuse(response, 'auth', 401, 'wrong token');
    response.writeHead(204, { ...SECURITY_HEADERS, 'set-cookie': Authenticator.cookie(outcome.session) });
    response.end();
  }

  private bodyRefused(response: http.ServerResponse, status: number, error: string): void {
    // The unread rest of a refused body is not drained: the connection closes after the answer.
    this.refuse(response, 'body', status, error, { connection: 'close' });
  }

  private stream(request: http.IncomingMessage, response: http.ServerResponse, name: string): void {
    const fps = this.fpsOf(request);
    if (typeof fps === 'string') return sendError(response, 400, fps);
    const open = [...this.taps.values()].reduce((n, tap) => n + tap.viewerCount, 0);
    if (open >= this.maxViewers) {
      return this.refuse(response, 'viewers', 503, `${open} live streams are open (runtime.http.live.max_viewers: ${this.maxViewers}); close one or try again later`);
    }
    streamMjpeg(request, response, this.tap(name), fps, () => undefined);
  }

  private fpsOf(request: http.IncomingMessage): number | string {
    const query = request.url?.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    const given = new URLSearchParams(query).get('fps');
    if (given === null || given === '') return Math.min(DEFAULT_FPS, this.maxFps);
    const fps = Number(given);
    if (!Number.isFinite(fps) || fps <= 0) return `expected fps a number above 0 (at most ${this.maxFps} is used) but received ${JSON.stringify(given.slice(0, 20))}`;
    return Math.min(fps, this.maxFps);
  }

  private async oneFrame(response: http.ServerResponse, name: string): Promise<void> {
    const next = this.tap(name).nextFrame(FRAME_WAIT_MS);
    if (next === 'busy') return this.refuse(response, 'viewers', 503, 'too many frames are being waited for; try again');
    const frame = await next;
    if (!frame) return sendError(response, 504, `no frame within ${FRAME_WAIT_MS / 1000} s (paused, or the source is down?)`);
    if (response.destroyed) return;
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'image/jpeg',
      'content-length': frame.jpeg.byteLength,
      'x-frame-id': String(frame.frameId),
      'x-capture-time': String(frame.capturedWallMs),
    });
    response.end(response.req.method === 'HEAD' ? undefined : frame.jpeg);
  }

  private async command(request: http.IncomingMessage, response: http.ServerResponse, name: string, command: LiveCommand): Promise<void> {
    const body = await readJsonBody(request, MAX_SMALL_BODY);
    if (!body.ok) return this.bodyRefused(response, body.status, body.error);
    let dispatcher = this.dispatchers.get(name);
    if (!dispatcher) {
      dispatcher = liveDispatcher(name, () => this.pipeline(name), this.tap(name), this.snapshots, this.options.logger);
      this.dispatchers.set(name, dispatcher);
    }
    const answer = commandAnswer(command, await dispatcher.handle(JSON.stringify({ command })));
    sendJson(response, answer.status, answer.body);
  }

  /** The editor starts from the pipeline's own file: the one file /api/validate accepts for it, as large as it may send back. */
  private async configFile(response: http.ServerResponse, file: string): Promise<void> {
    const read = await readRegularFile(file, MAX_VALIDATE_BODY);
    if ('refused' in read) {
      const why = read.refused.kind === 'too-big' ? `larger than ${MAX_VALIDATE_BODY} bytes` : read.refused.kind === 'not-regular' ? read.refused.found : read.refused.code;
      return sendError(response, 409, `the pipeline's file ${file} cannot be handed out: ${why}`);
    }
    sendJson(response, 200, { file, yaml: read.text });
  }

  private async validate(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const body = await readJsonBody(request, MAX_VALIDATE_BODY);
    if (!body.ok) return this.bodyRefused(response, body.status, body.error);
    const { file, yaml } = (body.value ?? {}) as { file?: unknown; yaml?: unknown };
    if (typeof yaml !== 'string') return sendError(response, 400, 'expected a JSON body {"file": "<a pipeline file>", "yaml": "<text>"}: yaml must be a string');
    const files = new Set<string>();
    for (const supervisor of this.options.supervisors()) for (const pipeline of supervisor.pipelines()) files.add(pipelineFile(pipeline.settings));
    if (typeof file !== 'string' || !files.has(file)) {
      return sendError(response, 400, `expected file to be one of the pipelines' files (${[...files].join(', ')}) but received ${JSON.stringify(String(file).slice(0, 200))}`);
    }
    // The model checks load each pipeline's model: one check at a time.
    if (this.validating) return sendError(response, 429, 'a check is running; try again when it is done');
    this.validating = true;
    try {
      sendJson(response, 200, await validateText(file, yaml));
    } finally {
      this.validating = false;
    }
  }

  private startStateTimer(): void {
    if (this.stateTimer) return;
    this.stateTimer = setInterval(() => {
      if (this.hub.size === 0) {
        clearInterval(this.stateTimer);
        this.stateTimer = undefined;
        return;
      }
      try {
        this.hub.broadcast('state', this.state());
      } catch (error) {
        this.options.logger.log('error', `http: live view: state: ${(error as Error).message}`);
      }
    }, 1000);
    this.stateTimer.unref();
  }
}
