/**
 * Thresholds changed at run time (the `set_threshold` command). An override lives as long as the postprocessor:
 * a pipeline restart builds a new one from the config, so the config's value is always the default.
 */

/** A score threshold (0..1: classify, detect, pose) or the bounds of a scalar (either may be left out). */
export type ThresholdSetting = { value: number } | { below?: number; above?: number };

/** The threshold in force: `score` for 0..1 score thresholds, `bounds` for scalar below/above. */
export type ThresholdState = { kind: 'score'; value: number } | { kind: 'bounds'; below?: number; above?: number };

export interface ThresholdControl {
  current(): ThresholdState;
  /** Applies from the next run(). Returns why the setting does not fit (nothing changes then), or undefined. */
  set(setting: ThresholdSetting): string | undefined;
}

/** A 0..1 score threshold: `value` is read by every run(). */
export class ScoreThreshold implements ThresholdControl {
  constructor(
    public value: number,
    private readonly kind: string,
  ) {}

  current(): ThresholdState {
    return { kind: 'score', value: this.value };
  }

  set(setting: ThresholdSetting): string | undefined {
    if (!('value' in setting)) return `postprocess.kind ${this.kind} has a score threshold: expected "value" (0 to 1), not "below"/"above"`;
    if (!Number.isFinite(setting.value) || setting.value < 0 || setting.value > 1) {
      return `expected a number from 0 to 1 for value but received ${JSON.stringify(setting.value)}`;
    }
    this.value = setting.value;
    return undefined;
  }
}

/** A scalar's anomaly bounds: a setting changes the bounds it names and keeps the other one. */
export class BoundsThreshold implements ThresholdControl {
  constructor(
    public below: number | undefined,
    public above: number | undefined,
  ) {}

  current(): ThresholdState {
    return { kind: 'bounds', ...(this.below !== undefined ? { below: this.below } : {}), ...(this.above !== undefined ? { above: this.above } : {}) };
  }

  set(setting: ThresholdSetting): string | undefined {
    if ('value' in setting) return 'postprocess.kind scalar has bounds: expected "below" and/or "above" (numbers), not "value"';
    const below = setting.below ?? this.below;
    const above = setting.above ?? this.above;
    for (const [field, given] of [['below', setting.below], ['above', setting.above]] as const) {
      if (given !== undefined && !Number.isFinite(given)) return `expected a finite number for ${field} but received ${JSON.stringify(given)}`;
    }
    if (below !== undefined && above !== undefined && below >= above) {
      return `below (${below}) must be smaller than above (${above}), or every value is an anomaly`;
    }
    this.below = below;
    this.above = above;
    return undefined;
  }
}
