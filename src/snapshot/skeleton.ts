/**
 * Which keypoints a pose snapshot joins with lines: the usual COCO limbs, by keypoint name (src/postprocess/pose.ts
 * reports every keypoint with its COCO name), so a result with other names just gets its points drawn.
 */

export const COCO_SKELETON: ReadonlyArray<readonly [string, string]> = [
  ['nose', 'left_eye'],
  ['nose', 'right_eye'],
  ['left_eye', 'left_ear'],
  ['right_eye', 'right_ear'],
  ['left_shoulder', 'right_shoulder'],
  ['left_shoulder', 'left_elbow'],
  ['left_elbow', 'left_wrist'],
  ['right_shoulder', 'right_elbow'],
  ['right_elbow', 'right_wrist'],
  ['left_shoulder', 'left_hip'],
  ['right_shoulder', 'right_hip'],
  ['left_hip', 'right_hip'],
  ['left_hip', 'left_knee'],
  ['left_knee', 'left_ankle'],
  ['right_hip', 'right_knee'],
  ['right_knee', 'right_ankle'],
];

const LEFT: readonly [number, number, number] = [255, 160, 0];
const RIGHT: readonly [number, number, number] = [0, 200, 220];
const CENTRE: readonly [number, number, number] = [255, 56, 200];

/** Left side orange, right side cyan, the rest magenta: a mirrored pose is visible at a glance. */
export function keypointColour(name: string): readonly [number, number, number] {
  if (name.startsWith('left_')) return LEFT;
  if (name.startsWith('right_')) return RIGHT;
  return CENTRE;
}
