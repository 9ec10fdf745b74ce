/**
 * The label a track is reported with (predictions, events, zone counts, MQTT): the name of its merge group when the
 * group has one (`merge_classes: [{ as: car, classes: [car, "cell phone", suitcase] }]`), so a parked car that the
 * detector mostly calls "cell phone" from above is still a car; the class it was detected as most often stays in
 * `detectedLabel`. The tracker itself votes detector classes (track.ts): only what is reported changes.
 */
import type { TrackMergeGroupConfig } from '../config/types.js';
import { classGroupOf } from './merge.js';
import type { TrackedObject } from './types.js';

/** Returns `track` as reported: relabelled when its voted class is in a named group, else unchanged. */
export type TrackRelabel = (track: TrackedObject) => TrackedObject;

export function trackRelabel(groups: readonly TrackMergeGroupConfig[]): TrackRelabel {
  const classes = groups.map((group) => group.classes);
  return (track) => {
    const name = groups[classGroupOf(classes, track)]?.as;
    if (name === undefined) return track;
    return { ...track, label: name, detectedLabel: track.label ?? String(track.index) };
  };
}
