/**
 * Constant-velocity Kalman filter on a box: centre x, centre y, width and height, each with its velocity.
 *
 * This is the motion model of SORT/ByteTrack in the xywh form of BoT-SORT (Aharon et al. 2022, section 3.1: the
 * width estimated directly fits boxes better than the aspect ratio of DeepSORT/ByteTrack), with two changes for
 * edgepipe:
 * - Time is in seconds, not frames: motion gating skips frames, so the step between two updates varies and the
 *   prediction and the process noise scale with it (white-noise acceleration model, Bar-Shalom ch. 6.3.2).
 * - The 8-state filter is run as 4 independent 2-state filters (position, velocity per coordinate). With a
 *   diagonal measurement noise and a process noise without cross-coordinate terms (as in SORT/ByteTrack), the
 *   8x8 covariance stays block-diagonal, so this is the same filter at a fraction of the arithmetic.
 * Noise is proportional to the box size (ByteTrack's `std_weight_*` idea): a large near object moves more pixels.
 */
import type { Box } from '../postprocess/types.js';

/** Noise settings, as fractions of the box's width (x, width) or height (y, height). */
export interface KalmanNoise {
  /** Measurement noise: standard deviation of a detection's edge, fraction of the size. Default 0.05 (DeepSORT 1/20). */
  measurement: number;
  /** Process noise: standard deviation of the acceleration, fraction of the size per s². Default 1. */
  acceleration: number;
  /** Standard deviation of the unknown velocity of a new track, fraction of the size per s. Default 1. */
  initialVelocity: number;
}

export const defaultKalmanNoise: Readonly<KalmanNoise> = { measurement: 0.05, acceleration: 1, initialVelocity: 1 };

/** One coordinate: position p, velocity v, covariance [[pp, pv], [pv, vv]]. */
interface Axis {
  p: number;
  v: number;
  pp: number;
  pv: number;
  vv: number;
}

function axis(p: number, posStd: number, velStd: number): Axis {
  return { p, v: 0, pp: posStd * posStd, pv: 0, vv: velStd * velStd };
}

function predictAxis(a: Axis, dt: number, accelStd: number): void {
  const q = accelStd * accelStd;
  a.p += a.v * dt;
  // P = F P F' + Q with F = [[1, dt], [0, 1]], Q = q [[dt^4/4, dt^3/2], [dt^3/2, dt^2]]
  const pp = a.pp + 2 * dt * a.pv + dt * dt * a.vv + (q * dt ** 4) / 4;
  const pv = a.pv + dt * a.vv + (q * dt ** 3) / 2;
  const vv = a.vv + q * dt * dt;
  a.pp = pp;
  a.pv = pv;
  a.vv = vv;
}

function updateAxis(a: Axis, z: number, measStd: number): void {
  const s = a.pp + measStd * measStd;
  const kp = a.pp / s;
  const kv = a.pv / s;
  const innovation = z - a.p;
  a.p += kp * innovation;
  a.v += kv * innovation;
  // P = (I - K H) P, written out for H = [1, 0]
  const pp = (1 - kp) * a.pp;
  const pv = (1 - kp) * a.pv;
  const vv = a.vv - kv * a.pv;
  a.pp = pp;
  a.pv = pv;
  a.vv = vv;
}

/** The filter of one track. Positions in source-frame pixels, velocities in pixels per second. */
export class BoxKalman {
  readonly #x: Axis;
  readonly #y: Axis;
  readonly #w: Axis;
  readonly #h: Axis;
  readonly #noise: KalmanNoise;

  constructor(box: Box, noise: KalmanNoise = defaultKalmanNoise) {
    this.#noise = noise;
    const { measurement: m, initialVelocity: v } = noise;
    const w = Math.max(box.width, 1);
    const h = Math.max(box.height, 1);
    // DeepSORT starts the position at twice the measurement noise: one detection says little about the true box.
    this.#x = axis(box.x + box.width / 2, 2 * m * w, v * w);
    this.#y = axis(box.y + box.height / 2, 2 * m * h, v * h);
    this.#w = axis(box.width, 2 * m * w, v * w);
    this.#h = axis(box.height, 2 * m * h, v * h);
  }

  /**
   * Moves the estimate `dt` seconds ahead (dt <= 0: no change). `frozenSize`: keep width and height (and stop
   * their velocity), as ByteTrack does for lost tracks, so a box coasting through an occlusion does not grow or
   * shrink without evidence.
   */
  predict(dt: number, frozenSize = false): void {
    if (!(dt > 0)) return;
    const { w, h } = this.#size();
    const a = this.#noise.acceleration;
    predictAxis(this.#x, dt, a * w);
    predictAxis(this.#y, dt, a * h);
    if (frozenSize) {
      this.#w.v = 0;
      this.#h.v = 0;
    }
    predictAxis(this.#w, dt, a * w);
    predictAxis(this.#h, dt, a * h);
  }

  /** Corrects the estimate with a detected box. */
  update(box: Box): void {
    const m = this.#noise.measurement;
    const w = Math.max(box.width, 1);
    const h = Math.max(box.height, 1);
    updateAxis(this.#x, box.x + box.width / 2, m * w);
    updateAxis(this.#y, box.y + box.height / 2, m * h);
    updateAxis(this.#w, box.width, m * w);
    updateAxis(this.#h, box.height, m * h);
  }

  /** The estimated box (width and height at least 1 px). */
  box(): Box {
    const { w, h } = this.#size();
    return { x: this.#x.p - w / 2, y: this.#y.p - h / 2, width: w, height: h };
  }

  /** The estimated velocity of the box centre, px/s. */
  velocity(): { x: number; y: number } {
    return { x: this.#x.v, y: this.#y.v };
  }

  #size(): { w: number; h: number } {
    return { w: Math.max(this.#w.p, 1), h: Math.max(this.#h.p, 1) };
  }
}
