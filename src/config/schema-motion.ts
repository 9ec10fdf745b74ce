/**
 * Schema of a pipeline's `motion` section (src/motion): motion found on a small grey copy of each frame, so that
 * inference can be skipped on frames where nothing moves. Kept apart from schema.ts so the section changes
 * without touching the other stages. The defaults are exported for src/motion (one place for them).
 */
import { boolean, integer, list, number, object, oneOf, string, type Infer } from './schema-dsl.js';

/** Defaults of the `motion` section, in validated (camelCase) form. */
export const motionDefaults = {
  enabled: true,
  height: 120,
  threshold: 25,
  minArea: 0.002,
  alpha: 0.02,
  contrast: true,
  lightingLimit: 0.4,
  keepaliveS: 1,
  detectOn: 'frame',
  maxRegions: 4,
  regionMargin: 16,
} as const;

const point = list(number({ description: 'A coordinate.', min: 0 }), {
  description: 'One corner: [x, y], from the top left of the frame.',
  expected: 'a point [x, y]',
  length: 2,
});

const maskSchema = object(
  {
    title: 'Motion mask',
    description: 'A polygon where changes never count as motion (a tree in the wind, a clock, a timestamp overlay).',
    required: true,
    example: { name: 'timestamp', points: [[0, 0], [320, 0], [320, 24], [0, 24]] },
  },
  {
    name: string({ description: 'A name for messages and the docs of the site; not used otherwise.', example: 'timestamp' }),
    units: oneOf(['pixels', 'fraction'], {
      description: 'Unit of the points (the same words as for zones, lines and track masks).',
      default: 'pixels',
      meanings: { pixels: 'pixels of the source frame (before any preprocess)', fraction: 'fractions of the frame, 0 to 1 across and down' },
      synonyms: { normalised: 'fraction', normalized: 'fraction', fractions: 'fraction', relative: 'fraction', pixel: 'pixels', px: 'pixels' },
    }),
    points: list(point, {
      description: 'The corners in order (at least 3); the polygon closes itself. Pixels of the frame on or inside it are masked.',
      expected: 'a list of points [x, y]',
      required: true,
      example: [[0, 0], [320, 0], [320, 24], [0, 24]],
    }),
  },
  [
    {
      run(value, report) {
        if (value.points.length < 3) {
          const n = value.points.length;
          report('points', `a polygon needs at least 3 points, received ${n === 0 ? 'none' : n === 1 ? '1 point' : `${n} points`}`);
        }
        if (value.units !== 'fraction') return;
        value.points.forEach(([x, y], i) => {
          if (x > 1 || y > 1) {
            report(`points[${i}]`, `[${x}, ${y}] is outside the frame: fractions run from 0 to 1 (use units: pixels for pixels)`);
          }
        });
      },
    },
  ],
);

export const motionSchema = object(
  {
    title: 'Motion',
    description:
      'Motion detection on a small grey copy of each image frame (no second decode: the Y plane of camera YUV, the luma of ' +
      'RGB). A frame has motion when a region that differs from the background model (a running average) is at least ' +
      '`min_area` of the frame, outside the masks. A global brightness change (a light switched on, auto exposure) is ' +
      'compensated, or re-seeds the background when it changes more than `lighting_limit` of the frame: it is counted, ' +
      'never reported as motion. Image sources only.',
    example: { height: 120, threshold: 25, min_area: 0.002, masks: [{ name: 'clock', points: [[540, 0], [640, 0], [640, 30], [540, 30]] }] },
  },
  {
    enabled: boolean({ description: 'Run motion detection (false keeps the settings and turns it off).', default: motionDefaults.enabled }),
    height: integer({
      description:
        'Height in pixels of the grey copy motion is found on (the width follows the aspect ratio); a smaller source is ' +
        'used at its own height. Smaller is faster and blind to smaller objects.',
      min: 16,
      max: 720,
      default: motionDefaults.height,
    }),
    threshold: integer({
      description:
        'A pixel of the grey copy changed when it differs from the background by more than this (0-255 levels, after the ' +
        'contrast gain).',
      min: 1,
      max: 255,
      default: motionDefaults.threshold,
    }),
    min_area: number({
      description:
        'Smallest motion region that counts, as a fraction of the frame area (0.002 = 0.2%, about 600 pixels of 640x480, ' +
        'a 20x30 object). Smaller values also catch the shimmer of high-contrast edges (road markings) in compressed video.',
      min: 0,
      max: 1,
      default: motionDefaults.minArea,
    }),
    alpha: number({
      description:
        'Background update rate per frame (0 to 1): where nothing changed, the background moves this fraction towards ' +
        'each frame. Changed pixels keep their background (a slow object leaves no ghost), until they have been changed ' +
        'for 1 / alpha frames in a row: then they become background at once (an object that stopped; 50 frames at 0.02).',
      min: 0,
      exclusiveMin: true,
      max: 1,
      default: motionDefaults.alpha,
    }),
    contrast: boolean({
      description:
        'Stretch the contrast of dark or flat scenes (a gain of up to 4, from the spread of the background) so that faint ' +
        'objects at night still cross `threshold`.',
      default: motionDefaults.contrast,
    }),
    lighting_limit: number({
      description:
        'When more than this fraction of the frame (0 to 1) changes at once, even after compensating the overall ' +
        'brightness, it is a lighting change: the background is re-seeded and the frame has no motion.',
      min: 0,
      exclusiveMin: true,
      max: 1,
      default: motionDefaults.lightingLimit,
    }),
    keepalive_s: number({
      description: 'While objects are being tracked, run inference at least this often (seconds) without motion, so an object that stands still is not lost; 0 = never.',
      min: 0,
      max: 3600,
      default: motionDefaults.keepaliveS,
    }),
    detect_on: oneOf(['frame', 'regions'], {
      description:
        'What the detector sees on a frame with motion: the whole frame shrunk to the model\'s input, or one crop per ' +
        'motion region at the input size, so small objects far away keep their pixels (N regions cost N inferences; ' +
        'docs/analytics.md). Detectors (detect-ssd, detect-yolo) on raw frames only.',
      default: motionDefaults.detectOn,
      meanings: {
        frame: 'the whole frame, one inference',
        regions: 'a crop around each motion region, one inference each, merged into one result (the whole frame when the regions cover more than half of it or there are more than max_regions)',
      },
    }),
    max_regions: integer({
      description: 'detect_on: regions: a frame with more motion regions than this (after merging) is inferred whole, once.',
      min: 1,
      max: 8,
      default: motionDefaults.maxRegions,
    }),
    region_margin: integer({
      description: 'detect_on: regions: source pixels added around each motion region before it is cropped (the part of an object that did not move).',
      min: 0,
      max: 512,
      default: motionDefaults.regionMargin,
    }),
    masks: list(maskSchema, {
      expected: 'a list of masks (each a map with points)',
      description: 'Regions where changes never count as motion.',
      default: [],
      example: [{ name: 'clock', points: [[540, 0], [640, 0], [640, 30], [540, 30]] }],
    }),
  },
);

/**
 * Checks of the motion section against the pipeline's source: motion needs images, and pixel masks must lie in the
 * frame when the source says its size (synthetic; camera with width and height). `report` takes the field path
 * relative to the pipeline.
 */
export function motionSourceProblems(
  motion: Infer<typeof motionSchema>,
  source: { kind: string; width?: number; height?: number },
  sensor: boolean,
  report: (field: string, message: string) => void,
): void {
  const kind = source.kind;
  if (sensor) {
    report('motion', `is for images; ${/^[aeiou]/u.test(kind) ? 'an' : 'a'} ${kind} source gives sensor windows`);
    return;
  }
  const { width, height } = source;
  if (width === undefined || height === undefined) return;
  motion.masks.forEach((mask, m) => {
    if (mask.units !== 'pixels') return;
    mask.points.forEach(([x, y], i) => {
      if (x > width || y > height) {
        report(
          `motion.masks[${m}].points[${i}]`,
          `[${x}, ${y}] is outside the ${width}x${height} frame of the ${kind} source (x 0 to ${width}, y 0 to ${height})`,
        );
      }
    });
  });
}

/** What `motionRegionProblems` reads of the pipeline besides its motion section. */
export interface RegionPipeline {
  postprocess: { kind: string };
  source: { kind: string; output?: string; command?: readonly string[]; commandOutput?: string };
  preprocess: { roi?: unknown };
}

/**
 * `detect_on: regions` needs a detector (crops give boxes that map back to the frame; a class or a mask of a crop
 * means nothing for the frame) and raw frames (the motion stage judges only those: encoded frames are always
 * inferred whole, so regions would never be used). It replaces `preprocess.roi` (both choose what the model sees).
 */
export function motionRegionProblems(motion: Infer<typeof motionSchema>, pipeline: RegionPipeline, report: (field: string, message: string) => void): void {
  if (!motion.enabled || motion.detectOn !== 'regions') return;
  const field = 'motion.detect_on';
  const kind = pipeline.postprocess.kind;
  if (kind !== 'detect-ssd' && kind !== 'detect-yolo') {
    report(field, `regions crops the frame for a detector; postprocess ${kind} finds no boxes to map back to the frame: use detect_on: frame, or detect-ssd or detect-yolo`);
  }
  const source = pipeline.source;
  if (source.kind === 'images') {
    report(field, 'regions needs raw frames; an images source gives encoded images (JPEG, PNG), which the motion stage does not judge (every one is inferred whole): use detect_on: frame');
  } else if (source.kind === 'camera') {
    const output = source.command ? source.commandOutput : source.output;
    if (output === 'mjpeg') {
      const what = source.command ? 'command_output' : 'output';
      report(field, `regions needs raw frames; the camera's ${what} mjpeg gives JPEG frames, which the motion stage does not judge (every one is inferred whole): use ${what}: ${source.command ? 'i420, nv12 or rgb24' : 'i420 or rgb24'}, or detect_on: frame`);
    }
  }
  if (pipeline.preprocess.roi !== undefined) {
    report(field, 'regions chooses the crops the model sees, which preprocess.roi also does: remove preprocess.roi, or use detect_on: frame');
  }
}
