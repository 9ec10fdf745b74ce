/**
 * The LiveState JSON of GET /api/state and the SSE `state` event (docs/live-view.md): per pipeline its state,
 * source, delegates, fps, drops, latency, last reload, frame size and zones, and the SoC temperature. Read from
 * the supervisors and the pipelines' own reports; fps over the last few seconds of samples taken here.
 */
import path from 'node:path';
import { isSensorSource } from '../config/sensor-channels.js';
import type { PipelineConfig } from '../config/types.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { Supervisor } from '../pipeline/supervisor.js';
import { redact } from '../runtime/secrets.js';
import type { FrameTap } from './frame-tap.js';

export type Point = [number, number];

export interface LivePipeline {
  name: string;
  state: string;
  kind: 'image' | 'series';
  paused: boolean;
  source: { state: string; last_frame_age_ms: number | null; error: string | null };
  delegate: { active: string; refused: Array<{ name: string; reason: string }> };
  fps_in: number;
  fps_out: number;
  drops: Record<string, number>;
  latency_ms: Record<string, { p50: number; p99: number }>;
  last_reload: { outcome: string; time: string; message: string } | null;
  frame: { width: number; height: number } | null;
  zones: Array<{ name: string; points: Point[] }>;
  lines: Array<{ name: string; points: Point[] }>;
  file: string;
}

export interface LiveState {
  time: string;
  version: string;
  soc: { temperature_c: number | null; throttled: boolean | null };
  pipelines: LivePipeline[];
}

/** Samples kept for the fps, and the span they cover at most, ms. */
const FPS_WINDOW_MS = 5000;
const SAMPLE_EVERY_MS = 250;

interface Sample {
  at: number;
  framesIn: number;
  framesOut: number;
}

/** Frames per second in and out over the last FPS_WINDOW_MS, from counters sampled whenever the state is read. */
export class FpsMeter {
  private readonly samples = new Map<string, { pipeline: Pipeline; list: Sample[] }>();

  rates(name: string, pipeline: Pipeline, framesIn: number, framesOut: number): { fpsIn: number; fpsOut: number } {
    const now = performance.now();
    let entry = this.samples.get(name);
    // A new instance (restart, reload) starts its counters at 0.
    if (!entry || entry.pipeline !== pipeline) {
      entry = { pipeline, list: [] };
      this.samples.set(name, entry);
    }
    const list = entry.list;
    const last = list[list.length - 1];
    if (!last || now - last.at >= SAMPLE_EVERY_MS) list.push({ at: now, framesIn, framesOut });
    while (list.length > 2 && now - list[0]!.at > FPS_WINDOW_MS) list.shift();
    const first = list[0]!;
    const seconds = (now - first.at) / 1000;
    if (seconds < 0.2) return { fpsIn: 0, fpsOut: 0 };
    const rate = (delta: number): number => Math.round((delta / seconds) * 10) / 10;
    return { fpsIn: rate(framesIn - first.framesIn), fpsOut: rate(framesOut - first.framesOut) };
  }
}

/** The YAML file a pipeline came from: its origin (`file:line:col`) without the position, absolute. */
export function pipelineFile(config: PipelineConfig): string {
  return path.resolve(config.origin.replace(/:\d+:\d+$/, ''));
}

function toPixels(points: ReadonlyArray<readonly [number, number]>, units: 'pixels' | 'fraction', frame: { width: number; height: number } | undefined): Point[] | undefined {
  if (units === 'pixels') return points.map(([x, y]) => [x, y]);
  if (!frame) return undefined;
  return points.map(([x, y]) => [Math.round(x * frame.width * 10) / 10, Math.round(y * frame.height * 10) / 10]);
}

/** The frame size a pipeline's source announces (camera and synthetic sources give one). */
function configuredSize(config: PipelineConfig): { width: number; height: number } | undefined {
  const source = config.source as { width?: unknown; height?: unknown };
  return typeof source.width === 'number' && typeof source.height === 'number' ? { width: source.width, height: source.height } : undefined;
}

export function buildLiveState(supervisors: readonly Supervisor[], taps: ReadonlyMap<string, FrameTap>, fps: FpsMeter, version: string): LiveState {
  let temperature: number | null = null;
  let throttled: boolean | null = null;
  const pipelines: LivePipeline[] = [];
  for (const supervisor of supervisors) {
    const byName = new Map(supervisor.pipelines().map((p) => [p.name, p]));
    for (const status of supervisor.status()) {
      const pipeline = byName.get(status.name);
      if (!pipeline) continue;
      const config = pipeline.settings;
      const report = pipeline.peek();
      if (report.thermal) {
        temperature = Math.max(temperature ?? -Infinity, report.thermal.celsius);
        throttled = (throttled ?? false) || report.thermal.throttling;
      }
      const tap = taps.get(status.name);
      const frame = tap?.frameSize ?? configuredSize(config);
      const { fpsIn, fpsOut } = fps.rates(status.name, pipeline, report.framesIn, report.framesOut);
      const drops: Record<string, number> = {};
      for (const [reason, count] of Object.entries(report.drops)) if (typeof count === 'number') drops[reason] = count;
      pipelines.push({
        name: status.name,
        state: status.state,
        kind: isSensorSource(config.source) ? 'series' : 'image',
        paused: report.paused === true,
        source: {
          state: report.source?.state ?? (status.state === 'running' ? 'running' : status.state),
          last_frame_age_ms: report.lastFrameAgeMs ?? null,
          error: status.lastError ? redact(status.lastError) : null,
        },
        delegate: {
          active: status.delegate,
          refused: pipeline.refusedDelegates.map((r) => ({ name: r.delegate, reason: `${r.stage}: ${redact(r.reason)}` })),
        },
        fps_in: fpsIn,
        fps_out: fpsOut,
        drops,
        latency_ms: report.latencyMs,
        last_reload: tap?.lastReload ?? null,
        frame: frame ?? null,
        zones: (config.zones ?? []).flatMap((zone) => {
          const points = toPixels(zone.points, zone.units, frame);
          return points ? [{ name: zone.name, points }] : [];
        }),
        lines: (config.lines ?? []).flatMap((line) => {
          const points = toPixels(line.points, line.units, frame);
          return points ? [{ name: line.name, points }] : [];
        }),
        file: pipelineFile(config),
      });
    }
  }
  return { time: new Date().toISOString(), version, soc: { temperature_c: temperature, throttled }, pipelines };
}
