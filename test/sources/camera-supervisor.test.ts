/** The child supervisor with real short-lived programs: backoff between runs, exit reports, stop. */
import { describe, expect, it } from 'vitest';
import { ChildSupervisor, type ChildRunEnd } from '../../src/sources/child-supervisor.js';
import { until } from './helpers.js';
import { processExists } from './camera-helpers.js';

describe('ChildSupervisor', () => {
  it('restarts an exiting program after exponential backoff (random 0: half of 100, 200, capped at 200 ms)', async () => {
    const spawnedAt: number[] = [];
    const exitedAt: number[] = [];
    const ends: ChildRunEnd[] = [];
    const lines: string[] = [];
    let error: Error | undefined | null = null;
    const supervisor = new ChildSupervisor({
      program: 'sh',
      args: ['-c', 'echo oops >&2; exit 3'],
      stallTimeoutMs: 10_000,
      startTimeoutMs: 10_000,
      backoff: { initialMs: 100, maxMs: 200 },
      random: () => 0,
      onSpawn: () => spawnedAt.push(performance.now()),
      onStdout: () => {},
      onStderrLine: (line) => lines.push(line),
      onExit: (end) => {
        exitedAt.push(performance.now());
        ends.push(end);
        return ends.length < 7 ? 'restart' : new Error('enough');
      },
      onEnd: (e) => {
        error = e;
      },
      spawnError: (e) => e,
    });
    supervisor.start();
    await until(() => error !== null, 10_000, 'the supervisor to end');
    expect((error as Error | null)?.message).toBe('enough');
    expect(ends.map((e) => [e.code, e.signal, e.stalled, e.startTimedOut])).toEqual(Array.from({ length: 7 }, () => [3, null, false, false]));
    expect(lines).toEqual(Array(7).fill('oops'));
    // The backoff is the wait from a run's exit to the next spawn (a run's own length varies with the load).
    const waits = spawnedAt.slice(1).map((t, i) => t - exitedAt[i]!);
    [50, 100, 100, 100, 100, 100].forEach((minimum, i) => expect(waits[i]).toBeGreaterThanOrEqual(minimum - 5));
    // Uncapped, the sixth wait would be half of 3200 ms; capped it is 100 ms. The margin absorbs late timers.
    expect(waits[5]!).toBeLessThan(1600);
    expect(supervisor.state).toBe('stopped');
  });

  it('stop() ends a program that ignores SIGTERM with SIGKILL after the grace period', async () => {
    const lines: string[] = [];
    const supervisor = new ChildSupervisor({
      program: 'sh',
      args: ['-c', 'trap "" TERM; echo ready >&2; while :; do sleep 0.05; done'],
      stallTimeoutMs: 60_000,
      startTimeoutMs: 60_000,
      backoff: { initialMs: 10, maxMs: 10 },
      killGraceMs: 200,
      onStdout: () => {},
      onStderrLine: (line) => lines.push(line),
      onExit: () => 'restart',
      onEnd: () => {},
      spawnError: (e) => e,
    });
    supervisor.start();
    const pid = supervisor.pid!;
    // The shell says `ready` after its trap is set: SIGTERM before that would kill it at once.
    await until(() => lines.includes('ready'), 30_000, 'the shell to ignore SIGTERM');
    const start = performance.now();
    await supervisor.stop();
    expect(performance.now() - start).toBeGreaterThanOrEqual(150);
    await until(() => !processExists(pid), 10_000, 'the shell to be gone');
    expect(supervisor.runCount).toBe(1);
  });

  /** One run of `script` (sh -c) whose stderr lines count as progress; resolves with how the run ended. */
  async function oneRun(script: string, timeouts: { stallTimeoutMs: number; startTimeoutMs: number }): Promise<ChildRunEnd> {
    let end: ChildRunEnd | undefined;
    let done = false;
    const supervisor: ChildSupervisor = new ChildSupervisor({
      program: 'sh',
      args: ['-c', script],
      ...timeouts,
      backoff: { initialMs: 10, maxMs: 10 },
      onStdout: () => {},
      onStderrLine: () => supervisor.progress(),
      onExit: (e) => {
        end = e;
        return 'complete';
      },
      onEnd: () => {
        done = true;
      },
      spawnError: (e) => e,
    });
    supervisor.start();
    await until(() => done, 20_000, 'the run to end');
    return end!;
  }

  it('a run gets startTimeoutMs to its first progress, then stallTimeoutMs between progress calls', async () => {
    // Progress after 600 ms (past the 150 ms stall timeout), then none: killed as a stall, long before the start
    // timeout's 30 s (the 20 s wait bounds it).
    const end = await oneRun('sleep 0.6; echo first >&2; exec sleep 30', { stallTimeoutMs: 150, startTimeoutMs: 30_000 });
    expect(end).toMatchObject({ signal: 'SIGTERM', stalled: true, startTimedOut: false });
    expect(end.ranMs).toBeGreaterThanOrEqual(600 + 150 - 5);
  });

  it('a blocked event loop is not a stall: what the producer wrote meanwhile counts before the stall is judged', async () => {
    let progressCalls = 0;
    let ended = false;
    const ends: ChildRunEnd[] = [];
    const supervisor: ChildSupervisor = new ChildSupervisor({
      program: 'sh',
      args: ['-c', 'while :; do echo tick; sleep 0.02; done'],
      stallTimeoutMs: 1000,
      startTimeoutMs: 30_000,
      backoff: { initialMs: 10, maxMs: 10 },
      onStdout: () => {
        progressCalls += 1;
        supervisor.progress();
      },
      onStderrLine: () => {},
      onExit: (end) => {
        ends.push(end);
        return new Error('the run ended');
      },
      onEnd: () => {
        ended = true;
      },
      spawnError: (e) => e,
    });
    supervisor.start();
    try {
      await until(() => progressCalls >= 3, 30_000, 'output');
      // 2.5 s without turning the event loop (as on a busy board); the producer keeps writing into the pipe. The
      // stall timer is overdue when the loop turns again and runs before the pipe is read.
      const blockedUntil = performance.now() + 2500;
      while (performance.now() < blockedUntil);
      const after = progressCalls;
      // A killed producer writes no more: ten more writes (200 ms or more) outlast its SIGTERM.
      await until(() => progressCalls >= after + 10 || ended, 30_000, 'output after the block');
      expect(ends).toEqual([]);
      expect(ended).toBe(false);
    } finally {
      await supervisor.stop();
    }
  });

  it('a run without any progress is killed after startTimeoutMs, not stallTimeoutMs', async () => {
    const end = await oneRun('exec sleep 30', { stallTimeoutMs: 100, startTimeoutMs: 400 });
    expect(end).toMatchObject({ signal: 'SIGTERM', stalled: true, startTimedOut: true });
    expect(end.ranMs).toBeGreaterThanOrEqual(400 - 5);
  });

  it('hold() stops reading: the child blocks on the full pipe, is not judged stalled, and goes on after release()', async () => {
    let bytes = 0;
    const ends: ChildRunEnd[] = [];
    const supervisor = new ChildSupervisor({
      program: process.execPath,
      // Writes 64 KiB chunks as fast as the pipe takes them, counting them on stderr.
      args: ['-e', "const b = Buffer.alloc(65536); let n = 0; const go = () => { while (process.stdout.write(b)) n++; console.error(++n); process.stdout.once('drain', go); }; go();"],
      stallTimeoutMs: 200,
      startTimeoutMs: 30_000,
      backoff: { initialMs: 10, maxMs: 10 },
      onStdout: (chunk) => {
        bytes += chunk.length;
        supervisor.progress();
      },
      onStderrLine: () => {},
      onExit: (end) => (ends.push(end), 'complete'),
      onEnd: () => {},
      spawnError: (e) => e,
    });
    supervisor.start();
    await until(() => bytes > 0, 30_000, 'the first bytes');
    supervisor.hold();
    const heldAt = bytes;
    const pid = supervisor.pid!;
    // Five stall timeouts: a held run would have been killed four times over if the hold counted as a stall.
    const since = performance.now();
    await until(() => performance.now() - since > 1000, 5000, 'a second of holding');
    // What was already read before the pause may still arrive; after that nothing (the pipe holds at most ~1 MiB).
    expect(bytes - heldAt).toBeLessThanOrEqual(1 << 20);
    expect(ends).toEqual([]);
    expect(supervisor.pid).toBe(pid);
    const before = bytes;
    supervisor.release();
    await until(() => bytes > before + (4 << 20), 30_000, 'data again after release');
    await supervisor.stop();
    expect(ends).toEqual([]);
  });
});
