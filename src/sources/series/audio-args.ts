/**
 * The producer of raw samples for an `audio` source: `arecord` with the configured device and format, ffmpeg
 * decoding an `input` file to that format, or `command`.
 */
import type { AudioSourceConfig } from '../../config/types.js';

export interface AudioCommand {
  program: string;
  args: string[];
}

/** `arecord` writing raw interleaved samples to stdout; `-q` keeps its status chatter out of the log. */
export function arecordArgs(config: Pick<AudioSourceConfig, 'device' | 'format' | 'rateHz' | 'channels'>): string[] {
  return ['-D', config.device ?? 'default', '-f', config.format, '-r', String(config.rateHz), '-c', String(config.channels), '-t', 'raw', '-q'];
}

/** ffmpeg's name of each sample format: the raw muxer (`-f`) and the PCM encoder are both named after it. */
const ffmpegSampleFormat = { S16_LE: 's16le', S32_LE: 's32le', FLOAT_LE: 'f32le', U8: 'u8' } as const;

/**
 * ffmpeg decoding `input` (any container and codec it reads; a video's first sound track) to raw interleaved
 * samples in `format` at `rateHz` with `channels`, on stdout. Quiet but for warnings and errors, with level
 * prefixes; `-re` paces it at the input's own rate (a microphone's), `-stream_loop -1` repeats it.
 */
export function ffmpegAudioArgs(config: Pick<AudioSourceConfig, 'format' | 'rateHz' | 'channels' | 'loop' | 'realtime'> & { input: string }): string[] {
  const format = ffmpegSampleFormat[config.format];
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+warning'];
  if (config.realtime) args.push('-re');
  if (config.loop) args.push('-stream_loop', '-1');
  args.push('-i', config.input, '-vn', '-sn', '-dn', '-c:a', `pcm_${format}`, '-ac', String(config.channels), '-ar', String(config.rateHz));
  args.push('-f', format, 'pipe:1');
  return args;
}

export function audioCommand(config: AudioSourceConfig): AudioCommand {
  if (config.command !== undefined) {
    const [program, ...args] = config.command;
    return { program: program!, args };
  }
  if (config.input !== undefined) return { program: 'ffmpeg', args: ffmpegAudioArgs({ ...config, input: config.input }) };
  return { program: 'arecord', args: arecordArgs(config) };
}
