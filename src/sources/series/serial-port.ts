/**
 * Opening a serial port for reading without blocking the event loop.
 *
 * `fs.createReadStream` on a tty reads in the libuv thread pool with blocking reads: a quiet sensor holds one of
 * the four pool threads forever and closing the stream cannot interrupt the read. A `tty.ReadStream` on a
 * non-blocking fd is polled by the event loop instead (epoll) and closes at once.
 */
import { execFile } from 'node:child_process';
import { close, constants, open, promises as fs } from 'node:fs';
import tty from 'node:tty';
import { describeFsError, errnoCode } from '../errors.js';

export type OpenResult =
  | { ok: true; stream: tty.ReadStream }
  /** `transient`: the device is absent or going away (unplugged): worth reopening later. */
  | { ok: false; transient: boolean; detail: string };

/** Errors of open(2) that mean "not there right now" on a hot-plugged or disconnected port. */
const transientCodes = new Set(['ENOENT', 'ENXIO', 'ENODEV', 'EIO', 'EBUSY', 'EAGAIN', 'EINTR']);

/** The `stty` arguments for `baud` 8N1 raw input (no echo, no line editing, no modem carrier wait). */
export function sttyArgs(device: string, baud: number): string[] {
  // clocal: sensors do not drive the modem's carrier-detect line; without it a port may report hang-ups.
  return ['-F', device, String(baud), 'raw', '-echo', 'cs8', '-parenb', '-cstopb', 'clocal'];
}

export async function openSerialPort(device: string, baud: number, options: { stty?: string } = {}): Promise<OpenResult> {
  let fd: number;
  try {
    fd = await openFd(device);
  } catch (error) {
    return openFailure(device, error);
  }
  let owned = true;
  const closeFd = (): void => {
    if (!owned) return;
    owned = false;
    close(fd, () => undefined);
  };
  if (!tty.isatty(fd)) {
    closeFd();
    return { ok: false, transient: false, detail: `${device} is not a terminal (expected a serial device such as /dev/ttyUSB0)` };
  }
  const configured = await runStty(options.stty ?? 'stty', sttyArgs(device, baud));
  if (configured !== undefined) {
    closeFd();
    const gone = await fs.stat(device).then(
      () => false,
      () => true,
    );
    return { ok: false, transient: gone, detail: gone ? `${device} disappeared while opening it` : configured };
  }
  let stream: tty.ReadStream;
  try {
    stream = new tty.ReadStream(fd);
  } catch (error) {
    closeFd();
    return { ok: false, transient: true, detail: `${device}: ${(error as Error).message}` };
  }
  // libuv reopens a pseudo-terminal slave by name and reads from the new fd; ours is then still open and ours to
  // close. For other ttys the handle reads from our fd and closes it itself.
  const handleFd = (stream as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (handleFd !== undefined && handleFd !== fd) closeFd();
  else owned = false;
  return { ok: true, stream };
}

function openFailure(device: string, error: unknown): OpenResult {
  const code = errnoCode(error);
  const transient = code !== undefined && transientCodes.has(code);
  let detail = `${device}: ${describeFsError(error)}`;
  if (code === 'EACCES' || code === 'EPERM') detail += ' (the service user needs read access: add it to the dialout group)';
  return { ok: false, transient, detail };
}

/** Runs stty; undefined when it succeeded, else why it failed. */
function runStty(program: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(program, args, { timeout: 5000, encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (!error) {
        resolve(undefined);
        return;
      }
      if (errnoCode(error) === 'ENOENT') {
        resolve(`${program} not found: it configures the port's speed (install coreutils)`);
        return;
      }
      const said = stderr.trim().split('\n').pop() ?? '';
      resolve(`${program} ${args.join(' ')} failed${said ? `: ${said}` : ''}`);
    });
  });
}

/**
 * open(2) through the callback API: a plain fd, which moves to the tty handle. (A promises FileHandle would close
 * it again when garbage-collected.)
 */
function openFd(device: string): Promise<number> {
  return new Promise((resolve, reject) => {
    open(device, constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK, (error, fd) => (error ? reject(error) : resolve(fd)));
  });
}
