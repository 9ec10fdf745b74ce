/**
 * A cascade as a pipeline result stage (src/stages/types.ts), one per `cascade:` entry, after tracking: on each
 * prediction with tracks, the tracks of the entry's classes that are due (never cropped, `every_frames` of their
 * frames since the last crop, or their box grew by `regrow`) are cut out of the frame (a copy: the frame is valid
 * only during process) and queued, within the budget (`max_per_second`, new tracks first) and the queue bound;
 * one background loop feeds the queue to the second model (StageContext.openModel: its own interpreter on the
 * delegate chain with failover). Results are kept per track and carried by the track in every later prediction
 * (`secondary.<name>`); a track's results are forgotten when it ends, after being named in its track_end event.
 *
 * Nothing here waits on the second model: process() only copies crops and reads the cache.
 */
import type { TrackEvent } from '../core/events.js';
import type { Frame, Prediction } from '../core/frame.js';
import type { SecondaryResult } from '../core/secondary.js';
import type { CascadeConfig } from '../config/types.js';
import { cascadeName } from '../config/schema-cascade.js';
import type { SecondaryModel, Stage, StageContext } from '../stages/types.js';
import { Budget } from './budget.js';
import { cropFrame, type Crop } from './crop.js';

type Track = NonNullable<NonNullable<Prediction['analytics']>['tracks']>[number];

/** Why a track's crop was queued: its first, `every_frames` reached, or its box grew by `regrow`. */
type Reason = 'first' | 'every' | 'regrow';

interface TrackState {
  result?: SecondaryResult;
  /** The track's frames since its last crop was queued; undefined: never cropped. */
  sinceCrop?: number;
  /** Box area at the last crop, px². */
  cropArea: number;
  /** A crop of it is queued or being inferred. */
  pending: boolean;
}

interface Job {
  trackId: number;
  crop: Crop;
  frameId: number;
  atMs: number;
}

/** What a cascade stage counts (camelCase, for stats, MQTT and /metrics `edgepipe_stage_total`). */
export interface CascadeCounters {
  /** Crops queued, by reason: a track's first, `every_frames` reached, its box grew. */
  queuedFirst: number;
  queuedEvery: number;
  queuedRegrow: number;
  /** Second-model runs that gave a result, and runs that failed (invoke error or timeout, unreadable crop). */
  invocations: number;
  failed: number;
  /** Results attached to their track, and results below min_score (not attached). */
  results: number;
  belowMinScore: number;
  /** Due crops left for a later frame: the budget was spent, or the queue was full. */
  budgetSkips: number;
  queueFull: number;
  /** Crops dropped unrun because their track ended (or the pipeline stopped) while they waited. */
  discarded: number;
  /** Tracks whose cached results were dropped (their track ended). */
  forgotten: number;
  /** Due tracks whose box (with the margin) had nothing inside the frame: no crop. */
  outside: number;
  /** Failovers of the second model's delegate. */
  failovers: number;
}

export interface CascadeStage extends Stage {
  counters(): Record<string, number>;
  /** Settles when the queue is empty and no crop is being inferred (tests, benchmarks). */
  idle(): Promise<void>;
}

/** The stage of `config`, the `index`th entry of the pipeline's `cascade:` list. */
export function createCascadeStage(config: CascadeConfig, index: number): CascadeStage {
  const name = cascadeName(config);
  const states = new Map<number, TrackState>();
  const queue: Job[] = [];
  const budget = new Budget(config.maxPerSecond);
  const counters: Omit<CascadeCounters, 'failovers'> = {
    queuedFirst: 0, queuedEvery: 0, queuedRegrow: 0, invocations: 0, failed: 0, results: 0, belowMinScore: 0,
    budgetSkips: 0, queueFull: 0, discarded: 0, forgotten: 0, outside: 0,
  };
  let model: SecondaryModel | undefined;
  let context: StageContext | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastWarnMs = -Infinity;
  let unwarned = 0;

  // A track of a named merge group is labelled with the group's name; the detector's class still selects it.
  const wants = (t: Track): boolean =>
    config.classes.includes(t.label ?? '') || config.classes.includes(t.detected_label ?? '') || config.classes.includes(String(t.index));

  const warn = (message: string): void => {
    // At most one line per 10 s: a broken model fails every crop.
    const now = performance.now();
    if (now - lastWarnMs < 10_000) {
      unwarned += 1;
      return;
    }
    const more = unwarned > 0 ? ` (${unwarned} more since the last warning)` : '';
    lastWarnMs = now;
    unwarned = 0;
    context?.logger.log('warn', `pipeline ${context.pipeline}: cascade ${name}: ${message}${more}`);
  };

  const forget = (trackId: number): SecondaryResult | undefined => {
    const state = states.get(trackId);
    if (!state) return undefined;
    states.delete(trackId);
    counters.forgotten += 1;
    return state.result;
  };

  async function drain(): Promise<void> {
    while (!stopped && queue.length > 0) {
      const job = queue.shift()!;
      const state = states.get(job.trackId);
      if (!state) {
        counters.discarded += 1;
        continue;
      }
      try {
        const best = await model!.classify(job.crop.image, job.crop.region);
        counters.invocations += 1;
        if (best.score < config.minScore) counters.belowMinScore += 1;
        // The track may have ended meanwhile: its state is gone, the result too.
        else if (states.get(job.trackId) === state) {
          counters.results += 1;
          state.result = { index: best.index, ...(best.label === undefined ? {} : { label: best.label }), score: best.score, frame_id: job.frameId, at_ms: job.atMs };
        }
      } catch (error) {
        counters.failed += 1;
        warn(`a crop of track ${job.trackId} (frame ${job.frameId}) failed: ${(error as Error).message}`);
      } finally {
        state.pending = false;
      }
    }
  }

  const pump = (): void => {
    if (running || stopped) return;
    running = drain().finally(() => {
      running = undefined;
      if (queue.length > 0 && !stopped) pump();
    });
  };

  /** The due tracks of this prediction, first crops first, then the longest waiting. */
  function dueTracks(tracks: readonly Track[]): Array<{ track: Track; state: TrackState; reason: Reason }> {
    const due: Array<{ track: Track; state: TrackState; reason: Reason }> = [];
    for (const track of tracks) {
      if (!wants(track)) continue;
      let state = states.get(track.track_id);
      if (!state) {
        state = { cropArea: 0, pending: false };
        states.set(track.track_id, state);
      }
      if (state.sinceCrop !== undefined) state.sinceCrop += 1;
      // A coasting track's box is the motion model's guess, not where the object was seen: no crop of it.
      if (!track.matched || state.pending) continue;
      const area = track.box.width * track.box.height;
      const reason: Reason | undefined =
        state.sinceCrop === undefined ? 'first'
        : state.sinceCrop >= config.everyFrames ? 'every'
        : config.regrow > 0 && area >= state.cropArea * config.regrow ? 'regrow'
        : undefined;
      if (reason) due.push({ track, state, reason });
    }
    return due.sort((a, b) => (a.state.sinceCrop ?? Infinity) < (b.state.sinceCrop ?? Infinity) ? 1 : (a.state.sinceCrop ?? Infinity) > (b.state.sinceCrop ?? Infinity) ? -1 : 0);
  }

  const withResult = (track: Track): Track => {
    const result = states.get(track.track_id)?.result;
    return result ? { ...track, secondary: { ...track.secondary, [name]: result } } : track;
  };

  return {
    name: `cascade-${name}`,
    async start(ctx: StageContext): Promise<void> {
      context = ctx;
      if (!ctx.openModel) throw new Error(`cascade ${name}: this pipeline cannot open second models`);
      model = await ctx.openModel({
        file: config.model,
        ...(config.labels === undefined ? {} : { labels: config.labels }),
        labelOffset: config.labelOffset,
        ...(config.delegates === undefined ? {} : { delegates: config.delegates }),
        resize: config.resize,
        field: `cascade[${index}]`,
      });
    },
    process(prediction: Prediction, frame: Frame): Prediction {
      const tracks = prediction.analytics?.tracks;
      if (tracks === undefined) return prediction;
      const alive = new Set(tracks.map((t) => t.track_id));
      for (const id of [...states.keys()]) if (!alive.has(id)) forget(id);
      const shared = {};
      for (const { track, state, reason } of dueTracks(tracks)) {
        if (queue.length >= config.queue) {
          counters.queueFull += 1;
          continue;
        }
        if (!budget.take(frame.capturedMonoMs)) {
          counters.budgetSkips += 1;
          continue;
        }
        const crop = cropFrame(frame.payload, track.box, config.margin, shared);
        state.sinceCrop = 0;
        state.cropArea = track.box.width * track.box.height;
        if (!crop) {
          // A box with nothing inside the frame: tried again after every_frames, not on every frame.
          counters.outside += 1;
          continue;
        }
        state.pending = true;
        counters[reason === 'first' ? 'queuedFirst' : reason === 'every' ? 'queuedEvery' : 'queuedRegrow'] += 1;
        queue.push({ trackId: track.track_id, crop, frameId: frame.id, atMs: frame.capturedWallMs });
      }
      pump();
      if (!tracks.some((t) => states.get(t.track_id)?.result)) return prediction;
      return { ...prediction, analytics: { ...prediction.analytics, tracks: tracks.map(withResult) } };
    },
    decorate(event: TrackEvent): TrackEvent {
      if (event.type !== 'track_end') return event;
      const result = forget(event.trackId);
      return result ? { ...event, secondary: { ...event.secondary, [name]: result } } : event;
    },
    counters(): Record<string, number> {
      return { ...counters, failovers: model?.failovers ?? 0 };
    },
    async idle(): Promise<void> {
      while (running) await running;
    },
    async stop(): Promise<void> {
      stopped = true;
      counters.discarded += queue.length;
      queue.length = 0;
      await running;
      model?.close();
      // The results stay: tracking stops after this stage and names them in the track_end events it emits then.
    },
  };
}
