/**
 * Tracks, zones and lines on snapshots, decoded back from the JPEG: the zone's outline in the zone colour along
 * its edges, the line in the line colour, the track's box and trail in its class colour, the image elsewhere
 * untouched; and the renderer's old inputs draw exactly what they drew before.
 */
import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/core/result.js';
import { LINE_COLOUR, ZONE_COLOUR, type OverlayAnalytics } from '../../src/snapshot/analytics-overlay.js';
import { renderSnapshot } from '../../src/snapshot/annotate.js';
import { overlaySvg } from '../../src/snapshot/overlay.js';
import { classColour } from '../../src/snapshot/svg.js';
import { TrackTrails, analyticsOverlay } from '../../src/snapshot/trails.js';
import type { Prediction } from '../../src/core/frame.js';
import { decode, distance, pixel, solidRgb } from './images.js';

const GREY: [number, number, number] = [100, 100, 100];
const frame = { kind: 'raw', format: 'rgb24', width: 640, height: 480, data: solidRgb(640, 480, GREY) } as const;
const none: Result = { kind: 'detect', objects: [] };
const analytics: OverlayAnalytics = {
  zones: [{ name: 'door', polygon: [{ x: 100, y: 100 }, { x: 500, y: 100 }, { x: 500, y: 400 }, { x: 100, y: 400 }], count: 1 }],
  lines: [{ name: 'gate', a: { x: 0, y: 440 }, b: { x: 640, y: 440 }, in: 3, out: 1 }],
  tracks: [{ id: 7, index: 2, label: 'car', box: { x: 220, y: 150, width: 100, height: 120 }, trail: [{ x: 120, y: 330 }, { x: 200, y: 330 }, { x: 270, y: 270 }] }],
};

describe('snapshots with tracks, zones and lines', () => {
  it('draws the zone outline, the line, the track box and its trail where they are', async () => {
    const outcome = await renderSnapshot(frame, none, { maxBytes: 1_000_000, analytics });
    if (!('jpeg' in outcome)) throw new Error(outcome.error);
    const image = await decode(outcome.jpeg);
    expect([image.width, image.height]).toEqual([640, 480]);
    // Along the zone's left and bottom edges (away from its name tag, at the top-left corner).
    for (const [x, y] of [[100, 200], [100, 300], [100, 380], [300, 400], [450, 400], [500, 250]] as const) {
      expect(distance(pixel(image, x, y), ZONE_COLOUR), `zone edge ${x},${y}`).toBeLessThanOrEqual(50);
    }
    // The line is dashed (12 px on, 6 off at this size): the first dash covers x 0..12.
    expect(distance(pixel(image, 6, 440), LINE_COLOUR)).toBeLessThanOrEqual(50);
    // The track: its box's right edge, and its trail's first stretch (y 330 from x 120 to 200), in the class colour.
    expect(distance(pixel(image, 320, 200), classColour(2))).toBeLessThanOrEqual(50);
    expect(distance(pixel(image, 160, 330), classColour(2))).toBeLessThanOrEqual(50);
    // Outside everything: the frame as it was; inside the zone, tinted a little towards the zone colour only.
    expect(distance(pixel(image, 600, 40), GREY)).toBeLessThanOrEqual(4);
    expect(distance(pixel(image, 450, 200), GREY)).toBeLessThanOrEqual(30);
    expect(distance(pixel(image, 450, 200), GREY)).toBeGreaterThan(4);
  });

  it('overlaySvg without analytics is the same document as before; with them it names the zone, line counts and track', () => {
    const canvas = { width: 640, height: 480, scaleX: 1, scaleY: 1 };
    const person: Result = { kind: 'detect', objects: [{ index: 0, label: 'person', score: 0.9, box: { x: 1, y: 2, width: 30, height: 40 } }] };
    expect(overlaySvg(person, canvas, undefined)).toBe(overlaySvg(person, canvas));
    const svg = overlaySvg(person, canvas, analytics);
    expect(svg).toContain('>door 1</text>');
    expect(svg).toContain('>gate in 3 out 1</text>');
    expect(svg).toContain('>#7 car</text>');
  });

  it('trails follow a prediction\'s tracks (bottom centres, at most the trail length) and forget tracks that are gone', () => {
    const trails = new TrackTrails(3);
    const at = (x: number, ids = [1]): Prediction =>
      ({ analytics: { tracks: ids.map((id) => ({ track_id: id, index: 0, box: { x, y: 10, width: 20, height: 30 } })) } }) as unknown as Prediction;
    for (const x of [0, 10, 20, 30]) analyticsOverlay(at(x), trails);
    expect(analyticsOverlay(at(40), trails)!.tracks![0]!.trail).toEqual([{ x: 30, y: 40 }, { x: 40, y: 40 }, { x: 50, y: 40 }]);
    expect(analyticsOverlay(at(50, [2]), trails)!.tracks).toEqual([{ id: 2, index: 0, box: { x: 50, y: 10, width: 20, height: 30 }, trail: [{ x: 60, y: 40 }] }]);
    expect(analyticsOverlay({ analytics: {} } as Prediction, trails)).toBeUndefined();
  });
});
