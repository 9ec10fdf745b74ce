/**
 * Schema of a pipeline's zones and lines (src/zones/, docs/analytics.md): the YAML shape, and the checks that
 * need no frame size (point count, a polygon crossing itself, fractions outside 0..1). The checks that need the
 * source's frame size (pixels outside the frame) and the unique names run on the whole pipeline (schema.ts).
 */
import type { Units } from '../zones/geometry.js';
import { duplicateNames, framePointProblems, lineProblems, zoneProblems } from '../zones/resolve.js';
import { list, number, object, oneOf, string } from './schema-dsl.js';

/** Names become MQTT topic levels (the counts topic): the pipeline names' rule. */
export const zoneNamePattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const name = (what: string) =>
  string({
    description: `Unique among the pipeline's zones and lines; names the ${what} in events and its counts topic. 1-63 lowercase letters, digits, \`-\` and \`_\`.`,
    expected: 'a name of lowercase letters, digits, - and _ (1 to 63, starting with a letter or digit)',
    pattern: zoneNamePattern,
    fix: (text) => {
      const fixed = text.trim().toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
      return zoneNamePattern.test(fixed) ? fixed : undefined;
    },
    required: true,
    example: 'front-door',
  });

const point = list(number({ description: 'x, then y.', min: 0 }), {
  description: 'One point: [x, y], pixels of the source frame from its top-left corner, or fractions 0..1 with `units: fraction`.',
  expected: 'an [x, y] pair of numbers',
  length: 2,
  required: true,
});

const units = oneOf(['pixels', 'fraction'], {
  description: 'What the point coordinates are.',
  meanings: { pixels: 'pixels of the source frame (x right, y down from the top-left corner)', fraction: 'fractions 0..1 of the frame width and height: the shape follows a change of resolution' },
  synonyms: { px: 'pixels', pixel: 'pixels', fractions: 'fraction', relative: 'fraction', normalized: 'fraction', normalised: 'fraction' },
  default: 'pixels',
});

const classes = list(string({ description: 'A label of the model.', plural: 'labels' }), {
  description: 'Labels that count here; absent: every label.',
  unique: true,
  example: ['person'],
});

const anchor = oneOf(['bottom_centre', 'centre'], {
  description: 'Which point of an object\'s box is tested.',
  meanings: { bottom_centre: 'the middle of the bottom edge: where a person or a car stands on the ground', centre: 'the middle of the box: for views from above' },
  synonyms: { bottom_center: 'bottom_centre', bottom: 'bottom_centre', feet: 'bottom_centre', center: 'centre', middle: 'centre' },
  default: 'bottom_centre',
});

export const zoneSchema = object(
  {
    title: 'Zone',
    description: 'A polygon: objects whose anchor is inside for `min_time_s` enter it, and leave after `leave_s` outside.',
    required: true,
    example: { name: 'doorway', points: [[100, 300], [540, 300], [540, 480], [100, 480]], classes: ['person'], min_time_s: 1, loiter_s: 60 },
  },
  {
    name: name('zone'),
    points: list(point, {
      description: 'At least 3 points, in order around the zone (the edges must not cross); the last joins the first.',
      expected: 'a list of [x, y] points',
      required: true,
      example: [[100, 300], [540, 300], [540, 480], [100, 480]],
    }),
    units,
    classes,
    anchor,
    min_time_s: number({ description: 'Seconds inside without interruption before `zone_enter` (inertia against jitter and objects passing a corner).', min: 0, max: 3600, default: 0.5 }),
    leave_s: number({ description: 'Seconds outside without interruption before `zone_leave`: short spells outside (jitter on the edge, a missed detection) do not end the visit.', min: 0, max: 3600, default: 1 }),
    loiter_s: number({ description: 'Seconds inside after which one `loitering` event is raised per visit; absent: never.', min: 0, exclusiveMin: true, max: 604800, example: 60 }),
  },
  [
    {
      run(zone, report) {
        const spec = { ...zone, units: zone.units as Units, points: zone.points as ReadonlyArray<readonly [number, number]> };
        for (const problem of zoneProblems(spec)) report(problem.field, problem.message);
      },
    },
  ],
);

export const lineSchema = object(
  {
    title: 'Line',
    description:
      'A directed line from its first point A to its second B: an object whose anchor crosses it raises `line_cross`, `in` when it crosses from the left to the right of someone standing on A facing B, `out` the other way.',
    required: true,
    example: { name: 'gate', points: [[0, 360], [640, 360]], classes: ['car'] },
  },
  {
    name: name('line'),
    points: list(point, { description: 'Two points: A, then B.', expected: 'a list of 2 [x, y] points (A, then B)', length: 2, required: true, example: [[0, 360], [640, 360]] }),
    units,
    classes,
    anchor,
    hysteresis_px: number({
      description: 'Half-width of a band around the line, pixels: an anchor inside the band keeps its side, so jitter on the line is not counted; a crossing counts once the anchor is this far past it.',
      min: 0,
      max: 1000,
      default: 4,
    }),
  },
  [
    {
      run(line, report) {
        const spec = { ...line, units: line.units as Units, points: line.points as unknown as readonly [readonly [number, number], readonly [number, number]] };
        for (const problem of lineProblems(spec)) report(problem.field, problem.message);
      },
    },
  ],
);

export const zonesSchema = list(zoneSchema, {
  description: 'Polygon zones: `zone_enter`, `zone_leave` and `loitering` events and per-label counts, for tracked objects (docs/analytics.md).',
  expected: 'a list of zones (each a map with a name and points)',
  example: [{ name: 'doorway', points: [[100, 300], [540, 300], [540, 480], [100, 480]], classes: ['person'] }],
});

export const linesSchema = list(lineSchema, {
  description: 'Directed lines: `line_cross` events with a direction, and per-label crossing counts, for tracked objects (docs/analytics.md).',
  expected: 'a list of lines (each a map with a name and 2 points)',
  example: [{ name: 'gate', points: [[0, 360], [640, 360]] }],
});

/** The frame size the source states in the config (synthetic; camera with width and height), else undefined. */
function statedFrame(source: { kind: string }): { width: number; height: number } | undefined {
  const { width, height } = source as { width?: unknown; height?: unknown };
  if (source.kind !== 'synthetic' && source.kind !== 'camera') return undefined;
  return typeof width === 'number' && typeof height === 'number' ? { width, height } : undefined;
}

type PlacedPoints = { name: string; units: string; points: ReadonlyArray<readonly [number, number]> };

/**
 * The pipeline-wide checks of zones and lines, as `[field, message]` (field relative to the pipeline): names
 * unique across zones and lines, pixel points inside the frame when the source states its size, and a result
 * with objects to place (a detector).
 */
export function pipelineZoneProblems(pipeline: {
  source: { kind: string };
  postprocess: { kind: string };
  zones?: readonly PlacedPoints[];
  lines?: readonly PlacedPoints[];
}): Array<[string, string]> {
  const zones = pipeline.zones ?? [];
  const lines = pipeline.lines ?? [];
  if (zones.length + lines.length === 0) return [];
  const out: Array<[string, string]> = [];
  const list = zones.length > 0 ? 'zones' : 'lines';
  if (!['detect-ssd', 'detect-yolo'].includes(pipeline.postprocess.kind)) {
    out.push([list, `need objects with boxes: use postprocess detect-ssd or detect-yolo (${pipeline.postprocess.kind} results have none)`]);
  }
  for (const repeat of duplicateNames(zones, lines)) {
    const item = (repeat.list === 'zones' ? zones : lines)[repeat.index]!;
    out.push([`${repeat.list}[${repeat.index}].name`, `"${item.name}" is already the name of ${repeat.first}; zone and line names must be unique in a pipeline (they name topics)`]);
  }
  const frame = statedFrame(pipeline.source);
  if (frame) {
    for (const [key, items] of [['zones', zones], ['lines', lines]] as const) {
      items.forEach((item, i) => {
        if (item.units !== 'pixels') return;
        for (const problem of framePointProblems(item.points, 'pixels', frame)) out.push([`${key}[${i}].${problem.field}`, problem.message]);
      });
    }
  }
  return out;
}
