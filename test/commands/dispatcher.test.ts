/** The dispatcher against a real running Pipeline: every payload answered, the pipeline controlled, nothing thrown. */
import { afterEach, describe, expect, it } from 'vitest';
import { CommandDispatcher } from '../../src/commands/dispatcher.js';
import type { CommandResponse } from '../../src/commands/protocol.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import { startPipeline, until } from './running-pipeline.js';

const running: Pipeline[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

async function started(...args: Parameters<typeof startPipeline>): ReturnType<typeof startPipeline> {
  const run = await startPipeline(...args);
  running.push(run.pipeline);
  return run;
}

const send = (dispatcher: CommandDispatcher, body: unknown): Promise<CommandResponse> => dispatcher.handle(JSON.stringify(body));

describe('CommandDispatcher on a real pipeline', () => {
  it('pause stops predictions at once and counts frames as paused drops; resume continues them', async () => {
    const { pipeline, predictions } = await started('pausing');
    const dispatcher = new CommandDispatcher(pipeline.control, { maxPerSecond: 100 });
    await until('first predictions', () => predictions.length >= 3);

    const paused = await send(dispatcher, { id: 'p1', command: 'pause' });
    expect(paused).toEqual({
      schema: 'edgepipe.command-response/1',
      id: 'p1',
      command: 'pause',
      ok: true,
      state: { pipeline: 'pausing', state: 'running', paused: true, threshold: { kind: 'score', value: 0 } },
    });
    const atPause = predictions.length;
    await until('10 paused drops', () => (pipeline.report().drops.paused ?? 0) >= 10);
    expect(predictions.length).toBe(atPause);
    expect(pipeline.report()).toMatchObject({ state: 'running', paused: true });
    expect((await send(dispatcher, { command: 'pause' })).ok).toBe(true);

    const resumed = await send(dispatcher, { command: 'resume' });
    expect(resumed).toMatchObject({ id: null, ok: true, state: { paused: false } });
    await until('predictions after resume', () => predictions.length >= atPause + 3);
    expect(pipeline.report().paused).toBeUndefined();
    expect(dispatcher.stats()).toEqual({ received: 3, ok: 3, invalid: 0, rateLimited: 0, failed: 0 });
  });

  it('set_threshold changes the results of the next frames and reports the threshold in force', async () => {
    const { pipeline, predictions } = await started('threshold');
    const dispatcher = new CommandDispatcher(pipeline.control, { maxPerSecond: 100 });
    await until('first predictions', () => predictions.length >= 2);
    expect(predictions.every((p) => p.result.kind === 'classify' && p.result.classes.length === 1)).toBe(true);

    const raised = await send(dispatcher, { id: 't', command: 'set_threshold', value: 1 });
    expect(raised).toMatchObject({ ok: true, state: { threshold: { kind: 'score', value: 1 } } });
    const at = predictions.length;
    await until('predictions after the change', () => predictions.length >= at + 5);
    expect(predictions.slice(at).every((p) => p.result.kind === 'classify' && p.result.classes.length === 0)).toBe(true);

    const wrongKind = await send(dispatcher, { id: 'b', command: 'set_threshold', below: 0.2 });
    expect(wrongKind).toEqual({
      schema: 'edgepipe.command-response/1',
      id: 'b',
      command: 'set_threshold',
      ok: false,
      error: { code: 'not_applicable', message: 'set_threshold: postprocess.kind classify has a score threshold: expected "value" (0 to 1), not "below"/"above"' },
    });
    expect((await send(dispatcher, { command: 'set_threshold', value: 0 })).ok).toBe(true);
    const back = predictions.length;
    await until('classes again', () => predictions.length >= back + 3);
    expect(predictions.at(-1)?.result).toMatchObject({ kind: 'classify', classes: [{ label: expect.any(String) }] });
  });

  it('answers malformed, unknown and ill-typed commands with precise errors and the pipeline keeps running', async () => {
    const { pipeline, predictions } = await started('errors');
    const dispatcher = new CommandDispatcher(pipeline.control, { maxPerSecond: 100 });
    const answers = await Promise.all([
      dispatcher.handle('{"command": pause}'),
      dispatcher.handle('{"id":"u","command":"pasue"}'),
      dispatcher.handle('{"command":"set_threshold","value":"high"}'),
      dispatcher.handle(Buffer.alloc(20_000, 0x20)),
      dispatcher.handle('[]'),
    ]);
    expect(answers.map((a) => [a.ok, a.error?.code])).toEqual([
      [false, 'invalid_json'],
      [false, 'unknown_command'],
      [false, 'invalid_argument'],
      [false, 'too_large'],
      [false, 'invalid_request'],
    ]);
    expect(answers[1]).toMatchObject({ id: 'u', command: 'pasue', error: { message: 'Unknown command "pasue": did you mean "pause"? Expected one of pause, resume, reload, snapshot, set_threshold' } });
    expect(answers[2]?.error?.message).toBe('Expected a number from 0 to 1 for value but received "high"');
    const at = predictions.length;
    await until('predictions after the errors', () => predictions.length >= at + 3);
    expect(pipeline.state).toBe('running');
    expect(dispatcher.stats()).toMatchObject({ received: 5, invalid: 5, ok: 0 });
  });

  it('snapshot is unavailable without a renderer and runs it when the control has one (the MQTT sink adds it)', async () => {
    const { pipeline } = await started('snap');
    const dispatcher = new CommandDispatcher(pipeline.control, { maxPerSecond: 100 });
    expect(await send(dispatcher, { id: 's', command: 'snapshot' })).toMatchObject({
      ok: false,
      error: { code: 'unavailable', message: 'snapshot: no snapshot renderer is configured for this pipeline' },
    });
    let calls = 0;
    const withSnapshots = new CommandDispatcher(
      {
        ...pipeline.control,
        snapshot: async () => {
          calls += 1;
          return { ok: true, message: 'published 1234 bytes' };
        },
      },
      { maxPerSecond: 100 },
    );
    expect(await send(withSnapshots, { id: 's2', command: 'snapshot' })).toMatchObject({ id: 's2', ok: true, message: 'published 1234 bytes' });
    expect(calls).toBe(1);
  });

  it('reload runs the reload hook once at a time and reports its outcome', async () => {
    const outcomes = [
      { ok: true, message: 'reloaded: 1 changed, 0 added, 0 removed, 0 unchanged' },
      { ok: false, message: 'reload refused (1 problem in the configuration), pipelines unchanged; first: a.yaml:3:5: pipelines[0].every: expected an integer' },
    ];
    let calls = 0;
    let release: () => void = () => undefined;
    const requestReload = async (): Promise<{ ok: boolean; message: string }> => {
      calls += 1;
      if (calls === 3) await new Promise<void>((resolve) => (release = resolve));
      if (calls === 4) throw new Error('boom');
      return outcomes[(calls - 1) % 2]!;
    };
    const { pipeline } = await started('reloading', 100, { requestReload });
    const dispatcher = new CommandDispatcher(pipeline.control, { maxPerSecond: 100 });
    expect(await send(dispatcher, { id: 'r1', command: 'reload' })).toMatchObject({ id: 'r1', ok: true, message: outcomes[0]!.message, state: { pipeline: 'reloading' } });
    expect(await send(dispatcher, { id: 'r2', command: 'reload' })).toMatchObject({ id: 'r2', ok: false, error: { code: 'failed', message: `reload: ${outcomes[1]!.message}` } });
    const slow = send(dispatcher, { id: 'r3', command: 'reload' });
    expect(await send(dispatcher, { id: 'r4', command: 'reload' })).toMatchObject({ id: 'r4', ok: false, error: { code: 'busy' } });
    release();
    expect((await slow).ok).toBe(true);
    expect(await send(dispatcher, { id: 'r5', command: 'reload' })).toMatchObject({ ok: false, error: { code: 'internal', message: 'reload failed: boom' } });
    expect(calls).toBe(4);

    const { pipeline: plain } = await started('no-reload');
    expect(await send(new CommandDispatcher(plain.control, { maxPerSecond: 1 }), { command: 'reload' })).toMatchObject({
      ok: false,
      error: { code: 'unavailable', message: 'reload: this process cannot reload its configuration (only `edgepipe run` can)' },
    });
  });

  it('refuses commands over the rate, counts them, and accepts again as the bucket refills', async () => {
    const { pipeline } = await started('limited');
    let now = 0;
    const dispatcher = new CommandDispatcher(pipeline.control, { maxPerSecond: 3, now: () => now });
    const burst = await Promise.all(Array.from({ length: 5 }, (_, i) => send(dispatcher, { id: `b${i}`, command: 'resume' })));
    expect(burst.map((r) => r.ok)).toEqual([true, true, true, false, false]);
    expect(burst[3]).toEqual({
      schema: 'edgepipe.command-response/1',
      id: null,
      command: null,
      ok: false,
      error: { code: 'rate_limited', message: 'Expected at most 3 commands per second; this one was refused' },
    });
    now += 340;
    expect((await send(dispatcher, { command: 'resume' })).ok).toBe(true);
    expect((await send(dispatcher, { command: 'resume' })).ok).toBe(false);
    now += 1000;
    expect((await send(dispatcher, { command: 'resume' })).ok).toBe(true);
    expect(dispatcher.stats()).toEqual({ received: 8, ok: 5, invalid: 0, rateLimited: 3, failed: 0 });
    expect(() => new CommandDispatcher(pipeline.control, { maxPerSecond: 0 })).toThrow('Expected an integer from 1 to 1000 for max_per_second but received 0');
  });

  it('refuses pause and set_threshold on a stopped pipeline', async () => {
    const { pipeline } = await started('stopped');
    await pipeline.stop();
    const answer = await send(new CommandDispatcher(pipeline.control, { maxPerSecond: 5 }), { command: 'pause' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'not_running', message: 'pause: pipeline stopped is stopped' } });
    const threshold = await send(new CommandDispatcher(pipeline.control, { maxPerSecond: 5 }), { command: 'set_threshold', value: 0.5 });
    expect(threshold).toMatchObject({ ok: false, error: { code: 'not_running', message: 'set_threshold: pipeline stopped is stopped' } });
  });
});
