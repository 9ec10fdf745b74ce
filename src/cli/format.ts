import { printableJson } from '../runtime/printable.js';
import type { DelegateRefusal } from '../runtime/delegate-chain.js';
import type { DelegateUsage } from '../runtime/interpreter.js';

/** `value` as indented JSON on stdout; DEL, C1 and U+2028/9 escaped too (JSON.stringify escapes only C0). */
export function printJson(value: unknown): void {
  process.stdout.write(`${printableJson(JSON.stringify(value, null, 2))}\n`);
}

/** One line an engineer reads to see whether the accelerator runs the model or only a corner of it. */
export function delegateLine(delegate: string, usage: DelegateUsage, refused: readonly DelegateRefusal[]): string {
  const took =
    delegate === 'cpu'
      ? `plain CPU kernels (${usage.totalNodes} nodes)`
      : `${delegate}: ${usage.nodes} of ${usage.totalNodes} nodes in ${usage.partitions} partition(s)`;
  const refusals = refused.map((r) => `\n  refused ${r.delegate} (${r.stage}): ${r.reason}`).join('');
  return `delegate ${took}${refusals}`;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
