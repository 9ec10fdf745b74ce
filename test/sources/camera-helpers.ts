/**
 * Helpers for the camera tests: whether ffmpeg is here (with CI=true its absence fails the run instead of
 * skipping), camera configs with the defaults the schema fills in, and process checks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { CameraSourceConfig } from '../../src/config/types.js';

export const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
export const inCi = process.env.CI === 'true' || process.env.CI === '1';
/** Run the ffmpeg tests: always in CI (where a missing ffmpeg must fail them), locally only when installed. */
export const runFfmpegTests = hasFfmpeg || inCi;
if (!runFfmpegTests) process.stderr.write('camera tests: ffmpeg not found, skipping the tests that need it (apt-get install ffmpeg)\n');

/** A lavfi test-pattern input: `testsrc2` at `size` and `rate`. */
export const lavfi = (size = '160x120', rate = 30): string => `lavfi:testsrc2=size=${size}:rate=${rate}`;

/** A camera config as the schema would fill it in, with `options` on top. */
export function cameraConfig(options: Partial<CameraSourceConfig> = {}): CameraSourceConfig {
  return {
    kind: 'camera',
    input: lavfi(),
    realtime: true,
    output: 'rgb24',
    rtspTransport: 'tcp',
    ioTimeoutMs: 10000,
    loop: false,
    stallTimeoutMs: 5000,
    startTimeoutMs: 30000,
    restart: { initialMs: 50, maxMs: 200 },
    finite: false,
    decoderResize: true,
    ...options,
  };
}

/** True while `pid` exists in any state (a zombie still has a /proc entry). */
export function processExists(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** The state letter of `pid` from /proc (R, S, T, Z, ...), or undefined when gone. */
export function processState(pid: number): string | undefined {
  try {
    return /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** A TCP port the OS just gave out (listen on 0, then close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Pids of the live processes (zombies excluded) in process group `pgid`, from /proc. */
export function processGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command's closing parenthesis: state ppid pgrp ...
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return members;
}
