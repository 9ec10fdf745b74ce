import { describe, expect, it } from 'vitest';
import { Playlist } from '../../src/sources/playlist.js';

const drain = (playlist: Playlist, max = 20): string[] => {
  const out: string[] = [];
  while (out.length < max) {
    const f = playlist.next();
    if (f === undefined) break;
    playlist.markRead(f, `sig-${f}`);
    out.push(f);
  }
  return out;
};

describe('Playlist', () => {
  it('queue: each file once; a settled file joins once; a re-notification with the same signature is ignored', () => {
    const playlist = new Playlist(['a', 'b'], false);
    expect(drain(playlist)).toEqual(['a', 'b']);
    expect(playlist.offer('c', 'sig-c')).toBe(true);
    expect(playlist.offer('c', 'sig-c')).toBe(false); // already waiting
    expect(drain(playlist)).toEqual(['c']);
    expect(playlist.offer('a', 'sig-a')).toBe(false); // read as it is
    expect(playlist.offer('a', 'rewritten')).toBe(true);
    expect(drain(playlist)).toEqual(['a']);
  });

  it('a file that is gone and comes back is read again', () => {
    const playlist = new Playlist(['a'], false);
    drain(playlist);
    playlist.remove('a');
    expect(playlist.offer('a', 'sig-a')).toBe(true);
  });

  it('loop: cycles, new files join the cycle, removed ones leave it', () => {
    const playlist = new Playlist(['a', 'b', 'c'], true);
    expect(drain(playlist, 4)).toEqual(['a', 'b', 'c', 'a']);
    playlist.offer('d', 'x');
    playlist.remove('a');
    expect(drain(playlist, 5)).toEqual(['b', 'c', 'd', 'b', 'c']);
  });

  it('loop: a whole cycle with nothing readable ends it (undefined) until something changes', () => {
    const playlist = new Playlist(['a', 'b'], true);
    expect([playlist.next(), playlist.next(), playlist.next()]).toEqual(['a', 'b', undefined]);
    playlist.offer('a', 'now readable');
    expect(playlist.next()).toBe('a');
  });

  it('waitForMore resolves on an offer, and on abort', async () => {
    const playlist = new Playlist([], false);
    const waiting = playlist.waitForMore(new AbortController().signal);
    playlist.offer('x', 's');
    await waiting;
    const abort = new AbortController();
    const aborted = playlist.waitForMore(abort.signal);
    abort.abort();
    await aborted;
  });
});
