/**
 * Finite inputs through the whole engine, as `edgepipe run` runs them: the pipeline ends by itself (state `ended`)
 * after every window or frame of the file was inferred and published, with the default buffer (`latest`, one
 * waiting frame) and no warning. Real ffmpeg, real files, real models from ../shared/models.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFiles } from '../../src/config/load.js';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { Supervisor } from '../../src/pipeline/supervisor.js';
import { descriptorsFor } from '../../src/pipeline/validate.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';
import { runFfmpegTests } from './camera-helpers.js';
import { removeTempDirs, tempDir } from './helpers.js';
import { makeWav } from './series/audio-helpers.js';

afterAll(() => removeTempDirs());

/** Runs the pipelines of `yaml` until all ended; their predictions, final states and warn/error log lines. */
async function runToEnd(yaml: string) {
  const [config] = await loadConfigFiles([yaml]);
  const predictions: Prediction[] = [];
  const logger = memoryLogger();
  const supervisor = new Supervisor(config!.pipelines.map((p) => ({ ...p, sinks: [] })), {
    runtime: config!.runtime,
    logger,
    descriptors: descriptorsFor(config!),
    extraSinks: (name) => [callbackSink(name, (p) => predictions.push(p))],
  });
  await supervisor.start();
  await supervisor.whenAllEnded();
  const states = supervisor.status().map((s) => s.state);
  await supervisor.stop();
  const problems = logger.entries.filter((e) => e.level === 'warn' || e.level === 'error').map((e) => e.message);
  return { predictions, states, problems };
}

describe.runIf(runFfmpegTests && hasSharedModels)('finite inputs end their pipeline', () => {
  it('audio input: a 2 s tone WAV gives exactly its 3 YAMNet windows, all published, then the pipeline ends', async () => {
    const dir = tempDir('finite-pipeline');
    makeWav(dir, 'tone.wav', 'sine=frequency=1000:sample_rate=16000:duration=2');
    const yaml = path.join(dir, 'tone.yaml');
    writeFileSync(
      yaml,
      `version: 1
pipelines:
  - name: tone
    source:
      kind: audio
      input: ./tone.wav
      window: { length: 15600, hop: 7800 }
    model: { file: ${JSON.stringify(sharedModel('yamnet_audio_classifier_with_metadata.tflite'))} }
    postprocess: { kind: classify, top_k: 1 }
`,
    );
    const { predictions, states, problems } = await runToEnd(yaml);
    // 32,000 samples: windows start at 0, 7,800 and 15,600 (the next would end at 39,000).
    expect(predictions.map((p) => p.frameId)).toEqual([0, 1, 2]);
    for (const prediction of predictions) {
      if (prediction.result.kind !== 'classify') throw new Error(`expected classify, got ${prediction.result.kind}`);
      expect(prediction.result.classes[0]!.label).toBe('Beep, bleep');
    }
    expect(states).toEqual(['ended']);
    expect(problems).toEqual([]);
  });

  it('camera command with finite: true: every frame of a 12-frame clip is classified, then the pipeline ends', async () => {
    const dir = tempDir('finite-pipeline');
    const clip = path.join(dir, 'clip.mkv');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-frames:v', '12', '-c:v', 'ffv1', clip]);
    expect(made.status, String(made.stderr)).toBe(0);
    const yaml = path.join(dir, 'clip.yaml');
    const command = ['ffmpeg', '-v', 'error', '-i', clip, '-c:v', 'mjpeg', '-q:v', '5', '-f', 'mjpeg', '-'];
    writeFileSync(
      yaml,
      `version: 1
pipelines:
  - name: clip
    source: { kind: camera, input: clip, command: ${JSON.stringify(command)}, command_output: mjpeg, finite: true }
    model: { file: ${JSON.stringify(sharedModel('mobilenet_v1_0.25_128_quant.tflite'))} }
    postprocess: { kind: classify, top_k: 1 }
`,
    );
    const { predictions, states, problems } = await runToEnd(yaml);
    expect(predictions.map((p) => p.frameId)).toEqual([...Array(12).keys()]);
    expect(states).toEqual(['ended']);
    expect(problems).toEqual([]);
  });
});
