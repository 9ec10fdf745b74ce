/** The built CLI as a long-running child process: wait for a line, signal it, collect its output and exit code. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../helpers/shared-models.js';

export class CliChild {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number>;
  private readonly child: ChildProcess;
  private waiters: Array<() => void> = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => ((this.stdout += chunk), this.wake()));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => ((this.stderr += chunk), this.wake()));
    this.exited = new Promise((resolve) => this.child.once('close', (code, signal) => (this.wake(), resolve(code ?? (signal ? 128 : 1)))));
  }

  /** The first match of `pattern` in stdout or stderr; rejects if the process exits first. */
  async waitFor(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpMatchArray> {
    for (;;) {
      const match = this[stream].match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`exited before ${pattern} appeared:\n${this.stdout}\n${this.stderr}`);
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
