/**
 * The ffmpeg command line for a camera source: an argument array (never a shell string), and what the child will
 * write on stdout. Kept free of I/O so every mapping from config to flags is unit-tested.
 */
import type { CameraSourceConfig } from '../config/types.js';
import type { RawPixelFormat } from '../core/frame.js';

/** What `input` names, which decides the ffmpeg demuxer options. */
export type CameraInputKind = 'v4l2' | 'rtsp' | 'http' | 'lavfi' | 'file';

/** What a producer writes on stdout: raw frames (size known now or from ffmpeg's log) or concatenated JPEGs. */
export type ProducerOutput =
  | { kind: 'mjpeg' }
  | { kind: 'raw'; format: RawPixelFormat; width?: number; height?: number };

/** A child process to run: program and arguments, passed to spawn() as they are. */
export interface ProducerCommand {
  program: string;
  args: string[];
  /** ffmpeg writes its log as `[level] text` lines (`-loglevel level+...`); other producers write free text. */
  ffmpegLog: boolean;
  output: ProducerOutput;
}

/** `/dev/...` is V4L2; URL schemes pick the network demuxers; `lavfi:` is ffmpeg's test-source graph. */
export function cameraInputKind(input: string): CameraInputKind {
  if (input.startsWith('lavfi:')) return 'lavfi';
  if (input.startsWith('/dev/')) return 'v4l2';
  if (/^rtsps?:\/\//i.test(input)) return 'rtsp';
  if (/^https?:\/\//i.test(input)) return 'http';
  return 'file';
}

const ffmpegPixelFormat = { rgb24: 'rgb24', gray8: 'gray', i420: 'yuv420p' } as const;

/**
 * A size ffmpeg resizes every frame to (`fill`, rgb24) in its own scaler, for a model whose input is that size, when
 * nothing downstream reads the full frame (src/preprocess/decoder-resize.ts decides). One bilinear pass from the
 * decoded YUV straight to the model's RGB, in place of a full-size RGB conversion, a full-size copy through the
 * pipe and sharp's resize (docs/benchmarks.md, "Resizing in the decoder").
 */
export interface DecoderResize {
  width: number;
  height: number;
}

/** The program and arguments of the producer, ffmpeg's or the configured `command`. `decodeTo`: ffmpeg only. */
export function producerCommand(config: CameraSourceConfig, decodeTo?: DecoderResize): ProducerCommand {
  if (config.command) {
    const [program, ...args] = config.command;
    const out = config.commandOutput;
    const output: ProducerOutput =
      out === undefined || out === 'mjpeg' ? { kind: 'mjpeg' } : { kind: 'raw', format: out, width: config.width, height: config.height };
    return { program: program!, args, ffmpegLog: false, output };
  }
  if (decodeTo && config.output !== 'mjpeg') {
    return { program: 'ffmpeg', args: ffmpegArgs(config, decodeTo), ffmpegLog: true, output: { kind: 'raw', format: 'rgb24', width: decodeTo.width, height: decodeTo.height } };
  }
  return { program: 'ffmpeg', args: ffmpegArgs(config), ffmpegLog: true, output: ffmpegOutput(config) };
}

function ffmpegOutput(config: CameraSourceConfig): ProducerOutput {
  if (config.output === 'mjpeg') return { kind: 'mjpeg' };
  return { kind: 'raw', format: config.output, width: config.width, height: config.height };
}

/**
 * ffmpeg's arguments: quiet (no banner, no progress line, no stdin), the input with the options its kind takes,
 * scaling and rate as one filter chain, video only, raw frames or JPEGs to stdout.
 *
 * The log level is `info` with level prefixes: the `Output #0` stream line gives the frame size when the config
 * does not, and the prefix lets the source forward only warnings and errors.
 */
export function ffmpegArgs(config: CameraSourceConfig, decodeTo?: DecoderResize): string[] {
  const kind = cameraInputKind(config.input);
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info'];
  const sized = config.width !== undefined && config.height !== undefined;
  switch (kind) {
    case 'v4l2':
      args.push('-f', 'v4l2');
      if (config.inputFormat) args.push('-input_format', config.inputFormat);
      if (sized) args.push('-video_size', `${config.width}x${config.height}`);
      if (config.fps !== undefined) args.push('-framerate', String(config.fps));
      args.push('-i', config.input);
      break;
    // ffmpeg's socket timeouts are in microseconds: `-timeout` of the RTSP demuxer, `-rw_timeout` of the protocols.
    case 'rtsp':
      args.push('-rtsp_transport', config.rtspTransport, '-timeout', String(config.ioTimeoutMs * 1000), '-i', config.input);
      break;
    case 'http':
      args.push('-rw_timeout', String(config.ioTimeoutMs * 1000), '-i', config.input);
      break;
    case 'lavfi':
      if (config.realtime) args.push('-re');
      args.push('-f', 'lavfi', '-i', config.input.slice('lavfi:'.length));
      break;
    case 'file':
      if (config.realtime) args.push('-re');
      if (config.loop) args.push('-stream_loop', '-1');
      args.push('-i', config.input);
      break;
  }
  const filters: string[] = [];
  if (decodeTo) {
    // Frames the rate filter drops are not scaled. The configured width and height stay the frame's coordinate
    // space (the source says so on each frame); one resample from the decoded size is both cheaper and sharper.
    if (config.fps !== undefined && kind !== 'v4l2') filters.push(`fps=${config.fps}`);
    filters.push(`scale=${decodeTo.width}:${decodeTo.height}:flags=bilinear`);
    args.push('-vf', filters.join(','), '-an', '-sn', '-dn', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
    return args;
  }
  if (sized) filters.push(`scale=${config.width}:${config.height}`);
  if (config.fps !== undefined && kind !== 'v4l2') filters.push(`fps=${config.fps}`);
  // The JPEG encoder wants full-range YUV; yuvj420p says so (its "deprecated format" warning is expected).
  if (config.output === 'mjpeg') filters.push('format=yuvj420p');
  if (filters.length > 0) args.push('-vf', filters.join(','));
  args.push('-an', '-sn', '-dn');
  if (config.output === 'mjpeg') args.push('-c:v', 'mjpeg', '-q:v', '5', '-f', 'mjpeg', 'pipe:1');
  else args.push('-f', 'rawvideo', '-pix_fmt', ffmpegPixelFormat[config.output], 'pipe:1');
  return args;
}

/**
 * The frame size of ffmpeg's first output stream, from its `level+info` log: the `Stream #0:0: Video: ...` line
 * after `Output #0`. Feed lines in order; returns the size once seen, else undefined.
 */
export class FfmpegOutputSize {
  private section: 'none' | 'input' | 'output' = 'none';
  size: { width: number; height: number } | undefined;
  /**
   * The first input's video size as shown upright (width and height swapped when its display matrix rotates by 90
   * or 270 degrees, as ffmpeg's autorotation does): the frame's size before any scaling. Known once the `Output #0`
   * section starts (the rotation is logged after the stream line).
   */
  inputSize: { width: number; height: number } | undefined;
  private inputSeen: { width: number; height: number } | undefined;
  private inputTurned = false;

  take(line: string): { width: number; height: number } | undefined {
    if (this.size) return this.size;
    if (/\bInput #0\b/.test(line)) this.section = 'input';
    else if (/\bOutput #0\b/.test(line)) {
      this.section = 'output';
      if (this.inputSeen) this.inputSize = this.inputTurned ? { width: this.inputSeen.height, height: this.inputSeen.width } : this.inputSeen;
    } else if (this.section === 'input' && !this.inputSeen && /Stream #0:\d+.*: Video: /.test(line)) {
      this.inputSeen = videoSize(line);
    } else if (this.section === 'input' && this.inputSeen && /rotation of -?(90|270)(\.0+)? degrees/.test(line)) {
      this.inputTurned = true;
    } else if (this.section === 'output' && /Stream #0:\d+.*: Video: /.test(line)) {
      this.size = videoSize(line);
    }
    return this.size;
  }
}

/** ", 320x240" in a stream line (a size follows ", "; "0x18424752" in the codec tag does not). */
function videoSize(line: string): { width: number; height: number } | undefined {
  const match = /, (\d+)x(\d+)(?=[\s,[]|$)/.exec(line);
  return match ? { width: Number(match[1]), height: Number(match[2]) } : undefined;
}

/** `[warning] text` -> level and text; lines without a known prefix count as `info` continuation lines. */
export function ffmpegLogLevel(line: string): { level: string; text: string } {
  const match = /^(?:\[[^\]]*@ 0x[0-9a-f]+\] )*\[(panic|fatal|error|warning|info|verbose|debug|trace)\] ?(.*)$/.exec(line);
  return match ? { level: match[1]!, text: line } : { level: 'info', text: line };
}

/**
 * ffmpeg warnings that are expected with these arguments and only noise in the log: yuvj420p for the JPEG encoder,
 * and the layout ffmpeg assumes for a WAV without a channel mask (every mono WAV lavfi or arecord writes).
 */
export function isExpectedFfmpegWarning(line: string): boolean {
  return line.includes('deprecated pixel format used') || line.includes('Guessed Channel Layout');
}
