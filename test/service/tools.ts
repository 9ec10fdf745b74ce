/** Tools the service tests need: on CI (CI=true) a missing one fails the test; locally the test is skipped. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function findTool(name: string, candidates: readonly string[] = []): string | undefined {
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const onCi = process.env['CI'] === 'true';

/** undefined when the tests may run; otherwise the reason, printed once. */
export function missingToolReason(name: string, path: string | undefined, aptPackage: string): string | undefined {
  if (path) return undefined;
  const reason = `${name} not found (apt-get install -y ${aptPackage})`;
  if (onCi) throw new Error(`${reason}: required when CI=true`);
  console.warn(`skipping: ${reason}`);
  return reason;
}
