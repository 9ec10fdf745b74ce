/** Shared by the sensor source tests: window configs as the schema fills them in, and a frame's values. */
import type { WindowConfig } from '../../../src/config/types.js';
import type { Frame } from '../../../src/core/frame.js';

export const windowOf = (length: number, options: Partial<WindowConfig> = {}): WindowConfig => ({
  length,
  normalize: 'none',
  layout: 'steps_channels',
  maxMissing: 0,
  ...options,
});

/** Numbers as float32 stores them, to compare with a window's values. */
export const f32 = (numbers: number[]): number[] => [...Float32Array.from(numbers)];

export const seriesValues = (frame: Frame): number[] => {
  if (frame.payload.kind !== 'series') throw new Error('expected a series frame');
  return [...frame.payload.values];
};
