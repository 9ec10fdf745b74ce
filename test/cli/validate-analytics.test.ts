/**
 * edgepipe validate on detector pipelines with track, zones and lines: what the tracker and zones will see (frame
 * size from the config, the first image or ffprobe of a video file; the classes after track.classes), and the
 * class names of zones and lines checked against the model's labels, with pixel points checked against a frame
 * size found from the files, each at file:line:col.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeYoloLayoutModel } from '../helpers/image-models.js';
import { runFfmpegTests } from '../sources/camera-helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-validate-analytics-'));
const model = writeYoloLayoutModel(dir, 'yolo.tflite', 3, 8);
const labels = path.join(dir, 'labels.txt');
writeFileSync(labels, 'person\nbicycle\ncar\n');
const images = path.join(dir, 'frames');

function write(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const detector = [`    model: { file: "${model}", labels: "${labels}" }`, '    postprocess: { kind: detect-yolo, objectness: false }'];

beforeAll(async () => {
  mkdirSync(images);
  // Sorted by name: a.png comes first and gives the size.
  await sharp({ create: { width: 320, height: 200, channels: 3, background: '#404040' } }).png().toFile(path.join(images, 'a.png'));
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#404040' } }).png().toFile(path.join(images, 'b.png'));
});

describe('edgepipe validate: what the tracker and zones will see', () => {
  it('an images source: the first image\'s size and the classes of track.classes', async () => {
    const file = write('door.yaml', [
      'version: 1',
      'pipelines:',
      '  - name: door',
      `    source: { kind: images, path: "${images}" }`,
      ...detector,
      '    track: { classes: [person, "2"] }',
      '    zones: [ { name: porch, points: [[0, 100], [320, 100], [320, 200]] } ]',
      '    sinks: [ { kind: stdout } ]',
    ]);
    const result = await runCli(['validate', file]);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')).toEqual([
      'pipeline door: the tracker and zones see 320x200 frames (the first image, a.png)',
      "pipeline door: classes tracked: person, car (track.classes; the model has 3 labels)",
      'ok: 1 pipeline(s) in 1 file(s)',
      '',
    ]);
    expect(result.code).toBe(0);
  });

  it('a camera device: the size is not known before it runs; every class of the model', async () => {
    const file = write('gate.yaml', [
      'version: 1',
      'pipelines:',
      '  - name: gate',
      '    source: { kind: camera, input: /dev/video7 }',
      ...detector,
      '    track: {}',
      '    lines: [ { name: kerb, points: [[0, 100], [300, 100]] } ]',
      '    sinks: [ { kind: stdout } ]',
    ]);
    const result = await runCli(['validate', file]);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      'pipeline gate: the tracker and lines see frames of the size the source delivers, not known before it runs (give source width and height to check pixel zones against it)',
      'pipeline gate: classes tracked: every class of the model, 3 labels: person, bicycle, car',
    ]);
  });

  it.skipIf(!runFfmpegTests)('a video file: its size from ffprobe', async () => {
    const video = path.join(dir, 'clip.mp4');
    const ffmpeg = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=176x144:rate=5', '-frames:v', '3', '-pix_fmt', 'yuv420p', video]);
    expect(ffmpeg.status, ffmpeg.stderr.toString()).toBe(0);
    const file = write('clip.yaml', [
      'version: 1',
      'pipelines:',
      '  - name: clip',
      `    source: { kind: camera, input: "${video}" }`,
      ...detector,
      '    track: { classes: [car] }',
      '    sinks: [ { kind: stdout } ]',
    ]);
    const result = await runCli(['validate', file]);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      'pipeline clip: the tracker sees 176x144 frames (ffprobe of clip.mp4)',
      'pipeline clip: classes tracked: car (track.classes; the model has 3 labels)',
    ]);
    expect(result.code).toBe(0);
  });
});

describe('edgepipe validate: zone and line classes and points against the model and the frame', () => {
  it('names each unknown class at its position with a did-you-mean, and pixel points beyond the first image', async () => {
    const file = write('bad.yaml', [
      'version: 1',
      'pipelines:',
      '  - name: yard',
      `    source: { kind: images, path: "${images}" }`,
      ...detector,
      '    track: {}',
      '    zones:',
      '      - { name: porch, points: [[0, 100], [330, 100], [320, 200]], classes: [persn] }',
      '    lines:',
      '      - { name: gate, points: [[0, 50], [320, 50]], classes: [car, truck] }',
      '    sinks: [ { kind: stdout } ]',
    ]);
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n').filter((line) => line.startsWith(dir))).toEqual([
      `${file}:9:78: pipeline yard: zones[0].classes[0]: "persn" is not a label of ${model}; did you mean "person"?`,
      `${file}:11:68: pipeline yard: lines[0].classes[1]: "truck" is not a label of ${model}`,
      `${file}:9:43: pipeline yard: zones[0].points[1]: [330, 100] is outside the frame; expected pixels with x 0..320, y 0..200 (the 320x200 frame, the first image, a.png)`,
    ]);
  });
});
