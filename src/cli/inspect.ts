/** edgepipe inspect MODEL: what the model is, read by edgepipe's own .tflite reader (nothing is executed). */
import { loadTflite } from '../runtime/library.js';
import { loadDelegateDescriptors } from '../runtime/delegates.js';
import { unresolvedCustomOps } from '../runtime/delegate-chain.js';
import { formatShape } from '../runtime/tensor.js';
import type { TensorInfo as FileTensor, TfliteModelInfo } from '../tflite/types.js';
import { parseCommand, requireModel, stringOption } from './args.js';
import { printJson } from './format.js';
import { suggestPipeline } from './suggest.js';
import path from 'node:path';
import { readModelFile } from '../runtime/model.js';
import { printable } from '../runtime/printable.js';
import { probeModel } from '../runtime/probe.js';
import { EdgepipeError } from '../runtime/errors.js';
import { readModel } from '../tflite/reader.js';
import { TfliteFormatError } from '../tflite/errors.js';

export const inspectHelp = `Usage: edgepipe inspect MODEL [--json] [--suggest] [--library PATH]

Prints the TensorFlow Lite runtime, the model's inputs and outputs (dtype, shape, quantisation), operator
counts, custom ops (and whether anything can run them) and metadata (labels, normalisation). The file is read
by edgepipe's own reader, so a model TFLite cannot run is still described; whether TFLite can load and invoke
it (checked in a child process) is reported as "probe". --suggest prints a pipeline YAML skeleton that fits
the model instead.`;

interface TensorJson {
  name: string;
  dtype: string;
  shape: number[];
  quantization?: { scale: number[]; zero_point: number[]; axis: number };
}

function tensorJson(t: FileTensor): TensorJson {
  const out: TensorJson = { name: t.name, dtype: t.type, shape: [...t.shape] };
  if (t.quantization) {
    out.quantization = {
      scale: [...t.quantization.scale],
      zero_point: [...t.quantization.zeroPoint],
      axis: t.quantization.quantizedDimension,
    };
  }
  return out;
}

function metadataJson(info: TfliteModelInfo): Record<string, unknown> | null {
  const m = info.metadata;
  if (!m) return null;
  return {
    name: m.name ?? null,
    description: m.description ?? null,
    labels_count: m.labels?.length ?? 0,
    inputs: m.inputs.map((i) => ({
      name: i.name ?? null,
      normalization: i.normalization ? { mean: [...i.normalization.mean], std: [...i.normalization.std] } : null,
      range: i.range ? { min: [...i.range.min], max: [...i.range.max] } : null,
    })),
    associated_files: [...m.associatedFiles],
    warnings: [...m.warnings],
  };
}

export async function inspectCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand('inspect', argv, {
    json: { type: 'boolean' },
    suggest: { type: 'boolean' },
    library: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (parsed.values['help']) {
    console.log(inspectHelp);
    return 0;
  }
  const file = requireModel('inspect', parsed);
  const library = stringOption(parsed, 'library');
  const runtime = loadTflite(library);
  const bytes = await readModelFile(file);
  let info: TfliteModelInfo;
  try {
    info = readModel(bytes, file);
  } catch (error) {
    if (error instanceof TfliteFormatError) throw new EdgepipeError('ERR_MODEL_FORMAT', error.message, { exitCode: 2 });
    throw error;
  }
  const verdict = await probeModel(bytes, { name: file, ...(library ? { library } : {}) });
  const probe = verdict.ok ? { ok: true, invoke_ms: verdict.invokeMs } : { ok: false, kind: verdict.kind, reason: verdict.reason };
  if (parsed.values['suggest']) {
    if (!verdict.ok) throw new EdgepipeError('ERR_MODEL_PROBE', `${file}: ${verdict.reason}`, { exitCode: 2 });
    // The probe reports tensors as TFLite allocates them (detection outputs get their shapes only then).
    process.stdout.write(suggestPipeline(path.resolve(file), info, verdict.inputs, verdict.outputs));
    return 0;
  }
  const main = info.subgraphs[0]!;
  const inputs = main.inputs.map((i) => tensorJson(main.tensors[i]!));
  const outputs = main.outputs.map((i) => tensorJson(main.tensors[i]!));
  const unresolved = unresolvedCustomOps(info.customOps, [], loadDelegateDescriptors());
  const result = {
    runtime: { library: runtime.path, version: runtime.version },
    model: file,
    bytes: info.byteLength,
    inputs,
    outputs,
    ops: { ...info.opCounts },
    custom_ops: [...info.customOps],
    custom_ops_needing_delegate: unresolved.map(({ op, providers }) => ({ op, delegates: providers })),
    metadata: metadataJson(info),
    probe,
  };
  if (parsed.values['json']) {
    printJson(result);
    return 0;
  }
  // Names, metadata and the probe's reason come from the file: printed with control characters escaped.
  const say = (line: string): void => console.log(printable(line));
  say(`${file} (${info.byteLength} bytes)`);
  say(`runtime TensorFlow Lite ${runtime.version} from ${runtime.path}`);
  const line = (role: string, t: TensorJson): string => {
    const q = t.quantization;
    const quant = q ? (q.scale.length === 1 ? ` scale ${q.scale[0]} zero point ${q.zero_point[0]}` : ` per-channel (${q.scale.length} on axis ${q.axis})`) : '';
    return `${role} "${t.name}" ${t.dtype} ${formatShape(t.shape)}${quant}`;
  };
  for (const t of inputs) say(line('input ', t));
  for (const t of outputs) say(line('output', t));
  const ops = Object.entries(info.opCounts).sort((a, b) => b[1] - a[1]);
  say(`operators (${main.operators.length} in the main graph): ${ops.map(([op, n]) => `${op} x${n}`).join(', ')}`);
  if (info.customOps.length > 0) say(`custom ops: ${info.customOps.join(', ')}`);
  for (const { op, providers } of unresolved) {
    say(`  "${op}" is not in TensorFlow Lite: ${providers.length ? `needs the ${providers.join(' or ')} delegate` : 'no known delegate provides it'}`);
  }
  say(verdict.ok ? `probe: TensorFlow Lite loads and invokes it (${verdict.invokeMs.toFixed(2)} ms on the CPU kernels)` : `probe: TensorFlow Lite cannot run it (${verdict.kind}): ${verdict.reason}`);
  const meta = info.metadata;
  if (meta) {
    say(`metadata: ${meta.name ?? '(no name)'}; ${meta.labels?.length ?? 0} labels`);
    meta.inputs.forEach((i, n) => {
      if (i.normalization) say(`  input ${n} normalisation mean ${i.normalization.mean.join(',')} std ${i.normalization.std.join(',')}`);
    });
  }
  return 0;
}
