/**
 * edgepipe watch (the built CLI) against a real Mosquitto whose only listener is TLS with `require_certificate true`
 * and a password file (`allow_anonymous false`), with a PKI made by openssl: the right CA, client certificate and
 * password see what the real mqtt sink publishes; a missing client certificate, a wrong CA or a wrong password end
 * with one line and exit 1; the password never reaches stdout or stderr.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import type { WatchSnapshot } from '../../src/watch/state.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { prediction } from '../sinks/helpers.js';
import { Mosquitto, mosquittoOrSkip } from '../sinks/mqtt-broker.js';
import { makePki, opensslOrSkip, type TestPki } from '../sinks/mqtt-certs.js';
import { mqttConfig, removeOutboxDirs } from '../sinks/mqtt-fixtures.js';
import { CliChild } from '../watch/child.js';

const password = 'watch-pw-5e1d77b2';
const wrongPassword = 'watch-wrong-9a0c41';

describe('edgepipe watch: TLS and credential flags', () => {
  const tls = 'mqtts://127.0.0.1:8883';
  it.each([
    [['--broker', tls, '--cert', '/tmp/c.crt'], '--cert "/tmp/c.crt" needs --key (its private key)'],
    [['--broker', tls, '--key', '/tmp/c.key'], '--key "/tmp/c.key" needs --cert (the client certificate)'],
    [['--broker', tls, '--ca', '/nonexistent/ca.crt'], 'edgepipe watch: --ca /nonexistent/ca.crt: no such file or directory\n'],
    [['--broker', tls, '--ca', 'package.json'], '--ca package.json: not a PEM file (expected a "-----BEGIN ...CERTIFICATE-----" block)'],
    [['--broker', tls, '--server-name', 'a b'], 'Expected a DNS name such as broker.example.com for --server-name but received "a b"'],
    [['--ca', 'ca.crt'], '--ca needs an mqtts:// --broker (TLS), got "mqtt://127.0.0.1:1883"'],
    [['--insecure'], '--insecure needs an mqtts:// --broker (TLS)'],
    [['--username', 'u', '--password-file', '/nonexistent/pw'], 'edgepipe watch: --password-file /nonexistent/pw: no such file or directory'],
    [['--password-file', 'package.json', '--username', 'u'], '--password-file package.json: expected the password on a single line, found'],
    [['--broker', 'mqtt://a@127.0.0.1', '--username', 'b'], '--username "b" and the user "a" in --broker differ'],
  ])('%j exits 2 naming the flag and the path', async (args, message) => {
    const result = await runCli(['watch', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr).toMatch(/^edgepipe watch: (?!edgepipe watch:)/u);
    expect(result.stdout).toBe('');
  });

  it('a password in --broker is refused without being echoed', async () => {
    const result = await runCli(['watch', '--broker', `mqtt://u:${password}@127.0.0.1:1883`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--broker "mqtt://u:***@127.0.0.1:1883" carries a password: a password on the command line shows in ps');
    expect(result.stderr).not.toContain(password);
    // A password holding "@" or "/" (the URL then does not parse): still not echoed.
    for (const odd of ['s3cr@t-x1', 's3/cr@t-x2']) {
      const bad = await runCli(['watch', '--broker', `mqtt://u:${odd}@127.0.0.1:1883`]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--broker');
      expect(bad.stderr).not.toContain(odd.slice(3));
    }
  });

  it('EDGEPIPE_MQTT_PASSWORD without a user name exits 2', async () => {
    const result = await runCli(['watch'], { EDGEPIPE_MQTT_PASSWORD: password });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('EDGEPIPE_MQTT_PASSWORD gives a password but there is no user name: add --username NAME');
    expect(result.stderr).not.toContain(password);
  });

  it('--help says why there is no --password', async () => {
    const result = await runCli(['watch', '--help']);
    expect(result.stdout).toContain('There is no\n                       --password: a password on the command line shows in ps and in the shell history.');
  });
});

const binary = mosquittoOrSkip();
const canRun = binary !== undefined && opensslOrSkip();

function passwd(dir: string, user: string, secret: string): void {
  const result = spawnSync('mosquitto_passwd', ['-c', '-b', path.join(dir, 'passwd'), user, secret], { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(`mosquitto_passwd failed (apt-get install -y mosquitto): ${result.error?.message ?? result.stderr}`);
}

describe.skipIf(!canRun)('edgepipe watch over TLS with client certificates and a password', () => {
  let broker: Mosquitto;
  let pki: TestPki;
  let url: string;
  let passwordFile: string;
  let wrongPasswordFile: string;
  const outputs: CliResult[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.startWith(
      binary!,
      (dir, port) => [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous false',
        `password_file ${dir}/passwd`,
        `cafile ${dir}/ca.crt`,
        `certfile ${dir}/server.crt`,
        `keyfile ${dir}/server.key`,
        'require_certificate true',
      ],
      (dir) => {
        pki = makePki(dir);
        passwd(dir, 'watcher', password);
        passwordFile = path.join(dir, 'watch.pw');
        wrongPasswordFile = path.join(dir, 'wrong.pw');
        writeFileSync(passwordFile, `${password}\n`);
        writeFileSync(wrongPasswordFile, `${wrongPassword}\n`);
        chmodSync(passwordFile, 0o600);
      },
    );
    url = `mqtts://127.0.0.1:${broker.port}`;
  });
  afterAll(async () => {
    // Across every run of this file: neither password, nor a line of the client key, on stdout or stderr.
    const text = outputs.map((o) => `${o.stdout}\n${o.stderr}`).join('\n');
    expect(text).not.toContain(password);
    expect(text).not.toContain(wrongPassword);
    expect(text).not.toContain('-----BEGIN');
    await broker?.stop();
    await removeOutboxDirs();
  });

  const client = () => ['--ca', pki.ca, '--cert', pki.clientCert, '--key', pki.clientKey];
  async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    const result = await runCli(['watch', '--broker', url, '--once', '--timeout', '20', ...args], env);
    outputs.push(result);
    return result;
  }

  it('--once --json with the CA, the client certificate and --password-file sees what the real mqtt sink publishes', async () => {
    const tls = { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, rejectUnauthorized: true };
    const sink = new MqttSink('yard', await mqttConfig(url, { deviceId: 'tls-pole', tls, username: 'watcher', password }), { warn: () => undefined });
    await sink.start();
    const watch = new CliChild(['watch', '--broker', url, '--device', 'tls-pole', '--once', '--json', '--timeout', '60', ...client(), '--username', 'watcher', '--password-file', passwordFile]);
    await watch.waitFor(/subscribed to /u, 'stderr');
    for (let i = 0; i < 5; i++) sink.write(prediction(i, { pipeline: 'yard' }));
    expect(await sink.flush()).toBe(true);
    expect(await watch.exited, watch.stderr).toBe(0);
    await sink.stop();
    outputs.push({ code: 0, stdout: watch.stdout, stderr: watch.stderr });
    expect(watch.stderr).toBe(`edgepipe watch: subscribed to edgepipe/tls-pole/+/predictions and edgepipe/tls-pole/status on ${url}\n`);
    const snapshot = JSON.parse(watch.stdout.trim()) as WatchSnapshot;
    expect(snapshot.streams).toHaveLength(1);
    expect(snapshot.streams[0]).toMatchObject({ device: 'tls-pole', pipeline: 'yard', status: 'online', drops: 0, schema_errors: 0, latest: 'blue 0.99' });
  });

  it('the password from EDGEPIPE_MQTT_PASSWORD and the user in --broker are accepted too', async () => {
    const result = await runCli(['watch', '--broker', `mqtts://watcher@127.0.0.1:${broker.port}`, '--device', 'nobody', '--once', '--timeout', '1', ...client()], { EDGEPIPE_MQTT_PASSWORD: password });
    outputs.push(result);
    // Connected and subscribed; no prediction for "nobody", so the timeout, with the broker connected.
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`subscribed to edgepipe/nobody/+/predictions and edgepipe/nobody/status on ${url}`);
    expect(result.stderr).toContain('(broker connected)');
  });

  it('without a client certificate: one line saying the broker requires one, exit 1', async () => {
    const result = await run(['--ca', pki.ca, '--username', 'watcher', '--password-file', passwordFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^edgepipe watch: broker mqtts:\/\/127\.0\.0\.1:\d+: TLS: tlsv13 alert certificate required \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\): the broker requires a client certificate: set --cert and --key\n$/u,
    );
    expect(result.stdout).toBe('');
  });

  it('a broker certificate from another CA: not accepted, pointing at --ca and --server-name', async () => {
    const result = await run(['--ca', pki.otherCa, '--cert', pki.clientCert, '--key', pki.clientKey, '--username', 'watcher', '--password-file', passwordFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^edgepipe watch: broker mqtts:\/\/127\.0\.0\.1:\d+: TLS: the broker certificate was not accepted: .* \(check --ca and --server-name\)\n$/u);
    expect(result.stderr.split('\n')).toHaveLength(2);
  });

  it('a client certificate from a CA the broker does not trust: refused, pointing at --cert', async () => {
    const result = await run(['--ca', pki.ca, '--cert', pki.otherCa, '--key', path.join(pki.dir, 'other-ca.key'), '--username', 'watcher', '--password-file', passwordFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^edgepipe watch: broker mqtts:\/\/127\.0\.0\.1:\d+: TLS: .*: the broker did not accept the client certificate \(--cert\)\n$/u);
  });

  it('--server-name that the broker certificate does not carry is refused', async () => {
    const result = await run([...client(), '--server-name', 'broker.example.com', '--username', 'watcher', '--password-file', passwordFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TLS: the broker certificate was not accepted: ');
    expect(result.stderr).toContain('broker.example.com');
  });

  it('--insecure connects despite the unknown CA, with a warning', async () => {
    const result = await runCli(['watch', '--broker', url, '--device', 'nobody', '--once', '--timeout', '1', '--insecure', '--cert', pki.clientCert, '--key', pki.clientKey, '--username', 'watcher', '--password-file', passwordFile]);
    outputs.push(result);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('edgepipe watch: warning: --insecure: the broker certificate is not checked');
    expect(result.stderr).toContain('(broker connected)');
  });

  it('a wrong password: "not authorised" in one line, exit 1, the password not shown', async () => {
    const result = await run([...client(), '--username', 'watcher', '--password-file', wrongPasswordFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^edgepipe watch: broker mqtts:\/\/127\.0\.0\.1:\d+: not authorised: the broker refused the connection \(CONNACK 5\): check --username and the password \(--password-file or EDGEPIPE_MQTT_PASSWORD\)\n$/u,
    );
    expect(result.stdout).toBe('');
  });

  it('without --once the live view also stops at refused credentials', async () => {
    const result = await runCli(['watch', '--broker', url, '--json', ...client(), '--username', 'watcher'], { EDGEPIPE_MQTT_PASSWORD: wrongPassword });
    outputs.push(result);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not authorised: the broker refused the connection (CONNACK 5)');
  });
});
