/** Crop geometry of `motion.detect_on: regions` (src/motion/region-crops.ts), figures worked out by hand. */
import { describe, expect, it } from 'vitest';
import { planCrops, unionArea } from '../../src/motion/region-crops.js';

const frame = { width: 1280, height: 720 };
const settings = { input: { width: 300, height: 300 }, maxRegions: 4, margin: 16 };

describe('planCrops', () => {
  it('grows a small region with its margin to exactly the input size, centred on it', () => {
    // Region with margin: 584..636 x 284..356, centre (610, 320): 300x300 from (460, 170).
    expect(planCrops([{ x: 600, y: 300, width: 20, height: 40 }], frame, settings)).toEqual({ kind: 'regions', crops: [{ x: 460, y: 170, width: 300, height: 300 }] });
  });

  it('shifts a crop at the frame edge inside the frame, keeping its size', () => {
    // Centred it would start at (1112, 552); the frame ends at 1280 x 720.
    expect(planCrops([{ x: 1260, y: 700, width: 20, height: 20 }], frame, settings)).toEqual({ kind: 'regions', crops: [{ x: 980, y: 420, width: 300, height: 300 }] });
  });

  it("grows a region larger than the input to the input's aspect (to be shrunk without distortion), clipped to the frame", () => {
    // 500x200 -> scale 5/3 -> 500x500; centred at y 200 it would start at -50: shifted to 0.
    expect(planCrops([{ x: 100, y: 100, width: 500, height: 200 }], frame, { ...settings, margin: 0 })).toEqual({ kind: 'regions', crops: [{ x: 100, y: 0, width: 500, height: 500 }] });
    // Taller than the frame allows at the input's aspect: 300x800 is clipped to the frame's 720 rows.
    const tall = planCrops([{ x: 0, y: 0, width: 100, height: 720 }], { width: 2560, height: 720 }, { ...settings, margin: 0 });
    expect(tall).toEqual({ kind: 'regions', crops: [{ x: 0, y: 0, width: 720, height: 720 }] });
  });

  it('merges regions that fit one input-sized crop together (one inference sees both), and keeps apart those that do not', () => {
    // With margins: 584..636 and 684..736 x 284..356: the hull is 152x72, one crop centred at (660, 320).
    const near = [{ x: 600, y: 300, width: 20, height: 20 }, { x: 700, y: 320, width: 20, height: 20 }];
    expect(planCrops(near, frame, settings)).toEqual({ kind: 'regions', crops: [{ x: 510, y: 170, width: 300, height: 300 }] });
    // 400 pixels apart: two crops.
    const far = [{ x: 200, y: 300, width: 20, height: 20 }, { x: 600, y: 300, width: 20, height: 20 }];
    expect(planCrops(far, frame, settings)).toEqual({
      kind: 'regions',
      crops: [{ x: 60, y: 160, width: 300, height: 300 }, { x: 460, y: 160, width: 300, height: 300 }],
    });
  });

  it('falls back to the whole frame with more regions than max_regions, or crops covering more than half of it', () => {
    const five = [0, 320, 640, 960, 1260].map((x) => ({ x, y: 0, width: 20, height: 20 }));
    expect(planCrops(five, frame, { ...settings, margin: 0 })).toEqual({ kind: 'frame', reason: 'too_many' });
    expect(planCrops(five.slice(0, 4), frame, { ...settings, margin: 0 }).kind).toBe('regions');
    expect(planCrops(five, frame, { ...settings, margin: 0, maxRegions: 5 }).kind).toBe('regions');
    // 700x500 -> a 700x700 crop: 490,000 of 921,600 pixels (53%).
    expect(planCrops([{ x: 0, y: 0, width: 700, height: 500 }], frame, { ...settings, margin: 0 })).toEqual({ kind: 'frame', reason: 'cover' });
    // 660x500 -> 660x660: 435,600 pixels (47%): still crops.
    expect(planCrops([{ x: 0, y: 0, width: 660, height: 500 }], frame, { ...settings, margin: 0 }).kind).toBe('regions');
    // A frame smaller than the input: the crop would be the whole frame.
    expect(planCrops([{ x: 10, y: 10, width: 5, height: 5 }], { width: 200, height: 150 }, settings)).toEqual({ kind: 'frame', reason: 'cover' });
  });

  it('measures the union of overlapping crops once', () => {
    expect(unionArea([{ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 5, width: 10, height: 10 }])).toBe(175);
    expect(unionArea([{ x: 0, y: 0, width: 10, height: 10 }, { x: 2, y: 2, width: 3, height: 3 }])).toBe(100);
  });
});
