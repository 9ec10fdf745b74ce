/**
 * The `camera` source: frames from ffmpeg (V4L2 devices, RTSP/HTTP streams, video files, lavfi test sources) or
 * from another producer `command`, run as a supervised child process (child-supervisor.ts).
 *
 * The producer writes raw frames or concatenated JPEGs to stdout; frame-splitter.ts and mjpeg-splitter.ts cut
 * them at exact frame boundaries, one buffer per frame (the engine may hold a frame while the next arrives).
 * A producer that exits, sends no first frame within `start_timeout_ms`, or stalls (no frame for
 * `stall_timeout_ms` after that) is restarted with backoff; frame ids keep increasing across restarts and
 * `meta.restarts` says how many restarts the stream has been through. The state (`starting`, `running`,
 * `restarting`, `failed`, `ended`) and counters are exposed for stats.
 *
 * A finite input (a video file, or a `command` with `finite: true`) has an end: ffmpeg or the command exiting with
 * status 0 after at least one frame ends the source (every frame read is delivered first), or with `loop` starts
 * the next pass at once (a command runs again; a file loops inside ffmpeg). Without `realtime` a finite input is
 * read as fast as the pipeline takes the frames (DemandQueue), none dropped. Commands are live unless `finite`:
 * a `libcamera-vid` or `gst-launch` that exits 0 is a camera gone wrong, and is restarted like any other exit.
 */
import { BehaviorSubject, Observable, type Subscriber } from 'rxjs';
import type { CameraSourceConfig } from '../config/types.js';
import type { Frame, ImagePayload } from '../core/frame.js';
import { rawFrameBytes } from '../preprocess/raw-frame.js';
import { checkCameraInput, spawnFailure } from './camera-preflight.js';
import { LineTail, RateLimitedWarn } from './child-log.js';
import { ChildSupervisor, judgeEndedRun, type AfterRun, type ChildRunEnd, type StallKill, type SupervisedRunCounters } from './child-supervisor.js';
import { DemandQueue } from './demand-queue.js';
import { sourceError } from './errors.js';
import { cameraInputKind, FfmpegOutputSize, ffmpegLogLevel, isExpectedFfmpegWarning, producerCommand, type DecoderResize, type ProducerCommand } from './ffmpeg-args.js';
import { RawFrameSplitter } from './frame-splitter.js';
import { defaultWarn } from './images-source.js';
import { MjpegSplitter } from './mjpeg-splitter.js';
import { systemClock } from './clock.js';
import type { Clock, FrameSource, SourceContext, SourceHealth, SourceState } from './types.js';

/** Runs in a row that end without a frame before the source fails (the engine then retries it). */
export const MAX_RUNS_WITHOUT_FRAME = 5;
/** Raw output of unknown size is held this long (bytes) waiting for ffmpeg to log the size. */
const MAX_UNSIZED_BYTES = 64 * 1024 * 1024;

/** Counters of one camera source instance, over all its subscriptions. */
export interface CameraStats extends SupervisedRunCounters {
  frames: number;
  /** Passes over a finite input that reached its end (a `loop` goes on with the next; not restarts). */
  passes: number;
}

/** Per-subscription working state. */
interface Run {
  subscriber: Subscriber<Frame>;
  supervisor?: ChildSupervisor;
  closed: boolean;
  restarts: number;
  /** The next run is the next pass over a finite input (`loop`), not a restart. */
  repeating: boolean;
  framesThisRun: number;
  runsWithoutFrame: number;
  /** performance.now() when the last run ended, until the next frame. */
  downSince?: number;
  raw?: RawFrameSplitter;
  mjpeg?: MjpegSplitter;
  sizeFromLog?: FfmpegOutputSize;
  unsized: Buffer[];
  unsizedBytes: number;
  tail: LineTail;
  log: RateLimitedWarn;
  /** Finite inputs without `realtime`: frames wait here for room in the pipeline. */
  queue?: DemandQueue<Frame>;
}

export class CameraSource implements FrameSource {
  readonly kind = 'camera';
  readonly name: string;
  private readonly config: CameraSourceConfig;
  private readonly clock: Clock;
  private readonly warn: (message: string) => void;
  private readonly command: ProducerCommand;
  /** ffmpeg resizes to the model's input size (SourceContext.decodeTo); frames then carry `scaledFrom`. */
  private readonly decodeTo: DecoderResize | undefined;
  private readonly maxEmptyRuns: number;
  private readonly stateSubject = new BehaviorSubject<SourceState>('ended');
  private readonly demand: (() => Promise<void>) | undefined;
  /** The input has an end: a video file, or a `finite` command. */
  private readonly finite: boolean;
  private readonly counters: CameraStats = { frames: 0, passes: 0, restarts: 0, stalls: 0, corruptFrames: 0, suppressedLogLines: 0, downtimeMs: 0 };
  private current: Run | undefined;
  /** Ids continue across restarts and subscriptions: a restarted stream never repeats an id. */
  private nextId = 0;

  /** Emits the state on every change (the current one first). */
  readonly state$: Observable<SourceState> = this.stateSubject.asObservable();

  constructor(pipelineName: string, config: CameraSourceConfig, context: SourceContext = {}) {
    this.name = `${pipelineName}/camera`;
    this.config = config;
    this.clock = context.clock ?? systemClock;
    this.warn = context.warn ?? defaultWarn;
    this.decodeTo = config.command === undefined && config.output !== 'mjpeg' ? context.decodeTo : undefined;
    this.command = producerCommand(config, this.decodeTo);
    this.finite = config.command ? config.finite : cameraInputKind(config.input) === 'file';
    // A file without realtime is read as fast as it is taken; a finite command paces itself or is held the same way.
    const paced = this.finite && (config.command !== undefined || !config.realtime);
    this.demand = paced ? context.demand : undefined;
    this.maxEmptyRuns = context.maxEmptyRuns ?? MAX_RUNS_WITHOUT_FRAME;
  }

  get state(): SourceState {
    return this.stateSubject.value;
  }

  health(): SourceHealth {
    const { restarts, corruptFrames, downtimeMs } = this.counters;
    return { state: this.state, restarts, corruptFrames, downtimeMs: Math.round(downtimeMs) };
  }

  get stats(): Readonly<CameraStats> {
    return { ...this.counters };
  }

  /** The size ffmpeg resizes frames to, when it does (diagnostics and tests). */
  get decoderResize(): DecoderResize | undefined {
    return this.decodeTo;
  }

  /** The producer's pid while one runs (for diagnostics and tests). */
  get pid(): number | undefined {
    return this.current?.supervisor?.pid;
  }

  /** The supervisor's record of the last stall kill of the current subscription (diagnostics and tests). */
  get lastStallKill(): StallKill | undefined {
    return this.current?.supervisor?.lastStallKill;
  }

  frames(): Observable<Frame> {
    return new Observable<Frame>((subscriber) => {
      const run: Run = {
        subscriber,
        closed: false,
        restarts: 0,
        repeating: false,
        framesThisRun: 0,
        runsWithoutFrame: 0,
        unsized: [],
        unsizedBytes: 0,
        tail: new LineTail(10),
        log: new RateLimitedWarn(this.warn),
      };
      if (this.demand) {
        run.queue = new DemandQueue(this.demand, {
          hold: () => run.supervisor?.hold(),
          release: () => run.supervisor?.release(),
          deliver: (frame) => run.subscriber.next(frame),
          closed: () => run.closed,
        });
      }
      this.current = run;
      this.stateSubject.next('starting');
      checkCameraInput(this.name, this.config).then(
        () => {
          if (!run.closed) this.startSupervisor(run);
        },
        (error: unknown) => this.end(run, error as Error),
      );
      return () => {
        if (run.closed) return;
        run.closed = true;
        void run.supervisor?.stop();
        if (this.current === run) this.stateSubject.next('ended');
      };
    });
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
      onStderrLine: (line) => this.stderrLine(run, line),
      onExit: (end) => this.afterRun(run, end),
      onEnd: (error) => this.end(run, error),
      spawnError: (error) => spawnFailure(this.name, program, this.config.input, error),
    });
    run.supervisor.start();
  }

  /** A new producer run: fresh splitters (a partial frame of the last run is dropped and counted). */
  private beginRun(run: Run, index: number): void {
    if (run.repeating) run.repeating = false;
    else if (index > 0) {
      run.restarts += 1;
      this.counters.restarts += 1;
    }
    if ((run.raw?.pendingBytes ?? 0) > 0) this.counters.corruptFrames += 1;
    if (run.mjpeg) this.counters.corruptFrames += run.mjpeg.corruptFrames;
    run.framesThisRun = 0;
    run.raw = undefined;
    run.mjpeg = undefined;
    run.unsized = [];
    run.unsizedBytes = 0;
    run.sizeFromLog = undefined;
    const output = this.command.output;
    if (output.kind === 'mjpeg') run.mjpeg = new MjpegSplitter();
    else if (this.decodeTo && (this.config.width === undefined || this.config.height === undefined)) {
      // The output size is known, but not the frame's own (its coordinate space): wait for ffmpeg to log the input.
      run.sizeFromLog = new FfmpegOutputSize();
    } else if (output.width !== undefined && output.height !== undefined) {
      run.raw = new RawFrameSplitter(rawFrameBytes(output.format, output.width, output.height));
    } else run.sizeFromLog = new FfmpegOutputSize();
  }

  private take(run: Run, chunk: Buffer): void {
    if (run.closed) return;
    if (run.mjpeg) {
      const before = run.mjpeg.corruptFrames;
      const jpegs = run.mjpeg.push(chunk);
      this.counters.corruptFrames += run.mjpeg.corruptFrames - before;
      run.mjpeg.corruptFrames = 0;
      for (const bytes of jpegs) this.emit(run, { kind: 'encoded', bytes });
      return;
    }
    if (!run.raw) {
      // Size not logged yet: hold the bytes (stdout and stderr are separate pipes, either may come first).
      run.unsized.push(chunk);
      run.unsizedBytes += chunk.length;
      if (run.unsizedBytes > MAX_UNSIZED_BYTES) {
        const detail = `${this.command.program} wrote ${run.unsizedBytes} bytes without logging the frame size; give width and height`;
        void run.supervisor?.stop();
        this.end(run, sourceError(this.name, 'ERR_SOURCE_READ', detail));
      }
      return;
    }
    this.splitRaw(run, chunk);
  }

  private splitRaw(run: Run, chunk: Buffer): void {
    const output = this.command.output;
    if (output.kind !== 'raw' || !run.raw) return;
    if (this.decodeTo) {
      const { width, height } = this.decodeTo;
      const scaledFrom = this.fullSize(run)!;
      for (const data of run.raw.push(chunk)) {
        if (run.closed) return;
        this.emit(run, { kind: 'raw', format: 'rgb24', width, height, data, scaledFrom });
      }
      return;
    }
    const size = run.sizeFromLog?.size ?? { width: output.width!, height: output.height! };
    for (const data of run.raw.push(chunk)) {
      if (run.closed) return;
      this.emit(run, { kind: 'raw', format: output.format, width: size.width, height: size.height, data });
    }
  }

  /** With decodeTo: the size the frame would have without it (configured, else ffmpeg's upright input size). */
  private fullSize(run: Run): { width: number; height: number } | undefined {
    if (this.config.width !== undefined && this.config.height !== undefined) return { width: this.config.width, height: this.config.height };
    return run.sizeFromLog?.inputSize;
  }

  private emit(run: Run, image: ImagePayload): void {
    if (run.closed) return;
    // The run produces: what it logged while starting goes to the log now (see child-log.ts: each line once).
    if (run.framesThisRun === 0) this.flushHeldLines(run);
    run.framesThisRun += 1;
    run.runsWithoutFrame = 0;
    this.counters.frames += 1;
    if (run.downSince !== undefined) {
      this.counters.downtimeMs += performance.now() - run.downSince;
      run.downSince = undefined;
    }
    run.supervisor?.progress();
    if (this.state !== 'running') this.stateSubject.next('running');
    const frame: Frame = {
      id: this.nextId++,
      source: this.name,
      capturedMonoMs: this.clock.now(),
      capturedWallMs: this.clock.wallNow(),
      payload: image,
      meta: { input: this.config.input, restarts: run.restarts },
    };
    if (run.queue) run.queue.push(frame);
    else run.subscriber.next(frame);
  }

  private flushHeldLines(run: Run): void {
    if (run.tail.dropped > 0) this.forward(run, `(${run.tail.dropped} earlier line${run.tail.dropped === 1 ? '' : 's'} left out)`);
    for (const line of run.tail.lines) this.forward(run, line);
  }

  /** Before the run's first frame a line is only kept; after it, it is also forwarded (child-log.ts). */
  private stderrLine(run: Run, line: string): void {
    if (!this.command.ffmpegLog) {
      run.tail.push(line);
      if (run.framesThisRun > 0) this.forward(run, line);
      return;
    }
    const { level } = ffmpegLogLevel(line);
    if (level === 'info' || level === 'verbose' || level === 'debug' || level === 'trace') {
      const logged = run.sizeFromLog && !run.raw ? run.sizeFromLog.take(line) : undefined;
      const size = this.decodeTo ? (this.fullSize(run) && this.decodeTo) : logged;
      const output = this.command.output;
      if (size && output.kind === 'raw' && !run.raw) {
        run.raw = new RawFrameSplitter(rawFrameBytes(output.format, size.width, size.height));
        const held = run.unsized;
        run.unsized = [];
        run.unsizedBytes = 0;
        for (const chunk of held) this.splitRaw(run, chunk);
      }
      return;
    }
    if (isExpectedFfmpegWarning(line)) return;
    run.tail.push(line);
    if (run.framesThisRun > 0) this.forward(run, line);
  }

  private forward(run: Run, line: string): void {
    const before = run.log.suppressedTotal;
    run.log.send(`source ${this.name}: ${this.command.program}: ${line}`);
    this.counters.suppressedLogLines += run.log.suppressedTotal - before;
  }

  private afterRun(run: Run, end: ChildRunEnd): AfterRun {
    if (run.closed) return 'complete';
    if (end.stalled) this.counters.stalls += 1;
    if (this.finite && end.code === 0 && !end.stalled && run.framesThisRun > 0) {
      // The end of the input (ffmpeg loops a file itself; one that still ends is given the next pass the same way).
      this.counters.passes += 1;
      run.tail.clear();
      if (!this.config.loop) return 'complete';
      run.repeating = true;
      return 'repeat';
    }
    if (run.framesThisRun === 0) run.runsWithoutFrame += 1;
    const verdict = judgeEndedRun({
      source: this.name,
      program: this.command.program,
      end,
      stallTimeoutMs: this.config.stallTimeoutMs,
      startTimeoutMs: this.config.startTimeoutMs,
      unit: 'frame',
      stallNoun: 'frame',
      produced: run.framesThisRun,
      from: this.config.input,
      emptyRuns: run.runsWithoutFrame,
      maxEmptyRuns: this.maxEmptyRuns,
      tail: run.tail.text(),
      liveCommand: this.config.command !== undefined && !this.config.finite,
    });
    if ('error' in verdict) return verdict.error;
    run.log.send(verdict.restartLine);
    run.tail.clear();
    run.downSince ??= performance.now();
    this.stateSubject.next('restarting');
    return 'restart';
  }

  private end(run: Run, error: Error | undefined): void {
    if (run.closed) return;
    // Frames of a finite input still waiting for room are delivered before the end.
    if (!error && run.queue && run.queue.pending > 0) {
      run.queue.whenDrained(() => this.end(run, undefined));
      return;
    }
    run.closed = true;
    if (error) {
      this.stateSubject.next('failed');
      run.subscriber.error(error);
    } else {
      this.stateSubject.next('ended');
      run.subscriber.complete();
    }
  }
}
