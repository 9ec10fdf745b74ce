/**
 * What a detector pipeline's tracker and zones will see, said by `edgepipe validate` before anything runs: the
 * frame size (when it can be known) and the classes (the model's labels after track.classes or
 * postprocess.classes), and the pixel zones and lines checked against a frame size found from the source's files.
 */
import type { PipelineConfig } from '../config/types.js';
import { knownLabels } from '../config/suggest.js';
import { framePointProblems } from '../zones/index.js';
import type { KnownFrameSize } from './frame-size.js';

/** Names listed in full up to this many; more are shortened to the first ones and a count. */
const LISTED = 8;

function listed(names: readonly string[]): string {
  return names.length <= LISTED ? names.join(', ') : `${names.slice(0, LISTED).join(', ')} and ${names.length - LISTED} more`;
}

/** `problem` lines (`zones[0].points[2]: ...`) for pixel points beyond a frame size found from the source's files. */
export function zoneFrameProblems(pipeline: Pick<PipelineConfig, 'zones' | 'lines'>, frame: KnownFrameSize): string[] {
  const out: string[] = [];
  for (const key of ['zones', 'lines'] as const) {
    (pipeline[key] ?? []).forEach((item, i) => {
      if (item.units !== 'pixels') return;
      for (const p of framePointProblems(item.points, 'pixels', frame)) out.push(`${key}[${i}].${p.field}: ${p.message.replace(/\(the source's .*? frame\)/, `(the ${frame.width}x${frame.height} frame, ${frame.from})`)}`);
    });
  }
  return out;
}

/** Two lines: the frames, then the classes the tracker keeps. */
export function analyticsView(pipeline: PipelineConfig, frame: KnownFrameSize | undefined, labels: readonly string[] | undefined, labelOffset: number): string[] {
  const what = [pipeline.zones?.length ? 'zones' : '', pipeline.lines?.length ? 'lines' : ''].filter(Boolean).join(' and ');
  const who = what ? `the tracker and ${what}` : 'the tracker';
  const frames = frame
    ? `${frame.width}x${frame.height} frames (${frame.from})`
    : 'frames of the size the source delivers, not known before it runs (give source width and height to check pixel zones against it)';
  const known = knownLabels(labels, labelOffset);
  const name = (c: string): string => (/^\d+$/.test(c) && labels?.[labelOffset + Number(c)] ? labels[labelOffset + Number(c)]! : c);
  const chosen = (pipeline.track?.classes.length ? { field: 'track.classes', names: pipeline.track.classes } : undefined) ??
    ((pipeline.postprocess as { classes?: string[] }).classes?.length ? { field: 'postprocess.classes', names: (pipeline.postprocess as { classes: string[] }).classes } : undefined);
  const of = known ? `the model has ${known.length} labels` : 'the model has no labels';
  const classes = chosen
    ? `${listed(chosen.names.map(name))} (${chosen.field}; ${of})`
    : known
      ? `every class of the model, ${known.length} labels: ${listed(known)}`
      : 'every class, by index (the model has no labels)';
  return [`${who} ${what ? 'see' : 'sees'} ${frames}`, `classes tracked: ${classes}`];
}
