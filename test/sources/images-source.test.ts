import { mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { firstValueFrom, take, tap, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImagesSourceConfig } from '../../src/config/types.js';
import type { Frame } from '../../src/core/frame.js';
import { EdgepipeError } from '../../src/runtime/errors.js';
import { createSource } from '../../src/sources/index.js';
import type { SourceContext } from '../../src/sources/types.js';
import { describeSourceContract } from './source-contract.js';
import { BMP_BYTES, VirtualClock, encodedImage, pause, record, removeTempDirs, runToEnd, tempDir, until } from './helpers.js';

const images = (p: string, options: Partial<ImagesSourceConfig> = {}, context: SourceContext = {}) =>
  createSource('cam', { kind: 'images', path: p, loop: false, fps: 0, watch: false, ...options }, context);
const names = (frames: Frame[]): string[] => frames.map((f) => path.relative(dir, String(f.meta.file)));
const fail = async (p: string, options: Partial<ImagesSourceConfig> = {}): Promise<EdgepipeError> => {
  const { error } = await runToEnd(images(p, options).frames());
  expect(error).toBeInstanceOf(EdgepipeError);
  return error as EdgepipeError;
};

let dir: string;
const content: Record<string, Buffer> = {};

beforeAll(async () => {
  dir = tempDir('images');
  content['b.jpg'] = await encodedImage('jpeg', [40, 190, 60]);
  content['a.png'] = await encodedImage('png');
  content['d.jpeg'] = await encodedImage('jpeg', [40, 60, 200]);
  content['c.WEBP'] = await encodedImage('webp');
  for (const [name, bytes] of Object.entries(content)) writeFileSync(path.join(dir, name), bytes);
  writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
  writeFileSync(path.join(dir, '.partial.png'), content['a.png']!);
  writeFileSync(path.join(dir, 'old.bmp'), BMP_BYTES);
  mkdirSync(path.join(dir, 'sub', 'deeper'), { recursive: true });
  writeFileSync(path.join(dir, 'sub', 'e.png'), content['a.png']!);
  writeFileSync(path.join(dir, 'sub', 'deeper', 'f.png'), content['a.png']!);
});

afterAll(removeTempDirs);

describeSourceContract('images (directory, loop)', {
  running: () => images(dir, { loop: true }, { warn: () => undefined }),
  failing: () => images(path.join(tempDir('images-missing'), 'nope')),
});

describeSourceContract('images (watched directory, loop)', {
  running: () => images(dir, { loop: true, watch: true }, { warn: () => undefined, settleMs: 20 }),
  failing: () => images(path.join(dir, 'a.png'), { watch: true }),
});

describe('images source: what it reads', () => {
  it('a directory: its .jpg/.jpeg/.png/.webp files sorted by name, skipping other files, dot-files and subfolders', async () => {
    const warnings: string[] = [];
    const { frames, error } = await runToEnd(images(dir, {}, { warn: (m) => warnings.push(m) }).frames());
    expect(error).toBeUndefined();
    expect(names(frames)).toEqual(['a.png', 'b.jpg', 'c.WEBP', 'd.jpeg']);
    expect(frames.map((f) => f.id)).toEqual([0, 1, 2, 3]);
    for (const frame of frames) {
      expect(frame.payload.kind).toBe('encoded');
      if (frame.payload.kind === 'encoded') expect(Buffer.from(frame.payload.bytes).equals(content[path.basename(String(frame.meta.file))]!)).toBe(true);
    }
    expect(warnings).toEqual([`source cam/images: ${dir}: 1 BMP file(s) left out (old.bmp): sharp cannot decode BMP; convert them to PNG`]);
  });

  it('a file: emitted once, then the stream completes', async () => {
    const { frames, error } = await runToEnd(images(path.join(dir, 'b.jpg')).frames());
    expect(error).toBeUndefined();
    expect(names(frames)).toEqual(['b.jpg']);
    expect(frames[0]!.meta).toEqual({ file: path.join(dir, 'b.jpg') });
  });

  it.each([
    ['**/*.png', ['a.png', 'sub/deeper/f.png', 'sub/e.png']],
    ['*/*.png', ['sub/e.png']],
    ['?.jp*g', ['b.jpg', 'd.jpeg']],
    ['sub/**', ['sub/deeper/f.png', 'sub/e.png']],
    ['*', ['a.png', 'b.jpg', 'c.WEBP', 'd.jpeg']],
  ])('a glob %s: matching images sorted by path', async (pattern, expected) => {
    const { frames, error } = await runToEnd(images(path.join(dir, pattern), {}, { warn: () => undefined }).frames());
    expect(error).toBeUndefined();
    expect(names(frames)).toEqual(expected);
  });

  it('loop: starts again from the first file after the last', async () => {
    const got = await firstValueFrom(images(dir, { loop: true }, { warn: () => undefined }).frames().pipe(take(9), toArray()));
    expect(names(got)).toEqual(['a.png', 'b.jpg', 'c.WEBP', 'd.jpeg', 'a.png', 'b.jpg', 'c.WEBP', 'd.jpeg', 'a.png']);
    expect(got.map((f) => f.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('reads lazily: a file is read only after the previous frame went out (nothing read ahead)', async () => {
    const lazy = tempDir('images-lazy');
    const file = (i: number): string => path.join(lazy, `f${String(i).padStart(3, '0')}.png`);
    for (let i = 0; i < 50; i++) writeFileSync(file(i), content['a.png']!);
    // Deleting the other 49 files from inside the first frame's handler leaves the source nothing it had read.
    const seen: string[] = [];
    const { error } = await new Promise<{ error: unknown }>((resolve) => {
      images(lazy).frames().subscribe({
        next: (frame) => {
          if (seen.length === 0) for (let i = 1; i < 50; i++) unlinkSync(file(i));
          seen.push(String(frame.meta.file));
        },
        error: (e: unknown) => resolve({ error: e }),
        complete: () => resolve({ error: undefined }),
      });
    });
    expect(error).toBeUndefined();
    expect(seen).toEqual([file(0)]);
  });

  it('a file that vanished between listing and reading is skipped', async () => {
    const d = tempDir('images-vanish');
    for (const n of ['a.png', 'b.png', 'c.png']) writeFileSync(path.join(d, n), content['a.png']!);
    const got = await firstValueFrom(
      images(d).frames().pipe(
        tap((frame) => {
          if (frame.id === 0) rmSync(path.join(d, 'b.png'));
        }),
        toArray(),
      ),
    );
    expect(names(got).map((n) => path.basename(n))).toEqual(['a.png', 'c.png']);
    expect(got.map((f) => f.id)).toEqual([0, 1]);
  });
});

describe('images source: errors and unsupported files', () => {
  it('a missing path is named', async () => {
    const missing = path.join(dir, 'no-such-dir');
    const error = await fail(missing);
    expect(error.message).toBe(`source cam/images: ${missing}: no such file or directory`);
    expect(error.code).toBe('ERR_SOURCE_NOT_FOUND');
    expect(error.exitCode).toBe(2);
  });

  it('a glob whose directory is missing is named', async () => {
    const pattern = path.join(dir, 'nowhere', '*.jpg');
    const error = await fail(pattern);
    expect(error.message).toBe(`source cam/images: ${pattern}: ${path.join(dir, 'nowhere')}: no such file or directory`);
  });

  it('a glob matching nothing, and an empty directory, are errors', async () => {
    expect((await fail(path.join(dir, '*.gif'))).message).toBe(`source cam/images: no .jpg, .jpeg, .png or .webp files match ${path.join(dir, '*.gif')}`);
    const empty = tempDir('images-empty');
    const error = await fail(empty);
    expect(error.message).toBe(`source cam/images: no .jpg, .jpeg, .png or .webp files in ${empty}`);
    expect(error.code).toBe('ERR_SOURCE_EMPTY');
  });

  it('BMP is reported as unsupported: a BMP file, a folder of only BMPs, a BMP under another name', async () => {
    const bmp = path.join(dir, 'old.bmp');
    const error = await fail(bmp);
    expect(error.message).toBe(`source cam/images: ${bmp}: BMP images are not supported (sharp cannot decode BMP); convert it to PNG`);
    expect(error.code).toBe('ERR_SOURCE_UNSUPPORTED');

    const onlyBmp = tempDir('images-bmp');
    writeFileSync(path.join(onlyBmp, 'x.bmp'), BMP_BYTES);
    expect((await fail(onlyBmp)).message).toBe(
      `source cam/images: ${onlyBmp}: 1 BMP file(s) left out (x.bmp): sharp cannot decode BMP; convert them to PNG`,
    );

    const disguised = tempDir('images-disguised');
    writeFileSync(path.join(disguised, 'a.png'), BMP_BYTES);
    writeFileSync(path.join(disguised, 'b.png'), content['a.png']!);
    const warnings: string[] = [];
    const { frames } = await runToEnd(images(disguised, {}, { warn: (m) => warnings.push(m) }).frames());
    expect(frames.map((f) => path.basename(String(f.meta.file)))).toEqual(['b.png']);
    expect(warnings).toEqual([
      `source cam/images: skipped ${path.join(disguised, 'a.png')}: BMP images are not supported (sharp cannot decode BMP); convert it to PNG`,
    ]);
  });

  it('watch needs a directory (not a file, not a glob)', async () => {
    for (const p of [path.join(dir, 'a.png'), path.join(dir, '*.png')]) {
      const error = await fail(p, { watch: true });
      expect(error.message).toBe(`source cam/images: watch needs a directory, and ${p} is not one`);
      expect(error.code).toBe('ERR_SOURCE_INVALID');
    }
  });

  it('a negative fps is refused', async () => {
    expect((await fail(dir, { fps: -1 })).message).toBe('source cam/images: fps must be a number >= 0, got -1');
  });
});

describe('images source: pacing on a virtual clock', () => {
  it('fps 10: frames leave at 0, 100, 200 ... ms; missed slots are skipped, not burst', async () => {
    const clock = new VirtualClock();
    const state = record(images(dir, { loop: true, fps: 10 }, { clock, warn: () => undefined }).frames());
    try {
      await until(() => state.frames.length === 1 && clock.sleeping === 1, 30_000, 'the first frame');
      for (let i = 1; i <= 5; i++) {
        clock.advance(99);
        await pause(30);
        expect(state.frames.length).toBe(i); // not yet due
        clock.advance(1);
        await until(() => state.frames.length === i + 1 && clock.sleeping === 1, 30_000, `frame ${i}`);
      }
      clock.advance(350); // the read loop stalled for 3.5 periods
      await until(() => state.frames.length === 7 && clock.sleeping === 1, 30_000, 'the late frame');
      clock.advance(50);
      await until(() => state.frames.length === 8 && clock.sleeping === 1, 30_000, 'the frame after it');
      expect(state.frames.map((f) => f.capturedMonoMs)).toEqual([0, 100, 200, 300, 400, 500, 850, 900]);
      expect(state.frames[0]!.capturedWallMs).toBe(clock.wallNow() - 900);
    } finally {
      state.subscription.unsubscribe();
    }
  });
});

describe('images source: watch', () => {
  const settleMs = 40;

  it('emits the existing files, then files written or renamed into place later', async () => {
    const d = tempDir('images-watch');
    writeFileSync(path.join(d, 'a.png'), content['a.png']!);
    const state = record(images(d, { watch: true }, { settleMs, warn: () => undefined }).frames());
    try {
      await until(() => state.frames.length === 1, 30_000, 'the existing file');
      writeFileSync(path.join(d, 'b.jpg'), content['b.jpg']!);
      await until(() => state.frames.length === 2, 30_000, 'the new file');
      // Written under a dot-name (ignored), then renamed into place.
      writeFileSync(path.join(d, '.c.png.tmp'), content['a.png']!);
      renameSync(path.join(d, '.c.png.tmp'), path.join(d, 'c.png'));
      await until(() => state.frames.length === 3, 30_000, 'the renamed file');
      writeFileSync(path.join(d, 'notes.txt'), 'ignored');
      writeFileSync(path.join(d, 'x.bmp'), BMP_BYTES);
      await pause(settleMs * 5);
      expect(state.frames.map((f) => path.basename(String(f.meta.file)))).toEqual(['a.png', 'b.jpg', 'c.png']);
      expect(state.frames.map((f) => f.id)).toEqual([0, 1, 2]);
      expect(state.done).toBe(false);
    } finally {
      state.subscription.unsubscribe();
    }
  });

  it('a file still being written is emitted once, whole, after its size stopped changing', async () => {
    // The settle time must outlast every pause of the writer below (10 ms, longer when the machine is loaded).
    const settleMs = 1000;
    const d = tempDir('images-slow');
    writeFileSync(path.join(d, 'a.png'), content['a.png']!);
    const state = record(images(d, { watch: true }, { settleMs, warn: () => undefined }).frames());
    try {
      const bytes = await encodedImage('png', [10, 20, 30], 64);
      // Files already there when the source starts are taken as complete (they are listed, not watched): wait
      // until the listing is done (its one file emitted), or it could list the half-written file.
      await until(() => state.frames.length === 1, 30_000, 'the listed file');
      const handle = await open(path.join(d, 'slow.png'), 'w');
      const chunk = Math.ceil(bytes.length / 8);
      let widestGap = 0;
      let lastWrite = performance.now();
      for (let offset = 0; offset < bytes.length; offset += chunk) {
        await handle.write(bytes.subarray(offset, offset + chunk));
        widestGap = Math.max(widestGap, performance.now() - lastWrite);
        lastWrite = performance.now();
        await pause(10);
      }
      await handle.close();
      expect(widestGap, 'the writer paused longer than the settle time: the machine is too loaded for this test').toBeLessThan(settleMs);
      await until(() => state.frames.length === 2, 30_000, 'the file');
      // No second emission of the same file (a pause only gives one the chance to show).
      await pause(2 * settleMs + 200);
      expect(state.frames.map((f) => path.basename(String(f.meta.file)))).toEqual(['a.png', 'slow.png']);
      const image = state.frames[1]!.payload;
      expect(image.kind === 'encoded' && Buffer.from(image.bytes).equals(bytes)).toBe(true);
    } finally {
      state.subscription.unsubscribe();
    }
  });

  it('a file rewritten after it was read is emitted again; an untouched one is not', async () => {
    const d = tempDir('images-rewrite');
    writeFileSync(path.join(d, 'snap.jpg'), content['b.jpg']!);
    const state = record(images(d, { watch: true }, { settleMs, warn: () => undefined }).frames());
    try {
      await until(() => state.frames.length === 1, 30_000, 'the existing file');
      writeFileSync(path.join(d, 'snap.next'), content['d.jpeg']!);
      renameSync(path.join(d, 'snap.next'), path.join(d, 'snap.jpg'));
      await until(() => state.frames.length === 2, 30_000, 'the replaced file');
      readFileSync(path.join(d, 'snap.jpg'));
      await pause(settleMs * 5);
      expect(state.frames.length).toBe(2);
      const image = state.frames[1]!.payload;
      expect(image.kind === 'encoded' && Buffer.from(image.bytes).equals(content['d.jpeg']!)).toBe(true);
    } finally {
      state.subscription.unsubscribe();
    }
  });

  it('the watched directory being removed ends the stream with an error naming it (the engine restarts it)', async () => {
    const d = tempDir('images-removed');
    writeFileSync(path.join(d, 'a.png'), content['a.png']!);
    const state = record(images(d, { watch: true }, { settleMs }).frames());
    try {
      await until(() => state.frames.length === 1, 30_000, 'the existing file');
      rmSync(d, { recursive: true });
      await until(() => state.done, 30_000, 'the error');
      expect((state.error as EdgepipeError).message).toBe(`source cam/images: watching ${d}: the directory was removed or replaced`);
      expect((state.error as EdgepipeError).code).toBe('ERR_SOURCE_WATCH');
    } finally {
      state.subscription.unsubscribe();
    }
  });

  it('an empty watched directory waits instead of failing', async () => {
    const d = tempDir('images-wait');
    const state = record(images(d, { watch: true }, { settleMs }).frames());
    try {
      await pause(100);
      expect(state.done).toBe(false);
      writeFileSync(path.join(d, 'first.webp'), content['c.WEBP']!);
      await until(() => state.frames.length === 1, 30_000, 'the first file');
    } finally {
      state.subscription.unsubscribe();
    }
  });
});
