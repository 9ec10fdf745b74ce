/**
 * Checks a camera source can start before spawning anything, so configuration mistakes fail at once with a
 * precise message instead of as a producer that keeps dying: a missing device or file, bad numbers given to the
 * class directly (the YAML schema checks these too), and spawn failures explained.
 */
import { stat } from 'node:fs/promises';
import type { CameraSourceConfig } from '../config/types.js';
import { EdgepipeError } from '../runtime/errors.js';
import { describeFsError, errnoCode, sourceError } from './errors.js';
import { cameraInputKind } from './ffmpeg-args.js';

/** Major device number of video4linux devices on Linux. */
const V4L2_MAJOR = 81;

/** The first problem of a config built in code, or undefined. */
export function invalidCameraConfig(config: CameraSourceConfig): string | undefined {
  const side = (value: number | undefined): boolean => value === undefined || (Number.isInteger(value) && value >= 1 && value <= 8192);
  if (typeof config.input !== 'string' || config.input === '') return 'input must be a device, URL or file';
  if (!side(config.width) || !side(config.height)) return `width and height must be integers from 1 to 8192, got ${config.width}x${config.height}`;
  if ((config.width === undefined) !== (config.height === undefined)) return 'width and height must be given together';
  if (config.fps !== undefined && !(Number.isFinite(config.fps) && config.fps > 0)) return `fps must be a number > 0, got ${config.fps}`;
  if (!(config.stallTimeoutMs >= 1)) return `stall_timeout_ms must be >= 1, got ${config.stallTimeoutMs}`;
  if (!(config.startTimeoutMs >= 1)) return `start_timeout_ms must be >= 1, got ${config.startTimeoutMs}`;
  if (config.command !== undefined && config.command.length === 0) return 'command must name a program';
  const out = config.commandOutput;
  if (config.command && out !== undefined && out !== 'mjpeg' && config.width === undefined) {
    return `command_output ${out} needs width and height`;
  }
  return undefined;
}

/** Throws a user error (exit code 2) naming the source and the input when the input cannot exist. */
export async function checkCameraInput(source: string, config: CameraSourceConfig): Promise<void> {
  const problem = invalidCameraConfig(config);
  if (problem) throw sourceError(source, 'ERR_SOURCE_INVALID', problem);
  if (config.command) return;
  const kind = cameraInputKind(config.input);
  if (kind !== 'v4l2' && kind !== 'file') return;
  try {
    const info = await stat(config.input);
    // Linux V4L2 devices are character devices with major number 81 (Documentation/admin-guide/devices.txt).
    const v4l2Major = process.platform !== 'linux' || Math.floor(info.rdev / 256) % 4096 === V4L2_MAJOR;
    if (kind === 'v4l2' && (!info.isCharacterDevice() || !v4l2Major)) {
      throw sourceError(source, 'ERR_SOURCE_INVALID', `${config.input} is not a video device (expected a V4L2 device such as /dev/video0)`);
    }
    if (kind === 'file' && info.isDirectory()) {
      throw sourceError(source, 'ERR_SOURCE_INVALID', `${config.input} is a directory; camera input takes one video file (use kind: images for a folder)`);
    }
  } catch (error) {
    if (error instanceof EdgepipeError) throw error;
    const what = kind === 'v4l2' ? 'video device' : 'video file';
    const hint = kind === 'v4l2' && errnoCode(error) === 'ENOENT' ? ' (is the camera plugged in? `ls /dev/video*` lists the devices)' : '';
    throw sourceError(source, 'ERR_SOURCE_NOT_FOUND', `${what} ${config.input}: ${describeFsError(error)}${hint}`, error);
  }
}

/** The error for a producer that could not be spawned (ENOENT: not installed), naming what it was for. */
export function spawnFailure(source: string, program: string, input: string, error: Error): EdgepipeError {
  const code = errnoCode(error);
  if (code === 'ENOENT') {
    const fix = program === 'ffmpeg' ? 'install it (Debian: apt-get install ffmpeg)' : 'install it or give its full path in command';
    return sourceError(source, 'ERR_SOURCE_NOT_FOUND', `${program} was not found on PATH, needed to read ${input}; ${fix}`, error);
  }
  return sourceError(source, 'ERR_SOURCE_UNSUPPORTED', `cannot start ${program} for ${input}: ${describeFsError(error)}`, error);
}
