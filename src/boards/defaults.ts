/**
 * `board` in a pipeline means "what this board's profile says": a camera with `input: board` runs the profile's
 * camera command (rpicam-vid on a Pi, nvarguscamerasrc on a Jetson, /dev/video0 elsewhere), and `board` in
 * `model.delegates` stands for the profile's delegate order. One YAML file then fits every board of a fleet.
 */
import type { PipelineConfig, SourceConfig } from '../config/types.js';
import { EdgepipeError } from '../runtime/errors.js';
import { detectBoard, type DetectOptions } from './detect.js';
import type { DeviceProfile } from './profiles.js';

export const BOARD = 'board';

/** Whether `config` names `board` anywhere (so detection is needed at all). */
export function usesBoardDefaults(config: PipelineConfig): boolean {
  return (config.source.kind === 'camera' && config.source.input === BOARD) || config.model.delegates.includes(BOARD);
}

function noProfile(what: string): EdgepipeError {
  return new EdgepipeError('ERR_BOARD_UNKNOWN', `${what} is "board" but this machine matches no device profile (edgepipe probe shows why)`, { exitCode: 2 });
}

function boardCamera(source: SourceConfig, profile: DeviceProfile | undefined): SourceConfig {
  if (source.kind !== 'camera' || source.input !== BOARD) return source;
  if (!profile) throw noProfile('source.input');
  const { input, command, commandOutput } = profile.camera;
  // A command of the user's own stays; width/height/fps of the YAML apply to ffmpeg inputs as usual.
  if (source.command || !command) return { ...source, input };
  return { ...source, input, command: [...command], ...(commandOutput ? { commandOutput } : {}) };
}

function boardDelegates(delegates: readonly string[], profile: DeviceProfile | undefined): string[] {
  if (!delegates.includes(BOARD)) return [...delegates];
  if (!profile) throw noProfile('model.delegates');
  const expanded = delegates.flatMap((name) => (name === BOARD ? profile.delegates : [name]));
  return expanded.filter((name, i) => expanded.indexOf(name) === i);
}

/** The pipeline with `board` replaced by the detected profile's camera and delegates; unchanged when unused. */
export async function applyBoardDefaults(config: PipelineConfig, options: DetectOptions = {}): Promise<PipelineConfig> {
  if (!usesBoardDefaults(config)) return config;
  const { profile } = await detectBoard(options);
  return {
    ...config,
    source: boardCamera(config.source, profile),
    model: { ...config.model, delegates: boardDelegates(config.model.delegates, profile) },
  };
}
