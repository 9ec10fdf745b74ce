/**
 * Motion detection (src/motion): the cost of the whole motion step (grey copy, brightness and contrast,
 * difference, regions, background update) per 640x480 frame, and how much of a real video it flags.
 *
 * Step cost: 60 frames of ffmpeg's testsrc2 at 640x480 with temporal noise (it moves every frame, so the region
 * step always has work), decoded once into memory, then detect() on them round after round: 200 warm-up frames,
 * then 2,000 timed one by one (wall: performance.now()) and in total CPU time (process.cpuUsage: on a shared host
 * wall time includes waiting for the core). Goal: at most 1 ms per 640x480 frame.
 *
 * Video: `video/car-detection.mp4` (768x432, 12.5 fps, 4 cars seen from above at about 0:05-0:08, 0:15-0:18 and
 * 0:25-0:27, see ../shared/models/README.md) decoded by ffmpeg to raw i420 as a camera source would deliver it:
 * the share of frames with motion, inside and outside those windows; and, for `detect_on: regions` with a 300x300
 * detector, the crops planned per frame with motion and what planning them costs.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { motionDefaults } from '../src/config/schema-motion.js';
import { MotionDetector, motionSettings } from '../src/motion/index.js';
import type { RawImage } from '../src/motion/grey.js';
import { planCrops } from '../src/motion/region-crops.js';

const run = promisify(execFile);

async function ffmpegFrames(input: string[], width: number, height: number, pixFmt: 'yuv420p' | 'rgb24', extra: string[] = []): Promise<Uint8Array[]> {
  const args = ['-v', 'error', ...input, ...extra, '-pix_fmt', pixFmt, '-f', 'rawvideo', '-'];
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 });
  const size = pixFmt === 'rgb24' ? width * height * 3 : width * height + 2 * ((width + 1) >> 1) * ((height + 1) >> 1);
  const count = Math.floor(stdout.length / size);
  // Copies: each frame its own buffer, as the camera source delivers them.
  return Array.from({ length: count }, (_, i) => new Uint8Array(stdout.subarray(i * size, (i + 1) * size)));
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const round = (v: number, digits = 4): number => Number(v.toFixed(digits));

async function stepCost(format: 'i420' | 'rgb24', height: number): Promise<unknown> {
  const W = 640;
  const H = 480;
  const frames = await ffmpegFrames(['-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=30`], W, H, format === 'i420' ? 'yuv420p' : 'rgb24', [
    '-vf', 'noise=alls=8:allf=t', '-frames:v', '60',
  ]);
  const images: RawImage[] = frames.map((data) => ({ format, width: W, height: H, data }));
  const detector = new MotionDetector(motionSettings({ height }));
  for (let i = 0; i < 200; i += 1) detector.detect(images[i % images.length]!);
  const timed = 2000;
  const wall: number[] = [];
  let regions = 0;
  const cpu = process.cpuUsage();
  for (let i = 0; i < timed; i += 1) {
    const t = performance.now();
    const result = detector.detect(images[i % images.length]!);
    wall.push(performance.now() - t);
    regions += result.regions.length;
  }
  const used = process.cpuUsage(cpu);
  wall.sort((a, b) => a - b);
  const grid = detector.grey!;
  return {
    name: 'motion-step',
    format,
    frame: `${W}x${H}`,
    grey: `${grid.width}x${grid.height}`,
    frames: timed,
    wall_p50_ms: round(percentile(wall, 0.5)),
    wall_p99_ms: round(percentile(wall, 0.99)),
    cpu_ms_per_frame: round((used.user + used.system) / 1000 / timed),
    regions_per_frame: round(regions / timed, 2),
    goal_ms: 1,
  };
}

/** Seconds of `video/car-detection.mp4` with cars in view (../shared/models/README.md). */
const carWindows: readonly [number, number][] = [[5, 8], [15, 18], [25, 27]];

async function carVideo(models: string): Promise<unknown> {
  const file = path.join(models, 'video', 'car-detection.mp4');
  if (!existsSync(file)) return { name: 'motion-car-video', skipped: `${file} is absent` };
  const W = 768;
  const H = 432;
  const fps = 12.5;
  const frames = await ffmpegFrames(['-i', file], W, H, 'yuv420p', ['-an']);
  const detector = new MotionDetector(motionSettings());
  let inside = 0;
  let insideMotion = 0;
  let outsideMotion = 0;
  const seconds: number[] = [];
  frames.forEach((data, i) => {
    const result = detector.detect({ format: 'i420', width: W, height: H, data });
    const t = i / fps;
    const inWindow = carWindows.some(([a, b]) => t >= a && t < b);
    if (inWindow) inside += 1;
    if (result.motion) {
      if (inWindow) insideMotion += 1;
      else outsideMotion += 1;
      seconds[Math.floor(t)] = (seconds[Math.floor(t)] ?? 0) + 1;
    }
  });
  const counters = detector.counters;
  return {
    name: 'motion-car-video',
    frames: frames.length,
    settings: { ...motionDefaults, masks: 0 },
    frames_with_motion: counters.framesWithMotion,
    share_with_motion: round(counters.framesWithMotion / frames.length, 3),
    share_in_car_windows_with_motion: round(insideMotion / Math.max(1, inside), 3),
    share_outside_car_windows_with_motion: round(outsideMotion / Math.max(1, frames.length - inside), 3),
    lighting_compensated: counters.lightingCompensated,
    lighting_resets: counters.lightingResets,
    motion_frames_per_second_of_video: Array.from({ length: Math.ceil(frames.length / fps) }, (_, s) => seconds[s] ?? 0),
  };
}

/**
 * `detect_on: regions` planned on video/car-detection.mp4 (min_area 0.003, as the tracking test) for a 300x300
 * detector (the COCO SSD): inferences per frame with motion, fall-backs, and what planning the crops costs.
 */
async function carRegions(models: string): Promise<unknown> {
  const file = path.join(models, 'video', 'car-detection.mp4');
  if (!existsSync(file)) return { name: 'motion-regions-plan', skipped: `${file} is absent` };
  const W = 768;
  const H = 432;
  const frames = await ffmpegFrames(['-i', file], W, H, 'yuv420p', ['-an']);
  const detector = new MotionDetector(motionSettings({ minArea: 0.003 }));
  const settings = { input: { width: 300, height: 300 }, maxRegions: motionDefaults.maxRegions, margin: motionDefaults.regionMargin };
  const plans: Array<Parameters<typeof planCrops>[0]> = [];
  for (const data of frames) {
    const result = detector.detect({ format: 'i420', width: W, height: H, data });
    if (result.motion) plans.push(result.regions);
  }
  const counts = { regions: 0, crops: 0, cover: 0, too_many: 0 };
  const rounds = 200;
  const start = process.cpuUsage();
  for (let r = 0; r < rounds; r += 1) {
    for (const regions of plans) {
      const plan = planCrops(regions, { width: W, height: H }, settings);
      if (r > 0) continue;
      if (plan.kind === 'regions') {
        counts.regions += 1;
        counts.crops += plan.crops.length;
      } else counts[plan.reason] += 1;
    }
  }
  const used = process.cpuUsage(start);
  return {
    name: 'motion-regions-plan',
    frames: frames.length,
    frames_with_motion: plans.length,
    input: '300x300',
    region_frames: counts.regions,
    crops: counts.crops,
    whole_cover: counts.cover,
    whole_too_many: counts.too_many,
    inferences_per_motion_frame: round((counts.crops + counts.cover + counts.too_many) / Math.max(1, plans.length), 3),
    plan_us_per_frame: round(((used.user + used.system) / rounds / Math.max(1, plans.length)), 2),
  };
}

export async function motionBenchmarks(models: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const format of ['i420', 'rgb24'] as const) {
    for (const height of [120, 180]) out.push(await stepCost(format, height));
  }
  out.push(await carVideo(models));
  out.push(await carRegions(models));
  return out;
}
