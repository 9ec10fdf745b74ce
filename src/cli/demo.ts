/**
 * edgepipe demo: the main job with no hardware and no setup. Builds the colour classifier with edgepipe's TFLite
 * writer, generates camera-like test images with sharp (solid colours with noise and a gradient), and classifies
 * them through the delegate chain, printing one line per image and the delegate report.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { COLOUR_LABELS, colourClassifierModel } from '../demo/colour-classifier.js';
import { createInterpreter } from '../runtime/delegate-chain.js';
import { Model } from '../runtime/model.js';
import { elapsedMs } from '../runtime/timing.js';
import { writeImageInput } from '../preprocess/image-input.js';
import { dequantize } from '../postprocess/dequantize.js';
import { topK } from '../postprocess/classify.js';
import { delegatesOption, parseCommand, threadsOption } from './args.js';
import { delegateLine, printJson, round } from './format.js';

export const demoHelp = `Usage: edgepipe demo [--delegates a,b] [--threads N] [--json]

Builds a tiny int8 colour classifier, generates test images and classifies them. No hardware, no setup.`;

const scenes: Array<{ name: string; rgb: [number, number, number]; expected: (typeof COLOUR_LABELS)[number] }> = [
  { name: 'tomato.jpg', rgb: [214, 48, 39], expected: 'red' },
  { name: 'meadow.png', rgb: [60, 170, 70], expected: 'green' },
  { name: 'sky.jpg', rgb: [40, 90, 210], expected: 'blue' },
  { name: 'concrete.png', rgb: [128, 126, 130], expected: 'grey' },
  { name: 'brick.webp', rgb: [170, 60, 50], expected: 'red' },
];

/** A 320x240 frame of one colour with deterministic noise, encoded by extension. */
async function sceneImage(rgb: [number, number, number], file: string): Promise<Buffer> {
  const width = 320;
  const height = 240;
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let i = 0; i < width * height; i += 1) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const noise = (seed % 41) - 20;
    const shade = Math.floor(((i % width) / width) * 20) - 10;
    for (let c = 0; c < 3; c += 1) pixels[i * 3 + c] = Math.max(0, Math.min(255, rgb[c]! + noise + shade));
  }
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  const ext = path.extname(file);
  return ext === '.jpg' ? image.jpeg().toBuffer() : ext === '.webp' ? image.webp().toBuffer() : image.png().toBuffer();
}

export async function demoCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand('demo', argv, {
    delegates: { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (parsed.values['help']) {
    console.log(demoHelp);
    return 0;
  }
  const delegates = delegatesOption(parsed);
  const threads = threadsOption(parsed);
  const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-demo-'));
  try {
    const modelFile = path.join(dir, 'colour_classifier_int8.tflite');
    writeFileSync(modelFile, colourClassifierModel());
    const model = await Model.fromFile(modelFile);
    const chain = await createInterpreter(model, { delegates, threads });
    const { interpreter } = chain;
    const labels = model.info.metadata?.labels ?? COLOUR_LABELS;
    const normalization = model.info.metadata?.inputs[0]?.normalization;
    const results = [];
    try {
      if (!parsed.values['json']) {
        console.log(`edgepipe demo: ${modelFile}`);
        console.log(delegateLine(chain.delegate, chain.usage, chain.refused));
      }
      for (const scene of scenes) {
        const file = path.join(dir, scene.name);
        writeFileSync(file, await sceneImage(scene.rgb, scene.name));
        const start = process.hrtime.bigint();
        await writeImageInput(file, interpreter.inputs[0]!, interpreter.input(0), normalization ? { normalization: { mean: [...normalization.mean], std: [...normalization.std] } } : {});
        const preprocessMs = elapsedMs(start);
        const inferStart = process.hrtime.bigint();
        await interpreter.invoke();
        const inferMs = elapsedMs(inferStart);
        const out = interpreter.outputs[0]!;
        const [best] = topK(dequantize(interpreter.output(0), out.quantization), 1, labels);
        const result = { image: scene.name, label: best!.label, score: round(best!.score, 4), expected: scene.expected, preprocess_ms: round(preprocessMs), infer_ms: round(inferMs, 4) };
        results.push(result);
        if (!parsed.values['json']) {
          const mark = result.label === scene.expected ? 'ok' : `MISMATCH (expected ${scene.expected})`;
          console.log(`${scene.name.padEnd(14)} ${String(result.label).padEnd(6)} ${result.score.toFixed(3)}  preprocess ${result.preprocess_ms} ms  infer ${result.infer_ms} ms  ${mark}`);
        }
      }
    } finally {
      interpreter.dispose();
    }
    if (parsed.values['json']) printJson({ model: modelFile, delegate: chain.delegate, delegated_nodes: chain.usage.nodes, total_nodes: chain.usage.totalNodes, refused: chain.refused, results });
    return results.every((r) => r.label === r.expected) ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
