/**
 * One process per outbox folder: `<dir>/lock` holds `<pid> <process start time>`, created exclusively. A lock whose
 * process is gone is stale (a SIGKILL or power cut left it) and is taken over. The start time (from /proc) tells a
 * live process that reused the pid after a reboot from the owner, where /proc exists; without it, pid alone.
 * Two sinks of one process on one folder are refused too (the module remembers the folders it holds).
 */
import { readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from '../errors.js';

const held = new Set<string>();

/** Field 22 of /proc/<pid>/stat (clock ticks after boot), or '' where /proc is absent. */
function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after its closing ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function alive(pid: number, started: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (errnoCode(error) !== 'EPERM') return false; // ESRCH: no such process
  }
  const now = startTime(pid);
  return started === '' || now === '' || now === started;
}

export class OutboxLock {
  private constructor(readonly file: string) {}

  /** Takes the lock of `dir` (which must exist) or throws an Error naming the folder and the owning pid. */
  static async acquire(dir: string): Promise<OutboxLock> {
    const file = path.join(path.resolve(dir), 'lock');
    if (held.has(file)) throw new Error(`the outbox ${dir} is already used by another mqtt sink of this process (pid ${process.pid}); give each sink its own folder`);
    const mine = `${process.pid} ${startTime(process.pid)}\n`;
    // Two rounds: the second after removing a stale lock. Losing that race to another process ends in its lock.
    for (let round = 0; round < 2; round++) {
      try {
        const handle = await open(file, 'wx');
        try {
          await handle.writeFile(mine);
          await handle.datasync();
        } finally {
          await handle.close();
        }
        held.add(file);
        return new OutboxLock(file);
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') throw error;
      }
      const text = await readFile(file, 'utf8').catch(() => '');
      const [pidText = '', started = ''] = text.trim().split(' ');
      const pid = Number(pidText);
      const valid = Number.isSafeInteger(pid) && pid > 0;
      // Our own pid in a lock we do not hold: left by an earlier process that had the same pid (e.g. before a reboot).
      if (valid && pid !== process.pid && alive(pid, started)) {
        throw new Error(`the outbox ${dir} is locked by process ${pid} (${file}); two processes cannot share an outbox: stop that process or give this sink another folder`);
      }
      if (round === 1) break;
      await rm(file, { force: true });
    }
    throw new Error(`the outbox ${dir} could not be locked (${file} keeps reappearing); another process is starting on it`);
  }

  /** Deletes the lock file if it is still ours. */
  async release(): Promise<void> {
    if (!held.delete(this.file)) return;
    const text = await readFile(this.file, 'utf8').catch(() => '');
    if (Number(text.split(' ')[0]) === process.pid) await rm(this.file, { force: true });
  }
}
