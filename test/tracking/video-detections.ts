/**
 * Detections of the real COCO SSD detector on a video file, frame by frame: ffmpeg decodes to raw RGB (argument
 * array, no shell), the project's preprocessor, interpreter and SSD postprocessor do the rest, as a pipeline
 * would. Frames are read one at a time (`for await` pauses ffmpeg's pipe), so memory stays at a frame or two.
 */
import { spawn } from 'node:child_process';
import type { DetectedObject } from '../../src/postprocess/types.js';
import { createPostprocessor } from '../../src/postprocess/index.js';
import { postprocessContext } from '../../src/pipeline/labels.js';
import { createImagePreprocessor } from '../../src/preprocess/index.js';
import { defaultPreprocessConfig } from '../../src/preprocess/image-input.js';
import { createInterpreter, Model } from '../../src/runtime/index.js';

export interface VideoFrameDetections {
  /** 0-based index of the decoded frame. */
  index: number;
  /** Time of the frame in the video, ms. */
  ms: number;
  objects: DetectedObject[];
}

export async function* videoDetections(options: {
  video: string;
  model: string;
  width: number;
  height: number;
  fps: number;
  threshold: number;
}): AsyncGenerator<VideoFrameDetections> {
  const { width, height, fps } = options;
  const model = await Model.fromFile(options.model);
  const { interpreter } = await createInterpreter(model);
  const ffmpeg = spawn('ffmpeg', ['-v', 'error', '-i', options.video, '-vf', `fps=${fps}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  ffmpeg.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => ffmpeg.on('close', resolve));
  try {
    const context = await postprocessContext(model, undefined, 0, 'coco');
    const post = createPostprocessor({ kind: 'detect-ssd', threshold: options.threshold, maxDetections: 10, classes: [] }, interpreter.outputs, context);
    const preprocessor = createImagePreprocessor(defaultPreprocessConfig('fill'), interpreter.inputs[0]!);
    const frameBytes = width * height * 3;
    let pending: Buffer = Buffer.alloc(0);
    let index = 0;
    for await (const chunk of ffmpeg.stdout as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= frameBytes) {
        const data = new Uint8Array(pending.subarray(0, frameBytes));
        pending = pending.subarray(frameBytes);
        const geometry = await preprocessor.run({ kind: 'raw', format: 'rgb24', width, height, data }, interpreter.input(0));
        await interpreter.invoke();
        const infos = interpreter.outputs;
        const result = await post.run({ infos, values: infos.map((_, i) => interpreter.output(i)) }, geometry);
        if (result.kind !== 'detect') throw new Error(`expected detections, got ${result.kind}`);
        yield { index, ms: (index * 1000) / fps, objects: result.objects };
        index++;
      }
    }
    const code = await exited;
    if (code !== 0) throw new Error(`ffmpeg exited with ${code}: ${stderr}`);
  } finally {
    ffmpeg.kill('SIGKILL');
    interpreter.dispose();
  }
}
