/**
 * One real-time video test at a time, across vitest's worker processes.
 *
 * The end-to-end tests on the shared videos read them in real time (`realtime: true`): the tracker's ages and the
 * motion keep-alive are in capture time, so a detector that falls behind the video drops frames and splits tracks.
 * Alone, each keeps up on a loaded 2-core host; several at once (each a COCO detector at ~100 ms a frame) do not
 * (seen: a visitor split into two tracks, a car first seen 2.6 s late). They take turns through a lock file;
 * the other tests still run beside them, as they would beside a real pipeline.
 */
import { open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

const LOCK_PATH = path.join(os.tmpdir(), 'edgepipe-test-realtime-video.lock');
const POLL_MS = 250;
/** Long enough for the other such tests to finish one after another (each well under 2 minutes). */
export const REALTIME_SLOT_WAIT_MS = 15 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits for the slot and returns its release. A lock left by a dead process is taken over. */
export async function holdRealtimeVideoSlot(): Promise<() => Promise<void>> {
  const deadline = Date.now() + REALTIME_SLOT_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(LOCK_PATH, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        const owner = await readFile(LOCK_PATH, 'utf8').catch(() => '');
        if (owner === String(process.pid)) await rm(LOCK_PATH, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(await readFile(LOCK_PATH, 'utf8').catch(() => ''));
    // An empty file is a holder between open and write: wait for it like any holder.
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) await rm(LOCK_PATH, { force: true });
    else if (Date.now() > deadline) throw new Error(`the real-time video slot (${LOCK_PATH}) was held by process ${owner} for more than ${REALTIME_SLOT_WAIT_MS / 60_000} minutes`);
    else await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Inside a describe: its tests run while this file holds the slot (taken before the first, given back after the last). */
export function takeTurnsWithRealtimeVideoTests(): void {
  let release: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    release = await holdRealtimeVideoSlot();
  }, REALTIME_SLOT_WAIT_MS);
  afterAll(async () => {
    await release?.();
  });
}
