/** Fake machine trees under a temp folder, written the way the kernel presents them (NUL-terminated DT strings). */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function fakeRoot(files: Record<string, string> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'edgepipe-board-'));
  for (const [machinePath, text] of Object.entries(files)) writeFakeFile(root, machinePath, text);
  return root;
}

export function writeFakeFile(root: string, machinePath: string, text: string): void {
  const file = path.join(root, machinePath);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** /proc/device-tree/model and compatible as the kernel exposes them: each string NUL-terminated. */
export function deviceTree(model: string, compatible: string[]): Record<string, string> {
  return {
    '/proc/device-tree/model': `${model}\0`,
    '/proc/device-tree/compatible': compatible.map((c) => `${c}\0`).join(''),
  };
}

function armCore(i: number, implementer: string, part: string): string {
  return [
    `processor\t: ${i}`, 'BogoMIPS\t: 108.00', 'Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics',
    `CPU implementer\t: ${implementer}`, 'CPU architecture: 8', 'CPU variant\t: 0x4', `CPU part\t: ${part}`, 'CPU revision\t: 1', '',
  ].join('\n');
}

/** /proc/cpuinfo of an arm64 board: `cores` entries, then the Raspberry Pi firmware's trailer when `model` is given. */
export function armCpuInfo(cores: number, implementer: string, part: string, model?: string): string {
  const body = Array.from({ length: cores }, (_, i) => armCore(i, implementer, part)).join('\n');
  return model ? `${body}\nRevision\t: d04170\nSerial\t\t: 0123456789abcdef\nModel\t\t: ${model}\n` : body;
}

/** The Raspberry Pi 5 as its kernel presents itself. */
export const PI5_FILES: Record<string, string> = {
  ...deviceTree('Raspberry Pi 5 Model B Rev 1.0', ['raspberrypi,5-model-b', 'brcm,bcm2712']),
  '/proc/cpuinfo': armCpuInfo(4, '0x41', '0xd0b', 'Raspberry Pi 5 Model B Rev 1.0'),
};
