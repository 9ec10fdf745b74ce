/**
 * Keeps a pipeline's newest N mask files and deletes the older ones, so a segmentation pipeline running for
 * months does not fill a board's SD card. Files left by earlier runs are found at the first write (by name prefix,
 * oldest by modification time first) and count against the same bound.
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

export class MaskRetention {
  private readonly dir: string;
  private readonly isMine: (name: string) => boolean;
  private readonly keep: number;
  private files: string[] | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** Files deleted to stay within the bound. */
  pruned = 0;

  /** `keep` 0 keeps everything. */
  constructor(dir: string, isMine: (name: string) => boolean, keep: number) {
    this.dir = dir;
    this.isMine = isMine;
    this.keep = keep;
  }

  /** Records a file just written (possibly over an older one of the same name) and deletes the oldest beyond the bound. */
  added(file: string): Promise<void> {
    if (this.keep === 0) return Promise.resolve();
    this.chain = this.chain.then(async () => {
      this.files ??= await this.existing();
      const at = this.files.indexOf(file);
      if (at >= 0) this.files.splice(at, 1);
      this.files.push(file);
      while (this.files.length > this.keep) {
        const oldest = this.files.shift()!;
        try {
          await unlink(oldest);
          this.pruned += 1;
        } catch (error) {
          // Already gone (removed by hand): the bound holds either way.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
    });
    return this.chain;
  }

  private async existing(): Promise<string[]> {
    const names = (await readdir(this.dir)).filter((name) => this.isMine(name));
    const dated = await Promise.all(
      names.map(async (name) => {
        const file = path.join(this.dir, name);
        return { file, mtimeMs: (await stat(file)).mtimeMs };
      }),
    );
    return dated.sort((a, b) => a.mtimeMs - b.mtimeMs || a.file.localeCompare(b.file)).map((entry) => entry.file);
  }
}
