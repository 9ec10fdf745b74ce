/** The state of one track inside the tracker: its motion model, class votes, scores and stationary state. */
import type { Box, DetectedObject } from '../postprocess/types.js';
import { BoxKalman } from './kalman.js';
import { StationaryState, type StationaryChange } from './stationary.js';
import type { BestSnapshot, TrackedObject, TrackerFrame, TrackerOptions } from './types.js';

interface ClassVote {
  index: number;
  label?: string;
  count: number;
  scoreSum: number;
}

export class Track {
  /** 0 while tentative; the public id once confirmed. */
  id = 0;
  readonly kalman: BoxKalman;
  hits = 1;
  age = 1;
  /** Matched in the latest update. */
  matched = true;
  score: number;
  bestScore: number;
  best: BestSnapshot | undefined;
  readonly firstSeenMs: number;
  lastSeenMs: number;
  lastSeenMonoMs: number;
  /** Monotonic ms the motion model is at. */
  #modelMonoMs: number;
  readonly #votes = new Map<number, ClassVote>();
  readonly stationary: StationaryState;

  constructor(detection: DetectedObject, frame: TrackerFrame, options: TrackerOptions) {
    this.kalman = new BoxKalman(detection.box, options.noise);
    this.score = detection.score;
    this.bestScore = detection.score;
    this.firstSeenMs = frame.wallMs;
    this.lastSeenMs = frame.wallMs;
    this.lastSeenMonoMs = frame.monoMs;
    this.#modelMonoMs = frame.monoMs;
    this.stationary = new StationaryState(options.stationary.windowMs, options.stationary.maxMove);
    this.#vote(detection);
    this.stationary.observe(detection.box, frame.monoMs, frame.wallMs);
  }

  get confirmed(): boolean {
    return this.id > 0;
  }

  /** The class most often matched (ties: the higher total score). */
  get classVote(): ClassVote {
    let best: ClassVote | undefined;
    for (const vote of this.#votes.values()) {
      if (!best || vote.count > best.count || (vote.count === best.count && vote.scoreSum > best.scoreSum)) best = vote;
    }
    return best!;
  }

  /** Moves the motion model to the frame's time; lost tracks (not matched last update) keep their size. */
  predict(monoMs: number): Box {
    this.kalman.predict((monoMs - this.#modelMonoMs) / 1000, !this.matched);
    this.#modelMonoMs = Math.max(this.#modelMonoMs, monoMs);
    return this.kalman.box();
  }

  /** Takes a matched detection; returns whether the best snapshot became this frame, and any stationary change. */
  update(detection: DetectedObject, frame: TrackerFrame): { bestImproved: boolean; change: StationaryChange } {
    this.kalman.update(detection.box);
    this.hits++;
    this.matched = true;
    this.score = detection.score;
    this.bestScore = Math.max(this.bestScore, detection.score);
    this.lastSeenMs = frame.wallMs;
    this.lastSeenMonoMs = frame.monoMs;
    this.#vote(detection);
    const change = this.stationary.observe(detection.box, frame.monoMs, frame.wallMs);
    const bestImproved = this.confirmed && (!this.best || detection.score > this.best.score);
    if (bestImproved) this.best = { frameId: frame.frameId, wallMs: frame.wallMs, score: detection.score, box: { ...detection.box } };
    return { bestImproved, change };
  }

  /** Marks the track confirmed under `id`; its best snapshot starts with the confirming frame. */
  confirm(id: number, detection: DetectedObject, frame: TrackerFrame): void {
    this.id = id;
    this.best = { frameId: frame.frameId, wallMs: frame.wallMs, score: detection.score, box: { ...detection.box } };
  }

  miss(): void {
    this.matched = false;
    this.score = 0;
  }

  /** A plain copy for the outside (fields written out: object spreads are slow on this per-frame path). */
  snapshot(): TrackedObject {
    const vote = this.classVote;
    const velocity = this.kalman.velocity();
    const best = this.best!;
    const out: TrackedObject = {
      id: this.id,
      index: vote.index,
      score: this.score,
      bestScore: this.bestScore,
      box: this.kalman.box(),
      matched: this.matched,
      velocity: { x: velocity.x, y: velocity.y },
      firstSeenMs: this.firstSeenMs,
      lastSeenMs: this.lastSeenMs,
      hits: this.hits,
      age: this.age,
      stationary: this.stationary.stationary,
      best: { frameId: best.frameId, wallMs: best.wallMs, score: best.score, box: { x: best.box.x, y: best.box.y, width: best.box.width, height: best.box.height } },
    };
    if (vote.label !== undefined) out.label = vote.label;
    const since = this.stationary.sinceMs;
    if (since !== undefined) out.stationarySinceMs = since;
    return out;
  }

  #vote(detection: DetectedObject): void {
    const vote = this.#votes.get(detection.index);
    if (vote) {
      vote.count++;
      vote.scoreSum += detection.score;
    } else {
      this.#votes.set(detection.index, {
        index: detection.index,
        ...(detection.label !== undefined ? { label: detection.label } : {}),
        count: 1,
        scoreSum: detection.score,
      });
    }
  }
}
