/** Audio source configs as the schema fills them in, and WAV files with known samples made by ffmpeg. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AudioSourceConfig, WindowConfig } from '../../../src/config/types.js';

export function audioWindow(options: Partial<WindowConfig> = {}): WindowConfig {
  return { length: 4, normalize: 'none', layout: 'steps_channels', maxMissing: 0, ...options };
}

export function audioConfig(options: Partial<AudioSourceConfig> = {}): AudioSourceConfig {
  return {
    kind: 'audio',
    device: 'default',
    rateHz: 16000,
    channels: 1,
    format: 'S16_LE',
    loop: false,
    realtime: false,
    finite: false,
    stallTimeoutMs: 5000,
    startTimeoutMs: 30000,
    restart: { initialMs: 20, maxMs: 100 },
    window: audioWindow(),
    ...options,
  };
}

/** Writes `dir/name` from a lavfi audio graph as 16-bit PCM WAV; returns the path. */
export function makeWav(dir: string, name: string, graph: string): string {
  const file = path.join(dir, name);
  const result = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', graph, '-c:a', 'pcm_s16le', file], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ffmpeg could not write ${file}: ${result.stderr}`);
  return file;
}

/** The 16-bit samples in a PCM WAV file's `data` chunk (interleaved), read independently of the source. */
export function wavSamples(file: string): Int16Array {
  const bytes = readFileSync(file);
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${file}: not a WAV file`);
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'data') {
      const data = bytes.subarray(offset + 8, offset + 8 + size);
      return Int16Array.from({ length: data.length / 2 }, (_, i) => data.readInt16LE(i * 2));
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error(`${file}: no data chunk`);
}
