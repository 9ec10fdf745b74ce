import { describe, expect, it } from 'vitest';
import { COCO_KEYPOINTS, createPostprocessor } from '../../src/postprocess/index.js';
import type { PoseConfig } from '../../src/config/types.js';
import { fillGeometry, info, letterboxGeometry, mismatchMessage, outputsOf, quantization, sync, tensor } from './tensors.js';

const config: PoseConfig = { kind: 'pose', threshold: 0.3 };
const context = { labelOffset: 0, modelName: 'movenet.tflite' };

/** Keypoint k at y = 0.2 + 0.02k, x = 0.1 + 0.04k, score 0.05k. */
const real = COCO_KEYPOINTS.flatMap((_, k) => [0.2 + 0.02 * k, 0.1 + 0.04 * k, 0.05 * k]);

function keypoints(result: ReturnType<ReturnType<typeof createPostprocessor>['run']>) {
  const r = sync(result);
  if (r.kind !== 'pose') throw new Error(`expected pose, got ${r.kind}`);
  return r.keypoints;
}

describe('pose', () => {
  it('names the 17 COCO keypoints, maps (y, x) to source pixels and marks visibility at the threshold', () => {
    const { infos, tensors } = outputsOf(tensor('StatefulPartitionedCall:0', 'float32', [1, 1, 17, 3], real));
    const points = keypoints(createPostprocessor(config, infos, context).run(tensors, fillGeometry(640, 480, 192, 192)));
    expect(points.map((p) => p.name)).toEqual([...COCO_KEYPOINTS]);
    expect(points[0]).toEqual({ name: 'nose', x: expect.closeTo(64, 3), y: expect.closeTo(96, 3), score: 0, visible: false });
    expect(points[16]).toEqual({ name: 'right_ankle', x: expect.closeTo(0.74 * 640, 3), y: expect.closeTo(0.52 * 480, 3), score: expect.closeTo(0.8, 6), visible: true });
    expect(points.map((p) => p.visible)).toEqual(COCO_KEYPOINTS.map((_, k) => 0.05 * k >= 0.3 - 1e-7));
  });

  it('undoes a letterbox and clamps points that fall in the pad', () => {
    // 640x480 into 192x192: scale 0.3, 19.2 px bars (0.1) above and below.
    const values = [...real];
    values.splice(0, 3, 0.05, 0.5, 0.9); // nose in the top bar
    values.splice(3, 3, 0.5, 0.25, 0.9); // left_eye in the middle
    const { infos, tensors } = outputsOf(tensor('out', 'float32', [1, 1, 17, 3], values));
    const [nose, eye] = keypoints(createPostprocessor(config, infos, context).run(tensors, letterboxGeometry(640, 480, 192, 192)));
    expect(nose).toMatchObject({ x: expect.closeTo(320, 3), y: 0 });
    expect(eye).toMatchObject({ x: expect.closeTo(160, 3), y: expect.closeTo(240, 3) });
  });

  it('dequantises a uint8 output', () => {
    const q = quantization(1 / 255, 0);
    const { infos, tensors } = outputsOf(tensor('out', 'uint8', [1, 1, 17, 3], real, q));
    const points = keypoints(createPostprocessor(config, infos, context).run(tensors, fillGeometry(255, 255, 192, 192)));
    expect(points[5]).toMatchObject({ name: 'left_shoulder', x: expect.closeTo(77, 6), y: expect.closeTo(77, 6), score: expect.closeTo(64 / 255, 6) });
  });

  it('needs the MoveNet single-pose output', () => {
    expect(mismatchMessage(() => createPostprocessor(config, [info('multi', 'float32', [1, 6, 56])], context))).toBe(
      'postprocess.kind: pose needs a MoveNet single-pose first output [1,1,17,3] (y, x, score per COCO keypoint) but movenet.tflite has 1 output "multi" float32 [1,6,56]',
    );
  });

  it('needs image geometry', () => {
    const { infos, tensors } = outputsOf(tensor('out', 'float32', [1, 1, 17, 3], real));
    expect(() => createPostprocessor(config, infos, context).run(tensors, undefined)).toThrow(/^postprocess\.kind: pose reports source-image pixels/);
  });
});
