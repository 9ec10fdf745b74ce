/**
 * The `mqtt` sink (docs/mqtt.md). write() decides whether the prediction is published (`mode`, publish-gate.ts)
 * and which events it raises (change.ts), then hands each message to its outbox (outbox-stream.ts: predictions
 * in `outbox.dir`, events in `outbox.dir/events`, each fsync-ed before it is published and kept until
 * acknowledged). Stats, the per-pipeline status and Home Assistant discovery are state, not history: published
 * directly while connected (status and discovery again at each connect). Sinks naming the same broker, client id,
 * user and TLS files share one connection (shared-connection.ts).
 */
import { mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { MqttSinkConfig } from '../../config/types.js';
import type { Prediction } from '../../core/frame.js';
import type { Result } from '../../core/result.js';
import type { TrackEvent } from '../../core/events.js';
import type { CountsSnapshot } from '../../zones/counts.js';
import { packageRoot } from '../../runtime/paths.js';
import { Deadline } from '../../core/deadline.js';
import { defaultSinkWarn, describeFsError, sinkError } from '../errors.js';
import { within } from '../timing.js';
import type { PredictionSink, ReloadNotice, ServiceNotice, SinkContext, SinkStats, SourceNotice } from '../types.js';
import { changes } from './change.js';
import { countsMessages } from './counts.js';
import { fillTopic, predictionPayload, topicLevelProblem } from './envelope.js';
import { discoveryMessages } from './home-assistant.js';
import { countsDiscoveryMessages } from './home-assistant-counts.js';
import { deviceIdOf, openLease } from './lease.js';
import { eventPayload, statsPayload, statusPayload, trackEventPayload } from './messages.js';
import { OutboxLock } from './outbox-lock.js';
import type { WriteFault } from './outbox-state.js';
import { OutboxStream } from './outbox-stream.js';
import { PublishGate } from './publish-gate.js';
import type { ConnectionLease } from './shared-connection.js';
import { SnapshotPublisher, type SnapshotCounts } from './snapshots.js';
import { analyticsOverlay, TrackTrails } from '../../snapshot/trails.js';
import type { ControlOutcome, PipelineControl } from '../../commands/control.js';
import { MqttCommands, type MqttCommandStats } from '../../commands/mqtt-commands.js';

/** At stop, each step of the goodbye (unsubscribing, the `stopped` status, `offline` and DISCONNECT) waits at most this long, ms. */
const GOODBYE_STEP_MS = 1000;

/** A `snapshot` command waits this long for the next prediction to draw. */
const SNAPSHOT_COMMAND_WAIT_MS = 10_000;

/** SinkStats plus what the mqtt sink adds; the optional counters are present once non-zero. */
export interface MqttSinkStats extends SinkStats {
  /** Predictions not published by the mode (`change`, `interval`) or the rate limit: never queued. */
  suppressed?: number;
  /** PUBACKs with an error reason code (each attempt counts), predictions and events. */
  refused?: number;
  /** Messages written to the dead-letter files after max_attempts refusals (also counted in dropped). */
  deadLettered?: number;
  /** Messages the outboxes could not store (disk full, I/O error), predictions and events (also counted in dropped). */
  unstored?: number;
  /** The events topic's outbox, once it had a message. */
  events?: { written: number; dropped: number; pending: number };
  /** Stats messages not published because the broker was not connected. */
  statsDropped?: number;
  /** Snapshots published, dropped (one in flight, no image, offline) and failed (undrawable, too large); once one was asked for. */
  snapshots?: SnapshotCounts;
  /** Commands received, answered ok, refused (invalid, rate-limited, failed); once one arrived. */
  commands?: MqttCommandStats;
}

/** The subscribe side of the sink's connection, for modules that listen on the same broker (commands). */
export type MqttSubscriptions = Pick<ConnectionLease, 'state' | 'subscribe' | 'unsubscribe' | 'publish'>;

export interface MqttSinkOptions extends SinkContext {
  /** For the default device and client id (default os.hostname()). */
  hostname?: string;
  /** flush() waits at most this long, ms (default 10,000). */
  flushTimeoutMs?: number;
  /** stop() waits this long for acknowledgements; the rest stays in the outbox for the next start, ms (default 5,000). */
  stopTimeoutMs?: number;
  /** A new outbox segment file beyond this many bytes (default 1 MiB, at most max_bytes / 4). */
  segmentBytes?: number;
  /** Tests: inject write errors (EIO) into the outbox files. */
  outboxFault?: WriteFault;
}

/** The default outbox folder: under systemd's StateDirectory= if set, else /var/lib/edgepipe. */
export function defaultOutboxDir(pipelineName: string, env: NodeJS.ProcessEnv = process.env): string {
  const state = env['STATE_DIRECTORY']?.split(':')[0] || '/var/lib/edgepipe';
  return path.join(state, 'mqtt', pipelineName);
}

/** `url` without user info (`mqtt://user:secret@host` -> `mqtt://host`): messages never carry credentials. */
export function redactUrl(url: string): string {
  return url.replace(/^(mqtts?:\/\/)[^@/]*@/u, '$1');
}

let packageVersion: string | undefined;
function version(): string {
  try {
    packageVersion ??= (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    packageVersion = 'unknown';
  }
  return packageVersion;
}

export class MqttSink implements PredictionSink {
  readonly kind = 'mqtt';
  readonly name: string;
  /** Snapshots need the frame (Prediction.frame). */
  readonly wantsFrame: boolean;
  private readonly device: string;
  private readonly host: string;
  private readonly topics: { predictions: string; events: string; stats: string; status: string; device: string; snapshot: string; counts: string };
  private readonly predictions: OutboxStream;
  private readonly events: OutboxStream | undefined;
  private readonly gate: PublishGate;
  private readonly snapshots: SnapshotPublisher | undefined;
  /** Where tracked objects stood over the last predictions, drawn as trails on snapshots. */
  private readonly trails = new TrackTrails();
  /** A track event came since the last prediction: the next one takes a snapshot. */
  private trackEventSeen = false;
  private readonly warn: (message: string) => void;
  private readonly flushTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private stopping: Promise<void> | undefined;
  private lease: ConnectionLease | undefined;
  private lock: OutboxLock | undefined;
  private lastError: string | undefined;
  private connectionErrors = 0;
  private suppressed = 0;
  private statsDropped = 0;
  private droppedWrites = 0;
  private statsTimer: NodeJS.Timeout | undefined;
  /** The frame totals at the previous stats message (or the start): each message's fps covers its own interval. */
  private statsMark: { atMs: number; framesIn: number; framesOut: number } | undefined;
  /** The last result seen (events) and the last published (mode change). */
  private lastSeen: Result | undefined;
  private lastPublished: Result | undefined;
  private delegate: string | undefined;
  private discoveredKind: Result['kind'] | undefined;
  /** Retained state (pipeline status, discovery configs) by topic: published now if connected, and at each connect. */
  private readonly retained = new Map<string, string>();
  private commands: MqttCommands | undefined;
  /** Track events refused (before start, after stop): the events outbox counts the rest. */
  private droppedEvents = 0;
  /** The counts part of each counts topic as last sent: unchanged zones are not sent again. */
  private readonly countsSent = new Map<string, string>();
  /** The last reload's outcome, kept in the retained pipeline status. */
  private lastReload: ReloadNotice | undefined;
  /** The source's last change (down or up again), kept in the retained pipeline status. */
  private lastSource: SourceNotice | undefined;

  constructor(
    private readonly pipelineName: string,
    private readonly config: MqttSinkConfig,
    private readonly options: MqttSinkOptions = {},
  ) {
    this.name = `${pipelineName}/mqtt`;
    this.host = options.hostname ?? hostname();
    this.device = deviceIdOf(config, this.host);
    const problem = topicLevelProblem(this.device);
    if (problem) throw sinkError(this.name, 'ERR_SINK_INVALID', `device id "${this.device}" ${problem}: set device_id`);
    const fill = (template: string): string => fillTopic(template, { device: this.device, pipeline: pipelineName });
    this.topics = {
      predictions: fill(config.topic),
      events: fill(config.events.topic),
      stats: fill(config.stats.topic),
      status: fill(config.pipelineStatus.topic),
      device: fill(config.statusTopic),
      snapshot: fill(config.snapshots.topic),
      counts: fill(config.counts.topic),
    };
    this.warn = options.warn ?? defaultSinkWarn;
    this.flushTimeoutMs = options.flushTimeoutMs ?? 10_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5000;
    this.gate = new PublishGate(config.mode, config.intervalS * 1000, config.minIntervalMs);
    const segmentBytes = options.segmentBytes ?? Math.max(4096, Math.min(1024 * 1024, Math.floor(config.outbox.maxBytes / 4)));
    const dir = config.outbox.dir ?? defaultOutboxDir(pipelineName);
    const stream = (streamDir: string, qos: 0 | 1, retain: boolean): OutboxStream =>
      new OutboxStream({
        dir: streamDir,
        qos,
        retain,
        segmentBytes,
        config,
        warn: (message) => this.warn(`sink ${this.name}: ${message}`),
        failed: (message) => (this.lastError = message),
        ...(options.outboxFault ? { fault: options.outboxFault } : {}),
      });
    this.predictions = stream(dir, config.qos, config.retain);
    this.events = config.events.enabled ? stream(path.join(dir, 'events'), config.events.qos, config.events.retain) : undefined;
    this.wantsFrame = config.snapshots.enabled;
    const { maxBytes } = config.snapshots;
    this.snapshots = config.snapshots.enabled
      ? new SnapshotPublisher(
          // Loaded on first use: sinks without snapshots never load the drawing code.
          async (image, result, analytics) => (await import('../../snapshot/annotate.js')).annotatedSnapshot(image, result, { maxBytes, ...(analytics ? { analytics } : {}) }),
          (jpeg, done) => this.publishDirect(this.topics.snapshot, jpeg, 0, false, done),
        )
      : undefined;
  }

  /** The outbox folder (locked while the sink runs; the dead-letter file is in it). */
  get outboxDir(): string {
    return this.predictions.dir;
  }

  /** The shared connection (after start, until stop), to subscribe on the same broker. */
  get connection(): MqttSubscriptions | undefined {
    return this.lease;
  }

  /**
   * Subscribe and publish (QoS 1) on the sink's connection, in the shape the MQTT commands take; usable after
   * start(). publish() rejects when not connected or refused.
   */
  get channel(): {
    subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): Promise<void>;
    unsubscribe(filter: string): Promise<void>;
    publish(topic: string, payload: string): Promise<void>;
  } {
    const lease = (): ConnectionLease => {
      if (!this.lease) throw new Error(`sink ${this.name} is not running`);
      return this.lease;
    };
    return {
      subscribe: async (filter, onMessage) => lease().subscribe(filter, 1, onMessage),
      unsubscribe: async (filter) => lease().unsubscribe(filter),
      publish: (topic, payload) =>
        new Promise<void>((resolve, reject) => {
          const sent = lease().publish(topic, payload, 1, false, (result) => (result === undefined ? resolve() : reject(new Error(result.message))));
          if (!sent) reject(new Error('not connected to the broker'));
        }),
    };
  }

  /** Opens the outboxes (replaying what an earlier run left unacknowledged) and joins or opens the connection; never waits for the broker. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    const dir = this.predictions.dir;
    try {
      await mkdir(dir, { recursive: true });
      this.lock = await OutboxLock.acquire(dir);
    } catch (error) {
      throw sinkError(this.name, 'ERR_SINK_OPEN', `cannot use the outbox ${dir}: ${describeFsError(error)} (set outbox.dir)`, error);
    }
    try {
      await this.predictions.open();
      await this.events?.open();
    } catch (error) {
      await this.lock.release().catch(() => undefined);
      throw sinkError(this.name, 'ERR_SINK_OPEN', `cannot open the outbox ${dir}: ${(error as Error).message} (set outbox.dir)`, error);
    }
    try {
      this.lease = await openLease(
        this.config,
        this.pipelineName,
        {
          online: () => this.online(),
          offline: () => {
            this.predictions.offline();
            this.events?.offline();
          },
          error: (message, first) => this.connectionError(`broker ${redactUrl(this.config.url)}: ${message}`, first),
        },
        this.host,
      );
    } catch (error) {
      await Promise.all([this.predictions.close(), this.events?.close()]);
      await this.lock.release().catch(() => undefined);
      throw sinkError(this.name, 'ERR_SINK_OPEN', (error as Error).message, error);
    }
    this.state = 'running';
    // The retained `running` carries the delegate in use: the pipeline's (its model runner is up before the sinks
    // start); without a pipeline it waits for the first prediction's. Never a first status with delegate null.
    const delegate = this.options.stats?.().delegate;
    if (delegate !== undefined && delegate !== 'none') this.delegate = delegate;
    if (this.config.pipelineStatus.enabled && this.delegate !== undefined) {
      this.retained.set(this.topics.status, statusPayload('running', this.device, this.pipelineName, this.delegate, Date.now(), this.lastReload, this.lastSource));
    }
    this.predictions.attach(this.lease);
    this.events?.attach(this.lease);
    if (this.lease.state === 'online') this.online();
    if (this.config.stats.enabled && this.options.stats) {
      const first = this.options.stats();
      this.statsMark = { atMs: performance.now(), framesIn: first.framesIn, framesOut: first.framesOut };
      this.statsTimer = setInterval(() => this.publishStats(), this.config.stats.intervalS * 1000);
      this.statsTimer.unref();
    }
    await this.startCommands();
  }

  /** Commands ride on this sink's connection; a broker that refuses the subscription costs the commands, not the sink. */
  private async startCommands(): Promise<void> {
    const control = this.options.control;
    if (!this.config.commands.enabled || !control) return;
    const withSnapshots: PipelineControl = this.snapshots ? { ...control, snapshot: () => this.snapshotNext() } : control;
    try {
      this.commands = await MqttCommands.start(this.channel, withSnapshots, this.config.commands, { device: this.device, pipeline: this.pipelineName });
    } catch (error) {
      this.connectionError(`commands on ${fillTopic(this.config.commands.topic, { device: this.device, pipeline: this.pipelineName })}: ${(error as Error).message}`, true);
    }
  }

  /** The `snapshot` command: the next prediction's frame, drawn and published, and what became of it. */
  private async snapshotNext(): Promise<ControlOutcome> {
    const answer = await this.snapshots!.request(SNAPSHOT_COMMAND_WAIT_MS);
    if ('timedOut' in answer) {
      return { ok: false, error: { code: 'failed', message: `snapshot: no prediction within ${SNAPSHOT_COMMAND_WAIT_MS / 1000} s (paused, or the source is silent)` } };
    }
    const { frameId, outcome } = answer;
    if (outcome === 'published') return { ok: true, message: `snapshot of frame ${frameId} published on ${this.topics.snapshot}` };
    const why = outcome === 'dropped' ? 'not sent (another one in flight, or offline)' : 'could not be drawn within snapshots.max_bytes';
    return { ok: false, error: { code: 'failed', message: `snapshot of frame ${frameId} ${why}` } };
  }

  write(prediction: Prediction): void {
    if (this.state !== 'running' || this.stopping) {
      this.droppedWrites += 1;
      return;
    }
    const { result } = prediction;
    this.noteDelegate(prediction);
    if (this.events || this.snapshots) {
      const events = changes(this.lastSeen, result, this.config.threshold);
      for (const event of events) this.events?.enqueue(this.topics.events, (seq) => eventPayload(event, prediction, seq, this.device));
      // Tracks (with trails) and zones are drawn when the pipeline has them; a track event of this frame (told
      // before its prediction) takes a snapshot like a change event does.
      const analytics = this.snapshots ? analyticsOverlay(prediction, this.trails) : undefined;
      this.snapshots?.consider(prediction.frame, result, prediction.frameId, events.length > 0 || this.trackEventSeen, analytics);
      this.trackEventSeen = false;
    }
    // Copies only when a later prediction is compared with this one (the caller may reuse the result).
    const kept = this.events || this.snapshots || this.config.mode === 'change' ? structuredClone(result) : undefined;
    this.lastSeen = kept;
    const changed = this.config.mode === 'change' && changes(this.lastPublished, result, this.config.threshold).length > 0;
    if (!this.gate.offer(performance.now(), changed)) {
      this.suppressed += 1;
      return;
    }
    this.lastPublished = kept;
    this.predictions.enqueue(this.topics.predictions, (seq) => predictionPayload(prediction, seq, this.device));
  }

  /**
   * A track event on the events topic, through the events outbox like the change events (QoS events.qos, fsync-ed,
   * kept until acknowledged, one seq for both). Dropped and counted before start and after stop; with
   * events.enabled false only its best picture is published (snapshots on).
   */
  event(event: TrackEvent): void {
    // Snapshots follow track events also with the events topic off, as they follow change events.
    this.trackEventSeen = true;
    if (!this.events && !this.snapshots) return;
    if (this.state !== 'running' || this.stopping) {
      if (this.events) this.droppedEvents += 1;
      return;
    }
    // The best picture goes out with snapshots on, whether or not the events topic is.
    const published = this.trackPicture(event);
    this.events?.enqueue(this.topics.events, (seq) => trackEventPayload(published, seq, this.device));
  }

  /**
   * With snapshots on, the best picture an end event carries (track_end, removed) is published on
   * `<snapshot topic>/track/<id>` (binary, QoS 0, not retained, counted with the snapshots) and the event names
   * that topic as its snapshot's `ref`. The event is copied: every sink gets the same object.
   */
  private trackPicture(event: TrackEvent): TrackEvent {
    const snapshot = 'snapshot' in event ? event.snapshot : undefined;
    if (!this.snapshots || !snapshot?.jpeg) return event;
    const topic = `${this.topics.snapshot}/track/${event.trackId}`;
    const counts = this.snapshots.counts;
    const jpeg = snapshot.jpeg;
    this.publishDirect(topic, Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength), 0, false, (ok) => void (ok ? (counts.published += 1) : (counts.dropped += 1)));
    return { ...event, snapshot: { ...snapshot, ref: topic } } as TrackEvent;
  }

  /** The zone and line counts as retained state, one topic per zone or line; only changed ones are sent. */
  zoneCounts(snapshot: CountsSnapshot): void {
    if (!this.config.counts.enabled || this.state !== 'running' || this.stopping) return;
    const topic = (name: string): string => this.topics.counts.replaceAll('{name}', name);
    if (this.config.homeAssistant.enabled) {
      const options = { prefix: this.config.homeAssistant.prefix, device: this.device, pipeline: this.pipelineName, countsTopic: topic, availabilityTopic: this.topics.device, version: version() };
      // Announced once each; a label seen for the first time adds its entities.
      for (const message of countsDiscoveryMessages(snapshot, options)) if (!this.retained.has(message.topic)) this.setRetained(message.topic, JSON.stringify(message.config));
    }
    for (const message of countsMessages(snapshot, topic, this.device, this.pipelineName, Date.now())) {
      if (this.countsSent.get(message.topic) === message.key) continue;
      if (message.problem) {
        // Config names are topic-safe (schema-zones.ts); a library caller's may not be: said once per name.
        this.countsSent.set(message.topic, message.key);
        this.warn(`sink ${this.name}: no counts topic for "${message.name}": the name ${message.problem}`);
        continue;
      }
      this.countsSent.set(message.topic, message.key);
      this.setRetained(message.topic, message.payload);
    }
  }

  async flush(): Promise<boolean> {
    const results = await Promise.all([this.predictions.settledWithin(this.flushTimeoutMs), this.events?.settledWithin(this.flushTimeoutMs) ?? true]);
    return results.every(Boolean);
  }

  /**
   * A reload's outcome and the source's changes (down, up again) go into the retained pipeline status, so a field
   * engineer sees a refused edit and where, or a dead camera and since when.
   */
  notice(notice: ServiceNotice): void {
    if (!this.config.pipelineStatus.enabled || this.state !== 'running') return;
    if (notice.kind === 'reload') this.lastReload = notice;
    else this.lastSource = notice;
    this.setRetained(this.topics.status, statusPayload('running', this.device, this.pipelineName, this.delegate, Date.now(), this.lastReload, this.lastSource));
  }

  /**
   * Stops within `timeoutMs` (default stopTimeoutMs + 2 s), whatever the broker does: acknowledgements are awaited
   * with what is left once 2 s are kept for the goodbye (the retained `stopped` status, then `offline` and the
   * DISCONNECT, 1 s each at most); a broker that has not answered by then is cut off. What is not acknowledged stays
   * in the outbox for the next start.
   */
  stop(timeoutMs?: number): Promise<void> {
    this.stopping ??= this.shutdown(new Deadline(timeoutMs ?? this.stopTimeoutMs + 2 * GOODBYE_STEP_MS));
    return this.stopping;
  }

  stats(): MqttSinkStats {
    const p = this.predictions.counts;
    const e = this.events?.counts;
    const stats: MqttSinkStats = {
      written: p.written,
      dropped: p.dropped + this.droppedWrites,
      errors: p.errors + (e?.errors ?? 0) + this.connectionErrors,
      pending: this.predictions.pending,
    };
    const refused = p.refused + (e?.refused ?? 0);
    const deadLettered = p.deadLettered + (e?.deadLettered ?? 0);
    if (this.suppressed > 0) stats.suppressed = this.suppressed;
    if (refused > 0) stats.refused = refused;
    if (deadLettered > 0) stats.deadLettered = deadLettered;
    const unstored = p.unstored + (e?.unstored ?? 0);
    if (unstored > 0) stats.unstored = unstored;
    const events = e && this.events ? { written: e.written, dropped: e.dropped + this.droppedEvents, pending: this.events.pending } : undefined;
    if (events && events.written + events.dropped + events.pending > 0) stats.events = events;
    if (this.statsDropped > 0) stats.statsDropped = this.statsDropped;
    const shots = this.snapshots?.counts;
    if (shots && shots.published + shots.dropped + shots.failed > 0) stats.snapshots = { ...shots };
    const commands = this.commands?.stats();
    if (commands && commands.received + commands.ignored > 0) stats.commands = commands;
    if (this.lastError !== undefined) stats.lastError = this.lastError;
    return stats;
  }

  private async shutdown(deadline: Deadline): Promise<void> {
    // Unsubscribing waits for the broker's answer: bounded like every other step.
    await within(this.commands?.stop() ?? Promise.resolve(), deadline.left(GOODBYE_STEP_MS));
    if (this.state === 'running') {
      const acks = Math.min(this.stopTimeoutMs, Math.max(0, deadline.left() - 2 * GOODBYE_STEP_MS));
      await Promise.all([this.predictions.settledWithin(acks), this.events?.settledWithin(acks)]);
      clearInterval(this.statsTimer);
      await within(this.snapshots?.idle() ?? Promise.resolve(), deadline.left(GOODBYE_STEP_MS));
      if (this.config.pipelineStatus.enabled) {
        const stopped = statusPayload('stopped', this.device, this.pipelineName, this.delegate, Date.now(), this.lastReload, this.lastSource);
        await this.publishNow(this.topics.status, stopped, deadline.left(GOODBYE_STEP_MS));
      }
      await Promise.all([this.predictions.close(), this.events?.close()]);
      await this.lease?.release(deadline.left(GOODBYE_STEP_MS));
      this.lease = undefined;
      await this.lock?.release().catch(() => undefined);
    }
    this.state = 'stopped';
  }

  private online(): void {
    for (const [topic, payload] of this.retained) this.publishDirect(topic, payload, 1, true);
    this.predictions.online();
    this.events?.online();
  }

  /** Keeps the pipeline status (delegate in use) and the discovery configs (result kind) current. */
  private noteDelegate(prediction: Prediction): void {
    if (this.config.pipelineStatus.enabled && prediction.delegate !== this.delegate) {
      this.delegate = prediction.delegate;
      this.setRetained(this.topics.status, statusPayload('running', this.device, this.pipelineName, this.delegate, Date.now(), this.lastReload, this.lastSource));
    }
    const kind = prediction.result.kind;
    if (this.config.homeAssistant.enabled && kind !== this.discoveredKind) {
      this.discoveredKind = kind;
      const messages = discoveryMessages(kind, {
        prefix: this.config.homeAssistant.prefix,
        device: this.device,
        pipeline: this.pipelineName,
        stateTopic: this.topics.predictions,
        availabilityTopic: this.topics.device,
        version: version(),
      });
      for (const message of messages) this.setRetained(message.topic, JSON.stringify(message.config));
    }
  }

  private setRetained(topic: string, payload: string): void {
    this.retained.set(topic, payload);
    this.publishDirect(topic, payload, 1, true);
  }

  private publishStats(): void {
    const pipelineReport = this.options.stats?.();
    if (!pipelineReport || !this.lease) return;
    // The pipeline's rates cover its own (log) window, runtime.stats_interval_s; these cover this topic's interval.
    const nowMs = performance.now();
    const mark = this.statsMark ?? { atMs: nowMs, framesIn: pipelineReport.framesIn, framesOut: pipelineReport.framesOut };
    this.statsMark = { atMs: nowMs, framesIn: pipelineReport.framesIn, framesOut: pipelineReport.framesOut };
    const seconds = Math.max(1e-3, (nowMs - mark.atMs) / 1000);
    const report = {
      ...pipelineReport,
      intervalS: Math.round(seconds * 1000) / 1000,
      fpsIn: Math.round(((pipelineReport.framesIn - mark.framesIn) / seconds) * 100) / 100,
      fpsOut: Math.round(((pipelineReport.framesOut - mark.framesOut) / seconds) * 100) / 100,
    };
    const { qos, retain } = this.config.stats;
    if (!this.publishDirect(this.topics.stats, statsPayload(report, this.device, Date.now()), qos, retain)) this.statsDropped += 1;
  }

  /** Publishes outside the outbox if connected; `done(ok)` runs once: acknowledged (QoS 1) or written (QoS 0), or not. */
  private publishDirect(topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean, done?: (ok: boolean) => void): boolean {
    const sent =
      this.lease?.publish(topic, payload, qos, retain, (result) => {
        if (result?.refused) this.connectionError(`broker refused a message on ${topic}: ${result.message}`, true);
        done?.(result === undefined);
      }) ?? false;
    if (!sent) done?.(false);
    return sent;
  }

  /** publishDirect, waiting for the acknowledgement at most `timeoutMs`. */
  private publishNow(topic: string, payload: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.publishDirect(topic, payload, 1, true, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private connectionError(message: string, log: boolean): void {
    this.connectionErrors += 1;
    this.lastError = message;
    if (log) this.warn(`sink ${this.name}: ${message}`);
  }
}
