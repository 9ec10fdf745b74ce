/** Finding and running helper programs (v4l2-ctl): argument arrays, a timeout and a bounded output. */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

/** The executable's path on PATH (then /usr/bin, /bin), or undefined. */
export async function findProgram(name: string): Promise<string | undefined> {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean), '/usr/bin', '/bin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Runs a program without a shell; resolves with its stdout, or with why it failed (exit code, timeout, signal). */
export function runProgram(
  file: string,
  args: readonly string[],
  options: { timeoutMs: number; maxBytes: number },
): Promise<{ stdout: string } | { error: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: options.timeoutMs, maxBuffer: options.maxBytes, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout });
      const detail = stderr.trim().split('\n')[0] ?? '';
      const why = error.killed ? `timed out after ${options.timeoutMs} ms` : error.message.split('\n')[0];
      resolve({ error: detail ? `${why}: ${detail}` : (why ?? 'failed') });
    });
  });
}
