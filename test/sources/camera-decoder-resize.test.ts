/**
 * The camera's decoder resizing to the model's size (SourceContext.decodeTo): ffmpeg's arguments and log parsing,
 * and real ffmpeg runs whose frames are the model-sized rgb24 pixels with the full frame's size attached.
 */
import { spawnSync } from 'node:child_process';
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { CameraSourceConfig } from '../../src/config/types.js';
import type { Frame } from '../../src/core/frame.js';
import { CameraSource } from '../../src/sources/camera-source.js';
import { FfmpegOutputSize, ffmpegArgs, producerCommand } from '../../src/sources/ffmpeg-args.js';
import { cameraConfig, lavfi, runFfmpegTests } from './camera-helpers.js';

const quiet = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info'];
const tail = (args: string[]): string => args.slice(quiet.length).join(' ');
const to300 = { width: 300, height: 300 };

describe('ffmpeg arguments with the decoder resize', () => {
  it('a file: rate first, then one bilinear scale to the model size, rgb24 whatever the output asked', () => {
    const config = cameraConfig({ input: '/data/clip.mp4', realtime: false, output: 'i420', fps: 5 });
    expect(tail(ffmpegArgs(config, to300))).toBe('-i /data/clip.mp4 -vf fps=5,scale=300:300:flags=bilinear -an -sn -dn -f rawvideo -pix_fmt rgb24 pipe:1');
    expect(producerCommand(config, to300).output).toEqual({ kind: 'raw', format: 'rgb24', width: 300, height: 300 });
  });

  it('a configured width and height are replaced by the model size (they stay the coordinate space)', () => {
    const config = cameraConfig({ input: '/dev/video0', width: 640, height: 480, fps: 15 });
    expect(tail(ffmpegArgs(config, to300))).toBe(
      '-f v4l2 -video_size 640x480 -framerate 15 -i /dev/video0 -vf scale=300:300:flags=bilinear -an -sn -dn -f rawvideo -pix_fmt rgb24 pipe:1',
    );
  });

  it('mjpeg output and command producers are never resized', () => {
    expect(producerCommand(cameraConfig({ output: 'mjpeg' }), to300).output).toEqual({ kind: 'mjpeg' });
    const command = cameraConfig({ command: ['my-cam', '--raw'], commandOutput: 'rgb24', width: 64, height: 48 });
    expect(producerCommand(command, to300)).toMatchObject({ program: 'my-cam', output: { kind: 'raw', format: 'rgb24', width: 64, height: 48 } });
  });
});

describe("ffmpeg's log: the input size", () => {
  const input = [
    "[info] Input #0, mov,mp4,m4a,3gp,3g2,mj2, from '/data/clip.mp4':",
    '[info]   Stream #0:0[0x1](eng): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, smpte170m, progressive), 768x432, 208 kb/s, 10 fps',
  ];
  const output = [
    '[info]   Stream #0:0 -> #0:0 (h264 (native) -> rawvideo (native))',
    "[info] Output #0, rawvideo, to 'pipe:':",
    '[info]   Stream #0:0(eng): Video: rawvideo (RGB[24] / 0x18424752), rgb24(pc, progressive), 300x300, q=2-31, 21600 kb/s, 10 fps',
  ];

  it('is the Input #0 video stream size, known once the Output #0 section starts', () => {
    const parser = new FfmpegOutputSize();
    for (const line of [...input, output[0]!]) parser.take(line);
    expect(parser.inputSize).toBeUndefined();
    parser.take(output[1]!);
    expect(parser.inputSize).toEqual({ width: 768, height: 432 });
    expect(parser.take(output[2]!)).toEqual({ width: 300, height: 300 });
  });

  it('is turned upright when the display matrix rotates by 90 degrees (ffmpeg autorotates)', () => {
    const parser = new FfmpegOutputSize();
    for (const line of [...input, '[info]     Side data:', '[info]       displaymatrix: rotation of -90.00 degrees', ...output]) parser.take(line);
    expect(parser.inputSize).toEqual({ width: 432, height: 768 });
  });
});

const record = (config: Partial<CameraSourceConfig>, n: number): Promise<Frame[]> => {
  const source = new CameraSource('cam', cameraConfig(config), { decodeTo: { width: 100, height: 100 }, warn: () => {} });
  return firstValueFrom(source.frames().pipe(take(n), toArray()));
};
const raw = (frame: Frame) => {
  if (frame.payload.kind !== 'raw') throw new Error('expected a raw frame');
  return frame.payload;
};

describe.skipIf(!runFfmpegTests)('camera source resized by ffmpeg', () => {
  it("frames are the model-sized rgb24 pixels ffmpeg makes, with the input's size as scaledFrom", async () => {
    const [frame] = await record({ input: lavfi('320x240'), realtime: false, output: 'i420' }, 1);
    expect(raw(frame!)).toMatchObject({ format: 'rgb24', width: 100, height: 100, scaledFrom: { width: 320, height: 240 } });
    const reference = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-frames:v', '1', '-vf', 'scale=100:100:flags=bilinear', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
    expect(Buffer.compare(raw(frame!).data, reference.stdout)).toBe(0);
  });

  it('a configured width and height are the scaledFrom size', async () => {
    const frames = await record({ input: lavfi('320x240'), realtime: false, width: 160, height: 120 }, 2);
    for (const frame of frames) expect(raw(frame)).toMatchObject({ width: 100, height: 100, scaledFrom: { width: 160, height: 120 } });
  });
});
