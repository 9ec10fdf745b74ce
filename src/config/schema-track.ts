/**
 * Schema of a pipeline's `track:` section: object filters before tracking, then the multi-object tracker
 * (src/tracking). Only for detectors (detect-ssd, detect-yolo); the pipeline schema checks that.
 */
import { integer, list, number, object, oneOf, string } from './schema-dsl.js';

/** The YAML path of class `i` of merge group `g` within `track`, as the group was written (list or map). */
export function mergeClassPath(group: { as?: string }, g: number, i: number): string {
  return group.as === undefined ? `merge_classes[${g}][${i}]` : `merge_classes[${g}].classes[${i}]`;
}

const className = string({
  description: 'A label of the model, or a class index.',
  expected: 'a label or a class index',
  plural: 'labels or class indices',
});

const score = (description: string, fallback: number) => number({ description, min: 0, max: 1, default: fallback });
const iou = (description: string, fallback: number) => number({ description, min: 0, max: 1, default: fallback });

/** `[car, truck]`, or `{ as: car, classes: [car, truck, cell phone] }` to report the group's tracks as `car`. */
const mergeGroupSchema = object(
  {
    title: 'Track merge group',
    description:
      'Classes whose overlapping detections are one object; written as the list of classes alone, or as a map that ' +
      'also names the group (`as`): its tracks are reported with that label.',
    required: true,
    shorthand: 'classes',
    example: { as: 'car', classes: ['car', 'truck', 'cell phone', 'suitcase'] },
  },
  {
    as: string({
      description: 'The label this group\'s tracks are reported with (predictions, events, zone counts); a class of the group or a name of its own.',
      expected: 'a label to report',
    }),
    classes: list(className, {
      description: 'Classes whose overlapping detections are one object.',
      expected: 'a list of labels or class indices',
      minItems: 1,
      unique: true,
      required: true,
      example: ['car', 'truck', 'bus'],
    }),
  },
  [
    {
      run(value, report) {
        // The map form is there to name the group; without a name, the list alone says the same.
        if (value.as === undefined) report('as', 'missing required field; expected a label to report (or write the classes alone as a list)');
      },
    },
  ],
);

const filterSchema = object(
  {
    title: 'Track filter',
    description: 'Limits a detection must meet to be tracked; with `class`, for that class only, else for every class.',
    required: true,
    example: { class: 'person', min_score: 0.6, min_area: 1500, max_aspect: 1.2 },
  },
  {
    class: className,
    min_score: number({ description: 'Least score (0 to 1).', min: 0, max: 1 }),
    min_area: number({ description: 'Least box area, source-frame pixels² (width x height).', min: 0 }),
    max_area: number({ description: 'Largest box area, source-frame pixels².', min: 0 }),
    min_aspect: number({ description: 'Least box width / height (a standing person is about 0.4).', min: 0 }),
    max_aspect: number({ description: 'Largest box width / height.', min: 0 }),
  },
  [
    {
      run(value, report) {
        if (value.minArea !== undefined && value.maxArea !== undefined && value.minArea > value.maxArea) {
          report('min_area', `is larger than max_area (${value.maxArea}); no box could pass`);
        }
        if (value.minAspect !== undefined && value.maxAspect !== undefined && value.minAspect > value.maxAspect) {
          report('min_aspect', `is larger than max_aspect (${value.maxAspect}); no box could pass`);
        }
        const limits = [value.minScore, value.minArea, value.maxArea, value.minAspect, value.maxAspect];
        if (limits.every((v) => v === undefined)) {
          report(undefined, 'sets no limit; give min_score, min_area, max_area, min_aspect or max_aspect');
        }
      },
    },
  ],
);

const pointSchema = list(number({ description: 'A coordinate.' }), {
  description: 'A corner as [x, y].',
  expected: 'a point [x, y]',
  length: 2,
  required: true,
});

const maskSchema = object(
  {
    title: 'Track mask',
    description:
      'A polygon over a known false positive (a poster, a television, a reflection): a detection whose anchor point lies ' +
      'inside is not tracked.',
    required: true,
    example: { points: [[400, 80], [520, 80], [520, 170], [400, 170]], classes: ['tv'] },
  },
  {
    points: list(pointSchema, {
      description: 'The corners, in order, as [x, y] from the top left, in `units`.',
      expected: 'a list of points [x, y]',
      minItems: 3,
      required: true,
      example: [[400, 80], [520, 80], [520, 170], [400, 170]],
    }),
    units: oneOf(['pixels', 'fraction'], {
      description: 'What the coordinates count.',
      default: 'pixels',
      meanings: { pixels: 'source-frame pixels', fraction: 'fractions of the frame width and height (0 to 1)' },
      synonyms: { px: 'pixels', fractions: 'fraction', relative: 'fraction', normalized: 'fraction', normalised: 'fraction' },
    }),
    classes: list(className, { description: 'Classes the mask drops; empty = all.', default: [], example: ['tv'] }),
    anchor: oneOf(['bottom_centre', 'centre'], {
      description: 'The point of the box tested against the polygon.',
      default: 'bottom_centre',
      meanings: {
        'bottom_centre': 'the middle of the bottom edge, where an object stands: a person passing in front of a masked screen is kept',
        centre: 'the centre of the box: for top-down views and things that do not stand on the ground',
      },
      synonyms: { bottom_center: 'bottom_centre', bottom: 'bottom_centre', feet: 'bottom_centre', center: 'centre', middle: 'centre' },
    }),
  },
  [
    {
      run(value, report) {
        const bad = value.points.findIndex(([x, y]) => (value.units === 'fraction' ? x < 0 || x > 1 || y < 0 || y > 1 : x < 0 || y < 0));
        if (bad >= 0) {
          const [x, y] = value.points[bad]!;
          const expected = value.units === 'fraction' ? 'coordinates between 0 and 1 (units: fraction)' : 'coordinates of at least 0';
          report('points', `point ${bad + 1} [${x}, ${y}] is outside the frame; expected ${expected}`);
        }
      },
    },
  ],
);

export const trackSchema = object(
  {
    title: 'Track',
    description:
      'Follow the objects a detector finds from frame to frame (a motion model per object and optimal matching, as in ' +
      'ByteTrack), after filters and masks: each object gets an id, its time in view, its speed and whether it stands still. ' +
      'Detectors only (detect-ssd, detect-yolo). Set the detector\'s threshold at or below `low_threshold`, else the ' +
      'tracker never sees the low-score detections that keep partly hidden objects tracked.',
    example: { classes: ['person', 'car'], min_hits: 3, max_age_ms: 2000, masks: [{ points: [[400, 80], [520, 80], [520, 170], [400, 170]], classes: ['tv'] }] },
  },
  {
    classes: list(className, { description: 'Classes to track; empty = every class the detector reports.', default: [], example: ['person', 'car'] }),
    match: oneOf(['class', 'any'], {
      description: 'Which detections a track may take.',
      default: 'class',
      meanings: {
        class: 'only those of its class: a person never becomes a dog',
        any: 'any class: for detectors that confuse similar classes (car/truck); the label is the most frequent over its life',
      },
      synonyms: { 'per-class': 'class', per_class: 'class', agnostic: 'any', all: 'any' },
    }),
    high_threshold: score('Detections scoring at least this (0 to 1) are matched first and may start tracks.', 0.5),
    low_threshold: score('Detections scoring between this and high_threshold only keep existing tracks alive; below it they are ignored.', 0.1),
    new_track_threshold: score('An unmatched detection starts a track only when scoring at least this (0 to 1).', 0.6),
    match_iou: iou('Least overlap (IoU, 0 to 1) between a track\'s predicted box and a confident detection for a match.', 0.2),
    low_match_iou: iou('Least overlap between a track\'s predicted box and a low-score detection (stricter: they are less sure).', 0.5),
    tentative_match_iou: iou('Least overlap between a not yet confirmed track and a detection.', 0.3),
    min_hits: integer({
      description: 'Detections matched (the first included) before a track is confirmed: gets an id and a start event. 1 = at once.',
      min: 1,
      max: 100,
      default: 3,
    }),
    max_age_ms: integer({
      description:
        'A track not seen for this long (ms) ends. In time, not frames: with motion gating the detector skips frames, so ' +
        'a count of frames would mean a different time in a busy scene and in a quiet one. Keep it above the motion ' +
        'keep-alive interval, or a person standing still ends between two detections.',
      min: 1,
      max: 3_600_000,
      default: 2000,
    }),
    tentative_max_age_ms: integer({
      description: 'A track not yet confirmed and not seen for this long (ms) is dropped without an event.',
      min: 1,
      max: 3_600_000,
      default: 1000,
    }),
    merge_classes: list(mergeGroupSchema, {
      description:
        'Groups of classes the detector confuses for one object (a car also reported as a truck): within a group, ' +
        'overlapping detections are merged into the best-scoring one before tracking, and with `match: class` a track ' +
        'takes detections of any class of its group. A group is a list of classes, or a map `{ as: name, classes: [...] }` ' +
        'whose tracks are reported under `as` (the class detected most often stays in `detected_label`); without `as`, ' +
        'the track\'s label is the class detected most often over its life.',
      expected: 'a list of class groups (each a list of labels, or a map with as and classes)',
      default: [],
      example: [['car', 'truck', 'bus'], { as: 'car', classes: ['car', 'cell phone', 'suitcase'] }],
    }),
    merge_overlap: number({
      description: 'Least overlap (0 to 1, measured as `merge_measure` says) for two detections of one group to be merged.',
      min: 0,
      exclusiveMin: true,
      max: 1,
      default: 0.5,
    }),
    merge_measure: oneOf(['iou', 'smaller'], {
      description: 'How the overlap of two detections of a merge group is measured.',
      default: 'iou',
      meanings: {
        iou: 'intersection over union, as non-maximum suppression measures it',
        smaller: 'intersection over the smaller box: a box lying inside a larger one counts as fully overlapping (views from above)',
      },
      synonyms: { min: 'smaller', containment: 'smaller', contained: 'smaller', inside: 'smaller', union: 'iou' },
    }),
    stationary: object(
      {
        title: 'Track stationary',
        description: 'When a track counts as standing still: its box centre stays within max_move box sizes for window_ms.',
        default: {},
        example: { window_ms: 30000, max_move: 0.1 },
      },
      {
        window_ms: integer({ description: 'How long (ms) the centre must stay put.', min: 1, max: 86_400_000, default: 10000 }),
        max_move: number({
          description: 'How far the centre may move, as a fraction of the box\'s larger side (so the same near and far).',
          min: 0,
          exclusiveMin: true,
          max: 10,
          default: 0.1,
        }),
      },
    ),
    filters: list(filterSchema, {
      expected: 'a list of filters (each a map with limits)',
      description: 'Limits on score, area and aspect ratio, per class or for all; a detection must pass every one that applies.',
      default: [],
      example: [{ class: 'person', min_score: 0.6, min_area: 1500 }, { max_area: 200000 }],
    }),
    masks: list(maskSchema, {
      expected: 'a list of masks (each a map with points)',
      description: 'Polygons over known false positives; detections anchored inside are not tracked.',
      default: [],
    }),
    output: oneOf(['beside', 'replace'], {
      description: 'What a prediction\'s `result` holds once objects are tracked (`tracks` always lists the tracked objects).',
      default: 'beside',
      meanings: {
        beside: 'every detection, as the detector reported it',
        replace: 'only the tracked objects seen in this frame (their smoothed boxes): filtered, masked and not yet confirmed detections are left out',
      },
      synonyms: { both: 'beside', tracks: 'replace', tracks_only: 'replace', only_tracks: 'replace' },
    }),
  },
  [
    {
      run(value, report) {
        if (value.lowThreshold > value.highThreshold) {
          report('low_threshold', `is above high_threshold (${value.highThreshold}); low-score detections are those between the two`);
        }
        if (value.newTrackThreshold < value.highThreshold) {
          report('new_track_threshold', `is below high_threshold (${value.highThreshold}); only detections above high_threshold start tracks`);
        }
        // A class in two groups would make the groups one: say which, so the person merges them or picks one.
        const seen = new Map<string, number>();
        value.mergeClasses.forEach((group, g) =>
          group.classes.forEach((name, i) => {
            const first = seen.get(name);
            if (first === undefined) seen.set(name, g);
            else report(`${mergeClassPath(group, g, i)}`, `"${name}" is already in merge_classes[${first}]; expected each class in one group at most (join the two groups)`);
          }),
        );
        // A name that is another group's class, or another group's name, would report two groups as one label.
        const named = new Map<string, number>();
        value.mergeClasses.forEach((group, g) => {
          if (group.as === undefined) return;
          const owner = seen.get(group.as);
          const twice = named.get(group.as);
          if (owner !== undefined && owner !== g) {
            report(`merge_classes[${g}].as`, `"${group.as}" is a class of merge_classes[${owner}]; expected a class of this group or a name no other group has`);
          } else if (twice !== undefined) {
            report(`merge_classes[${g}].as`, `"${group.as}" already names merge_classes[${twice}]; expected one name per group (join the two groups)`);
          } else named.set(group.as, g);
        });
      },
    },
  ],
);
