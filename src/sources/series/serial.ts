/**
 * The `serial` sensor source: lines from a tty (configured with stty to `baud` 8N1 raw), parsed as CSV, JSON or
 * NMEA (line-parsers.ts) into channel updates, one sample per line or resampled at `rate_hz`.
 *
 * The port is supervised: a device that disappears (USB unplugged, pty closed: the stream ends or fails) or sends
 * no line for `stall_timeout_ms` is closed and reopened after an exponential backoff with jitter, for as long as
 * it takes (a sensor may come back hours later); state, reopen attempts, corrupt lines and the time without lines
 * are reported. Only a port that cannot work as configured (not a terminal, no permission, stty refusing) ends
 * the stream with an error, so the engine reports it and retries the pipeline.
 */
import { Observable, type Subscriber } from 'rxjs';
import type tty from 'node:tty';
import type { SerialSourceConfig } from '../../config/types.js';
import { RateLimitedWarn } from '../child-log.js';
import { systemClock } from '../clock.js';
import { sourceError } from '../errors.js';
import { defaultWarn } from '../images-source.js';
import type { Clock, SourceContext, SourceHealth, SourceState } from '../types.js';
import { createLineParser, type LineParser } from './line-parsers.js';
import { samplesFromUpdates, type ChannelUpdate } from './resample.js';
import { SerialLineSplitter } from './serial-lines.js';
import { openSerialPort } from './serial-port.js';
import type { SampleBatch, SampleProducer } from './types.js';

/** A session that delivered lines for this long resets the backoff to `restart.initial_ms`. */
const HEALTHY_SESSION_MS = 10_000;

/** Counters over all subscriptions of one producer. */
export interface SerialSourceStats {
  /** Lines that gave values. */
  lines: number;
  /** Lines dropped: unparsable, failing the NMEA checksum, longer than the limit, or cut by a reopen. */
  corruptLines: number;
  /** NMEA sentences no field asks for. */
  ignoredLines: number;
  /** Attempts to reopen the port after it was lost or stalled. */
  restarts: number;
  /** Sessions closed because no line came for `stall_timeout_ms`. */
  stalls: number;
  /** Milliseconds without lines from losing the port until the next line (an ongoing outage included). */
  downtimeMs: number;
}

export interface SerialProducerOptions extends SourceContext {
  /** Longest line kept, bytes (default 4096); longer ones are dropped and counted corrupt. */
  maxLineBytes?: number;
  /** [0, 1) random numbers for the backoff jitter (default Math.random). */
  random?: () => number;
  /** The stty program (default `stty` on PATH). */
  stty?: string;
}

/** Per-subscription working state. */
interface Session {
  subscriber: Subscriber<ChannelUpdate>;
  closed: boolean;
  stream?: tty.ReadStream;
  splitter: SerialLineSplitter;
  failures: number;
  openedAt: number;
  lastLineAt: number;
  linesThisOpen: number;
  downSince?: number;
  stallTimer?: NodeJS.Timeout;
  reopenTimer?: NodeJS.Timeout;
  log: RateLimitedWarn;
}

export class SerialProducer implements SampleProducer {
  readonly kind = 'serial';
  readonly name: string;
  readonly channels: readonly string[];
  private readonly config: SerialSourceConfig;
  private readonly options: SerialProducerOptions;
  private readonly clock: Clock;
  private readonly warn: (message: string) => void;
  private readonly parser: LineParser;
  private readonly counters: SerialSourceStats = { lines: 0, corruptLines: 0, ignoredLines: 0, restarts: 0, stalls: 0, downtimeMs: 0 };
  private state: SourceState = 'ended';
  private current: Session | undefined;

  constructor(pipelineName: string, config: SerialSourceConfig, options: SerialProducerOptions = {}) {
    this.name = `${pipelineName}/serial`;
    this.config = config;
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.warn = options.warn ?? defaultWarn;
    this.parser = createLineParser(config);
    this.channels = this.parser.channels;
  }

  health(): SourceHealth {
    const { restarts, corruptLines, downtimeMs } = this.stats;
    return { state: this.state, restarts, corruptFrames: corruptLines, downtimeMs };
  }

  get stats(): Readonly<SerialSourceStats> {
    const ongoing = this.current?.downSince === undefined ? 0 : performance.now() - this.current.downSince;
    return { ...this.counters, downtimeMs: Math.round(this.counters.downtimeMs + ongoing) };
  }

  samples(): Observable<SampleBatch> {
    const updates = new Observable<ChannelUpdate>((subscriber) => {
      const session: Session = {
        subscriber,
        closed: false,
        splitter: new SerialLineSplitter(this.options.maxLineBytes),
        failures: 0,
        openedAt: 0,
        lastLineAt: 0,
        linesThisOpen: 0,
        log: new RateLimitedWarn(this.warn),
      };
      this.current = session;
      this.state = 'starting';
      this.start(session);
      return () => {
        if (session.closed) return;
        session.closed = true;
        this.closePort(session);
        clearTimeout(session.reopenTimer);
        this.endOutage(session);
        if (this.current === session) this.state = 'ended';
      };
    });
    return samplesFromUpdates(updates, this.channels.length, this.config.rateHz, this.clock);
  }

  /** Opens the port; a bug (an unexpected throw) fails the stream rather than leaving it silent. */
  private start(session: Session): void {
    this.open(session).catch((error: unknown) => {
      if (!session.closed) this.fail(session, `opening ${this.config.device} failed: ${(error as Error).message}`);
    });
  }

  private async open(session: Session): Promise<void> {
    const result = await openSerialPort(this.config.device, this.config.baud, { stty: this.options.stty });
    if (session.closed) {
      if (result.ok) result.stream.destroy();
      return;
    }
    if (!result.ok) {
      if (result.transient) this.lost(session, result.detail);
      else this.fail(session, result.detail);
      return;
    }
    const stream = result.stream;
    session.stream = stream;
    session.openedAt = performance.now();
    session.lastLineAt = session.openedAt;
    session.linesThisOpen = 0;
    stream.on('data', (chunk: Buffer) => this.take(session, stream, chunk));
    // `on`, not `once`: a stream without an error listener would turn a late second error into a process crash.
    stream.on('error', (error: Error) => this.streamEnded(session, stream, `read failed: ${error.message}`));
    stream.once('end', () => this.streamEnded(session, stream, 'the device closed (unplugged?)'));
    stream.once('close', () => this.streamEnded(session, stream, 'the device closed (unplugged?)'));
    this.armStallTimer(session, this.config.stallTimeoutMs);
  }

  private take(session: Session, stream: tty.ReadStream, chunk: Buffer): void {
    if (session.closed || session.stream !== stream) return;
    const before = session.splitter.overlong;
    const lines = session.splitter.push(chunk);
    this.counters.corruptLines += session.splitter.overlong - before;
    for (const line of lines) {
      if (session.closed || session.stream !== stream) return;
      this.line(session, line);
    }
  }

  private line(session: Session, line: string): void {
    session.lastLineAt = performance.now();
    session.linesThisOpen += 1;
    if (session.downSince !== undefined) {
      const downMs = this.endOutage(session);
      session.log.send(`source ${this.name}: ${this.config.device}: reading again after ${Math.round(downMs)} ms`);
    }
    this.state = 'running';
    const result = this.parser.parse(line);
    if (result.kind === 'ignored') {
      this.counters.ignoredLines += 1;
      return;
    }
    if (result.kind === 'corrupt') {
      this.counters.corruptLines += 1;
      const shown = line.length > 80 ? `${line.slice(0, 77)}...` : line;
      session.log.send(`source ${this.name}: skipped a line (${result.reason}): ${shown}`);
      return;
    }
    this.counters.lines += 1;
    session.subscriber.next(result.values);
  }

  private streamEnded(session: Session, stream: tty.ReadStream, why: string): void {
    if (session.closed || session.stream !== stream) return;
    this.lost(session, `${this.config.device}: ${why}`);
  }

  /** The port is gone or stalled: close it and reopen after the backoff. */
  private lost(session: Session, detail: string): void {
    const now = performance.now();
    if (session.linesThisOpen > 0 && now - session.openedAt >= HEALTHY_SESSION_MS) session.failures = 0;
    // Failed reopens that follow must not count as that healthy session again.
    session.linesThisOpen = 0;
    this.closePort(session);
    if (session.downSince === undefined) {
      session.downSince = now;
      session.log.send(`source ${this.name}: ${detail}; reopening with backoff`);
    }
    const { initialMs, maxMs } = this.config.restart;
    const ceiling = Math.min(maxMs, initialMs * 2 ** session.failures);
    session.failures = Math.min(session.failures + 1, 30);
    const delay = ceiling / 2 + (this.options.random ?? Math.random)() * (ceiling / 2);
    this.state = 'restarting';
    session.reopenTimer = setTimeout(() => {
      session.reopenTimer = undefined;
      if (session.closed) return;
      this.counters.restarts += 1;
      this.start(session);
    }, delay);
  }

  /** Adds the outage (if any) to the downtime; returns its length, ms. */
  private endOutage(session: Session): number {
    if (session.downSince === undefined) return 0;
    const downMs = performance.now() - session.downSince;
    this.counters.downtimeMs += downMs;
    session.downSince = undefined;
    return downMs;
  }

  private fail(session: Session, detail: string): void {
    this.closePort(session);
    session.closed = true;
    if (this.current === session) this.state = 'failed';
    session.subscriber.error(sourceError(this.name, 'ERR_SOURCE_INVALID', detail));
  }

  private closePort(session: Session): void {
    clearTimeout(session.stallTimer);
    session.stallTimer = undefined;
    const stream = session.stream;
    session.stream = undefined;
    if (session.splitter.reset()) this.counters.corruptLines += 1;
    stream?.destroy();
  }

  private armStallTimer(session: Session, ms: number): void {
    session.stallTimer = setTimeout(() => {
      session.stallTimer = undefined;
      if (session.closed || !session.stream) return;
      const left = this.config.stallTimeoutMs - (performance.now() - session.lastLineAt);
      if (left > 1) {
        this.armStallTimer(session, left);
        return;
      }
      this.counters.stalls += 1;
      this.lost(session, `${this.config.device}: no line for ${this.config.stallTimeoutMs} ms`);
    }, ms);
  }
}
