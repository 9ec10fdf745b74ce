/** CPU cores and model from /proc/cpuinfo, whose layout differs between x86 and Arm kernels. */
import { readTextOrError, underRoot } from './root.js';

export interface CpuInfo {
  /** Logical cores ("processor" entries). */
  count: number;
  /** "model name" on x86; on Arm the core name from "CPU implementer"/"CPU part" when known. */
  model?: string;
  /** Arm kernels' "Hardware" or "Model" line (the SoC or board), when present. */
  hardware?: string;
}

/** Arm core part numbers (implementer:part, from the Arm and NVIDIA TRMs) of boards edgepipe runs on. */
const ARM_PARTS: Readonly<Record<string, string>> = {
  '0x41:0xd03': 'Cortex-A53',
  '0x41:0xd04': 'Cortex-A35',
  '0x41:0xd05': 'Cortex-A55',
  '0x41:0xd07': 'Cortex-A57',
  '0x41:0xd08': 'Cortex-A72',
  '0x41:0xd09': 'Cortex-A73',
  '0x41:0xd0a': 'Cortex-A75',
  '0x41:0xd0b': 'Cortex-A76',
  '0x41:0xd0d': 'Cortex-A77',
  '0x41:0xd41': 'Cortex-A78',
  '0x41:0xd42': 'Cortex-A78AE',
  '0x4e:0x004': 'NVIDIA Carmel',
};

function field(block: string, name: string): string | undefined {
  const match = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(block);
  return match?.[1]?.trim() || undefined;
}

/** Parses the text of /proc/cpuinfo. */
export function parseCpuInfo(text: string): CpuInfo {
  const count = text.split('\n').filter((line) => /^processor\s*:/.test(line)).length;
  const info: CpuInfo = { count };
  const modelName = field(text, 'model name');
  const implementer = field(text, 'CPU implementer');
  const part = field(text, 'CPU part');
  const armName = implementer && part ? ARM_PARTS[`${implementer}:${part}`.toLowerCase()] : undefined;
  const model = modelName ?? armName ?? (implementer && part ? `Arm implementer ${implementer} part ${part}` : undefined);
  if (model) info.model = model;
  const hardware = field(text, 'Model') ?? field(text, 'Hardware');
  if (hardware) info.hardware = hardware;
  return info;
}

export async function readCpuInfo(root = '/'): Promise<CpuInfo | { error: string }> {
  const read = await readTextOrError(underRoot(root, '/proc/cpuinfo'));
  return 'error' in read ? { error: read.error } : parseCpuInfo(read.text);
}
