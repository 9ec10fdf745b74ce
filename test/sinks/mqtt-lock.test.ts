/**
 * The outbox lock: one process per outbox folder. A second sink (another process, or the same one) is refused at
 * start naming the folder and the owner; a lock left by a dead process (SIGKILL) is taken over. No broker needed:
 * the sinks point at a closed port and keep retrying, which does not matter here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import { removeTempDirs, tempDir } from '../sources/helpers.js';
import { killChild, startChildSink } from './mqtt-child-run.js';
import { mqttConfig, removeOutboxDirs } from './mqtt-fixtures.js';
import { needsRealHardware } from '../helpers/emulation.js';

const url = 'mqtt://127.0.0.1:1';
const quiet = { warn: () => undefined };
const lockOwner = (dir: string): number => Number(readFileSync(path.join(dir, 'lock'), 'utf8').split(' ')[0]);

describe('mqtt outbox lock', () => {
  afterAll(async () => {
    await removeOutboxDirs();
    removeTempDirs();
  });

  // qemu-user answers a process's read of its own /proc/<pid>/stat with a start time of its own making, a few ticks
  // from the kernel's, which other processes read: the owner's lock then looks like a reused pid.
  it.skipIf(needsRealHardware("qemu-user fakes a process's own start time in /proc/<pid>/stat, which the lock records"))(
    'a second process on the same outbox fails at start naming the folder and the owning pid; after a SIGKILL the lock is taken over', async () => {
    const dir = tempDir('mqtt-lock');
    const { child } = await startChildSink(url, dir, 5);
    try {
      expect(lockOwner(dir)).toBe(child.pid);
      const second = new MqttSink('door', await mqttConfig(url, {}, dir), quiet);
      await expect(second.start()).rejects.toThrow(
        `sink door/mqtt: cannot use the outbox ${dir}: the outbox ${dir} is locked by process ${child.pid} (${dir}/lock); two processes cannot share an outbox: stop that process or give this sink another folder (set outbox.dir)`,
      );
    } finally {
      await killChild(child);
    }
    expect(existsSync(path.join(dir, 'lock'))).toBe(true); // SIGKILL: nothing cleaned up
    const third = new MqttSink('door', await mqttConfig(url, {}, dir), { ...quiet, stopTimeoutMs: 50 });
    await third.start();
    expect(lockOwner(dir)).toBe(process.pid);
    expect(third.stats().pending).toBe(5); // what the killed process left is replayed by the new owner
    await third.stop();
    expect(existsSync(path.join(dir, 'lock'))).toBe(false);
  });

  it('two sinks of one process on one outbox: the second is refused; after stop() the folder is free', async () => {
    const first = new MqttSink('door', await mqttConfig(url), quiet);
    await first.start();
    const dir = first.outboxDir;
    const second = new MqttSink('gate', await mqttConfig(url, {}, dir), quiet);
    await expect(second.start()).rejects.toThrow(`the outbox ${dir} is already used by another mqtt sink of this process (pid ${process.pid})`);
    await first.stop();
    await second.start();
    await second.stop();
  });

  it('a stale lock (dead pid, or unreadable) is taken over', async () => {
    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(exited.stdout);
    for (const content of [`${deadPid} 12345\n`, 'garbage', '']) {
      const dir = tempDir('mqtt-lock');
      writeFileSync(path.join(dir, 'lock'), content);
      const sink = new MqttSink('door', await mqttConfig(url, {}, dir), quiet);
      await sink.start();
      expect(lockOwner(dir)).toBe(process.pid);
      await sink.stop();
    }
  });
});
