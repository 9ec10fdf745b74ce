/** edgepipe watch: what a field engineer runs while installing a camera (see src/watch/). */
import { readFile } from 'node:fs/promises';
import { EdgepipeError, invalidOption } from '../runtime/errors.js';
import { describeFsError } from '../sinks/errors.js';
import { readTlsFiles, type TlsMaterial } from '../sinks/mqtt/tls-files.js';
import { predictionSchemaCheck } from '../watch/schema-check.js';
import { watch } from '../watch/session.js';
import { filterProblem, type WatchFilter } from '../watch/topics.js';
import { intOption, parseCommand, stringOption, type Parsed } from './args.js';

export const DEFAULT_BROKER = 'mqtt://127.0.0.1:1883';

export const PASSWORD_ENV = 'EDGEPIPE_MQTT_PASSWORD';

export const watchHelp = `Usage: edgepipe watch [--broker URL] [--device ID] [--pipeline NAME] [--json] [--once | --count N] [--timeout S]
                      [--ca FILE] [--cert FILE --key FILE] [--server-name NAME] [--insecure]
                      [--username NAME] [--password-file FILE]

Subscribes to edgepipe/<device|+>/<pipeline|+>/predictions and edgepipe/<device|+>/status (the mqtt sink's
default topics) and shows per device and pipeline: online/offline status, the latest prediction, fps (arrivals
over the last 5 s), latency p50 (latency_ms.total of the last 100 payloads), dropped messages (gaps in seq),
redeliveries, and payloads that do not match schema/prediction.schema.json. Refreshed in place on a terminal,
else a new block at most once a second when something changed. MQTT 3.1.1, clean session.

  --broker URL     mqtt://host[:port] or mqtts://host[:port] (TLS), optionally user@ (default ${DEFAULT_BROKER})
  --device ID      only this device
  --pipeline NAME  only this pipeline
  --json           one JSON object per refresh instead of the table
  --once           exit after the first refresh that shows a prediction
  --count N        exit as soon as N predictions arrived
  --timeout S      with --once or --count: exit 1 if they have not happened within S seconds (default 10)

With mqtts:// (PEM files, read once at start):
  --ca FILE            CA certificate(s) the broker's certificate must chain to (default: the system's CAs)
  --cert FILE          client certificate, with --key (both or neither)
  --key FILE           private key of the client certificate
  --server-name NAME   name to check the broker's certificate against (default: the --broker host)
  --insecure           do not check the broker's certificate (a warning is printed): for a first test only
Credentials:
  --username NAME      user name (or user@ in --broker)
  --password-file FILE the password, alone on the file's one line; or set ${PASSWORD_ENV}. There is no
                       --password: a password on the command line shows in ps and in the shell history.
Refused credentials and TLS failures (bad CA, refused client certificate) end the watch with exit 1 and one line
saying what to check; the password and key are never printed.`;

/** `raw` with whatever sits between "//user:" and "@" replaced, for messages: a password is never echoed. */
function masked(raw: string): string {
  // Up to the last "@": a password may itself hold "@" or "/" (over-masking a path is harmless).
  return raw.replace(/^([^:/]*:\/\/[^:@/]*:).*@/u, '$1***@');
}

/** The broker URL, checked: mqtt:// or mqtts://, a host, an optional port, an optional user, nothing else. */
export function brokerUrl(raw: string): { url: string; shown: string; username?: string; tls: boolean } {
  const expected = 'an mqtt:// or mqtts:// URL with a host and an optional port (e.g. mqtt://127.0.0.1:1883)';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidOption('--broker', expected, masked(raw));
  }
  if ((url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') || url.hostname === '') throw invalidOption('--broker', expected, masked(raw));
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw invalidOption('--broker', `${expected}, without a path or query`, masked(raw));
  }
  if (url.port === '0') throw invalidOption('--broker', `${expected}: port 0 is not a broker port`, masked(raw));
  if (url.password !== '') {
    throw new EdgepipeError(
      'ERR_INVALID_OPTION',
      `--broker "${masked(raw)}" carries a password: a password on the command line shows in ps and in the shell history; use --password-file FILE or ${PASSWORD_ENV}`,
      { exitCode: 2 },
    );
  }
  let username: string | undefined;
  try {
    username = url.username === '' ? undefined : decodeURIComponent(url.username);
  } catch {
    throw invalidOption('--broker', `${expected}, with a user name in valid percent-encoding`, raw);
  }
  url.username = '';
  const plain = url.href.replace(/\/$/u, '');
  return { url: plain, shown: plain, ...(username === undefined ? {} : { username }), tls: url.protocol === 'mqtts:' };
}

function usage(message: string): EdgepipeError {
  return new EdgepipeError('ERR_USAGE', `${message} (see edgepipe watch --help)`, { exitCode: 2 });
}

/** The flags' PEM files, through the mqtt sink's reader; its `tls.<field>` in messages becomes the flag. */
async function tlsOptions(parsed: Parsed, err: NodeJS.WritableStream): Promise<TlsMaterial> {
  const files = { ca: stringOption(parsed, 'ca'), cert: stringOption(parsed, 'cert'), key: stringOption(parsed, 'key') };
  if ((files.cert === undefined) !== (files.key === undefined)) {
    throw usage(files.cert === undefined ? `--key "${files.key}" needs --cert (the client certificate)` : `--cert "${files.cert}" needs --key (its private key)`);
  }
  const serverName = stringOption(parsed, 'server-name');
  if (serverName !== undefined && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/u.test(serverName)) {
    throw invalidOption('--server-name', 'a DNS name such as broker.example.com', serverName);
  }
  const insecure = parsed.values['insecure'] === true;
  const material: TlsMaterial = { rejectUnauthorized: true };
  for (const field of ['ca', 'cert', 'key'] as const) {
    const file = files[field];
    if (file === undefined) continue;
    try {
      material[field] = (await readTlsFiles({ [field]: file, rejectUnauthorized: true }))[field];
    } catch (error) {
      throw new EdgepipeError('ERR_INVALID_OPTION', `--${field} ${(error as Error).message.replace(/^tls\.[a-z]+ /u, '')}`, { exitCode: 2 });
    }
  }
  if (serverName !== undefined) material.servername = serverName;
  if (insecure) {
    material.rejectUnauthorized = false;
    err.write('edgepipe watch: warning: --insecure: the broker certificate is not checked; anyone on the path can read and change what is shown, and sees the password\n');
  }
  return material;
}

/** The password: --password-file (its first line), else EDGEPIPE_MQTT_PASSWORD; never from the command line. */
async function passwordOption(parsed: Parsed, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const file = stringOption(parsed, 'password-file');
  if (file === undefined) return env[PASSWORD_ENV] === '' ? undefined : env[PASSWORD_ENV];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new EdgepipeError('ERR_INVALID_OPTION', `--password-file ${file}: ${describeFsError(error)}`, { exitCode: 2 });
  }
  const lines = text.replace(/\r?\n$/u, '').split(/\r?\n/u);
  // The contents are never echoed: only what is wrong with them.
  if (lines.length > 1 || lines[0] === '') {
    throw new EdgepipeError('ERR_INVALID_OPTION', `--password-file ${file}: expected the password on a single line, found ${lines[0] === '' ? 'an empty file' : `${lines.length} lines`}`, { exitCode: 2 });
  }
  return lines[0];
}

function filterOption(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const problem = filterProblem(flag, value);
  if (problem) throw new EdgepipeError('ERR_INVALID_OPTION', problem, { exitCode: 2 });
  return value;
}

export async function watchCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand('watch', argv, {
    broker: { type: 'string' },
    device: { type: 'string' },
    pipeline: { type: 'string' },
    json: { type: 'boolean' },
    once: { type: 'boolean' },
    count: { type: 'string' },
    timeout: { type: 'string' },
    ca: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'server-name': { type: 'string' },
    insecure: { type: 'boolean' },
    username: { type: 'string' },
    'password-file': { type: 'string' },
    help: { type: 'boolean' },
  });
  if (parsed.values['help']) {
    console.log(watchHelp);
    return 0;
  }
  if (parsed.positionals.length > 0) {
    throw new EdgepipeError('ERR_USAGE', `unexpected argument "${parsed.positionals[0]}" (see edgepipe watch --help)`, { exitCode: 2 });
  }
  const broker = brokerUrl(stringOption(parsed, 'broker') ?? DEFAULT_BROKER);
  const device = filterOption('--device', stringOption(parsed, 'device'));
  const pipeline = filterOption('--pipeline', stringOption(parsed, 'pipeline'));
  const filter: WatchFilter = { ...(device === undefined ? {} : { device }), ...(pipeline === undefined ? {} : { pipeline }) };
  const once = parsed.values['once'] === true;
  const count = intOption(parsed, 'count', 1, 1_000_000, 0);
  if (once && count > 0) throw new EdgepipeError('ERR_USAGE', '--once and --count exclude each other (see edgepipe watch --help)', { exitCode: 2 });
  const timeoutS = intOption(parsed, 'timeout', 1, 86_400, 10);
  if (stringOption(parsed, 'timeout') !== undefined && !once && count === 0) {
    throw new EdgepipeError('ERR_USAGE', '--timeout needs --once or --count (see edgepipe watch --help)', { exitCode: 2 });
  }
  const tlsFlag = ['ca', 'cert', 'key', 'server-name', 'insecure'].find((name) => parsed.values[name] !== undefined);
  if (tlsFlag !== undefined && !broker.tls) throw usage(`--${tlsFlag} needs an mqtts:// --broker (TLS), got "${broker.shown}"`);
  const flagUser = stringOption(parsed, 'username');
  if (flagUser === '') throw invalidOption('--username', 'a non-empty user name', flagUser);
  if (flagUser !== undefined && broker.username !== undefined && flagUser !== broker.username) {
    throw usage(`--username "${flagUser}" and the user "${broker.username}" in --broker differ: give it once`);
  }
  const username = flagUser ?? broker.username;
  const password = await passwordOption(parsed, process.env);
  if (password !== undefined && username === undefined) {
    const from = stringOption(parsed, 'password-file') === undefined ? PASSWORD_ENV : '--password-file';
    throw usage(`${from} gives a password but there is no user name: add --username NAME`);
  }
  const tls = broker.tls ? await tlsOptions(parsed, process.stderr) : undefined;
  const halt = new AbortController();
  const stop = (): void => halt.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await watch({
      url: broker.url,
      shownUrl: broker.shown,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      ...(tls === undefined ? {} : { tls }),
      filter,
      json: parsed.values['json'] === true,
      once,
      count,
      timeoutMs: timeoutS * 1000,
      check: predictionSchemaCheck(),
      out: process.stdout,
      err: process.stderr,
      signal: halt.signal,
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
