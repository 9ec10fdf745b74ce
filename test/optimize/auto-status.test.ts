/** The `optimize` status of model.optimize: auto on the MQTT stats topic (snake_case, stats.schema.json) and in /status. */
import { describe, expect, it } from 'vitest';
import type { OptimizeStatus, StatsReport } from '../../src/core/stats-report.js';
import { totalsOf } from '../../src/service/metrics.js';
import { snapshotOf } from '../../src/service/prometheus.js';
import { statsPayload } from '../../src/sinks/mqtt/messages.js';
import { schemaErrors } from '../sinks/mqtt-fixtures.js';

const latency = { p50: 0, p99: 0 };
const optimize: OptimizeStatus = {
  state: 'optimised',
  cache: 'hit',
  before: { delegate: 'cpu', nodes: 0, totalNodes: 66 },
  after: { delegate: 'xnnpack', nodes: 63, totalNodes: 68 },
  agreement: 1,
  agreementDetails: '8 of 8 inputs with the same top-1 class',
  inputs: 8,
  inputSource: 'frames',
  invokeMs: { before: 36.1, after: 5.2 },
};
const report: StatsReport = {
  pipeline: 'door', state: 'running', intervalS: 1, framesIn: 10, framesOut: 10, fpsIn: 1, fpsOut: 1, drops: {},
  latencyMs: { queue: latency, preprocess: latency, wait: latency, infer: latency, postprocess: latency, total: latency },
  delegate: 'xnnpack', failovers: 0, optimize,
};

describe('the optimize status', () => {
  it('is `optimize` on the MQTT stats topic, snake_case, valid against stats.schema.json', () => {
    const payload = statsPayload(report, 'cam1', 1_700_000_000_000);
    expect(JSON.parse(payload).optimize).toEqual({
      state: 'optimised', cache: 'hit',
      before: { delegate: 'cpu', nodes: 0, total_nodes: 66 }, after: { delegate: 'xnnpack', nodes: 63, total_nodes: 68 },
      agreement: 1, agreement_details: '8 of 8 inputs with the same top-1 class', inputs: 8, input_source: 'frames',
      invoke_ms: { before: 36.1, after: 5.2 },
    });
    expect(schemaErrors('stats', payload)).toEqual([]);
    const kept = statsPayload({ ...report, optimize: { state: 'original', cache: 'miss', reason: 'cannot convert: ...' } }, 'cam1', 1_700_000_000_000);
    expect(schemaErrors('stats', kept)).toEqual([]);
  });

  it('is in the pipeline\'s /status snapshot', () => {
    const snapshot = snapshotOf({ name: 'door', state: 'running', delegate: 'xnnpack', attempts: 1 }, totalsOf(report), report);
    expect(snapshot.optimize).toEqual(optimize);
  });
});
