/** edgepipe optimize MODEL -o OUT: a classic uint8 model rewritten as int8 for XNNPACK, checked against the original. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EdgepipeError, invalidOption } from '../runtime/errors.js';
import { loadVerifiedModel } from '../runtime/probe.js';
import { packageRoot } from '../runtime/paths.js';
import { evaluate, optimizeModelBytes, OptimizeError, type Evaluation } from '../optimize/index.js';
import type { ConversionSummary } from '../optimize/convert.js';
import { intOption, parseCommand, requireModel, stringOption } from './args.js';
import { printJson, round } from './format.js';

export const optimizeHelp = `Usage: edgepipe optimize MODEL.tflite -o OUT.tflite [--io uint8|int8] [--calibration DIR]
                         [--min-agreement 0.98] [--threads N] [--runs N] [--json] [--library PATH]

Rewrites a classic TF1 uint8-quantised model (MobileNet quant, COCO SSD quant, DeepLab quant) as int8, which
TensorFlow Lite's XNNPACK delegate runs and its uint8 form does not: activations int8 (zero point - 128), weights
symmetric int8 per channel, biases rescaled, labels and normalisation metadata kept. The inputs and outputs stay
uint8 (QUANTIZE at each edge) so pipelines need no change, unless --io int8.

Then runs both models on the same inputs and reports XNNPACK nodes, invoke time and agreement; OUT is written
only when the agreement reaches --min-agreement.

  -o, --output FILE     where to write the optimised model (required)
  --io uint8|int8       type of the model's inputs and outputs (default uint8, as the original)
  --calibration DIR     images (png, jpg, webp) to compare the models on (default: ../shared/models/images when
                        present, else 8 synthetic inputs)
  --min-agreement X     top-1 agreement (classifier), matched boxes (detector), equal pixels (segmentation)
                        required, 0..1 (default 0.98)
  --threads N           threads for both models (default 1)
  --runs N              timed invokes of each model (default 50)`;

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.gif']);

export interface OptimizeJson {
  model: string;
  output: string;
  written: boolean;
  io: 'uint8' | 'int8';
  conversion: ConversionSummary;
  evaluation: Evaluation;
  speedup: number;
  min_agreement: number;
}

export async function optimizeCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand('optimize', argv, {
    output: { type: 'string', short: 'o' },
    io: { type: 'string' },
    calibration: { type: 'string' },
    'min-agreement': { type: 'string' },
    threads: { type: 'string' },
    runs: { type: 'string' },
    library: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (parsed.values['help']) {
    console.log(optimizeHelp);
    return 0;
  }
  const file = requireModel('optimize', parsed);
  const output = stringOption(parsed, 'output');
  if (output === undefined) throw new EdgepipeError('ERR_USAGE', 'missing -o OUT.tflite, where to write the optimised model (see edgepipe optimize --help)', { exitCode: 2 });
  if (path.resolve(output) === path.resolve(file)) throw invalidOption('-o', 'a file other than the model itself', output);
  const io = stringOption(parsed, 'io') ?? 'uint8';
  if (io !== 'uint8' && io !== 'int8') throw invalidOption('--io', 'uint8 or int8', io);
  const minAgreement = agreementOption(stringOption(parsed, 'min-agreement'));
  const threads = intOption(parsed, 'threads', 1, 64, 1);
  const runs = intOption(parsed, 'runs', 1, 100_000, 50);
  const images = calibrationImages(stringOption(parsed, 'calibration'));
  const library = stringOption(parsed, 'library');

  const original = await loadVerifiedModel(file, library === undefined ? {} : { library });
  const { bytes, summary } = optimizeModelBytes(original.bytes, file, { io });
  const optimized = await loadVerifiedModel(output, { bytes, name: `${output} (optimised)`, ...(library === undefined ? {} : { library }) });
  const evaluation = await evaluate(original, optimized, { threads, runs, images });
  const speedup = evaluation.before.invokeMs.p50 / evaluation.after.invokeMs.p50;
  const passed = evaluation.agreement.agreement >= minAgreement;
  if (passed) {
    // Write beside the target, then rename: a reader of OUT never sees half a model.
    const temporary = `${output}.${process.pid}.tmp`;
    try {
      await writeFile(temporary, bytes);
      await rename(temporary, output);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new EdgepipeError('ERR_OUTPUT', `cannot write ${output}: ${(error as Error).message}`, { exitCode: 2, cause: error });
    }
  }
  if (parsed.values['json']) {
    const json: OptimizeJson = { model: file, output, written: passed, io, conversion: summary, evaluation, speedup: round(speedup, 2), min_agreement: minAgreement };
    printJson(json);
  } else {
    for (const line of reportLines(file, output, io, summary, evaluation, threads, runs)) console.log(line);
  }
  if (!passed) {
    const a = evaluation.agreement;
    throw new OptimizeError(
      `not written: agreement ${percent(a.agreement)} (${a.details}) is below --min-agreement ${percent(minAgreement)}`,
      'ERR_OPTIMIZE_AGREEMENT',
      1,
    );
  }
  if (!parsed.values['json']) console.log(`wrote ${output} (${(bytes.length / 1024 / 1024).toFixed(1)} MB)`);
  return 0;
}

function agreementOption(raw: string | undefined): number {
  if (raw === undefined) return 0.98;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) throw invalidOption('--min-agreement', 'a number between 0 and 1', raw);
  return value;
}

/** The images of --calibration DIR, or of the shared test images when present, sorted by name. */
function calibrationImages(dir: string | undefined): string[] {
  const folder = dir ?? path.resolve(packageRoot(), '..', 'shared', 'models', 'images');
  if (dir === undefined && !existsSync(folder)) return [];
  let names: string[];
  try {
    if (!statSync(folder).isDirectory()) throw new Error('not a directory');
    names = readdirSync(folder);
  } catch (error) {
    throw invalidOption('--calibration', 'a folder of images', `${folder} (${(error as Error).message})`);
  }
  const images = names.filter((n) => IMAGE_EXTENSIONS.has(path.extname(n).toLowerCase())).sort().map((n) => path.join(folder, n));
  if (images.length === 0) throw invalidOption('--calibration', `a folder with images (${[...IMAGE_EXTENSIONS].join(', ')})`, `${folder} (no image files)`);
  return images;
}

const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;

function runText(r: Evaluation['before']): string {
  return r.delegate === 'cpu'
    ? `0 of ${r.totalNodes} (plain CPU kernels)`
    : `${r.delegatedNodes} of ${r.totalNodes} in ${r.partitions} partition(s)`;
}

function reportLines(
  file: string, output: string, io: string, s: ConversionSummary, e: Evaluation, threads: number, runs: number,
): string[] {
  const a = e.agreement;
  const speed = e.before.invokeMs.p50 / e.after.invokeMs.p50;
  const scoreText = a.kind === 'detector'
    ? `, lowest IoU ${a.minIoU!.toFixed(3)}, max score difference ${a.maxScoreDiff.toFixed(4)}`
    : a.kind === 'segmentation' ? '' : `, max score difference ${a.maxScoreDiff.toFixed(4)}`;
  return [
    `${file} -> ${output}: ${io} inputs/outputs; ${s.requantizedWeights} weight tensors requantised to int8 ` +
      `(${s.totalChannels - s.widenedChannels} of ${s.totalChannels} channels exact, ${s.widenedChannels} rescaled); ` +
      `${s.insertedQuantize} QUANTIZE added; ${s.retargetedTensors} tensors given their concatenation's scale`,
    `XNNPACK nodes: before ${runText(e.before)}, after ${runText(e.after)}`,
    `invoke p50 (${threads} thread(s), ${runs} alternating runs): before ${e.before.invokeMs.p50.toFixed(2)} ms, ` +
      `after ${e.after.invokeMs.p50.toFixed(2)} ms (${speed.toFixed(1)}x)`,
    `agreement on ${e.inputs.count} ${e.inputs.source === 'images' ? 'images' : 'synthetic inputs'} (${a.kind}): ` +
      `${percent(a.agreement)} (${a.details})${scoreText}`,
  ];
}
