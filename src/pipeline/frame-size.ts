/**
 * The size of the frames a pipeline's source will deliver, found before it runs where that is cheap and certain:
 * the config's own width and height, the first image of an images source (its header, upright as the
 * preprocessor turns it), a video file or a lavfi graph through ffprobe (rotated as ffmpeg rotates it when
 * decoding). Devices, streams and commands: unknown until they run. Used by `edgepipe validate` to say what the
 * tracker and zones will see and to check pixel zones against it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { PipelineConfig } from '../config/types.js';
import { listImages } from '../sources/image-files.js';

export interface KnownFrameSize {
  width: number;
  height: number;
  /** Where the size comes from, for messages: `source width and height`, `the first image, a.jpg`, `ffprobe of b.mp4`. */
  from: string;
  /** True when the config states it (then the schema has checked the zones against it already). */
  stated: boolean;
}

/** ffprobe's answer is a few hundred bytes; a file it cannot read answers within a second here. */
const FFPROBE_TIMEOUT_MS = 10_000;

function ffprobe(args: readonly string[]): Promise<{ width: number; height: number } | undefined> {
  return new Promise((resolve) => {
    execFile(
      'ffprobe',
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height:stream_side_data=rotation', '-of', 'json', ...args],
      { timeout: FFPROBE_TIMEOUT_MS, maxBuffer: 64 * 1024 },
      (error, stdout) => {
        if (error) return resolve(undefined);
        try {
          const stream = (JSON.parse(stdout) as { streams?: Array<{ width?: number; height?: number; side_data_list?: Array<{ rotation?: number }> }> }).streams?.[0];
          if (!stream || !Number.isInteger(stream.width) || !Number.isInteger(stream.height)) return resolve(undefined);
          const rotation = Math.abs(stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? 0);
          const quarter = rotation % 180 === 90;
          resolve({ width: quarter ? stream.height! : stream.width!, height: quarter ? stream.width! : stream.height! });
        } catch {
          resolve(undefined);
        }
      },
    );
  });
}

/** The frame size `pipeline`'s source will deliver, or undefined when it cannot be known before it runs. Never throws. */
export async function knownFrameSize(pipeline: PipelineConfig): Promise<KnownFrameSize | undefined> {
  const source = pipeline.source;
  if (source.kind === 'synthetic') return { width: source.width, height: source.height, from: 'source width and height', stated: true };
  if (source.kind === 'camera') {
    if (source.width !== undefined && source.height !== undefined) return { width: source.width, height: source.height, from: 'source width and height', stated: true };
    if (source.command !== undefined) return undefined;
    if (source.input.startsWith('lavfi:')) {
      const size = await ffprobe(['-f', 'lavfi', '-i', source.input.slice('lavfi:'.length)]);
      return size && { ...size, from: 'ffprobe of the lavfi graph', stated: false };
    }
    // A video file: an existing path that is not a device.
    if (path.isAbsolute(source.input) && !source.input.startsWith('/dev/') && existsSync(source.input)) {
      const size = await ffprobe(['-i', source.input]);
      return size && { ...size, from: `ffprobe of ${path.basename(source.input)}`, stated: false };
    }
    return undefined;
  }
  if (source.kind === 'images') {
    try {
      const first = (await listImages(pipeline.name, source.path)).files[0];
      if (first === undefined) return undefined;
      const { width, height } = (await sharp(first).metadata()).autoOrient;
      return { width, height, from: `the first image, ${path.basename(first)}`, stated: false };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
