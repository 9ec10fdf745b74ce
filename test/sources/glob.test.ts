import { describe, expect, it } from 'vitest';
import { compileGlob, hasGlobChars } from '../../src/sources/glob.js';

describe('glob matcher', () => {
  it('splits the static base from the wildcard part', () => {
    expect(compileGlob('/data/cam/*.jpg')).toMatchObject({ base: '/data/cam', segments: ['*.jpg'], recursive: false });
    expect(compileGlob('/data/**/x?.png')).toMatchObject({ base: '/data', segments: ['**', 'x?.png'], recursive: true });
    expect(compileGlob('/*.png').base).toBe('/');
  });

  it.each([
    ['/d/*.jpg', 'a.jpg', true],
    ['/d/*.jpg', 'sub/a.jpg', false],
    ['/d/*.jpg', '.hidden.jpg', false],
    ['/d/*.jpg', 'a.jpeg', false],
    ['/d/?.png', 'a.png', true],
    ['/d/?.png', 'ab.png', false],
    ['/d/**/*.png', 'a.png', true],
    ['/d/**/*.png', 'x/y/z/a.png', true],
    ['/d/**/*.png', '.git/a.png', false],
    ['/d/**', 'x/y.png', true],
    ['/d/a*/b/*.png', 'a1/b/c.png', true],
    ['/d/a*/b/*.png', 'a1/c/c.png', false],
    ['/d/f(1)+[2].*', 'f(1)+[2].png', true],
    ['/d/f(1)+[2].*', 'f1+2.png', false],
  ])('%s matches %s: %s', (pattern, relative, expected) => {
    expect(compileGlob(pattern).regex.test(relative)).toBe(expected);
  });

  it('knows a glob from a plain path', () => {
    expect(hasGlobChars('/a/b.jpg')).toBe(false);
    expect(hasGlobChars('/a/*.jpg')).toBe(true);
    expect(hasGlobChars('/a/?.jpg')).toBe(true);
  });
});
