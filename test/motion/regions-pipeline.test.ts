/**
 * `motion.detect_on: regions` through a whole pipeline, real TFLite: a 1280x720 raw scene (black, then two small
 * white spots appear far apart) read by the camera source from a command (`cat` of the raw frames), and a detector
 * that answers to the image (test/helpers/spot-detector.ts). Shrunk with the whole frame the spots are lost; in
 * crops at the model's input size each is found, and its box lands on the frame's pixels exactly.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { motionDefaults } from '../../src/config/schema-motion.js';
import { MotionDetector, motionSettings } from '../../src/motion/index.js';
import { planCrops } from '../../src/motion/region-crops.js';
import { SPOT_CELL, SPOT_INPUT, writeSpotDetector } from '../helpers/spot-detector.js';
import { runYaml } from '../stages/helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-regions-'));
const W = 1280;
const H = 720;
const FRAMES = 6;
/** A 12x12 spot is 2x2 cells of the 213x120 grey copy (0.016% of it): below the default min_area of 0.2%. */
const MIN_AREA = 0.0001;
/** Source pixels around a region: small, so a spot's region with it stays under the 48-pixel input. */
const MARGIN = 8;
/** Two 12x12 spots: one in the middle, one near the bottom left; from frame 1 on. */
const SPOTS = [
  { x: 602, y: 301, size: 12 },
  { x: 150, y: 610, size: 12 },
];

function frameBytes(withSpots: boolean): Uint8Array {
  const data = new Uint8Array(W * H * 3);
  if (!withSpots) return data;
  for (const s of SPOTS) for (let y = s.y; y < s.y + s.size; y += 1) data.fill(255, (y * W + s.x) * 3, (y * W + s.x + s.size) * 3);
  return data;
}

const rawFile = path.join(dir, 'scene.rgb');
writeFileSync(rawFile, Buffer.concat(Array.from({ length: FRAMES }, (_, i) => frameBytes(i > 0))));
const { model, labels } = writeSpotDetector(dir);

function yaml(detectOn: 'frame' | 'regions', extra = ''): string {
  return `
version: 1
pipelines:
  - name: spots
    source: { kind: camera, input: scene, command: [cat, ${rawFile}], command_output: rgb24, width: ${W}, height: ${H}, finite: true }
    model: { file: ${model}, labels: ${labels} }
    preprocess: { resize: fill, mean: [0, 0, 0], std: [255, 255, 255] }
    postprocess: { kind: detect-yolo, threshold: 0.5, iou: 0.45, objectness: false, coordinates: normalized }
    buffer: { policy: queue, size: 8 }
    motion: { detect_on: ${detectOn}, keepalive_s: 0, min_area: ${MIN_AREA}, region_margin: ${MARGIN}${extra} }
    sinks: [{ kind: file, path: ${path.join(dir, `${detectOn}.jsonl`)} }]
`;
}

/** The crops the motion stage plans for the scene: the detector and planner on the same frames (their own geometry is test/motion/region-crops.test.ts). */
function expectedCrops() {
  const detector = new MotionDetector(motionSettings({ minArea: MIN_AREA }));
  const image = (withSpots: boolean) => ({ format: 'rgb24' as const, width: W, height: H, data: frameBytes(withSpots) });
  detector.detect(image(false));
  const found = detector.detect(image(true));
  const plan = planCrops(found.regions, { width: W, height: H }, { input: { width: SPOT_INPUT, height: SPOT_INPUT }, maxRegions: motionDefaults.maxRegions, margin: MARGIN });
  if (plan.kind !== 'regions') throw new Error(`expected crops, got the whole frame (${plan.reason})`);
  return plan.crops;
}

describe('motion detect_on: regions in a pipeline', () => {
  it('finds two small spots the whole-frame path misses, each box on the frame pixels of its crop, with inferences counted', async () => {
    const whole = await runYaml(path.join(dir, 'frame.yaml'), yaml('frame'));
    expect(whole.predictions).toHaveLength(FRAMES);
    // Shrunk 27x across, a 12-pixel spot is under half a tensor pixel: it scores far below the threshold.
    expect(whole.predictions.map((p) => (p.result.kind === 'detect' ? p.result.objects.length : -1))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(whole.pipeline.report().stages?.['motion']).not.toHaveProperty('regionFrames');

    const crops = expectedCrops();
    expect(crops).toHaveLength(2);
    for (const [i, crop] of crops.entries()) {
      // Each crop is the input size, 1:1, and holds its spot.
      expect({ width: crop.width, height: crop.height }).toEqual({ width: SPOT_INPUT, height: SPOT_INPUT });
      const s = SPOTS[i]!;
      expect(s.x >= crop.x && s.x + s.size <= crop.x + crop.width && s.y >= crop.y && s.y + s.size <= crop.y + crop.height).toBe(true);
    }
    const regions = await runYaml(path.join(dir, 'regions.yaml'), yaml('regions'));
    expect(regions.predictions).toHaveLength(FRAMES);
    // The first frame seeds the background (inferred whole: nothing found); each later one is two crops.
    expect(regions.predictions[0]!.result).toEqual({ kind: 'detect', objects: [] });
    // The spot lies in the crop's middle cell (16x16): the box is that cell, in frame pixels.
    const cell = (c: { x: number; y: number }) => ({ x: c.x + SPOT_CELL, y: c.y + SPOT_CELL, width: SPOT_CELL, height: SPOT_CELL });
    for (const p of regions.predictions.slice(1)) {
      if (p.result.kind !== 'detect') throw new Error(`expected detect, got ${p.result.kind}`);
      expect(p.frameSize).toEqual({ width: W, height: H });
      const boxes = p.result.objects.map((o) => ({ label: o.label, score: Number(o.score.toFixed(3)), box: o.box }));
      const expected = crops.map((c) => ({ label: 'spot', score: 1, box: cell(c) }));
      expect(boxes.sort((a, b) => a.box.y - b.box.y)).toEqual(expected.sort((a, b) => a.box.y - b.box.y).map((e) => ({ ...e, box: expect.objectContaining({}) })));
      for (const [i, object] of [...p.result.objects].sort((a, b) => a.box.y - b.box.y).entries()) {
        const want = cell([...crops].sort((a, b) => a.y - b.y)[i]!);
        expect(object.box.x).toBeCloseTo(want.x, 6);
        expect(object.box.y).toBeCloseTo(want.y, 6);
        expect(object.box.width).toBeCloseTo(want.width, 6);
        expect(object.box.height).toBeCloseTo(want.height, 6);
      }
      // The stages still add up to total, infer being both invokes.
      const l = p.latencyMs;
      expect(Math.abs(l.queue + l.preprocess + l.wait + l.infer + l.postprocess - l.total)).toBeLessThan(1);
    }
    const report = regions.pipeline.report();
    expect(report.stages?.['motion']).toMatchObject({
      frames: FRAMES,
      framesWithMotion: FRAMES - 1,
      regionFrames: FRAMES - 1,
      regionCrops: 2 * (FRAMES - 1),
      wholeFrames: 1,
      wholeCover: 0,
      wholeTooMany: 0,
    });
    expect(report.drops).toEqual({});
  });

  it('infers the whole frame, once, when the regions are more than max_regions, and counts it', async () => {
    const run = await runYaml(path.join(dir, 'too-many.yaml'), yaml('regions', ', max_regions: 1'));
    expect(run.predictions).toHaveLength(FRAMES);
    // The whole frame, as with detect_on: frame: the spots are lost again.
    expect(run.predictions.map((p) => (p.result.kind === 'detect' ? p.result.objects.length : -1))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(run.pipeline.report().stages?.['motion']).toMatchObject({ regionFrames: 0, regionCrops: 0, wholeFrames: FRAMES, wholeTooMany: FRAMES - 1, wholeCover: 0 });
  });
});
