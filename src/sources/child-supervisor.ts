/**
 * Runs a producer program as a child process and keeps it running: a run that exits (any code, any signal), makes
 * no progress within `startTimeoutMs` of its spawn, or stops making progress for `stallTimeoutMs` after that is
 * replaced after an exponential backoff with jitter, unless its owner judges the exit to be the end of a finite
 * input (`onExit` answers `complete`, or `repeat` for the next pass of a loop, started at once). Generic over what
 * the child writes; the camera source turns its stdout into frames. The owner may hold the child's output
 * (backpressure for a finite input): a held run is not judged stalled.
 *
 * Two timeouts because starting is slower than running: an RTSP camera connects and waits for a key frame, and
 * ffmpeg on a busy board took ~450 ms to its first frame where frames then came every 33 ms. One timeout from the
 * spawn would restart such a producer forever (a short stall timeout) or notice a frozen one late (a long one).
 *
 * The child is spawned with an argument array (no shell) in a process group of its own, so stopping it also
 * stops anything it started (gst-launch pipelines, wrapper scripts): SIGTERM (plus SIGCONT, for a stopped child)
 * to the group, then SIGKILL after `killGraceMs`. Node reaps the child, so no zombie is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { LineSplitter } from './child-log.js';
import { sourceError } from './errors.js';

/** What every supervised producer (a camera's ffmpeg, an audio recorder) counts, over all its subscriptions. */
export interface SupervisedRunCounters {
  /** Producer runs started after the first of a subscription. */
  restarts: number;
  /** Runs killed because nothing came: none within `start_timeout_ms` of the start, or for `stall_timeout_ms`. */
  stalls: number;
  /** Units dropped: frames or samples cut short by a restart, JPEGs without an end marker. */
  corruptFrames: number;
  /** stderr lines not forwarded to warn because of the rate limit. */
  suppressedLogLines: number;
  /** Milliseconds without data between a run's end and the next run's first data (the restart gaps). */
  downtimeMs: number;
}

/** Why a run ended, as the owner sees it. */
export interface ChildRunEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The supervisor killed it for lack of progress (before the first progress or after it). */
  stalled: boolean;
  /** ... and it had made no progress at all: `startTimeoutMs` passed without any. */
  startTimedOut: boolean;
  /** Milliseconds the run lasted. */
  ranMs: number;
}

/** One run that ended and was not the last, as its owner (a camera, an audio source) judges it. */
export interface EndedRun {
  /** `<pipeline>/<kind>`, for the error. */
  source: string;
  program: string;
  end: ChildRunEnd;
  stallTimeoutMs: number;
  startTimeoutMs: number;
  /** What a run produces, singular: `frame`, `sample`. */
  unit: string;
  /** How the stall line names what did not come: `frame` (no frame for ...), `samples` (no samples for ...). */
  stallNoun: string;
  /** How many of them this run produced, and from where (`/dev/video0`, `plughw:1,0`). */
  produced: number;
  from: string;
  /** Runs in a row that produced nothing, this one included; the source fails at `maxEmptyRuns`. */
  emptyRuns: number;
  maxEmptyRuns: number;
  /** The producer's last stderr lines. */
  tail: string;
  /** A live `command` that exited 0 after output: it may have read a file that ended; say how to declare that. */
  liveCommand?: boolean;
}

/**
 * The error that fails the source (too many runs in a row without output), or the line to log before restarting:
 * `ffmpeg exited with code 1 after 0 frames from /dev/video0; restarting: <its last stderr lines>`, or for a
 * run that never produced: `ffmpeg was killed: no frame from rtsp://cam within start_timeout_ms (30000 ms) of starting`.
 */
export function judgeEndedRun(run: EndedRun): { error: Error } | { restartLine: string } {
  const { end } = run;
  const how = end.stalled
    ? `stalled (no ${run.stallNoun} for ${run.stallTimeoutMs} ms) and was killed`
    : end.signal
      ? `was killed by ${end.signal}`
      : `exited with code ${end.code}`;
  const detail = end.startTimedOut
    ? `${run.program} was killed: no ${run.unit} from ${run.from} within start_timeout_ms (${run.startTimeoutMs} ms) of starting`
    : `${run.program} ${how} after ${run.produced} ${run.unit}${run.produced === 1 ? '' : 's'} from ${run.from}`;
  if (run.emptyRuns >= run.maxEmptyRuns) {
    const inARow = run.emptyRuns > 1 ? `, ${run.emptyRuns} runs in a row without a ${run.unit}` : '';
    const message = `${detail}${inARow}${run.tail ? `: ${run.tail}` : ''}`;
    return { error: sourceError(run.source, 'ERR_SOURCE_READ', message) };
  }
  const hint = run.liveCommand && end.code === 0 && !end.stalled && run.produced > 0 ? ' (a command whose input ends, such as a file, needs finite: true)' : '';
  return { restartLine: `source ${run.source}: ${detail}; restarting${hint}${run.tail && run.produced === 0 ? `: ${run.tail}` : ''}` };
}

/**
 * The supervisor's own record of its last stall kill (performance.now() times): the progress it judged from and
 * when it sent the kill. Frames can still arrive after `killedAtMs`: the SIGCONT sent with the SIGTERM resumes a
 * stopped producer, and ffmpeg writes the frame it had in hand before it acts on the SIGTERM.
 */
export interface StallKill {
  /** The last progress() before the kill (the spawn time if there was none). */
  lastProgressMs: number;
  killedAtMs: number;
}

/**
 * What the owner decides after a run ended: run again after the backoff (`restart`, a failure), run again at once
 * (`repeat`: a finite input reached its end and loops), end quietly, or fail with this error.
 */
export type AfterRun = 'restart' | 'repeat' | 'complete' | Error;

/** Supervisor state; `restarting` covers the backoff wait and the new run until it makes progress. */
export type ChildState = 'starting' | 'running' | 'restarting' | 'stopped';

export interface ChildSupervisorOptions {
  program: string;
  args: readonly string[];
  /** No `progress()` call for this long (ms) after the last one = stalled: kill and restart. */
  stallTimeoutMs: number;
  /** No `progress()` call at all for this long (ms) after a spawn = did not start: kill and restart. */
  startTimeoutMs: number;
  /** Backoff: `initialMs` doubling up to `maxMs`, each wait drawn from [half, all] of it (equal jitter). */
  backoff: { initialMs: number; maxMs: number };
  /** SIGTERM to SIGKILL, ms (default 2000). */
  killGraceMs?: number;
  /** A run that made progress for this long resets the backoff (default 10000 ms). */
  healthyRunMs?: number;
  /** [0, 1) random numbers for the jitter (default Math.random). */
  random?: () => number;
  onStdout(chunk: Buffer): void;
  onStderrLine(line: string): void;
  /** A new run started (after spawn). `run` counts from 0. */
  onSpawn?(pid: number, run: number): void;
  onExit(end: ChildRunEnd): AfterRun;
  onStateChange?(state: ChildState): void;
  /** The supervision ended: `error` undefined = complete. Not called after stop(). */
  onEnd(error: Error | undefined): void;
  /** spawn() itself failed (ENOENT: program missing); the error to report. */
  spawnError(error: Error): Error;
}

export class ChildSupervisor {
  private readonly options: ChildSupervisorOptions;
  private child: ChildProcess | undefined;
  private runs = 0;
  private failures = 0;
  private lastProgress = 0;
  private startedAt = 0;
  private progressed = false;
  private stalled = false;
  private startTimedOut = false;
  private stopped = false;
  private stallTimer: NodeJS.Timeout | undefined;
  private stallCheck: NodeJS.Immediate | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> = Promise.resolve();
  private currentState: ChildState = 'starting';
  private stallKill: StallKill | undefined;
  /** The owner holds the output (backpressure): stdout is paused and a stall is not judged meanwhile. */
  private held = false;

  constructor(options: ChildSupervisorOptions) {
    this.options = options;
  }

  get state(): ChildState {
    return this.currentState;
  }

  /** The running child's pid, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** When the last stall kill was sent and the progress it was judged from (diagnostics and tests). */
  get lastStallKill(): StallKill | undefined {
    return this.stallKill;
  }

  /** Runs started so far. */
  get runCount(): number {
    return this.runs;
  }

  start(): void {
    this.spawnRun();
  }

  /** The owner saw progress (a frame): resets the stall timer; the first one ends the start allowance. */
  progress(): void {
    this.lastProgress = performance.now();
    if (!this.progressed) {
      this.progressed = true;
      // The timer armed at the spawn waits startTimeoutMs; from now on a stall is stallTimeoutMs without progress.
      if (this.stallTimer) {
        clearTimeout(this.stallTimer);
        this.armStallTimer(this.options.stallTimeoutMs);
      }
      this.setState('running');
    }
  }

  /**
   * Backpressure for a finite input read as fast as it is taken: stops reading the child's stdout until
   * `release()`, so the child blocks on a full pipe instead of being read into memory. A held run is not stalled.
   */
  hold(): void {
    this.held = true;
    this.child?.stdout?.pause();
  }

  /** Reads the child's stdout again; the stall timeout counts from now. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.lastProgress = performance.now();
    this.child?.stdout?.resume();
  }

  /** Stops supervising and ends the child (SIGTERM, SIGKILL after the grace period). Resolves once it is gone. */
  stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    if (this.child) this.kill(this.child);
    this.setState('stopped');
    return this.exited;
  }

  private setState(state: ChildState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.options.onStateChange?.(state);
  }

  private spawnRun(): void {
    const { program, args } = this.options;
    let child: ChildProcess;
    try {
      child = spawn(program, [...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (error) {
      this.finish(this.options.spawnError(error as Error));
      return;
    }
    this.child = child;
    const run = this.runs++;
    this.startedAt = performance.now();
    this.lastProgress = this.startedAt;
    this.progressed = false;
    this.stalled = false;
    this.startTimedOut = false;
    const lines = new LineSplitter();
    let spawnFailed: Error | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (error) => {
        // Only spawn failures arrive here before 'close'; kill() errors are ignored.
        if (child.pid === undefined) spawnFailed = error;
      });
      child.once('close', (code, signal) => {
        for (const line of lines.end()) this.options.onStderrLine(line);
        this.onClose(child, code, signal, spawnFailed);
        resolve();
      });
    });
    child.stdout!.on('data', (chunk: Buffer) => this.options.onStdout(chunk));
    // The owner's hold outlives a run: what the last run wrote may still wait for room when the next one starts.
    if (this.held) child.stdout!.pause();
    child.stderr!.on('data', (chunk: Buffer) => {
      for (const line of lines.push(chunk)) this.options.onStderrLine(line);
    });
    if (child.pid !== undefined) this.options.onSpawn?.(child.pid, run);
    this.armStallTimer(this.options.startTimeoutMs);
  }

  private onClose(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, spawnFailed: Error | undefined): void {
    if (this.child === child) this.child = undefined;
    this.clearTimers();
    if (this.stopped) return;
    if (spawnFailed) {
      this.finish(this.options.spawnError(spawnFailed));
      return;
    }
    const ranMs = performance.now() - this.startedAt;
    const decision = this.options.onExit({ code, signal, stalled: this.stalled, startTimedOut: this.startTimedOut, ranMs });
    if (decision === 'complete') this.finish(undefined);
    else if (decision instanceof Error) this.finish(decision);
    else if (decision === 'repeat') this.repeat();
    else this.scheduleRestart(ranMs);
  }

  private scheduleRestart(ranMs: number): void {
    const { backoff, healthyRunMs = 10_000, random = Math.random } = this.options;
    if (this.progressed && ranMs >= healthyRunMs) this.failures = 0;
    const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 30);
    const delay = ceiling / 2 + random() * (ceiling / 2);
    this.setState('restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) this.spawnRun();
    }, delay);
  }

  /** The next pass over a finite input: not a failure, so no backoff (and the backoff starts afresh). */
  private repeat(): void {
    this.failures = 0;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) this.spawnRun();
    }, 0);
  }

  private finish(error: Error | undefined): void {
    this.stopped = true;
    this.clearTimers();
    this.setState('stopped');
    this.options.onEnd(error);
  }

  /** Before the first progress: startTimeoutMs from the spawn; after it: stallTimeoutMs from the last progress. */
  private armStallTimer(ms: number): void {
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      // Judge after this turn's I/O: timers run before the poll phase, so after the event loop was blocked (a
      // busy machine, a long synchronous task) frames the producer wrote meanwhile are still unread in the pipe.
      this.stallCheck = setImmediate(() => {
        this.stallCheck = undefined;
        // Held by the owner: the child waits for us, not the other way round.
        if (this.held) {
          this.armStallTimer(this.options.stallTimeoutMs);
          return;
        }
        const idle = performance.now() - this.lastProgress;
        const left = (this.progressed ? this.options.stallTimeoutMs : this.options.startTimeoutMs) - idle;
        if (left > 1) {
          this.armStallTimer(left);
          return;
        }
        if (this.child) {
          this.stalled = true;
          this.startTimedOut = !this.progressed;
          this.stallKill = { lastProgressMs: this.lastProgress, killedAtMs: performance.now() };
          this.kill(this.child);
        }
      });
    }, ms);
  }

  /** SIGTERM (and SIGCONT, so a stopped child can act on it) to the child's group; SIGKILL after the grace. */
  private kill(child: ChildProcess): void {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const pid = child.pid;
    signalGroup(pid, 'SIGTERM');
    signalGroup(pid, 'SIGCONT');
    clearTimeout(this.killTimer);
    this.killTimer = setTimeout(() => {
      this.killTimer = undefined;
      signalGroup(pid, 'SIGKILL');
    }, this.options.killGraceMs ?? 2000);
  }

  private clearTimers(): void {
    clearTimeout(this.stallTimer);
    clearImmediate(this.stallCheck);
    clearTimeout(this.restartTimer);
    this.stallTimer = undefined;
    this.stallCheck = undefined;
    this.restartTimer = undefined;
    // The kill timer stays until the child has closed: it guarantees the SIGKILL.
    if (!this.child) {
      clearTimeout(this.killTimer);
      this.killTimer = undefined;
    }
  }
}

/** Signals the process group led by `pid` (the child was spawned detached), falling back to the process. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
