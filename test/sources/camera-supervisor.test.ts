/** The child supervisor with real short-lived programs: backoff between runs, exit reports, stop. */
import { describe, expect, it } from 'vitest';
import { ChildSupervisor, type ChildRunEnd } from '../../src/sources/child-supervisor.js';
import { until } from './helpers.js';
import { processExists } from './camera-helpers.js';

describe('ChildSupervisor', () => {
  it('restarts an exiting program after exponential backoff (random 0: half of 100, 200, 400, capped at 400 ms)', async () => {
    const spawnedAt: number[] = [];
    const ends: ChildRunEnd[] = [];
    const lines: string[] = [];
    let error: Error | undefined | null = null;
    const supervisor = new ChildSupervisor({
      program: 'sh',
      args: ['-c', 'echo oops >&2; exit 3'],
      stallTimeoutMs: 10_000,
      backoff: { initialMs: 100, maxMs: 400 },
      random: () => 0,
      onSpawn: () => spawnedAt.push(performance.now()),
      onStdout: () => {},
      onStderrLine: (line) => lines.push(line),
      onExit: (end) => {
        ends.push(end);
        return ends.length < 5 ? 'restart' : new Error('enough');
      },
      onEnd: (e) => {
        error = e;
      },
      spawnError: (e) => e,
    });
    supervisor.start();
    await until(() => error !== null, 10_000, 'the supervisor to end');
    expect((error as Error | null)?.message).toBe('enough');
    expect(ends.map((e) => [e.code, e.signal, e.stalled])).toEqual(Array.from({ length: 5 }, () => [3, null, false]));
    expect(lines).toEqual(['oops', 'oops', 'oops', 'oops', 'oops']);
    const gaps = spawnedAt.slice(1).map((t, i) => t - spawnedAt[i]!);
    [50, 100, 200, 200].forEach((minimum, i) => expect(gaps[i]).toBeGreaterThanOrEqual(minimum - 5));
    expect(gaps[3]!).toBeLessThan(1000);
    expect(supervisor.state).toBe('stopped');
  });

  it('stop() ends a program that ignores SIGTERM with SIGKILL after the grace period', async () => {
    const supervisor = new ChildSupervisor({
      program: 'sh',
      args: ['-c', 'trap "" TERM; echo ready >&2; while :; do sleep 0.05; done'],
      stallTimeoutMs: 10_000,
      backoff: { initialMs: 10, maxMs: 10 },
      killGraceMs: 200,
      onStdout: () => {},
      onStderrLine: () => {},
      onExit: () => 'restart',
      onEnd: () => {},
      spawnError: (e) => e,
    });
    supervisor.start();
    const pid = supervisor.pid!;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const start = performance.now();
    await supervisor.stop();
    expect(performance.now() - start).toBeGreaterThanOrEqual(150);
    await until(() => !processExists(pid), 2000, 'the shell to be gone');
    expect(supervisor.runCount).toBe(1);
  });
});
