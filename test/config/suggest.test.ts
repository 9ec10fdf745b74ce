/** Did-you-mean for field names and values. */
import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance, normaliseName } from '../../src/config/suggest.js';

describe('editDistance', () => {
  it('counts inserts, deletes, substitutions and swaps of neighbours as one edit each', () => {
    expect(editDistance('resize', 'resize')).toBe(0);
    expect(editDistance('strech', 'stretch')).toBe(1);
    expect(editDistance('iuo', 'iou')).toBe(1);
    expect(editDistance('rezise', 'resize')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('closestMatch', () => {
  const fields = ['resize', 'pad_colour', 'roi', 'rotate', 'flip', 'colour', 'layout', 'mean', 'std'];
  it('finds misspellings and other spellings of a name', () => {
    expect(closestMatch('rezise', fields)).toBe('resize');
    expect(closestMatch('padColour', fields)).toBe('pad_colour');
    expect(closestMatch('pad-colour', fields)).toBe('pad_colour');
    expect(closestMatch('pad_color', fields)).toBe('pad_colour');
    expect(closestMatch('Rotate', fields)).toBe('rotate');
    expect(closestMatch('rotation', fields)).toBe('rotate');
    expect(closestMatch('max_det', ['max_detections', 'threshold'])).toBe('max_detections');
  });

  it('suggests nothing when nothing is close', () => {
    expect(closestMatch('brightness', fields)).toBeUndefined();
    expect(closestMatch('x', fields)).toBeUndefined();
    expect(closestMatch('', fields)).toBeUndefined();
    expect(closestMatch('camera', ['images', 'synthetic'])).toBeUndefined();
  });

  it('prefers the closest, then the first listed', () => {
    expect(closestMatch('colr', ['color', 'colour'])).toBe('color');
    expect(closestMatch('ab', ['ac', 'ad'])).toBe('ac');
  });

  it('normalises case, _ - and spaces away', () => {
    expect(normaliseName('Top-K')).toBe('topk');
    expect(normaliseName('top_k')).toBe('topk');
    expect(normaliseName('max fps')).toBe('maxfps');
  });
});
