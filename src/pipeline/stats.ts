/**
 * Per-pipeline counters and latency windows, reported every stats interval. Bounded: latency keeps the last
 * WINDOW samples per stage.
 */
import { summarise } from '../runtime/timing.js';
import type { StageLatency } from './frame.js';
import type { SinkStats } from '../sinks/types.js';
import type { SourceHealth } from '../sources/types.js';
import type { ThermalReading } from './thermal.js';

const WINDOW = 1024;

export type DropReason =
  | 'buffer'
  | 'every'
  | 'max_fps'
  | 'thermal'
  | 'preprocess_error'
  | 'infer_error'
  | 'infer_timeout'
  | 'postprocess_error'
  | 'stopping'
  /** Frames that arrived (or finished) while the pipeline was paused by a command. */
  | 'paused';

export interface StatsReport {
  pipeline: string;
  state: string;
  intervalS: number;
  framesIn: number;
  framesOut: number;
  fpsIn: number;
  fpsOut: number;
  drops: Partial<Record<DropReason, number>>;
  latencyMs: Record<keyof StageLatency, { p50: number; p99: number }>;
  delegate: string;
  failovers: number;
  /**
   * Supervised sources (cameras, sensors), and any source once it has failed: state, restarts (the engine's
   * re-subscriptions included), corrupt frames and downtime (counted while down, the current outage included).
   */
  source?: SourceHealth;
  /** Milliseconds since the source's last frame (absent before the first): a frozen or dead input shows here. */
  lastFrameAgeMs?: number;
  /** The SoC temperature, when the machine has readable thermal zones, and whether pipelines are throttled. */
  thermal?: ThermalReading;
  /** Each configured sink's counters, by sink name (`door/mqtt`): written, dropped, pending (the outbox depth). */
  sinks?: Record<string, SinkStats>;
  /** Present while the pipeline is paused by a command. */
  paused?: true;
}

class Window {
  private readonly samples = new Float64Array(WINDOW);
  private count = 0;

  add(value: number): void {
    this.samples[this.count % WINDOW] = value;
    this.count += 1;
  }

  summary(): { p50: number; p99: number } {
    const n = Math.min(this.count, WINDOW);
    if (n === 0) return { p50: 0, p99: 0 };
    const s = summarise(Array.from(this.samples.subarray(0, n)));
    return { p50: Math.round(s.p50 * 1000) / 1000, p99: Math.round(s.p99 * 1000) / 1000 };
  }
}

export class PipelineStats {
  framesIn = 0;
  framesOut = 0;
  readonly drops: Partial<Record<DropReason, number>> = {};
  private readonly windows: Record<keyof StageLatency, Window> = {
    queue: new Window(),
    preprocess: new Window(),
    infer: new Window(),
    postprocess: new Window(),
    total: new Window(),
  };
  private lastReportMs = performance.now();
  private lastIn = 0;
  private lastOut = 0;

  constructor(readonly pipeline: string) {}

  drop(reason: DropReason, count = 1): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + count;
  }

  get dropped(): number {
    return Object.values(this.drops).reduce((a, b) => a + (b ?? 0), 0);
  }

  record(latency: StageLatency): void {
    this.framesOut += 1;
    for (const key of Object.keys(this.windows) as Array<keyof StageLatency>) this.windows[key].add(latency[key]);
  }

  /**
   * Totals since start, rates since the previous report. `advance` false reads without starting a new rate
   * window: for readers besides the stats lines (metrics, the MQTT stats topic) that must not shift their fps.
   */
  report(
    state: string,
    delegate: string,
    failovers: number,
    source?: SourceHealth,
    thermal?: ThermalReading,
    sinks?: Record<string, SinkStats>,
    advance = true,
  ): StatsReport {
    const now = performance.now();
    const seconds = Math.max(1e-3, (now - this.lastReportMs) / 1000);
    const fpsIn = (this.framesIn - this.lastIn) / seconds;
    const fpsOut = (this.framesOut - this.lastOut) / seconds;
    if (advance) {
      this.lastReportMs = now;
      this.lastIn = this.framesIn;
      this.lastOut = this.framesOut;
    }
    const latencyMs = {} as StatsReport['latencyMs'];
    for (const key of Object.keys(this.windows) as Array<keyof StageLatency>) latencyMs[key] = this.windows[key].summary();
    return {
      pipeline: this.pipeline,
      state,
      intervalS: Math.round(seconds * 1000) / 1000,
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      fpsIn: Math.round(fpsIn * 100) / 100,
      fpsOut: Math.round(fpsOut * 100) / 100,
      drops: { ...this.drops },
      latencyMs,
      delegate,
      failovers,
      ...(source ? { source } : {}),
      ...(thermal ? { thermal } : {}),
      ...(sinks && Object.keys(sinks).length > 0 ? { sinks } : {}),
    };
  }
}
