import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';

describe.skipIf(!hasSharedModels)('CLI on real models', () => {
  it('infer --json gives the contract fields and the reference top-1', async () => {
    const result = await runCli([
      'infer', sharedModel('tf2_mobilenet_v2_1.0_224_ptq.tflite'),
      '--input', sharedModel('images/grace_hopper.png'), '--top', '3', '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as Record<string, unknown> & { outputs: Array<{ top: Array<{ index: number; label: string; score: number }> }> };
    expect(Object.keys(out)).toEqual(['model', 'delegate', 'delegated_nodes', 'total_nodes', 'refused', 'outputs']);
    expect(out['delegate']).toBe('xnnpack');
    expect(out['total_nodes']).toBe(68);
    expect(out.outputs[0]!.top).toHaveLength(3);
    expect(out.outputs[0]!.top[0]).toMatchObject({ index: 653, label: 'military uniform' });
    expect(Math.abs(out.outputs[0]!.top[0]!.score - 0.801)).toBeLessThan(1 / 256);
  });

  it('infer --top does not put a detector\'s class names (TENSOR_VALUE_LABELS) on detection slots', async () => {
    const result = await runCli([
      'infer', sharedModel('coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite'), '--input', sharedModel('images/cat.png'), '--top', '3', '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { outputs: Array<{ name: string; top?: Array<Record<string, unknown>> }> };
    expect(out.outputs.map((o) => o.name)).toEqual([
      'TFLite_Detection_PostProcess', 'TFLite_Detection_PostProcess:1', 'TFLite_Detection_PostProcess:2', 'TFLite_Detection_PostProcess:3',
    ]);
    for (const o of out.outputs) for (const entry of o.top ?? []) expect(entry).not.toHaveProperty('label');
  });

  it('infer reports the XNNPACK uint8 refusal and still answers on the CPU', async () => {
    const result = await runCli([
      'infer', sharedModel('mobilenet_v1_0.25_128_quant.tflite'), '--input', sharedModel('images/cat.png'),
      '--delegates', 'edgetpu,xnnpack,cpu', '--top', '1', '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { delegate: string; refused: Array<{ delegate: string; reason: string }> };
    expect(out.delegate).toBe('cpu');
    expect(out.refused.map((r) => r.delegate)).toEqual(['edgetpu', 'xnnpack']);
    expect(out.refused[0]!.reason).toMatch(/libedgetpu\.so\.1.*not found/);
  });

  it('infer takes raw tensor bytes and rejects a wrong size naming the expected bytes', async () => {
    const result = await runCli(['infer', sharedModel('hello_world_int8.tflite'), '--input', sharedModel('README.md')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/expected a \.raw\/\.bin tensor file or a \.jpg\/\.png\/\.webp image/);
  });

  it('inspect --json lists tensors, ops, custom ops and metadata', async () => {
    const result = await runCli(['inspect', sharedModel('mobilenet_v2_1.0_224_quant.tflite'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as {
      runtime: { version: string }; inputs: Array<{ dtype: string; shape: number[]; quantization: { scale: number[]; zero_point: number[] } }>;
      ops: Record<string, number>; custom_ops: string[]; metadata: { labels_count: number };
    };
    expect(out.runtime.version).toBe('2.9.0');
    expect(out.inputs[0]).toMatchObject({ dtype: 'uint8', shape: [1, 224, 224, 3], quantization: { scale: [0.0078125], zero_point: [128] } });
    expect(out.ops['CONV_2D']).toBe(36);
    expect(out.custom_ops).toEqual([]);
    expect(out.metadata.labels_count).toBe(1001);
  });

  it('inspect names a custom op nothing provides', async () => {
    const result = await runCli(['inspect', sharedModel('unresolved_custom_op.tflite')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('"fake-op-double" is not in TensorFlow Lite: no known delegate provides it');
  });

  it('bench --json has the contract fields', async () => {
    const result = await runCli(['bench', sharedModel('hello_world_int8.tflite'), '--runs', '20', '--warmup', '2', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as Record<string, unknown> & { invoke_ms: Record<string, number> };
    for (const key of ['model', 'delegate', 'threads', 'runs', 'load_ms', 'allocate_ms', 'invoke_ms', 'rss_mb']) expect(out).toHaveProperty(key);
    expect(out['runs']).toBe(20);
    const t = out.invoke_ms;
    expect(t['min']).toBeLessThanOrEqual(t['p50']!);
    expect(t['p50']).toBeLessThanOrEqual(t['p99']!);
    expect(t['p99']).toBeLessThanOrEqual(t['max']!);
  });
});
