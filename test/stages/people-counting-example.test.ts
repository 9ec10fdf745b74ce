/**
 * pipelines/people-counting-door.yaml, as shipped, on video/people-walk.mp4 (3 people, one at a time, walk in
 * from the bottom, stand at the table, walk out through the door on the right; README of ../shared/models: about
 * 0:06-0:19, 0:23-0:44, 0:50-1:09) in real time through the COCO detector: what the example promises, each
 * visitor counted once at the table and once through the door, going out, and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { takeTurnsWithRealtimeVideoTests } from '../helpers/realtime-slot.js';
import { hasSharedModels } from '../helpers/shared-models.js';
import { runFfmpegTests } from '../sources/camera-helpers.js';
import { describeEvents, runExample } from './example-runner.js';

describe.skipIf(!hasSharedModels || !runFfmpegTests)('people-counting-door.yaml on people-walk.mp4', () => {
  takeTurnsWithRealtimeVideoTests();

  it('counts 3 visits at the table, 3 loiterers and 3 people out through the door, none in', async () => {
    const { pipeline, predictions, events, counts } = await runExample('people-counting-door.yaml');
    const report = pipeline.report();
    const t0 = predictions[0]?.capturedWallMs ?? 0;
    const text = describeEvents(events, t0);
    console.log(`people-counting-door: frames in ${report.framesIn}, inferred ${predictions.length}, skipped ${JSON.stringify(report.skipped)}, drops ${JSON.stringify(report.drops)}; ${text}; counts ${JSON.stringify(counts)}`);
    const of = (type: string) => events.filter((e) => e.type === type);
    expect(of('track_start').map((e) => e.label), text).toEqual(['person', 'person', 'person']);
    const ids = of('track_start').map((e) => e.trackId);
    // Each visitor: enters the table zone, loiters, leaves it; crosses the door once, going out. (Whether and when
    // they also become `stationary`, 10 s still, depends on how long each stands: not the example's promise.)
    for (const id of ids) {
      const own = events.filter((e) => e.trackId === id);
      expect(own.flatMap((e) => ('zone' in e ? [`${e.type} ${e.zone}`] : [])), text).toEqual(['zone_enter table', 'loitering table', 'zone_leave table']);
      expect(own.flatMap((e) => ('line' in e ? [`${e.type} ${e.line} ${e.direction}`] : [])), text).toEqual(['line_cross door out']);
    }
    expect(of('zone_leave').map((e) => ('reason' in e ? e.reason : '')), text).toEqual(['left', 'left', 'left']);
    expect(counts, text).toEqual({ zones: { table: { person: { count: 0, entries: 3 } } }, lines: { door: { person: { in: 0, out: 3 } } } });
  }, 300_000);
});
