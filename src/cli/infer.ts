/** edgepipe infer MODEL --input NAME=FILE ...: one inference, outputs dequantised or as top-K with labels. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterpreter } from '../runtime/delegate-chain.js';
import { EdgepipeError } from '../runtime/errors.js';
import type { Interpreter } from '../runtime/interpreter.js';
import type { Model } from '../runtime/model.js';
import { formatShape, type TensorInfo } from '../runtime/tensor.js';
import { writeImageInput } from '../preprocess/image-input.js';
import type { PixelNormalization } from '../preprocess/pixel-lut.js';
import { dequantize } from '../postprocess/dequantize.js';
import { topK, type ScoredClass } from '../postprocess/classify.js';
import {
  delegatesOption, intOption, listOption, numberListOption, parseCommand, requireModel, stringOption, threadsOption,
} from './args.js';
import { printable } from '../runtime/printable.js';
import { delegateLine, printJson, round } from './format.js';
import { openModel } from './load-model.js';

export const inferHelp = `Usage: edgepipe infer MODEL --input [NAME=]FILE ... [options]

Runs the model once and prints each output dequantised, or its top-K classes.

  --input [NAME=]FILE   an input tensor (by name or index; NAME may be omitted for one-input models).
                        .raw/.bin: raw tensor bytes; .jpg/.jpeg/.png/.webp: an image, resized to the input
  --delegates a,b       delegate chain, cpu implied at the end (default xnnpack,cpu)
  --threads N|auto      CPU threads (default 1; auto: times 1..min(cores, 4) at load and keeps the fastest)
  --top K               print the K best classes of each classification output
  --labels FILE         one label per line (default: labels packed in the model's metadata)
  --label-offset N      label line of class 0 (1 for 1001-line ImageNet files with 1000-class models)
  --mean a,b,c --std a,b,c   image normalisation on the 0-255 pixel scale (default: model metadata)
  --library PATH        libtensorflowlite_c.so to use (default: EDGEPIPE_TFLITE_LIBRARY, then tfjs-tflite-node)
  --json                machine-readable output (see README)`;

const imageExtensions = new Set(['.jpg', '.jpeg', '.png', '.webp']);
const rawExtensions = new Set(['.raw', '.bin']);

interface InferJson {
  model: string;
  delegate: string;
  delegated_nodes: number;
  total_nodes: number;
  refused: Array<{ delegate: string; reason: string }>;
  outputs: Array<{ name: string; dtype: string; shape: number[]; values?: number[]; top?: ScoredClass[] }>;
}

function pickInput(interpreter: Interpreter, name: string | undefined, spec: string): TensorInfo {
  const inputs = interpreter.inputs;
  if (name === undefined) {
    if (inputs.length === 1) return inputs[0]!;
    throw new EdgepipeError('ERR_USAGE', `--input ${spec}: the model has ${inputs.length} inputs; write NAME=FILE (${inputs.map((i) => i.name).join(', ')})`, {
      exitCode: 2,
    });
  }
  const byName = inputs.find((i) => i.name === name) ?? (/^\d+$/.test(name) ? inputs[Number(name)] : undefined);
  if (!byName) {
    throw new EdgepipeError('ERR_USAGE', `--input ${spec}: no input named "${name}"; the model has ${inputs.map((i, n) => `${n} "${i.name}"`).join(', ')}`, {
      exitCode: 2,
    });
  }
  return byName;
}

function normalizationFor(model: Model, inputIndex: number, mean?: number[], std?: number[]): PixelNormalization | undefined {
  if (mean || std) return { mean: mean ?? [0], std: std ?? [1] };
  const fromMetadata = model.info.metadata?.inputs[inputIndex]?.normalization;
  return fromMetadata ? { mean: [...fromMetadata.mean], std: [...fromMetadata.std] } : undefined;
}

async function fillInput(
  interpreter: Interpreter,
  spec: string,
  options: { mean: number[] | undefined; std: number[] | undefined },
): Promise<void> {
  const eq = spec.indexOf('=');
  const name = eq > 0 ? spec.slice(0, eq) : undefined;
  const file = eq > 0 ? spec.slice(eq + 1) : spec;
  const info = pickInput(interpreter, name, spec);
  const ext = path.extname(file).toLowerCase();
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new EdgepipeError('ERR_INPUT_FILE', `--input ${spec}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      exitCode: 2,
    });
  }
  if (rawExtensions.has(ext)) {
    interpreter.setInput(info.index, bytes);
  } else if (imageExtensions.has(ext)) {
    const normalization = normalizationFor(interpreter.model, info.index, options.mean, options.std);
    await writeImageInput(bytes, info, interpreter.input(info.index), normalization ? { normalization } : {});
  } else {
    throw new EdgepipeError('ERR_INPUT_FILE', `--input ${spec}: expected a .raw/.bin tensor file or a .jpg/.png/.webp image, got "${ext || file}"`, {
      exitCode: 2,
    });
  }
}

async function readLabels(file: string | undefined, model: Model): Promise<readonly string[] | undefined> {
  // Value labels (a detector's class names) do not name the positions --top ranks: only axis labels do.
  if (file === undefined) return model.info.metadata?.labelsFrom?.type === 'TENSOR_AXIS_LABELS' ? model.info.metadata.labels : undefined;
  try {
    return (await readFile(file, 'utf8')).split(/\r?\n/).filter((line, i, all) => line !== '' || i < all.length - 1);
  } catch (error) {
    throw new EdgepipeError('ERR_LABELS_FILE', `--labels ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      exitCode: 2,
    });
  }
}

export async function inferCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand('infer', argv, {
    input: { type: 'string', multiple: true },
    delegates: { type: 'string' },
    threads: { type: 'string' },
    top: { type: 'string' },
    labels: { type: 'string' },
    'label-offset': { type: 'string' },
    mean: { type: 'string' },
    std: { type: 'string' },
    library: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (parsed.values['help']) {
    console.log(inferHelp);
    return 0;
  }
  const modelFile = requireModel('infer', parsed);
  const inputs = listOption(parsed, 'input');
  if (inputs.length === 0) throw new EdgepipeError('ERR_USAGE', 'edgepipe infer: give at least one --input [NAME=]FILE', { exitCode: 2 });
  const top = intOption(parsed, 'top', 1, 100000, 0);
  const labelOffset = intOption(parsed, 'label-offset', -1, 1000, 0);
  const mean = numberListOption(parsed, 'mean');
  const std = numberListOption(parsed, 'std');
  const delegates = delegatesOption(parsed);
  const threads = threadsOption(parsed);

  const model = await openModel(modelFile, stringOption(parsed, 'library'));
  const labels = await readLabels(stringOption(parsed, 'labels'), model);
  const chain = await createInterpreter(model, { delegates, threads, warmup: 0 });
  const { interpreter } = chain;
  try {
    for (const spec of inputs) await fillInput(interpreter, spec, { mean, std });
    await interpreter.invoke();
    const result: InferJson = {
      model: modelFile,
      delegate: chain.delegate,
      delegated_nodes: chain.usage.nodes,
      total_nodes: chain.usage.totalNodes,
      refused: chain.refused.map(({ delegate, reason }) => ({ delegate, reason })),
      outputs: interpreter.outputs.map((info) => {
        const values = dequantize(interpreter.output(info.index), info.quantization);
        const base = { name: info.name, dtype: info.dtype, shape: [...info.shape] };
        return top > 0 && values.length > 1
          ? { ...base, top: topK(values, top, labels, labelOffset).map((c) => ({ ...c, score: round(c.score, 6) })) }
          : { ...base, values: Array.from(values, (v) => round(v, 6)) };
      }),
    };
    if (parsed.values['json']) printJson(result);
    else printHuman(result, chain.usage, chain.refused);
    return 0;
  } finally {
    interpreter.dispose();
  }
}

function printHuman(result: InferJson, usage: Parameters<typeof delegateLine>[1], refused: Parameters<typeof delegateLine>[2]): void {
  // Tensor names and labels come from the model and the labels file: control characters escaped.
  const say = (line: string): void => console.log(printable(line));
  say(`${result.model}`);
  for (const line of delegateLine(result.delegate, usage, refused).split('\n')) say(line);
  for (const output of result.outputs) {
    say(`output "${output.name}" ${output.dtype} ${formatShape(output.shape)}`);
    if (output.top) {
      for (const c of output.top) say(`  ${String(c.index).padStart(5)}  ${c.score.toFixed(4)}  ${c.label ?? ''}`);
    } else if (output.values) {
      const shown = output.values.slice(0, 32).join(', ');
      say(`  [${shown}${output.values.length > 32 ? `, ... ${output.values.length - 32} more` : ''}]`);
    }
  }
}
