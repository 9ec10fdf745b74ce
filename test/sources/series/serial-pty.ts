/**
 * A real pseudo-terminal pair for the serial tests: python3 opens it (os.openpty), prints the slave's name, and
 * writes to the master whatever the test writes to its stdin (or, in `repeat` mode, one line every 2 ms). Ending
 * it closes the master, which is what an unplugged USB adapter looks like to a reader.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { renameSync, symlinkSync } from 'node:fs';
import { inCi } from '../camera-helpers.js';

const hasProgram = (program: string, args: string[]): boolean => spawnSync(program, args, { stdio: 'ignore' }).status === 0;
const missing = ['python3', 'stty'].filter((program) => !hasProgram(program, ['--version']));
/** Run the pty tests: always in CI (where a missing program must fail them), locally only when both are here. */
export const runPtyTests = missing.length === 0 || inCi;
if (!runPtyTests) process.stderr.write(`serial tests: ${missing.join(' and ')} not found, skipping the pseudo-terminal tests\n`);

const relay = `
import os, sys, time, tty
master, slave = os.openpty()
tty.setraw(slave)
sys.stdout.write(os.ttyname(slave) + "\\n")
sys.stdout.flush()
if len(sys.argv) > 1:
    line = sys.argv[1].encode() + b"\\n"
    while True:
        os.write(master, line)
        time.sleep(0.002)
while True:
    data = os.read(0, 65536)
    if not data:
        break
    os.write(master, data)
os.close(master)
`;

export class Pty {
  readonly path: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly repeating: boolean;

  private constructor(child: ChildProcess, path: string, exited: Promise<void>, repeating: boolean) {
    this.child = child;
    this.path = path;
    this.exited = exited;
    this.repeating = repeating;
  }

  /** A new pair; with `repeat`, python writes that line every 2 ms until closed. */
  static async open(repeat?: string): Promise<Pty> {
    const child = spawn('python3', ['-u', '-c', relay, ...(repeat === undefined ? [] : [repeat])], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const name = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.once('error', reject);
      child.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text.trim());
      });
      child.once('close', (code) => reject(new Error(`python3 exited (${code}) before opening a pty`)));
    });
    return new Pty(child, name, exited, repeat !== undefined);
  }

  write(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Closes the master (the device vanishes) and waits for python to exit. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin!.end();
      if (this.repeating && this.child.pid !== undefined) {
        // A repeating writer does not read stdin: end it by its pid.
        try {
          process.kill(this.child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
    await this.exited;
  }
}

/** Points `link` at `target`, replacing an existing link atomically (a device node appearing at a stable name). */
export function pointLink(link: string, target: string): void {
  const next = `${link}.next`;
  symlinkSync(target, next);
  renameSync(next, link);
}
