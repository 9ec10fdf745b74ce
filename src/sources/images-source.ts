/**
 * The `images` source: still images from a file, a directory or a glob, as encoded bytes (decoding is the
 * preprocessor's job). One file is read at a time, only when the previous frame has been emitted, so a directory
 * of 20,000 files costs one file of memory. With `fps` 0 it emits as fast as files can be read (yielding to the
 * event loop between frames); the engine's bounded buffer drops what inference cannot take.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Observable, type Subscriber } from 'rxjs';
import type { ImagesSourceConfig } from '../config/types.js';
import type { Frame } from '../core/frame.js';
import { EdgepipeError } from '../runtime/errors.js';
import { systemClock } from './clock.js';
import { DirectoryWatcher, type SettledFile } from './dir-watcher.js';
import { describeFsError, errnoCode, sourceError } from './errors.js';
import { bmpMessage, classifyFile, isCandidateName, listImages, type ImageListing } from './image-files.js';
import { hasGlobChars } from './glob.js';
import { FramePacer } from './pacer.js';
import { Playlist } from './playlist.js';
import { readImageFile } from './read-image.js';
import type { Clock, FrameSource, SourceContext } from './types.js';

/** Default quiet time before a watched file counts as written, ms. */
export const DEFAULT_SETTLE_MS = 200;

export const defaultWarn = (message: string): void => {
  process.stderr.write(`warn ${message}\n`);
};

export class ImagesSource implements FrameSource {
  readonly kind = 'images';
  readonly name: string;
  private readonly config: ImagesSourceConfig;
  private readonly clock: Clock;
  private readonly warn: (message: string) => void;
  private readonly settleMs: number;
  private readonly demand: (() => Promise<void>) | undefined;
  private readonly warned = new Set<string>();
  /** Ids continue across subscriptions of this instance: a restarted stream never repeats an id. */
  private nextId = 0;

  constructor(pipelineName: string, config: ImagesSourceConfig, context: SourceContext = {}) {
    this.name = `${pipelineName}/images`;
    this.config = config;
    this.clock = context.clock ?? systemClock;
    this.warn = context.warn ?? defaultWarn;
    this.settleMs = context.settleMs ?? DEFAULT_SETTLE_MS;
    this.demand = context.demand;
  }

  frames(): Observable<Frame> {
    return new Observable<Frame>((subscriber) => {
      const stop = new AbortController();
      let failure: Error | undefined;
      const fail = (error: Error): void => {
        failure ??= error;
        stop.abort();
      };
      this.run(subscriber, stop.signal, fail).then(
        () => {
          if (failure) subscriber.error(failure);
          else if (!stop.signal.aborted) subscriber.complete();
        },
        (error: unknown) => {
          if (!stop.signal.aborted || failure) subscriber.error(failure ?? this.asSourceError(error));
        },
      );
      return () => stop.abort();
    });
  }

  private asSourceError(error: unknown): Error {
    if (error instanceof EdgepipeError) return error;
    return sourceError(this.name, 'ERR_SOURCE_READ', `${path.resolve(this.config.path)}: ${describeFsError(error)}`, error);
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(`source ${this.name}: ${message}`);
  }

  private async run(subscriber: Subscriber<Frame>, signal: AbortSignal, fail: (error: Error) => void): Promise<void> {
    const { config, name } = this;
    if (!Number.isFinite(config.fps) || config.fps < 0) {
      throw sourceError(name, 'ERR_SOURCE_INVALID', `fps must be a number >= 0, got ${config.fps}`);
    }
    let playlist: Playlist | undefined;
    const early: SettledFile[] = [];
    const onSettled = (file: SettledFile): void => {
      if (playlist) this.offer(playlist, file);
      else early.push(file); // settled while the directory is still being listed
    };
    const onGone = (file: string): void => playlist?.remove(file);
    const watcher = config.watch ? await this.startWatcher(signal, fail, onSettled, onGone) : undefined;
    try {
      const listing = await listImages(name, config.path);
      if (signal.aborted) return;
      this.checkListing(listing);
      playlist = new Playlist(listing.files, config.loop);
      for (const file of early) this.offer(playlist, file);
      await this.emitAll(subscriber, signal, playlist, listing, watcher !== undefined);
    } finally {
      watcher?.close();
    }
  }

  /** Watching starts before the listing so that no file slips in between; duplicates are dropped by the playlist. */
  private async startWatcher(
    signal: AbortSignal,
    fail: (error: Error) => void,
    onSettled: (file: SettledFile) => void,
    onGone: (file: string) => void,
  ): Promise<DirectoryWatcher | undefined> {
    const directory = path.resolve(this.config.path);
    const info = await stat(directory).catch((error: unknown) => {
      if (hasGlobChars(this.config.path)) return undefined;
      throw sourceError(this.name, 'ERR_SOURCE_NOT_FOUND', `${directory}: ${describeFsError(error)}`, error);
    });
    if (!info?.isDirectory()) {
      throw sourceError(this.name, 'ERR_SOURCE_INVALID', `watch needs a directory, and ${directory} is not one`);
    }
    if (signal.aborted) return undefined;
    const watcher = new DirectoryWatcher(directory, {
      ino: info.ino,
      settleMs: this.settleMs,
      accept: (file) => isCandidateName(file) && classifyFile(file) !== 'other',
      onSettled,
      onGone,
      onError: (error) => {
        const detail = errnoCode(error) === 'ENOENT' ? 'the directory was removed or replaced' : describeFsError(error);
        fail(sourceError(this.name, 'ERR_SOURCE_WATCH', `watching ${directory}: ${detail}`, error));
      },
    });
    try {
      watcher.start();
    } catch (error) {
      throw sourceError(this.name, 'ERR_SOURCE_WATCH', `cannot watch ${directory}: ${describeFsError(error)}`, error);
    }
    // Closed at once on unsubscribe, not only when the read loop notices.
    signal.addEventListener('abort', () => watcher.close(), { once: true });
    return watcher;
  }

  private offer(playlist: Playlist, file: SettledFile): void {
    if (classifyFile(file.path) === 'bmp') this.warnOnce(`bmp:${file.path}`, bmpMessage([file.path]));
    else playlist.offer(file.path, file.signature);
  }

  private checkListing(listing: ImageListing): void {
    const where = path.resolve(this.config.path);
    if (listing.files.length === 0 && !this.config.watch) {
      if (listing.bmp.length > 0) throw sourceError(this.name, 'ERR_SOURCE_UNSUPPORTED', `${where}: ${bmpMessage(listing.bmp)}`);
      const what = listing.mode === 'glob' ? `no .jpg, .jpeg, .png or .webp files match ${where}` : `no .jpg, .jpeg, .png or .webp files in ${where}`;
      throw sourceError(this.name, 'ERR_SOURCE_EMPTY', what);
    }
    if (listing.bmp.length > 0) this.warnOnce(`bmp:${where}`, `${where}: ${bmpMessage(listing.bmp)}`);
  }

  private async emitAll(subscriber: Subscriber<Frame>, signal: AbortSignal, playlist: Playlist, listing: ImageListing, watching: boolean): Promise<void> {
    const where = path.resolve(this.config.path);
    const pacer = new FramePacer(this.config.fps, this.clock);
    let emitted = 0;
    while (!signal.aborted) {
      const file = playlist.next();
      if (file === undefined) {
        if (watching) {
          await playlist.waitForMore(signal);
          continue;
        }
        if (this.config.loop || emitted === 0) throw sourceError(this.name, 'ERR_SOURCE_EMPTY', `no readable images left in ${where}`);
        return;
      }
      if (this.config.fps === 0 && this.demand) await this.demand();
      if (signal.aborted) return;
      const read = await readImageFile(file, signal);
      if (signal.aborted) return;
      if (!read.ok) {
        if (listing.mode === 'file') {
          const code = read.reason === 'bmp' ? 'ERR_SOURCE_UNSUPPORTED' : read.reason === 'gone' ? 'ERR_SOURCE_NOT_FOUND' : 'ERR_SOURCE_READ';
          throw sourceError(this.name, code, read.detail);
        }
        if (read.reason === 'gone') playlist.remove(file);
        else this.warnOnce(`${read.reason}:${file}`, `skipped ${read.detail}`);
        continue;
      }
      playlist.markRead(file, read.signature);
      await pacer.wait(signal);
      if (signal.aborted) return;
      emitted += 1;
      subscriber.next({
        id: this.nextId++,
        source: this.name,
        capturedMonoMs: this.clock.now(),
        capturedWallMs: this.clock.wallNow(),
        payload: { kind: 'encoded', bytes: read.bytes },
        meta: { file },
      });
    }
  }
}
