/** The producer of raw samples for an `audio` source: `arecord` with the configured device and format, or `command`. */
import type { AudioSourceConfig } from '../../config/types.js';

export interface AudioCommand {
  program: string;
  args: string[];
}

/** `arecord` writing raw interleaved samples to stdout; `-q` keeps its status chatter out of the log. */
export function arecordArgs(config: Pick<AudioSourceConfig, 'device' | 'format' | 'rateHz' | 'channels'>): string[] {
  return ['-D', config.device, '-f', config.format, '-r', String(config.rateHz), '-c', String(config.channels), '-t', 'raw', '-q'];
}

export function audioCommand(config: AudioSourceConfig): AudioCommand {
  if (config.command !== undefined) {
    const [program, ...args] = config.command;
    return { program: program!, args };
  }
  return { program: 'arecord', args: arecordArgs(config) };
}
