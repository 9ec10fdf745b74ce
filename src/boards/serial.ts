/** Serial ports a sensor may hang off: USB adapters, CDC-ACM devices, the Pi's PL011 UARTs and 8250 UARTs. */
import { listDir, underRoot } from './root.js';

const SERIAL_PATTERN = /^tty(USB|ACM|AMA|S)\d+$/;

/** The /dev paths of the serial ports under root, in name order. */
export async function listSerialPorts(root = '/'): Promise<string[]> {
  return (await listDir(underRoot(root, '/dev'))).filter((n) => SERIAL_PATTERN.test(n)).map((n) => `/dev/${n}`);
}
