import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../src/core/frame.js';
import { predictionLine, predictionRecord, roundSignificant, roundTo } from '../../src/sinks/json-lines.js';
import { prediction } from './helpers.js';

describe('JSON lines for predictions', () => {
  it('one line, keys in a fixed order, ISO time and epoch ms, rounded numbers (golden)', () => {
    expect(predictionLine(prediction(7, { meta: { z: 1, file: '/data/7.jpg' } }))).toBe(
      '{"time":"2025-01-02T03:04:05.678Z","time_ms":1735787045678,"pipeline":"door","source":"door/images","frame_id":7,' +
        `"delegate":"xnnpack","model":{"file":"/models/colours.tflite","sha256":"${'ab'.repeat(32)}"},` +
        '"latency_ms":{"queue":0.123,"preprocess":1.5,"wait":0,"infer":12.346,"postprocess":0,"total":14},' +
        '"meta":{"file":"/data/7.jpg","z":1},"result":{"kind":"classify","classes":[{"index":2,"label":"blue","score":0.987654}]}}\n',
    );
  });

  it('detect, pose, segment and scalar results keep their own key order and rounding', () => {
    const line = (result: Prediction['result']): unknown => predictionRecord(prediction(1, { result })).result;
    expect(
      JSON.stringify(line({ kind: 'detect', objects: [{ index: 0, score: 0.5000004, box: { x: 1.234, y: 2.345, width: 10.005, height: 20 } }] })),
    ).toBe('{"kind":"detect","objects":[{"index":0,"score":0.5,"box":{"x":1.23,"y":2.35,"width":10.01,"height":20}}]}');
    expect(JSON.stringify(line({ kind: 'pose', keypoints: [{ name: 'nose', x: 3.14159, y: 2.71828, score: 0.1234567, visible: true }] }))).toBe(
      '{"kind":"pose","keypoints":[{"name":"nose","x":3.14,"y":2.72,"score":0.123457,"visible":true}]}',
    );
    expect(JSON.stringify(line({ kind: 'segment', classes: [{ index: 1, label: 'road', score: 0.9, fraction: 0.33333333 }], mask: '/m/1.png' }))).toBe(
      '{"kind":"segment","classes":[{"index":1,"label":"road","score":0.9,"fraction":0.333333}],"mask":"/m/1.png"}',
    );
    expect(JSON.stringify(line({ kind: 'scalar', value: 123456.789, anomaly: false }))).toBe('{"kind":"scalar","value":123457,"anomaly":false}');
  });

  it('rounding: no -0, non-finite becomes null, a missing capture time does not throw', () => {
    expect(Object.is(roundTo(-0.0000001, 3), 0)).toBe(true);
    expect(roundTo(Number.NaN, 3)).toBeNull();
    expect(roundSignificant(0.000123456789, 6)).toBe(0.000123457);
    const record = predictionRecord(prediction(1, { capturedWallMs: Number.NaN }));
    expect(record).toMatchObject({ time: null, time_ms: null });
  });
});
