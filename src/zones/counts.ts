/**
 * State, not only events: per zone and label the objects inside now and the entries so far; per line and label
 * the crossings each way. Updated by the zone engine; `snapshot()` is the compact form for retained MQTT topics
 * and /metrics.
 */
import type { CountsSnapshot, LineDirection, LineLabelCount, ZoneLabelCount } from '../core/events.js';

export type { CountsSnapshot, LineLabelCount, ZoneLabelCount };

export class ZoneCounts {
  private readonly zones = new Map<string, Map<string, ZoneLabelCount>>();
  private readonly lines = new Map<string, Map<string, LineLabelCount>>();

  /**
   * Zones and lines known from the start, with their listed classes at 0 (so a count topic or a gauge exists
   * before the first object). Zones counting every label gain labels as they are seen.
   */
  constructor(zones: ReadonlyArray<{ name: string; classes?: readonly string[] | undefined }> = [], lines: ReadonlyArray<{ name: string; classes?: readonly string[] | undefined }> = []) {
    for (const zone of zones) this.zones.set(zone.name, new Map((zone.classes ?? []).map((label) => [label, { count: 0, entries: 0 }])));
    for (const line of lines) this.lines.set(line.name, new Map((line.classes ?? []).map((label) => [label, { in: 0, out: 0 }])));
  }

  private zoneLabel(zone: string, label: string): ZoneLabelCount {
    let labels = this.zones.get(zone);
    if (!labels) this.zones.set(zone, (labels = new Map()));
    let entry = labels.get(label);
    if (!entry) labels.set(label, (entry = { count: 0, entries: 0 }));
    return entry;
  }

  entered(zone: string, label: string): void {
    const entry = this.zoneLabel(zone, label);
    entry.count += 1;
    entry.entries += 1;
  }

  left(zone: string, label: string): void {
    const entry = this.zoneLabel(zone, label);
    entry.count = Math.max(0, entry.count - 1);
  }

  crossed(line: string, label: string, direction: LineDirection): void {
    let labels = this.lines.get(line);
    if (!labels) this.lines.set(line, (labels = new Map()));
    let entry = labels.get(label);
    if (!entry) labels.set(label, (entry = { in: 0, out: 0 }));
    entry[direction] += 1;
  }

  /** Objects of `label` (or of every label) inside `zone` now. */
  count(zone: string, label?: string): number {
    const labels = this.zones.get(zone);
    if (!labels) return 0;
    if (label !== undefined) return labels.get(label)?.count ?? 0;
    let total = 0;
    for (const entry of labels.values()) total += entry.count;
    return total;
  }

  /** A copy, labels sorted, safe to serialise and keep. */
  snapshot(): CountsSnapshot {
    const sorted = <T>(labels: Map<string, T>, copy: (v: T) => T): Record<string, T> =>
      Object.fromEntries([...labels].sort(([a], [b]) => a.localeCompare(b)).map(([label, v]) => [label, copy(v)]));
    return {
      zones: Object.fromEntries([...this.zones].map(([zone, labels]) => [zone, sorted(labels, (v) => ({ ...v }))])),
      lines: Object.fromEntries([...this.lines].map(([line, labels]) => [line, sorted(labels, (v) => ({ ...v }))])),
    };
  }
}
