/**
 * `edgepipe inspect MODEL --suggest`: a pipeline YAML skeleton that fits the model, for the engineer to complete:
 * input size and layout, the normalisation from metadata, and a postprocessor guessed from the outputs.
 */
import path from 'node:path';
import type { TensorInfo } from '../runtime/tensor.js';
import type { TfliteModelInfo } from '../tflite/types.js';
import { formatShape } from '../runtime/tensor.js';
import { packageRoot } from '../runtime/paths.js';
import { guessStateLinks } from '../pipeline/state-links.js';
import { guessPostprocess } from '../postprocess/guess.js';

/**
 * How to swap the images source for a camera: the lines a person would otherwise have to find in
 * docs/configuration.md. Each alternative is a whole `source:` line, so uncommenting one (and deleting the
 * images source) is the whole edit; a test parses each.
 */
export const CAMERA_ALTERNATIVES = [
  ['source: { kind: camera, input: /dev/video0, width: 640, height: 480, fps: 15 }', 'a USB camera (V4L2, through ffmpeg)'],
  ['source: { kind: camera, input: board }', "the board's own camera command (devices/, see edgepipe probe)"],
  ['source: { kind: camera, input: rtsp://192.168.1.20:554/stream1, fps: 5 }', 'an IP camera'],
  ['source: { kind: camera, input: "lavfi:testsrc2=size=640x480:rate=15", realtime: true }', "ffmpeg's test pattern, no camera"],
] as const;

const CAMERA_HINT = [
  '    # A camera instead of pictures: replace the source below with one of these (docs/configuration.md, Source: camera)',
  ...CAMERA_ALTERNATIVES.map(([line, what]) => `    #   ${line}   # ${what}`),
];

/** The YAML skeleton (a string, comments included). */
export function suggestPipeline(modelFile: string, info: TfliteModelInfo, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[]): string {
  const input = inputs[0];
  const name = path.basename(modelFile, path.extname(modelFile)).toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 63) || 'pipeline';
  const guess = guessPostprocess(outputs);
  const normalization = info.metadata?.inputs[0]?.normalization;
  const labels = info.metadata?.labels;
  const layout = input && input.shape.length === 4 && (input.shape[1] === 1 || input.shape[1] === 3) && input.shape[3] !== 1 && input.shape[3] !== 3 ? 'nchw' : 'nhwc';
  const lines = [
    `# yaml-language-server: $schema=${path.join(packageRoot(), 'schema', 'pipeline.schema.json')}`,
    `# Suggested by edgepipe inspect --suggest for ${path.basename(modelFile)}: complete the source and sinks,`,
    '# then check it with edgepipe validate.',
    'version: 1',
    'pipelines:',
    `  - name: ${name}`,
    ...CAMERA_HINT,
    '    source:',
    '      kind: images              # a folder of pictures (or one file, or a glob), each classified once',
    '      path: ./frames',
    '      fps: 0',
    '    model:',
    `      file: ${modelFile}`,
    labels ? `      # labels: ${labels.length} packed in the model's metadata` : '      # labels: ./labels.txt    # one per line; label_offset: 1 if it starts with "background"',
    '      delegates: [xnnpack, cpu]',
    ...stateLines(inputs, outputs),
    '    preprocess:',
    `      # input "${input?.name ?? '?'}" ${input ? `${input.dtype} ${formatShape(input.shape)}` : '?'}, layout ${layout}`,
    '      resize: fill',
    ...(layout === 'nchw' ? ['      layout: nchw'] : []),
    ...(normalization
      ? [`      # normalisation from metadata: mean ${normalization.mean.join(', ')} std ${normalization.std.join(', ')}`]
      : ['      # no normalisation in the metadata: set mean/std (0-255 scale) if the model was trained with them']),
    '    postprocess:',
    `      kind: ${guess.kind}          # guessed: ${guess.why}`,
    ...(guess.kind === 'classify' ? ['      top_k: 3'] : []),
    ...(guess.kind === 'detect-ssd' || guess.kind === 'detect-yolo' ? ['      threshold: 0.5'] : []),
    '    sinks:',
    '      - kind: stdout',
  ];
  return `${lines.join('\n')}\n`;
}

/** `state:` links for the inputs that carry a recurrent model's state (guessed from names and shapes). */
function stateLines(inputs: readonly TensorInfo[], outputs: readonly TensorInfo[]): string[] {
  const links = guessStateLinks(inputs, outputs);
  if (links.length === 0) return [];
  return [
    '      state:                    # outputs fed back into inputs on the next frame (zeros on the first); guessed from names and shapes',
    ...links.map((link) => `        - { output: ${JSON.stringify(link.output)}, input: ${JSON.stringify(link.input)} }`),
  ];
}
