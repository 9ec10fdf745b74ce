/** The stage runner's decorate hook: an event a stage emits passes the decorate hooks of the stages after it only, in order. */
import { describe, expect, it } from 'vitest';
import type { TrackEvent } from '../../src/core/events.js';
import { memoryLogger } from '../../src/core/log.js';
import { StageRunner } from '../../src/pipeline/stage-runner.js';
import type { Stage, StageContext } from '../../src/stages/types.js';

const start: TrackEvent = { type: 'track_start', pipeline: 'door', trackId: 1, label: 'car', score: 0.9, atMs: 0, firstSeenMs: 0 };

describe('stage runner: decorate', () => {
  it('passes each emitted event through the later stages\' decorate hooks, in order, never the emitter\'s own or earlier ones', async () => {
    const contexts: Record<string, StageContext> = {};
    const stage = (name: string): Stage => ({
      name,
      start: (ctx) => void (contexts[name] = ctx),
      decorate: (event) => ({ ...event, label: `${event.label}+${name}` }),
    });
    const sent: TrackEvent[] = [];
    const runner = new StageRunner([stage('a'), stage('b'), stage('c')], {
      pipeline: 'door',
      logger: memoryLogger(),
      emit: (event) => void sent.push(event),
      counts: () => undefined,
      drop: () => undefined,
      warn: () => undefined,
    });
    await runner.start();
    contexts['a']!.emit(start);
    contexts['b']!.emit(start);
    contexts['c']!.emit(start);
    expect(sent.map((e) => e.label)).toEqual(['car+b+c', 'car+c', 'car']);
    // Without openModel in the options, stages cannot open second models.
    expect(contexts['a']!.openModel).toBeUndefined();
    await runner.stop();
  });
});
