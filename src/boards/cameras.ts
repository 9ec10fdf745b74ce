/**
 * Cameras: the V4L2 nodes /dev/video*, their driver's name from sysfs and, when v4l2-ctl is installed, the
 * formats and frame sizes they offer. On boards many nodes are codecs or ISP internals, not cameras: the
 * name and formats tell them apart.
 */
import { stat } from 'node:fs/promises';
import { findProgram, runProgram } from './program.js';
import { listDir, readText, underRoot } from './root.js';

export type FrameSize =
  | { width: number; height: number; fps: number[] }
  /** Stepwise or continuous sizes: any size in the range ("16x16" .. "1920x1080", step "2/2"). */
  | { min: string; max: string; step?: string };

export interface CameraFormat {
  fourcc: string;
  description: string;
  sizes: FrameSize[];
}

export interface CameraDevice {
  /** The machine path, /dev/videoN (under the probe root). */
  device: string;
  /** /sys/class/video4linux/videoN/name: the driver's name for the node. */
  name?: string;
  formats?: CameraFormat[];
  /** Why formats are absent: no v4l2-ctl, not a character device, or v4l2-ctl's error. */
  formatsUnavailable?: string;
}

/** v4l2-ctl's answers on a busy or slow device come within a second; a wedged driver must not hang the probe. */
const V4L2_CTL_TIMEOUT_MS = 5000;

/** Parses `v4l2-ctl --list-formats-ext` output (both the current "[0]: 'MJPG' (...)" and the older "Index :" layout). */
export function parseV4l2Formats(text: string): CameraFormat[] {
  const formats: CameraFormat[] = [];
  let current: CameraFormat | undefined;
  let size: { width: number; height: number; fps: number[] } | undefined;
  for (const line of text.split('\n').map((l) => l.trim())) {
    const modern = /^\[\d+\]:\s*'([^']*)'\s*\((.*)\)$/.exec(line);
    // The older layout names the format on a later "Name :" line.
    const old = /^Pixel Format\s*:\s*'([^']*)'/.exec(line);
    if (modern || old) {
      current = { fourcc: (modern ?? old)![1]!, description: modern?.[2] ?? '', sizes: [] };
      formats.push(current);
      size = undefined;
      continue;
    }
    const name = /^Name\s*:\s*(.*)$/.exec(line);
    if (name && current && !current.description) {
      current.description = name[1]!.trim();
      continue;
    }
    const discrete = /^Size:\s*Discrete\s+(\d+)x(\d+)/.exec(line);
    if (discrete && current) {
      size = { width: Number(discrete[1]), height: Number(discrete[2]), fps: [] };
      current.sizes.push(size);
      continue;
    }
    const range = /^Size:\s*(?:Stepwise|Continuous)\s+(\d+x\d+)\s*-\s*(\d+x\d+)(?:\s+with step\s+(\S+))?/.exec(line);
    if (range && current) {
      current.sizes.push({ min: range[1]!, max: range[2]!, ...(range[3] ? { step: range[3] } : {}) });
      size = undefined;
      continue;
    }
    const interval = /^Interval:\s*Discrete\s+[\d.]+s\s*\(([\d.]+) fps\)/.exec(line);
    if (interval && size) size.fps.push(Number(interval[1]));
  }
  return formats;
}

async function describeCamera(root: string, node: string, v4l2ctl: string | undefined): Promise<CameraDevice> {
  const device = `/dev/${node}`;
  const camera: CameraDevice = { device };
  const name = (await readText(underRoot(root, `/sys/class/video4linux/${node}/name`)))?.trim();
  if (name) camera.name = name;
  const path = underRoot(root, device);
  const isDevice = await stat(path).then((s) => s.isCharacterDevice(), () => false);
  if (!isDevice) {
    camera.formatsUnavailable = `${path} is not a character device`;
  } else if (!v4l2ctl) {
    camera.formatsUnavailable = 'v4l2-ctl is not installed (apt-get install v4l-utils)';
  } else {
    const result = await runProgram(v4l2ctl, ['--list-formats-ext', '-d', path], { timeoutMs: V4L2_CTL_TIMEOUT_MS, maxBytes: 1024 * 1024 });
    if ('error' in result) camera.formatsUnavailable = `v4l2-ctl: ${result.error}`;
    else camera.formats = parseV4l2Formats(result.stdout);
  }
  return camera;
}

/** Every /dev/videoN under root, in number order. */
export async function listCameras(root = '/'): Promise<CameraDevice[]> {
  const nodes = (await listDir(underRoot(root, '/dev'))).filter((n) => /^video\d+$/.test(n));
  if (nodes.length === 0) return [];
  const v4l2ctl = await findProgram('v4l2-ctl');
  const cameras: CameraDevice[] = [];
  // One at a time: some drivers serialise ioctls across their nodes anyway.
  for (const node of nodes) cameras.push(await describeCamera(root, node, v4l2ctl));
  return cameras;
}
