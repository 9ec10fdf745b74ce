/** Runs test/sinks/mqtt-child.ts (bundled with esbuild) as a real child process holding an mqtt sink. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import { tempDir } from '../sources/helpers.js';

let script: Promise<string> | undefined;

function bundle(): Promise<string> {
  script ??= (async () => {
    const file = path.join(tempDir('mqtt-child'), 'child.mjs');
    await build({
      entryPoints: [path.join(import.meta.dirname, 'mqtt-child.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: file,
      logLevel: 'silent',
      // MQTT.js's CommonJS dependencies require() Node built-ins (named apart from bundled modules' own createRequire).
      banner: { js: "import { createRequire as bannerCreateRequire } from 'node:module'; const require = bannerCreateRequire(import.meta.url);" },
    });
    return file;
  })();
  return script;
}

/** Starts the child on `dir`, writing `count` predictions; resolves with its `ready {stats}` line. */
export async function startChildSink(url: string, dir: string, count: number): Promise<{ child: ChildProcess; ready: string }> {
  const child = spawn(process.execPath, [await bundle(), url, dir, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => resolve(chunk.toString()));
    child.once('exit', (code) => reject(new Error(`child exited (${code}): ${stderr}`)));
  });
  return { child, ready };
}

/** SIGKILL, like a power cut: the lock file stays behind. */
export function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL')));
}
