/**
 * The `audio` sensor source: ALSA capture through `arecord`, a sound or video file decoded by ffmpeg (`input`), or
 * another `command` writing raw samples to stdout, decoded to -1..1 (audio-decode.ts), one sample batch per pipe
 * read.
 *
 * The producer runs under ChildSupervisor, like the camera's: a run that exits (a capture device unplugged, a
 * crash), writes nothing within `start_timeout_ms` of its start or nothing for `stall_timeout_ms` after its first
 * samples is restarted with backoff and jitter, its stderr goes to the log (rate-limited, each line once: see
 * child-log.ts), and state, restarts and the time without samples are reported. Runs that end without a single
 * sample several times in a row fail the source with the producer's last words (arecord's "audio open error" is
 * one of them), so the engine reports and retries it.
 *
 * A finite input (`input`, or a `command` with `finite: true`) ends instead: the producer exiting with status 0
 * after some samples ends the source, or with `loop` starts the next pass at once. Without `realtime` it is read
 * as fast as the pipeline takes the windows (`paced`: SeriesSource holds it through hold()/release()).
 */
import { stat } from 'node:fs/promises';
import { Observable, type Subscriber } from 'rxjs';
import type { AudioSourceConfig } from '../../config/types.js';
import { LineTail, RateLimitedWarn } from '../child-log.js';
import { ChildSupervisor, judgeEndedRun, type AfterRun, type ChildRunEnd, type SupervisedRunCounters } from '../child-supervisor.js';
import { systemClock } from '../clock.js';
import { describeFsError, errnoCode, sourceError } from '../errors.js';
import { isExpectedFfmpegWarning } from '../ffmpeg-args.js';
import { defaultWarn } from '../images-source.js';
import type { Clock, SourceContext, SourceHealth, SourceState } from '../types.js';
import { audioCommand, type AudioCommand } from './audio-args.js';
import { PcmDecoder } from './audio-decode.js';
import type { SampleBatch, SampleProducer } from './types.js';
import { sensorChannels } from '../../config/sensor-channels.js';
import { EdgepipeError } from '../../runtime/errors.js';

/** Runs in a row that end without a sample before the source fails. */
export const MAX_RUNS_WITHOUT_SAMPLES = 5;

/** Counters over all subscriptions of one producer. */
export interface AudioSourceStats extends SupervisedRunCounters {
  /** Sample frames (all channels of one instant) decoded. */
  samples: number;
  /** Passes over a finite input that reached its end (a `loop` goes on with the next; not restarts). */
  passes: number;
}

interface Run {
  subscriber: Subscriber<SampleBatch>;
  supervisor?: ChildSupervisor;
  decoder: PcmDecoder;
  closed: boolean;
  samplesThisRun: number;
  /** The next run is the next pass over a finite input (`loop`), not a restart. */
  repeating: boolean;
  /** The next batch is the first after a restart: windows must not span the gap. */
  afterRestart: boolean;
  runsWithoutSamples: number;
  downSince?: number;
  tail: LineTail;
  log: RateLimitedWarn;
}

export class AudioSampleProducer implements SampleProducer {
  readonly kind = 'audio';
  readonly name: string;
  readonly channels: readonly string[];
  private readonly config: AudioSourceConfig;
  private readonly clock: Clock;
  private readonly warn: (message: string) => void;
  private readonly command: AudioCommand;
  /** The input has an end: a file, or a `finite` command. */
  readonly finite: boolean;
  /** A finite input read as fast as it is taken: the consumer holds it while it has no room (hold/release). */
  readonly paced: boolean;
  private readonly maxEmptyRuns: number;
  private readonly counters: AudioSourceStats = { samples: 0, passes: 0, restarts: 0, stalls: 0, corruptFrames: 0, suppressedLogLines: 0, downtimeMs: 0 };
  private state: SourceState = 'ended';
  private current: Run | undefined;

  constructor(pipelineName: string, config: AudioSourceConfig, context: SourceContext = {}) {
    this.name = `${pipelineName}/audio`;
    this.config = config;
    this.clock = context.clock ?? systemClock;
    this.warn = context.warn ?? defaultWarn;
    this.command = audioCommand(config);
    this.maxEmptyRuns = context.maxEmptyRuns ?? MAX_RUNS_WITHOUT_SAMPLES;
    this.channels = sensorChannels(config);
    this.finite = config.command !== undefined ? config.finite : config.input !== undefined;
    this.paced = this.finite && (config.command !== undefined || !config.realtime);
  }

  /** Stops reading the producer until release() (backpressure for a paced input). */
  hold(): void {
    this.current?.supervisor?.hold();
  }

  release(): void {
    this.current?.supervisor?.release();
  }

  health(): SourceHealth {
    const { restarts, corruptFrames, downtimeMs } = this.counters;
    return { state: this.state, restarts, corruptFrames, downtimeMs: Math.round(downtimeMs) };
  }

  get stats(): Readonly<AudioSourceStats> {
    return { ...this.counters, downtimeMs: Math.round(this.counters.downtimeMs) };
  }

  /** The producer's pid while one runs (diagnostics, tests). */
  get pid(): number | undefined {
    return this.current?.supervisor?.pid;
  }

  samples(): Observable<SampleBatch> {
    return new Observable<SampleBatch>((subscriber) => {
      const run: Run = {
        subscriber,
        decoder: new PcmDecoder(this.config.format, this.config.channels),
        closed: false,
        samplesThisRun: 0,
        repeating: false,
        afterRestart: false,
        runsWithoutSamples: 0,
        tail: new LineTail(10),
        log: new RateLimitedWarn(this.warn),
      };
      this.current = run;
      this.state = 'starting';
      if (this.command.program === '') {
        this.end(run, sourceError(this.name, 'ERR_SOURCE_INVALID', 'command[0] is empty; expected the program to run'));
        return undefined;
      }
      this.checkInput().then(
        () => {
          if (!run.closed) this.startSupervisor(run);
        },
        (error: unknown) => this.end(run, error as Error),
      );
      return () => {
        if (run.closed) return;
        run.closed = true;
        void run.supervisor?.stop();
        if (this.current === run) this.state = 'ended';
      };
    });
  }

  /** A missing `input` file fails at once, naming it, instead of as an ffmpeg that keeps exiting. */
  private async checkInput(): Promise<void> {
    const input = this.config.command === undefined ? this.config.input : undefined;
    if (input === undefined) return;
    try {
      const info = await stat(input);
      if (info.isDirectory()) throw sourceError(this.name, 'ERR_SOURCE_INVALID', `${input} is a directory; audio input takes one sound or video file`);
    } catch (error) {
      if (error instanceof EdgepipeError) throw error;
      throw sourceError(this.name, 'ERR_SOURCE_NOT_FOUND', `audio file ${input}: ${describeFsError(error as Error)}`, error as Error);
    }
  }

  private startSupervisor(run: Run): void {
    const { program, args } = this.command;
    run.supervisor = new ChildSupervisor({
      program,
      args,
      stallTimeoutMs: this.config.stallTimeoutMs,
      startTimeoutMs: this.config.startTimeoutMs,
      backoff: this.config.restart,
      onSpawn: (_pid, index) => this.beginRun(run, index),
      onStdout: (chunk) => this.take(run, chunk),
      onStderrLine: (line) => {
        // Before the run's first samples a line is only kept; after them it is also forwarded (child-log.ts).
        if (this.config.command === undefined && this.config.input !== undefined && isExpectedFfmpegWarning(line)) return;
        run.tail.push(line);
        if (run.samplesThisRun > 0) this.forward(run, `source ${this.name}: ${program}: ${line}`);
      },
      onExit: (end) => this.afterRun(run, end),
      onEnd: (error) => this.end(run, error),
      spawnError: (error) => this.spawnFailure(error),
    });
    run.supervisor.start();
  }

  private beginRun(run: Run, index: number): void {
    // The next pass of a loop continues the signal as ffmpeg's own -stream_loop does: no discontinuity.
    if (run.repeating) run.repeating = false;
    else if (index > 0) {
      this.counters.restarts += 1;
      run.afterRestart = true;
    }
    if (run.decoder.pendingBytes > 0) this.counters.corruptFrames += 1;
    run.decoder.reset();
    run.samplesThisRun = 0;
  }

  private take(run: Run, chunk: Buffer): void {
    if (run.closed) return;
    const { count, values } = run.decoder.push(chunk);
    if (count === 0) return;
    if (run.samplesThisRun === 0) this.flushHeldLines(run);
    run.samplesThisRun += count;
    run.runsWithoutSamples = 0;
    this.counters.samples += count;
    if (run.downSince !== undefined) {
      this.counters.downtimeMs += performance.now() - run.downSince;
      run.downSince = undefined;
    }
    run.supervisor?.progress();
    this.state = 'running';
    const discontinuity = run.afterRestart;
    run.afterRestart = false;
    run.subscriber.next({ count, values, monoMs: this.clock.now(), wallMs: this.clock.wallNow(), ...(discontinuity ? { discontinuity } : {}) });
  }

  private afterRun(run: Run, end: ChildRunEnd): AfterRun {
    if (run.closed) return 'complete';
    if (end.stalled) this.counters.stalls += 1;
    if (this.finite && end.code === 0 && !end.stalled && run.samplesThisRun > 0) {
      this.counters.passes += 1;
      run.tail.clear();
      if (!this.config.loop) return 'complete';
      run.repeating = true;
      return 'repeat';
    }
    if (run.samplesThisRun === 0) run.runsWithoutSamples += 1;
    const verdict = judgeEndedRun({
      source: this.name,
      program: this.command.program,
      end,
      stallTimeoutMs: this.config.stallTimeoutMs,
      startTimeoutMs: this.config.startTimeoutMs,
      unit: 'sample',
      stallNoun: 'samples',
      produced: run.samplesThisRun,
      from: this.device(),
      emptyRuns: run.runsWithoutSamples,
      maxEmptyRuns: this.maxEmptyRuns,
      tail: run.tail.text(),
      liveCommand: this.config.command !== undefined && !this.config.finite,
    });
    if ('error' in verdict) return verdict.error;
    this.forward(run, verdict.restartLine);
    run.tail.clear();
    run.downSince ??= performance.now();
    this.state = 'restarting';
    return 'restart';
  }

  private flushHeldLines(run: Run): void {
    const { program } = this.command;
    const { dropped, lines } = run.tail;
    if (dropped > 0) this.forward(run, `source ${this.name}: ${program}: (${dropped} earlier line${dropped === 1 ? '' : 's'} left out)`);
    for (const line of lines) this.forward(run, `source ${this.name}: ${program}: ${line}`);
  }

  private forward(run: Run, message: string): void {
    const before = run.log.suppressedTotal;
    run.log.send(message);
    this.counters.suppressedLogLines += run.log.suppressedTotal - before;
  }

  private end(run: Run, error: Error | undefined): void {
    if (run.closed) return;
    run.closed = true;
    if (error) {
      this.state = 'failed';
      run.subscriber.error(error);
    } else {
      this.state = 'ended';
      run.subscriber.complete();
    }
  }

  private device(): string {
    if (this.config.command) return 'its command';
    if (this.config.input !== undefined) return `file ${this.config.input}`;
    return `ALSA device ${this.config.device ?? 'default'}`;
  }

  private spawnFailure(error: Error): Error {
    const { program } = this.command;
    if (errnoCode(error) === 'ENOENT') {
      const fix = this.config.command
        ? 'install it or give its full path in command'
        : this.config.input !== undefined
          ? 'install it (Debian: apt-get install ffmpeg)'
          : 'install alsa-utils (Debian: apt-get install alsa-utils) or give a command';
      return sourceError(this.name, 'ERR_SOURCE_NOT_FOUND', `${program} was not found on PATH, needed to read ${this.device()}; ${fix}`, error);
    }
    return sourceError(this.name, 'ERR_SOURCE_UNSUPPORTED', `cannot start ${program} for ${this.device()}: ${describeFsError(error)}`, error);
  }
}
