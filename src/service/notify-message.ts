/**
 * The sd_notify(3) wire format and the environment systemd gives a Type=notify service.
 * A message is newline-separated `KEY=VALUE` assignments in one datagram; values cannot contain a newline.
 * https://www.freedesktop.org/software/systemd/man/latest/sd_notify.html
 */

/** The assignments edgepipe sends, in the order they are written into one datagram. */
export interface NotifyFields {
  READY?: 1;
  RELOADING?: 1;
  STOPPING?: 1;
  WATCHDOG?: 1;
  /** One line for `systemctl status`; newlines and control characters are replaced by spaces. */
  STATUS?: string;
  /** CLOCK_MONOTONIC in µs, required by systemd >= 253 next to RELOADING=1 for Type=notify-reload; harmless before. */
  MONOTONIC_USEC?: bigint;
  /** errno-style code shown by systemd when the service fails. */
  ERRNO?: number;
}

const order: ReadonlyArray<keyof NotifyFields> = ['RELOADING', 'READY', 'STOPPING', 'WATCHDOG', 'MONOTONIC_USEC', 'ERRNO', 'STATUS'];

/** Longest STATUS we send, in characters: systemctl status shows one line, and a datagram must stay small. */
export const MAX_STATUS_LENGTH = 200;

/** Replaces newlines and other control characters by spaces and truncates to `max` characters (with `…`). */
export function oneLine(text: string, max = MAX_STATUS_LENGTH): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Formats one datagram: `READY=1\nSTATUS=...`. Throws when no field is set (an empty datagram means nothing). */
export function formatNotifyMessage(fields: NotifyFields): string {
  const lines: string[] = [];
  for (const key of order) {
    const value = fields[key];
    if (value === undefined) continue;
    lines.push(`${key}=${key === 'STATUS' ? oneLine(String(value)) : String(value)}`);
  }
  if (lines.length === 0) throw new Error('Expected at least one sd_notify field but received none');
  return lines.join('\n');
}

/**
 * The socket address for NOTIFY_SOCKET: a path, or an abstract-namespace name written with a leading `@`
 * (as systemd does), which becomes a leading NUL byte on the wire. Returns undefined for an empty or unusable
 * value (sd_notify ignores those too).
 */
export function notifySocketAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (value.startsWith('@')) return value.length > 1 ? `\0${value.slice(1)}` : undefined;
  if (value.startsWith('/')) return value;
  return undefined; // vsock: addresses (systemd >= 253) are not for us
}

/**
 * The watchdog ping interval in ms: half of WATCHDOG_USEC (systemd's own advice), or undefined when the watchdog
 * is off or meant for another process (WATCHDOG_PID set to a PID that is not ours).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usec = env['WATCHDOG_USEC'];
  if (!usec || !/^\d+$/.test(usec)) return undefined;
  const watchdogPid = env['WATCHDOG_PID'];
  if (watchdogPid !== undefined && watchdogPid !== '' && Number(watchdogPid) !== pid) return undefined;
  const ms = Number(usec) / 1000 / 2;
  return ms >= 1 ? Math.floor(ms) : undefined;
}
