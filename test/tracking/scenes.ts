/**
 * Synthetic tracking scenes with known ground truth, drawn from a seeded PRNG (the synthetic source's mulberry32):
 * objects on straight and curved paths, detections with box jitter, score noise, random misses, false
 * positives, occlusions (no detection and no ground truth for a while) and stretches of low scores (a partly
 * hidden object the detector is unsure of, still in the ground truth).
 */
import type { Box, DetectedObject } from '../../src/postprocess/types.js';
import { mulberry32 } from '../../src/sources/synthetic-patterns.js';

/** Uniform in [0, 1) from the synthetic source's 32-bit generator. */
function uniform(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 2 ** 32;
}
import type { LabelledBox } from './mot-metrics.js';

export interface SceneObject {
  id: number;
  index: number;
  label: string;
  width: number;
  height: number;
  /** Centre at time t (s); undefined while outside the scene. */
  path: (t: number) => { x: number; y: number } | undefined;
  /** Time ranges (s) during which the object is hidden: no detection, not in the ground truth. */
  occluded?: Array<[number, number]>;
  /** Time ranges (s) during which its detections score low (0.2 to 0.45). */
  lowScore?: Array<[number, number]>;
}

export interface SceneSpec {
  name: string;
  seed: number;
  /** Frame times (s); irregular steps model frames skipped by motion gating. */
  times: number[];
  width: number;
  height: number;
  objects: SceneObject[];
  /** Probability that a visible object is not detected in a frame. */
  missRate: number;
  /** Expected false positives per frame (random boxes, scores 0.3 to 0.75). */
  falsePositives: number;
  /** Box jitter, standard deviation as a fraction of the box size. */
  jitter: number;
}

export interface SceneFrame {
  frameId: number;
  monoMs: number;
  wallMs: number;
  truth: LabelledBox[];
  detections: DetectedObject[];
}

export const wallStartMs = Date.UTC(2026, 11, 7, 12, 0, 0);

function gaussian(random: () => number): number {
  // Box-Muller
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const inRanges = (t: number, ranges: Array<[number, number]> | undefined) => (ranges ?? []).some(([a, b]) => t >= a && t < b);

export function renderScene(spec: SceneSpec): SceneFrame[] {
  const random = uniform(spec.seed);
  return spec.times.map((t, frameId) => {
    const truth: LabelledBox[] = [];
    const detections: DetectedObject[] = [];
    for (const o of spec.objects) {
      const c = o.path(t);
      if (!c) continue;
      const box: Box = { x: c.x - o.width / 2, y: c.y - o.height / 2, width: o.width, height: o.height };
      if (inRanges(t, o.occluded)) continue;
      truth.push({ id: o.id, box });
      if (random() < spec.missRate) continue;
      const low = inRanges(t, o.lowScore);
      const score = low ? 0.2 + 0.25 * random() : Math.min(0.99, Math.max(0.5, 0.8 + 0.08 * gaussian(random)));
      const j = spec.jitter;
      const width = o.width * (1 + j * gaussian(random));
      const height = o.height * (1 + j * gaussian(random));
      detections.push({
        index: o.index,
        label: o.label,
        score,
        box: { x: c.x + o.width * j * gaussian(random) - width / 2, y: c.y + o.height * j * gaussian(random) - height / 2, width, height },
      });
    }
    let fp = spec.falsePositives;
    while (random() < fp) {
      fp -= 1;
      const width = 20 + 60 * random();
      const height = 20 + 100 * random();
      detections.push({
        index: 0,
        label: 'person',
        score: 0.3 + 0.45 * random(),
        box: { x: random() * (spec.width - width), y: random() * (spec.height - height), width, height },
      });
    }
    // Detector output order carries no identity.
    detections.sort(() => random() - 0.5);
    return { frameId, monoMs: 1000 + t * 1000, wallMs: wallStartMs + t * 1000, truth, detections };
  });
}

/** Frame times at `fps` for `seconds`. */
export function regularTimes(fps: number, seconds: number): number[] {
  return Array.from({ length: Math.round(fps * seconds) }, (_, i) => i / fps);
}

/** A straight path from (x0, y0) at t0 to (x1, y1) at t1, absent outside [t0, t1]. */
export function line(t0: number, t1: number, x0: number, y0: number, x1: number, y1: number) {
  return (t: number) => (t < t0 || t > t1 ? undefined : { x: x0 + ((x1 - x0) * (t - t0)) / (t1 - t0), y: y0 + ((y1 - y0) * (t - t0)) / (t1 - t0) });
}

const person = (id: number, path: SceneObject['path'], extra: Partial<SceneObject> = {}): SceneObject => ({
  id, index: 0, label: 'person', width: 50, height: 120, path, ...extra,
});
const car = (id: number, path: SceneObject['path'], extra: Partial<SceneObject> = {}): SceneObject => ({
  id, index: 2, label: 'car', width: 110, height: 60, path, ...extra,
});

/** The scenes every tracker is measured on (640x480, 10 fps unless said). */
export function scenes(): SceneSpec[] {
  const base = { width: 640, height: 480, missRate: 0.1, falsePositives: 0.3, jitter: 0.04 };
  return [
    {
      ...base,
      name: 'straight paths',
      seed: 1,
      times: regularTimes(10, 12),
      objects: [
        person(1, line(0, 8, 40, 200, 600, 240)),
        person(2, line(2, 12, 600, 380, 60, 330)),
        car(3, line(1, 6, 60, 80, 580, 100)),
      ],
    },
    {
      ...base,
      name: 'curved paths',
      seed: 2,
      times: regularTimes(10, 12),
      objects: [
        person(1, (t) => (t > 10 ? undefined : { x: 320 + 220 * Math.cos(t * 0.6), y: 240 + 150 * Math.sin(t * 0.6) })),
        car(2, (t) => (t < 1 ? undefined : { x: 40 + 50 * t, y: 240 + 120 * Math.sin(t * 0.8) })),
      ],
    },
    {
      ...base,
      name: 'two people crossing',
      seed: 3,
      times: regularTimes(10, 8),
      objects: [
        person(1, line(0, 8, 40, 240, 600, 250)),
        person(2, line(0, 8, 600, 250, 40, 240)),
      ],
    },
    {
      ...base,
      name: 'crossing behind each other',
      seed: 4,
      times: regularTimes(10, 8),
      objects: [
        person(1, line(0, 8, 40, 240, 600, 240)),
        // The far one is hidden while the near one passes in front of it.
        person(2, line(0, 8, 600, 236, 40, 236), { occluded: [[3.6, 4.4]] }),
      ],
    },
    {
      ...base,
      name: 'occlusion (1.2 s behind a pillar)',
      seed: 5,
      times: regularTimes(10, 10),
      objects: [
        person(1, line(0, 10, 30, 260, 610, 300), { occluded: [[4, 5.2]] }),
        car(2, line(1, 9, 600, 100, 40, 90)),
      ],
    },
    {
      ...base,
      name: 'misses, false positives, low scores',
      seed: 6,
      times: regularTimes(10, 12),
      missRate: 0.25,
      falsePositives: 1.2,
      objects: [
        person(1, line(0, 12, 40, 300, 600, 320), { lowScore: [[3, 5], [8, 9]] }),
        person(2, line(1, 11, 580, 160, 80, 200), { lowScore: [[5, 7]] }),
        car(3, line(0, 7, 80, 420, 560, 420)),
      ],
    },
    {
      ...base,
      name: 'frames skipped by motion gating',
      seed: 7,
      // 10 fps with gaps of 0.3 to 0.6 s, as when the detector runs only on frames with motion.
      times: (() => {
        const random = uniform(70);
        const times: number[] = [];
        for (let t = 0; t < 12; t += random() < 0.2 ? 0.3 + 0.3 * random() : 0.1) times.push(t);
        return times;
      })(),
      objects: [
        person(1, line(0, 12, 40, 240, 600, 260)),
        person(2, line(0, 12, 600, 262, 40, 242)),
        car(3, line(2, 10, 60, 90, 580, 110)),
      ],
    },
  ];
}
