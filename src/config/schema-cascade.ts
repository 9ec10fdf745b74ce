/**
 * Schema of a pipeline's `cascade:` list: second models run on crops of tracked objects (src/cascade,
 * docs/cascades.md). The checks that need the rest of the pipeline (a track section, the tracked classes, an
 * image source) run on the whole pipeline (cascadePipelineProblems, called from schema.ts); the ones that need
 * the models (labels, an image input) when the models are loaded (src/pipeline/cascade-checks.ts).
 */
import { integer, list, number, object, oneOf, string } from './schema-dsl.js';

/** Names become JSON keys in predictions and events: the zone names' rule. */
export const cascadeNamePattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const className = string({
  description: 'A label of the pipeline\'s (primary) model, or a class index.',
  expected: 'a label or a class index',
  plural: 'labels or class indices',
});

export const cascadeEntrySchema = object(
  {
    title: 'Cascade',
    description:
      'A second model (a classifier) run on crops of tracked objects of the given classes: the crop (the track\'s box ' +
      'plus `margin`) is cut from the frame, resized by the same preprocessing as the pipeline\'s model and inferred ' +
      'on the same delegate chain with failover, in the background: the frame never waits for it. The result (label, ' +
      'score) is kept per track and carried by the track in every later prediction, as `secondary.<name>`.',
    required: true,
    example: { name: 'colour', model: './models/car_colour.tflite', classes: ['car'], every_frames: 10, max_per_second: 5 },
  },
  {
    model: string({ description: 'The second model (.tflite): a classifier taking one image. Relative to this YAML file.', path: true, required: true, example: './models/car_colour.tflite' }),
    name: string({
      description:
        'Names the results on tracks (`secondary.<name>`) and in the counters. Default: the model file\'s name without ' +
        '`.tflite`, lowercased, other characters than letters, digits, `-` and `_` made `_`. Unique within the pipeline.',
      expected: 'a name of lowercase letters, digits, - and _ (1 to 63, starting with a letter or digit)',
      pattern: cascadeNamePattern,
      example: 'colour',
    }),
    labels: string({ description: 'A labels file for the second model, one label per line. Default: the labels in its metadata. Relative to this YAML file.', path: true }),
    label_offset: integer({ description: 'Line of the labels file that names class 0 (1 for 1001-line ImageNet files used with 1000-class models).', min: 0, max: 1000, default: 0 }),
    delegates: list(
      string({ description: 'A delegate name, as in model.delegates.', expected: 'a delegate name (lowercase letters, digits, - and _)', pattern: /^[a-z0-9][a-z0-9_-]*$/, plural: 'delegate names' }),
      {
        description: 'Accelerators to try for the second model, best first (`cpu` added last when missing). Default: the pipeline\'s model.delegates.',
        minItems: 1,
        unique: true,
        example: ['xnnpack', 'cpu'],
        normalise: (names) => (names.includes('cpu') ? [...names] : [...names, 'cpu']),
      },
    ),
    classes: list(className, {
      description: 'Tracked classes whose objects are cropped for this model (labels of the pipeline\'s model); at least one.',
      required: true,
      minItems: 1,
      unique: true,
      example: ['car'],
    }),
    margin: number({
      description: 'Added around the box on each side before cropping, as a fraction of the box\'s width (left, right) and height (top, bottom); the crop is clipped to the frame.',
      min: 0,
      max: 2,
      default: 0.1,
    }),
    resize: oneOf(['fill', 'contain', 'cover'], {
      description: 'How the crop becomes the second model\'s input size (as preprocess.resize).',
      default: 'fill',
      meanings: { fill: 'stretch to the input size (most classifiers are trained so)', contain: 'fit inside, pad the rest', cover: 'fill, cut what sticks out' },
      synonyms: { stretch: 'fill', letterbox: 'contain', crop: 'cover' },
    }),
    every_frames: integer({
      description: 'Run again on a track at most once every this many of its frames (predictions it is in); 1 = whenever the budget allows.',
      min: 1,
      max: 100000,
      default: 10,
    }),
    regrow: number({
      description: 'Also run again, before every_frames, when the track\'s box area has grown by this factor since the last crop (a car coming closer shows more); 0 = never.',
      min: 0,
      max: 100,
      default: 1.5,
    }),
    max_per_second: number({
      description: 'The budget: at most this many runs of this model per second over all tracks; crops beyond it wait for a later frame (counted as `budgetSkips`). New tracks go first.',
      min: 0,
      exclusiveMin: true,
      max: 1000,
      default: 5,
    }),
    queue: integer({
      description: 'Crops waiting for the model at most; a crop arriving when it is full is dropped (counted as `queueFull`) and its track stays due.',
      min: 1,
      max: 64,
      default: 4,
    }),
    min_score: number({
      description: 'A result scoring below this (0 to 1) is not attached; an earlier result of the track stays.',
      min: 0,
      max: 1,
      default: 0,
    }),
  },
  [
    {
      run(value, report) {
        if (value.regrow > 0 && value.regrow <= 1) report('regrow', `is ${value.regrow}; give a factor above 1 (1.5 = half as large again), or 0 for never`);
      },
    },
  ],
);

export const cascadeSchema = list(cascadeEntrySchema, {
  expected: 'a list of cascades (each a map with model and classes)',
  description: 'Second models on crops of tracked objects (needs `track`); docs/cascades.md.',
  example: [{ model: './models/car_colour.tflite', classes: ['car'], every_frames: 10, max_per_second: 5 }],
});

/** The name of a cascade entry: `name`, else from the model file's base name. */
export function cascadeName(entry: { name?: string; model: string }): string {
  if (entry.name !== undefined) return entry.name;
  const base = entry.model.replace(/^.*[\\/]/, '').replace(/\.tflite$/i, '').toLowerCase().replace(/[^a-z0-9_-]+/g, '_').replace(/^[_-]+/, '');
  return (base === '' ? 'secondary' : base).slice(0, 63);
}

interface PipelineView {
  cascade?: ReadonlyArray<{ name?: string; model: string; classes: readonly string[] }>;
  track?: { classes: readonly string[] };
  postprocess: { kind: string };
}

/**
 * The cascade checks that need the rest of the pipeline, as [field, message] (fields relative to the pipeline):
 * a track section, classes that are tracked, unique names. `sensor`: the source gives sensor windows.
 */
export function cascadePipelineProblems(value: PipelineView, sensor: boolean): Array<[string, string]> {
  const cascade = value.cascade;
  if (cascade === undefined || cascade.length === 0) return [];
  const problems: Array<[string, string]> = [];
  if (sensor) problems.push(['cascade', 'crops images of tracked objects; a sensor source gives no images: remove cascade']);
  if (!value.track) {
    const detector = value.postprocess.kind === 'detect-ssd' || value.postprocess.kind === 'detect-yolo';
    problems.push(['cascade', detector
      ? 'runs on tracked objects: add a track section (the crops follow its track ids)'
      : `runs on tracked objects of a detector; postprocess ${value.postprocess.kind} finds no boxes: use detect-ssd or detect-yolo with a track section, or remove cascade`]);
    return problems;
  }
  const tracked = value.track.classes;
  const seen = new Map<string, number>();
  cascade.forEach((entry, i) => {
    const name = cascadeName(entry);
    const first = seen.get(name);
    if (first !== undefined) problems.push([`cascade[${i}]${entry.name === undefined ? '.model' : '.name'}`, `the name "${name}" is already cascade[${first}]'s; give each cascade a unique name`]);
    else seen.set(name, i);
    if (tracked.length === 0) return;
    entry.classes.forEach((c, j) => {
      if (!tracked.includes(c)) problems.push([`cascade[${i}].classes[${j}]`, `"${c}" is not tracked (track.classes: ${tracked.join(', ')}); add it to track.classes or remove it here`]);
    });
  });
  return problems;
}
