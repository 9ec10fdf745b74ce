/** The SVG overlay on its own: escaping, placement, skeleton, and that librsvg renders the text. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { COCO_KEYPOINTS } from '../../src/postprocess/pose.js';
import type { Result } from '../../src/core/result.js';
import { formatValue, overlaySvg } from '../../src/snapshot/overlay.js';
import { COCO_SKELETON } from '../../src/snapshot/skeleton.js';
import { escapeXml, truncate } from '../../src/snapshot/svg.js';

const canvas = { width: 320, height: 240, scaleX: 0.5, scaleY: 0.5 };

describe('snapshot overlay', () => {
  it('escapes XML specials and drops characters XML cannot carry', () => {
    expect(escapeXml(`a<b & "c" 'd'>\u0000\u0007\n`)).toBe('a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\n');
    expect(truncate('😀'.repeat(40), 5)).toBe('😀😀😀😀\u2026');
  });

  it('is a document librsvg renders even with hostile labels (and librsvg does reject a broken one)', async () => {
    const result: Result = { kind: 'detect', objects: [{ index: 0, label: '</text><svg>&"\'', score: 0.5, box: { x: 10, y: 10, width: 100, height: 100 } }] };
    const svg = overlaySvg(result, canvas);
    expect(svg).toContain('&lt;/text&gt;&lt;svg&gt;&amp;&quot;&apos; 50%');
    await expect(sharp(Buffer.from(svg)).png().toBuffer()).resolves.toBeInstanceOf(Buffer);
    await expect(sharp(Buffer.from(svg.replace('&amp;', '&'))).png().toBuffer()).rejects.toThrow();
  });

  it('scales boxes to the output and puts the tag inside a box touching the top edge', () => {
    const svg = overlaySvg({ kind: 'detect', objects: [{ index: 1, label: 'car', score: 0.75, box: { x: 40, y: 0, width: 200, height: 100 } }] }, canvas);
    expect(svg).toContain('<rect x="20" y="0" width="100" height="50" fill="none" stroke="rgb(56,120,255)" stroke-width="2"/>');
    expect(svg).toMatch(/<rect x="19" y="1" width="[\d.]+" height="\d+" fill="rgb\(56,120,255\)"\/>/);
    expect(svg).toContain('>car 75%</text>');
  });

  it('draws text that librsvg can find a font for', async () => {
    const svg = overlaySvg({ kind: 'classify', classes: [{ index: 0, label: 'WWWWWWWW', score: 1 }] }, canvas);
    // White text on the dark panel: without a font, librsvg draws the panel alone.
    const { data, info } = await sharp(Buffer.from(svg)).flatten({ background: '#808080' }).raw().toBuffer({ resolveWithObject: true });
    let white = 0;
    for (let i = 0; i < info.width * info.height * 3; i += 3) if (data[i]! > 200 && data[i + 1]! > 200) white += 1;
    expect(white).toBeGreaterThan(50);
  });

  it('joins only visible keypoints, with COCO limbs by name', () => {
    for (const [a, b] of COCO_SKELETON) expect(COCO_KEYPOINTS).toEqual(expect.arrayContaining([a, b]));
    const kp = (name: string, visible: boolean) => ({ name, x: 100, y: 100, score: visible ? 1 : 0, visible });
    const svg = overlaySvg({ kind: 'pose', keypoints: [kp('left_hip', true), kp('left_knee', true), kp('left_ankle', false), kp('hand', true)] }, canvas);
    expect(svg.match(/<line /g)).toHaveLength(1);
    expect(svg.match(/<circle /g)).toHaveLength(3);
  });

  it('lists classify, segment and scalar results as text', () => {
    expect(overlaySvg({ kind: 'classify', classes: [{ index: 2, score: 0.1 }, { index: 5, label: 'dog', score: 0.9 }] }, canvas)).toMatch(/>dog 90%<.*>class 2 10%</);
    expect(overlaySvg({ kind: 'segment', classes: [{ index: 1, label: 'road', score: 1, fraction: 0.625 }] }, canvas)).toContain('>road 63%<');
    const anomaly = overlaySvg({ kind: 'scalar', value: 0.000123456, anomaly: true }, canvas);
    expect(anomaly).toContain('>value 1.235e-4<');
    expect(anomaly).toContain('>ANOMALY<');
    expect(overlaySvg({ kind: 'scalar', value: 2.5, anomaly: false }, canvas)).not.toContain('ANOMALY');
    expect([formatValue(12.3456), formatValue(0), formatValue(-250000), formatValue(Number.NaN)]).toEqual(['12.35', '0', '-2.500e+5', 'NaN']);
  });
});
