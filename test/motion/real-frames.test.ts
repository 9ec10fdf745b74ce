/**
 * Real frames from ffmpeg (lavfi `testsrc2`, whose pattern moves every frame) piped as raw video, against the
 * same source frozen on its first frame; both with ffmpeg's temporal noise, as a camera has.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MotionDetector, motionSettings, type MotionResult } from '../../src/motion/index.js';

const run = promisify(execFile);
const W = 320;
const H = 240;
const FRAMES = 40;

async function frames(pixFmt: 'yuv420p' | 'rgb24', still: boolean): Promise<Uint8Array[]> {
  const filters = [...(still ? ['loop=loop=-1:size=1:start=0'] : []), 'noise=alls=8:allf=t'].join(',');
  const args = ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=10`, '-vf', filters, '-frames:v', String(FRAMES), '-pix_fmt', pixFmt, '-f', 'rawvideo', '-'];
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  const size = pixFmt === 'rgb24' ? W * H * 3 : (W * H * 3) / 2;
  expect(stdout.length).toBe(size * FRAMES);
  return Array.from({ length: FRAMES }, (_, i) => new Uint8Array(stdout.buffer, stdout.byteOffset + i * size, size));
}

describe('motion on real ffmpeg frames', () => {
  for (const [pixFmt, format] of [['yuv420p', 'i420'], ['rgb24', 'rgb24']] as const) {
    it(`finds motion in testsrc2 and none in the same picture frozen (${format})`, async () => {
      const detect = (data: Uint8Array[]): MotionResult[] => {
        const detector = new MotionDetector(motionSettings());
        return data.map((d) => detector.detect({ format, width: W, height: H, data: d }));
      };
      const moving = detect(await frames(pixFmt, false)).slice(1);
      const still = detect(await frames(pixFmt, true)).slice(1);
      expect(moving.filter((r) => r.motion).length).toBe(FRAMES - 1);
      for (const r of moving) {
        for (const box of r.regions) {
          expect(box.x >= 0 && box.y >= 0 && box.x + box.width <= W && box.y + box.height <= H).toBe(true);
        }
      }
      expect(still.filter((r) => r.motion)).toEqual([]);
      expect(still.every((r) => r.lighting === 'none')).toBe(true);
    });
  }
});
