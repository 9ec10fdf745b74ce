/**
 * The SoC temperature, read every few seconds for every pipeline of the process, and the throttle it implies:
 * above `throttle_c` each pipeline lets at most `throttle_max_fps` frames per second into inference, until the
 * temperature is `hysteresis_c` below the threshold again. A board that throttles its clocks by itself gets
 * slower frames anyway; throttling here spends those cycles on fewer frames instead of a growing backlog, and
 * keeps the SoC away from the point where its firmware halves the clocks.
 *
 * One monitor per distinct settings, shared (reference-counted) by the pipelines that use them.
 */
import type { ThermalConfig } from '../config/types.js';
import { detectBoard, readThermalZones, socTemperature } from '../boards/index.js';

import type { ThermalReading } from '../core/stats-report.js';

export type { ThermalReading };

export class ThermalMonitor {
  private static readonly shared = new Map<string, { monitor: ThermalMonitor; users: number }>();
  private readonly config: ThermalConfig;
  private readonly key: string;
  private timer: NodeJS.Timeout | undefined;
  /** thermal_zone types to watch, resolved once; undefined inside: every zone (a board without a profile). */
  private watched: { zones: readonly string[] | undefined } | undefined;
  private latest: ThermalReading | undefined;
  private reading: Promise<void> | undefined;

  private constructor(config: ThermalConfig, key: string) {
    this.config = config;
    this.key = key;
  }

  /** The monitor for these settings, started on first use. Call `release()` once per `acquire()`. */
  static acquire(config: ThermalConfig): ThermalMonitor {
    const key = JSON.stringify(config);
    let entry = ThermalMonitor.shared.get(key);
    if (!entry) {
      entry = { monitor: new ThermalMonitor(config, key), users: 0 };
      ThermalMonitor.shared.set(key, entry);
      entry.monitor.start();
    }
    entry.users += 1;
    return entry.monitor;
  }

  release(): void {
    const entry = ThermalMonitor.shared.get(this.key);
    if (!entry || entry.monitor !== this) return;
    entry.users -= 1;
    if (entry.users > 0) return;
    ThermalMonitor.shared.delete(this.key);
    clearInterval(this.timer);
  }

  /** The last reading; undefined before the first one or when no zone is readable (VMs, containers). */
  get current(): ThermalReading | undefined {
    return this.latest;
  }

  /** Frames per second a pipeline may take now: undefined when not throttling. */
  get maxFps(): number | undefined {
    return this.latest?.throttling ? this.config.throttleMaxFps : undefined;
  }

  /** Reads once now (tests and the first stats line need not wait for the timer). */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.intervalS * 1000);
    this.timer.unref();
  }

  private async watchedZones(): Promise<readonly string[] | undefined> {
    // The board's profile knows which zones are the SoC's; detection reads a few small files, once.
    this.watched ??= { zones: this.config.zones ?? (await detectBoard({ root: this.config.root })).profile?.thermal.zones };
    return this.watched.zones;
  }

  private async read(): Promise<void> {
    const watched = await this.watchedZones();
    const zones = await readThermalZones(this.config.root);
    const types = watched ?? zones.flatMap((zone) => ('celsius' in zone ? [zone.type] : []));
    const limit = this.config.throttleC;
    const hottest = socTemperature(zones, { thermal: { zones: types, throttleC: limit ?? Infinity } });
    if (!hottest) {
      this.latest = undefined;
      return;
    }
    const wasThrottling = this.latest?.throttling ?? false;
    const throttling =
      limit !== undefined && (wasThrottling ? hottest.celsius > limit - this.config.hysteresisC : hottest.celsius >= limit);
    this.latest = { celsius: hottest.celsius, zone: hottest.type, throttling };
  }
}
