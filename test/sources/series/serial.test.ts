import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { firstValueFrom, type Subscription } from 'rxjs';
import { parseConfig } from '../../../src/config/load.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SerialSourceConfig } from '../../../src/config/types.js';
import { EdgepipeError } from '../../../src/runtime/errors.js';
import { createSource } from '../../../src/sources/index.js';
import { nmeaLine } from '../../../src/sources/series/line-parsers.js';
import { SerialProducer } from '../../../src/sources/series/serial.js';
import { SeriesSource } from '../../../src/sources/series/series-source.js';
import { record, removeTempDirs, tempDir, until } from '../helpers.js';
import { describeSourceContract } from '../source-contract.js';
import { placeholderModel } from '../../config/helpers.js';
import { pointLink, Pty, runPtyTests } from './serial-pty.js';
import { f32, seriesValues, windowOf } from './series-helpers.js';

const ptys: Pty[] = [];
/** Unsubscribed after each test even when it failed: a leftover producer would reopen the next test's pty. */
const subscriptions: Subscription[] = [];
const openPty = async (repeat?: string): Promise<Pty> => {
  const pty = await Pty.open(repeat);
  ptys.push(pty);
  return pty;
};
afterEach(async () => {
  for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
  await Promise.all(ptys.splice(0).map((pty) => pty.close()));
});
afterAll(removeTempDirs);


const serialConfig = (device: string, options: Partial<SerialSourceConfig> = {}): SerialSourceConfig => ({
  kind: 'serial',
  device,
  baud: 115200,
  format: 'csv',
  fields: ['ax', 'ay', 'az'],
  delimiter: ',',
  stallTimeoutMs: 5000,
  restart: { initialMs: 20, maxMs: 100 },
  window: windowOf(3),
  ...options,
});


/** A producer on `config` inside a SeriesSource, subscribed; quiet (warnings collected). */
function subscribed(config: SerialSourceConfig) {
  const warnings: string[] = [];
  const producer = new SerialProducer('rig', config, { warn: (message) => warnings.push(message), random: () => 0.5 });
  const source = new SeriesSource(producer, config.window);
  const state = record(source.frames());
  subscriptions.push(state.subscription);
  return { producer, source, state, warnings };
}

describe.runIf(runPtyTests)('serial source on a pseudo-terminal', () => {
  it('CSV: one sample per line, `_` columns skipped; header, over-long and blank lines dropped and counted', async () => {
    const pty = await openPty();
    const run = subscribed(serialConfig(pty.path, { fields: ['t', '_', 'v'], window: windowOf(3) }));
    pty.write('t,skip,v\r\n');
    pty.write(`${'9'.repeat(5000)}\n`);
    pty.write('\n1,100,0.5\r\n2,100,-1.5\n');
    pty.write('3,100,');
    pty.write('2.25\n');
    await until(() => run.state.frames.length === 1, 30_000, 'a window');
    expect(run.state.frames[0]!.payload).toMatchObject({ kind: 'series', channels: ['t', 'v'], steps: 3, filled: 0 });
    expect(seriesValues(run.state.frames[0]!)).toEqual([1, 0.5, 2, -1.5, 3, 2.25]);
    expect(run.producer.stats).toMatchObject({ lines: 3, corruptLines: 2, restarts: 0, stalls: 0 });
    expect(run.source.health()).toMatchObject({ state: 'running', restarts: 0, corruptFrames: 2, series: { samples: 3, filledValues: 0 } });
    expect(run.warnings).toEqual(['source rig/serial: skipped a line (no number in the columns 1, 3): t,skip,v']);
    run.state.subscription.unsubscribe();
    expect(run.source.health().state).toBe('ended');
  });

  it('JSON: dot paths; a field absent from a line is missing, filled from the previous line and counted', async () => {
    const pty = await openPty();
    const run = subscribed(serialConfig(pty.path, { format: 'json', fields: ['accel.x', 'accel.y'], window: windowOf(3, { maxMissing: 0.2 }) }));
    pty.write('{"accel":{"x":0.25,"y":1}}\n{"accel":{"x":0.5}}\n{"accel":{"x":0.75,"y":3}}\n');
    await until(() => run.state.frames.length === 1, 30_000, 'a window');
    expect(seriesValues(run.state.frames[0]!)).toEqual([0.25, 1, 0.5, 1, 0.75, 3]);
    expect(run.state.frames[0]!.payload).toMatchObject({ filled: 1 });
    expect(run.source.health().series).toEqual({ samples: 3, filledValues: 1, incompleteWindows: 0, discardedAtRestart: 0 });
    run.state.subscription.unsubscribe();
  });

  it('NMEA: any talker id, checksums verified (a bad one dropped and counted), other sentences ignored', async () => {
    const pty = await openPty();
    const run = subscribed(serialConfig(pty.path, { format: 'nmea', fields: ['GGA.9'], window: windowOf(3) }));
    const gga = (altitude: string, talker = 'GP'): string => nmeaLine(`${talker}GGA,123519,4807.038,N,01131.000,E,1,08,0.9,${altitude},M,46.9,M,,`);
    const corrupted = gga('200.5').replace('200.5', '900.5');
    pty.write(`${gga('100.5')}\r\n${corrupted}\r\n${nmeaLine('GPGSV,3,1,11,03,03,111,00')}\r\n${gga('101.5', 'GN')}\r\n${gga('102.5')}\r\n`);
    await until(() => run.state.frames.length === 1, 30_000, 'a window');
    expect(seriesValues(run.state.frames[0]!)).toEqual(f32([100.5, 101.5, 102.5]));
    expect(run.producer.stats).toMatchObject({ lines: 3, corruptLines: 1, ignoredLines: 1 });
    expect(run.warnings[0]).toMatch(/^source rig\/serial: skipped a line \(NMEA checksum mismatch: line says [0-9A-F]{2}, content gives [0-9A-F]{2}\): \$GPGGA/);
    run.state.subscription.unsubscribe();
  });

  it('no line for stall_timeout_ms: the port is reopened with backoff, counted, and recovers when lines come again', async () => {
    const pty = await openPty();
    const run = subscribed(serialConfig(pty.path, { stallTimeoutMs: 150, window: windowOf(1) }));
    pty.write('1,2,3\n');
    await until(() => run.producer.stats.lines === 1, 30_000, 'the first line');
    await until(() => run.producer.stats.stalls >= 1 && run.producer.stats.restarts >= 1, 30_000, 'a stall and a reopen');
    expect(run.source.health().state).toBe('restarting');
    expect(run.warnings).toContain(`source rig/serial: ${pty.path}: no line for 150 ms; reopening with backoff`);
    pty.write('4,5,6\n');
    await until(() => run.producer.stats.lines === 2, 30_000, 'a line after the reopen');
    const health = run.source.health();
    expect(health.state).toBe('running');
    expect(health.restarts).toBe(run.producer.stats.restarts);
    expect(health.downtimeMs).toBeGreaterThan(0);
    expect(run.warnings.at(-1)).toMatch(new RegExp(`^source rig/serial: ${pty.path}: reading again after \\d+ ms$`));
    expect(run.state.frames.map(seriesValues)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(run.state.error).toBeUndefined();
    run.state.subscription.unsubscribe();
  });

  it('a vanished device (pty closed) is reopened until a new one appears at the same (symlinked) path', async () => {
    const dir = tempDir('serial');
    const link = path.join(dir, 'ttyUSB0');
    const first = await openPty();
    pointLink(link, first.path);
    const run = subscribed(serialConfig(link, { window: windowOf(1) }));
    first.write('1,1,1\n');
    await until(() => run.producer.stats.lines === 1, 30_000, 'a line from the first pty');
    // Unplugged: the device node goes, then the open port fails. (Repointing first also keeps the reopens off
    // /dev/pts/N, which another test process may be given next.)
    pointLink(link, path.join(dir, 'gone'));
    await first.close();
    await until(() => run.source.health().state === 'restarting', 30_000, 'restarting');
    await until(() => run.producer.stats.restarts >= 2, 30_000, 'reopen attempts while the device is gone');
    expect(run.warnings.filter((w) => w.includes('reopening with backoff'))).toEqual([
      `source rig/serial: ${link}: the device closed (unplugged?); reopening with backoff`,
    ]);
    const second = await openPty();
    pointLink(link, second.path);
    second.write('2,2,2\n');
    await until(() => run.producer.stats.lines === 2, 30_000, 'a line from the new pty');
    expect(run.source.health()).toMatchObject({ state: 'running' });
    expect(run.source.health().downtimeMs).toBeGreaterThan(0);
    expect(run.state.frames.map(seriesValues)).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(run.state.error).toBeUndefined();
    run.state.subscription.unsubscribe();
  });

  it('a path that is not a terminal fails the source with a message naming it', async () => {
    const file = path.join(tempDir('serial'), 'not-a-tty');
    writeFileSync(file, '1,2,3\n');
    const error = await firstValueFrom(createSource('rig', serialConfig(file)).frames()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EdgepipeError);
    expect((error as EdgepipeError).code).toBe('ERR_SOURCE_INVALID');
    expect((error as EdgepipeError).message).toBe(
      `source rig/serial: ${file} is not a terminal (expected a serial device such as /dev/ttyUSB0)`,
    );
  });

  it('fails naming stty when it cannot configure the port', async () => {
    const pty = await openPty();
    const producer = new SerialProducer('rig', serialConfig(pty.path), { stty: '/nonexistent/stty' });
    const error = await firstValueFrom(producer.samples()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as EdgepipeError).message).toBe(
      'source rig/serial: /nonexistent/stty not found: it configures the port\'s speed (install coreutils)',
    );
    expect(producer.health().state).toBe('failed');
  });

  it('a missing device is retried, not failed (a USB sensor may be plugged in later)', async () => {
    const missing = path.join(tempDir('serial'), 'ttyACM9');
    const run = subscribed(serialConfig(missing));
    await until(() => run.producer.stats.restarts >= 2, 30_000, 'reopen attempts');
    expect(run.source.health().state).toBe('restarting');
    expect(run.state.error).toBeUndefined();
    expect(run.warnings).toEqual([`source rig/serial: ${missing}: no such file or directory; reopening with backoff`]);
    run.state.subscription.unsubscribe();
    expect(run.source.health().state).toBe('ended');
  });

  it('a YAML serial source (schema defaults filled in) reads the port it names', async () => {
    const pty = await openPty();
    const yaml = `version: 1
pipelines:
  - name: gps
    source: { kind: serial, device: ${pty.path}, baud: 9600, format: nmea, fields: [GGA.9, GGA.7], window: { length: 2 } }
    model: { file: ${JSON.stringify(placeholderModel)} }
    postprocess: { kind: classify }
`;
    const config = parseConfig('/etc/edgepipe/gps.yaml', yaml).pipelines[0]!.source as SerialSourceConfig;
    expect(config).toMatchObject({ baud: 9600, stallTimeoutMs: 5000, restart: { initialMs: 500, maxMs: 30000 } });
    const source = createSource('gps', config);
    const state = record(source.frames());
    subscriptions.push(state.subscription);
    for (const altitude of ['12.5', '13.5']) pty.write(`${nmeaLine(`GNGGA,1,2,N,3,E,1,07,0.9,${altitude},M,0,M,,`)}\r\n`);
    await until(() => state.frames.length === 1, 30_000, 'a window');
    expect(seriesValues(state.frames[0]!)).toEqual([12.5, 7, 13.5, 7]);
  });

  it('is created by createSource for kind serial, with channels from the fields', () => {
    const source = createSource('rig', serialConfig('/dev/null', { fields: ['a', '_', 'b'] }));
    expect(source).toBeInstanceOf(SeriesSource);
    expect(source.name).toBe('rig/serial');
    expect((source as SeriesSource).channels).toEqual(['a', 'b']);
  });
});

if (runPtyTests) {
  let repeating: Pty | undefined;
  afterAll(async () => {
    await repeating?.close();
  });
  describeSourceContract('serial (pty writing a CSV line every 2 ms, windows of 2)', {
    running: async () => {
      repeating ??= await Pty.open('1.5,2.5,3.5');
      return createSource('rig', serialConfig(repeating.path, { window: windowOf(2) }));
    },
    failing: () => {
      const file = path.join(tempDir('serial'), 'plain-file');
      writeFileSync(file, '');
      return createSource('rig', serialConfig(file));
    },
  });
}
