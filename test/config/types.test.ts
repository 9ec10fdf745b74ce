/**
 * types.ts and the schema cannot drift: at compile time the type inferred from the schema equals the types in
 * types.ts (tsc checks this file in `npm test`), and at run time a loaded config has exactly the keys the types
 * declare: the required ones when only required fields are given, all of them when every field is given.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Infer } from '../../src/config/schema-dsl.js';
import type { configFileSchema, pipelineSchema } from '../../src/config/schema.js';
import type * as T from '../../src/config/types.js';
import { placeholderModel } from './helpers.js';

type OptionalKeys<O> = { [K in keyof O]-?: undefined extends O[K] ? K : never }[keyof O];

/** The keys of O, checked at compile time to be complete: `keys<T>()('a', 'b')` fails to compile if O has a 'c'. */
function keys<O>() {
  return <const K extends readonly (keyof O & string)[]>(
    ...names: K & ([Exclude<keyof O, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof O, K[number]> })
  ): readonly string[] => names;
}

/** The optional keys of O, checked at compile time to be exactly those. */
function optional<O>() {
  return <const K extends readonly OptionalKeys<O>[]>(
    ...names: K & ([Exclude<OptionalKeys<O>, K[number]>] extends [never] ? unknown : { missing: Exclude<OptionalKeys<O>, K[number]> })
  ): readonly string[] => names as readonly string[];
}

interface Shape {
  all: readonly string[];
  optional: readonly string[];
}
const shape = (all: readonly string[], opt: readonly string[] = []): Shape => ({ all, optional: opt });

const shapes = {
  file: shape(keys<T.ConfigFile>()('file', 'version', 'runtime', 'pipelines', 'secretPaths')),
  runtime: shape(keys<T.RuntimeConfig>()('library', 'delegateDirs', 'cacheDir', 'log', 'http', 'reloadHealthS', 'thermal'), optional<T.RuntimeConfig>()('library', 'cacheDir', 'log', 'http', 'reloadHealthS')),
  pipeline: shape(
    keys<T.PipelineConfig>()('name', 'origin', 'source', 'model', 'preprocess', 'postprocess', 'track', 'cascade', 'buffer', 'motion', 'every', 'maxFps', 'statsIntervalS', 'zones', 'lines', 'sinks'),
    optional<T.PipelineConfig>()('track', 'cascade', 'motion', 'zones', 'lines'),
  ),
  motion: shape(keys<T.MotionConfig>()('enabled', 'height', 'threshold', 'minArea', 'alpha', 'contrast', 'lightingLimit', 'keepaliveS', 'detectOn', 'maxRegions', 'regionMargin', 'masks')),
  mask: shape(keys<T.MotionMaskConfig>()('name', 'units', 'points'), optional<T.MotionMaskConfig>()('name')),
  images: shape(keys<T.ImagesSourceConfig>()('kind', 'path', 'loop', 'fps', 'watch')),
  synthetic: shape(keys<T.SyntheticSourceConfig>()('kind', 'width', 'height', 'fps', 'pattern', 'frames')),
  model: shape(
    keys<T.ModelConfig>()('file', 'labels', 'labelOffset', 'delegates', 'threads', 'pool', 'optimize', 'health', 'state'),
    optional<T.ModelConfig>()('labels'),
  ),
  health: shape(keys<T.HealthConfig>()('failures', 'timeoutMs', 'reprobeS')),
  state: shape(keys<T.StateLink>()('output', 'input')),
  preprocess: shape(
    keys<T.PreprocessConfig>()('resize', 'padColour', 'roi', 'rotate', 'flip', 'colour', 'layout', 'mean', 'std'),
    optional<T.PreprocessConfig>()('roi', 'colour', 'layout', 'mean', 'std'),
  ),
  roi: shape(keys<T.RegionOfInterest>()('x', 'y', 'width', 'height')),
  classify: shape(keys<T.ClassifyConfig>()('kind', 'topK', 'threshold', 'output', 'scores'), optional<T.ClassifyConfig>()('output', 'scores')),
  'detect-ssd': shape(keys<T.DetectSsdConfig>()('kind', 'threshold', 'maxDetections', 'classes')),
  'detect-yolo': shape(keys<T.DetectYoloConfig>()('kind', 'threshold', 'iou', 'maxDetections', 'classes', 'objectness', 'coordinates')),
  pose: shape(keys<T.PoseConfig>()('kind', 'threshold')),
  segment: shape(keys<T.SegmentConfig>()('kind', 'minFraction', 'maskDir', 'keepMasks'), optional<T.SegmentConfig>()('maskDir')),
  scalar: shape(keys<T.ScalarConfig>()('kind', 'below', 'above'), optional<T.ScalarConfig>()('below', 'above')),
  buffer: shape(keys<T.BufferConfig>()('policy', 'size')),
  stdout: shape(keys<T.StdoutSinkConfig>()('kind')),
  fileSink: shape(keys<T.FileSinkConfig>()('kind', 'path', 'maxBytes', 'keep')),
};

const model = placeholderModel;
const minimalYaml = (postprocess: string, source = 'synthetic', sink = '{ kind: stdout }') => `version: 1
pipelines:
  - name: p
    source: { kind: ${source}${source === 'images' ? ', path: ./frames' : ''} }
    model: { file: ${model}, state: [{ output: o, input: i }] }
    postprocess: { kind: ${postprocess} }
    sinks: [${sink}]
`;
const fullYaml = (postprocess: string) => `version: 1
runtime:
  { library: /opt/lib.so, delegate_dirs: [/etc/d], cache_dir: /var/cache/e, log: { level: warn, format: json, modules: { pipeline: debug } }, http: { listen: '127.0.0.1:0', allow_remote: false }, reload_health_s: 5 }
pipelines:
  - name: p
    source: { kind: images, path: ./f, loop: true, fps: 1, watch: true }
    model:
      file: ${model}
      labels: ./l.txt
      label_offset: 1
      delegates: [xnnpack]
      threads: 2
      pool: 1
      health: { failures: 1, timeout_ms: 10, reprobe_s: 1 }
      state: [{ output: o, input: i }]
    preprocess:
      { resize: fill, pad_colour: [1, 2, 3], roi: { x: 0, y: 0, width: 1, height: 1 }, rotate: 90, flip: vertical, colour: rgb, layout: nhwc, mean: [1], std: [2] }
    postprocess: ${postprocess}
    buffer: { policy: queue, size: 3 }
    motion: { enabled: true, height: 100, threshold: 20, min_area: 0.01, alpha: 0.1, contrast: false, lighting_limit: 0.5, keepalive_s: 2, masks: [{ name: m, units: pixels, points: [[0, 0], [1, 0], [1, 1]] }] }
    every: 2
    max_fps: 1
    stats_interval_s: 1
    sinks: [{ kind: stdout }, { kind: file, path: ./o.jsonl, max_bytes: 2048, keep: 1 }]
`;

const sorted = (list: readonly string[]) => [...list].sort();
const present = (s: Shape) => sorted(s.all.filter((k) => !s.optional.includes(k)));

describe('types.ts and the schema', () => {
  it('agree at compile time', () => {
    // `origin`, `file` and `secretPaths` are added by the loader; everything else comes from the schema.
    expectTypeOf<Infer<typeof pipelineSchema>>().toEqualTypeOf<Omit<T.PipelineConfig, 'origin'>>();
    expectTypeOf<Infer<typeof configFileSchema>['pipelines'][number]>().toEqualTypeOf<Omit<T.PipelineConfig, 'origin'>>();
    expectTypeOf<Infer<typeof configFileSchema>['runtime']>().toEqualTypeOf<T.RuntimeConfig>();
    expectTypeOf<Infer<typeof configFileSchema>['version']>().toEqualTypeOf<T.ConfigFile['version']>();
    expectTypeOf<keyof Infer<typeof configFileSchema>>().toEqualTypeOf<Exclude<keyof T.ConfigFile, 'file' | 'secretPaths'>>();
    expectTypeOf<Infer<typeof pipelineSchema>['postprocess']>().toEqualTypeOf<T.PostprocessConfig>();
    expectTypeOf<Infer<typeof pipelineSchema>['sinks']>().toEqualTypeOf<T.SinkConfig[]>();
  });

  it('a minimal config has exactly the required keys of every type', () => {
    for (const [kind, source, sink] of [
      ['classify', 'synthetic', '{ kind: stdout }'],
      ['detect-ssd', 'images', '{ kind: file, path: ./o.jsonl }'],
      ['detect-yolo', 'synthetic', '{ kind: stdout }'],
      ['pose', 'synthetic', '{ kind: stdout }'],
      ['segment', 'synthetic', '{ kind: stdout }'],
      ['scalar', 'synthetic', '{ kind: stdout }'],
    ] as const) {
      const config = parseConfig('/tmp/x/p.yaml', minimalYaml(kind, source, sink));
      const pipeline = config.pipelines[0]!;
      expect(sorted(Object.keys(config)), kind).toEqual(present(shapes.file));
      expect(sorted(Object.keys(config.runtime))).toEqual(present(shapes.runtime));
      expect(sorted(Object.keys(pipeline))).toEqual(present(shapes.pipeline));
      expect(sorted(Object.keys(pipeline.source))).toEqual(present(shapes[source]));
      expect(sorted(Object.keys(pipeline.model))).toEqual(present(shapes.model));
      expect(sorted(Object.keys(pipeline.model.health))).toEqual(present(shapes.health));
      expect(sorted(Object.keys(pipeline.model.state[0]!))).toEqual(present(shapes.state));
      expect(sorted(Object.keys(pipeline.preprocess))).toEqual(present(shapes.preprocess));
      expect(sorted(Object.keys(pipeline.postprocess))).toEqual(present(shapes[kind]));
      expect(sorted(Object.keys(pipeline.buffer))).toEqual(present(shapes.buffer));
      expect(sorted(Object.keys(pipeline.sinks[0]!))).toEqual(present(sink.includes('file') ? shapes.fileSink : shapes.stdout));
    }
  });

  it('a config with every field has exactly all keys of every type', () => {
    for (const [kind, yaml] of [
      ['classify', '{ kind: classify, top_k: 1, threshold: 0.1, output: out, scores: softmax }'],
      ['detect-ssd', '{ kind: detect-ssd, threshold: 0.1, max_detections: 1, classes: [a] }'],
      ['detect-yolo', '{ kind: detect-yolo, threshold: 0.1, iou: 0.1, max_detections: 1, classes: [a], objectness: false, coordinates: pixels }'],
      ['pose', '{ kind: pose, threshold: 0.1 }'],
      ['segment', '{ kind: segment, min_fraction: 0.1, mask_dir: ./m, keep_masks: 5 }'],
      ['scalar', '{ kind: scalar, below: 0, above: 1 }'],
    ] as const) {
      const config = parseConfig('/tmp/x/p.yaml', fullYaml(yaml));
      const pipeline = config.pipelines[0]!;
      expect(sorted(Object.keys(config.runtime)), kind).toEqual(sorted(shapes.runtime.all));
      expect(sorted(Object.keys(pipeline.source))).toEqual(sorted(shapes.images.all));
      expect(sorted(Object.keys(pipeline.model))).toEqual(sorted(shapes.model.all));
      expect(sorted(Object.keys(pipeline.preprocess))).toEqual(sorted(shapes.preprocess.all));
      expect(sorted(Object.keys(pipeline.preprocess.roi!))).toEqual(sorted(shapes.roi.all));
      expect(sorted(Object.keys(pipeline.postprocess))).toEqual(sorted(shapes[kind].all));
      expect(sorted(Object.keys(pipeline.sinks[1]!))).toEqual(sorted(shapes.fileSink.all));
      expect(sorted(Object.keys(pipeline.motion!))).toEqual(sorted(shapes.motion.all));
      expect(sorted(Object.keys(pipeline.motion!.masks[0]!))).toEqual(sorted(shapes.mask.all));
    }
  });
});
