/** Frames for the snapshot tests and a decoder to read the JPEGs back. */
import sharp from 'sharp';

export interface Decoded {
  data: Buffer;
  width: number;
  height: number;
}

export async function decode(jpeg: Uint8Array): Promise<Decoded> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  expect3(info.channels);
  return { data, width: info.width, height: info.height };
}

function expect3(channels: number): void {
  if (channels !== 3) throw new Error(`decoded ${channels} channels, expected 3`);
}

export function pixel(image: Decoded, x: number, y: number): [number, number, number] {
  const i = (y * image.width + x) * 3;
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
}

/** Largest per-channel difference. */
export function distance(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
}

export function solidRgb(width: number, height: number, colour: readonly [number, number, number]): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(colour, i);
  return data;
}

/** Uniform i420: every Y, U and V sample the same. */
export function solidI420(width: number, height: number, y: number, u: number, v: number): Uint8Array {
  const luma = width * height;
  const chroma = ((width + 1) >> 1) * ((height + 1) >> 1);
  const data = new Uint8Array(luma + 2 * chroma);
  data.fill(y, 0, luma);
  data.fill(u, luma, luma + chroma);
  data.fill(v, luma + chroma);
  return data;
}

/** Deterministic noise (xorshift), which JPEG cannot compress well. */
export function noiseRgb(width: number, height: number, seed = 1): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i += 1) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = s & 0xff;
  }
  return data;
}
