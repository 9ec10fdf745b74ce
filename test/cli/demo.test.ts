import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('npm run demo (edgepipe demo)', () => {
  it('classifies every synthetic frame with the colour it shows and exits 0', async () => {
    const result = await runCli(['demo', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const predictions = lines.slice(0, -1).map((l) => JSON.parse(l) as { frame_id: number; meta: { expected: string }; result: { classes: Array<{ label: string }> } });
    expect(predictions).toHaveLength(24);
    for (const p of predictions) expect(p.result.classes[0]!.label).toBe(p.meta.expected);
    // The final stats line closes the output.
    const stats = JSON.parse(lines[lines.length - 1]!) as { stats: { framesOut: number; drops: Record<string, number> } };
    expect(stats.stats.framesOut).toBe(24);
    expect(stats.stats.drops).toEqual({});
  });
});
