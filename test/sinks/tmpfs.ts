/**
 * A real small tmpfs for full-disk tests (`mount -t tmpfs -o size=... tmpfs DIR`, needs root). Where mounting is
 * not permitted the tests skip with a message, and fail under CI=true.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readdir, rm, stat, statfs, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

function mount(dir: string, sizeBytes: number): string | undefined {
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (result.error) return result.error.message;
  return result.status === 0 ? undefined : result.stderr.trim() || `mount exited ${result.status}`;
}

let probed: boolean | undefined;

/** Whether tmpfs can be mounted here (probed once); under CI=true a refusal throws instead of skipping. */
export function tmpfsOrSkip(): boolean {
  if (probed !== undefined) return probed;
  const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-tmpfs-probe-'));
  const problem = mount(dir, 64 * 1024);
  if (problem === undefined) spawnSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
  probed = problem === undefined;
  if (!probed) {
    const message = `cannot mount a tmpfs (${problem}): full-disk tests need root (mount -t tmpfs)`;
    if (process.env['CI'] === 'true') throw new Error(message);
    process.stderr.write(`skipping full-disk tests: ${message}\n`);
  }
  return probed;
}

export class Tmpfs {
  private constructor(readonly dir: string) {}

  /** Mounts a tmpfs of `sizeBytes` on a new temp folder. */
  static mount(sizeBytes: number): Tmpfs {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-tmpfs-'));
    const problem = mount(dir, sizeBytes);
    if (problem !== undefined) throw new Error(`mount tmpfs on ${dir}: ${problem}`);
    return new Tmpfs(dir);
  }

  get filler(): string {
    return path.join(this.dir, 'filler');
  }

  /** Free bytes, as statfs reports them. */
  async free(): Promise<number> {
    const info = await statfs(this.dir);
    return info.bavail * info.bsize;
  }

  /** Appends to the filler file until the disk is full (ENOSPC), then gives back `leaveBytes`; returns the filler's size. */
  async fill(leaveBytes = 0): Promise<number> {
    const handle = await open(this.filler, 'a');
    const chunk = Buffer.alloc(4096, 0x78);
    try {
      for (;;) await handle.write(chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      await handle.close();
    }
    const size = (await stat(this.filler)).size;
    const kept = Math.max(0, size - leaveBytes);
    await truncate(this.filler, kept);
    return kept;
  }

  /** Deletes the filler file. */
  async unfill(): Promise<void> {
    await rm(this.filler, { force: true });
  }

  /** Files in `sub` (relative to the mount) ending with `suffix`, sorted. */
  async list(sub: string, suffix: string): Promise<string[]> {
    return (await readdir(path.join(this.dir, sub))).filter((name) => name.endsWith(suffix)).sort();
  }

  /** Unmounts (lazily, if something still holds a file) and removes the folder. */
  unmount(): void {
    const result = spawnSync('umount', [this.dir]);
    if (result.status !== 0) spawnSync('umount', ['-l', this.dir]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
