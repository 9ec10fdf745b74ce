/** The `track:` section: defaults, the options it gives the tracker and filters, and its errors at file:line:col. */
import { describe, expect, it } from 'vitest';
import { redactedConfigDump } from '../../src/config/dump.js';
import { parseConfig } from '../../src/config/load.js';
import { defaultTrackerOptions } from '../../src/tracking/tracker.js';
import { filterOptionsFrom, mergeOptionsFrom, trackerOptionsFrom } from '../../src/tracking/options.js';
import { trackClassProblems } from '../../src/tracking/class-check.js';
import { configError, placeholderModel, problemLines } from '../config/helpers.js';

const yaml = (track: string, postprocess = 'detect-ssd') => `version: 1
pipelines:
  - name: door
    source: { kind: synthetic }
    model: { file: ${JSON.stringify(placeholderModel)} }
    postprocess: { kind: ${postprocess} }
${track}`;

describe('track config', () => {
  it('is absent unless given, and `track: {}` gives the tracker its defaults', () => {
    expect(parseConfig('/tmp/x/p.yaml', yaml('')).pipelines[0]!.track).toBeUndefined();
    const track = parseConfig('/tmp/x/p.yaml', yaml('    track: {}\n')).pipelines[0]!.track!;
    expect(trackerOptionsFrom(track)).toEqual(defaultTrackerOptions);
    expect(filterOptionsFrom(track)).toEqual({ classes: [], filters: [], masks: [] });
    expect(mergeOptionsFrom(track)).toEqual({ groups: [], minOverlap: 0.5, overlap: 'iou' });
  });

  it('gives the merge groups to the merger and, as classes to match on, to the tracker', () => {
    const track = parseConfig('/tmp/x/p.yaml', yaml(`    track:
      merge_classes: [[car, truck, bus], ["76", suitcase]]
      merge_overlap: 0.6
      merge_measure: smaller
`)).pipelines[0]!.track!;
    const groups = [['car', 'truck', 'bus'], ['76', 'suitcase']];
    expect(mergeOptionsFrom(track)).toEqual({ groups, minOverlap: 0.6, overlap: 'smaller' });
    expect(trackerOptionsFrom(track)).toMatchObject({ match: 'class', classGroups: groups });
  });

  it('reports merge mistakes at file:line:col with the value and what was expected', async () => {
    const error = await configError(() => parseConfig('p.yaml', yaml(`    track:
      merge_classes: [[car, truck], [bus, car], [], [car, car], person]
      merge_overlap: 0
      merge_measure: containment
`)));
    expect(problemLines(error)).toEqual([
      'p.yaml:8:49: pipelines[0].track.merge_classes[2]: expected at least 1 item, received an empty list',
      'p.yaml:8:59: pipelines[0].track.merge_classes[3][1]: repeats merge_classes[3][0]; each value may appear once',
      'p.yaml:8:65: pipelines[0].track.merge_classes[4]: expected a list of labels or class indices, received "person"; write a list: [person]',
      'p.yaml:9:22: pipelines[0].track.merge_overlap: expected a number greater than 0 and at most 1, received 0',
      'p.yaml:10:22: pipelines[0].track.merge_measure: expected one of iou, smaller, received "containment"; did you mean "smaller"?',
    ]);
    const twice = await configError(() => parseConfig('p.yaml', yaml('    track: { merge_classes: [[car, truck], [bus, car]] }\n')));
    expect(problemLines(twice)).toEqual([
      'p.yaml:7:50: pipelines[0].track.merge_classes[1][1]: "car" is already in merge_classes[0]; expected each class in one group at most (join the two groups)',
    ]);
  });

  it('maps classes, filters and masks to the filter options', () => {
    const track = parseConfig('/tmp/x/p.yaml', yaml(`    track:
      classes: [person, car]
      match: any
      max_age_ms: 5000
      filters: [{ class: person, min_score: 0.6, min_area: 1500 }]
      masks:
        - { points: [[400, 80], [520, 80], [520, 170]], classes: [tv] }
        - { points: [[0, 0], [0.5, 0], [0.5, 0.2]], units: fraction, anchor: centre }
`)).pipelines[0]!.track!;
    expect(trackerOptionsFrom(track)).toMatchObject({ match: 'any', maxAgeMs: 5000, minHits: 3 });
    expect(filterOptionsFrom(track)).toEqual({
      classes: ['person', 'car'],
      filters: [{ class: 'person', minScore: 0.6, minArea: 1500 }],
      masks: [
        { points: [{ x: 400, y: 80 }, { x: 520, y: 80 }, { x: 520, y: 170 }], units: 'pixels', classes: ['tv'], anchor: 'bottom_centre' },
        { points: [{ x: 0, y: 0 }, { x: 0.5, y: 0 }, { x: 0.5, y: 0.2 }], units: 'fraction', classes: [], anchor: 'centre' },
      ],
    });
  });

  it('reports each mistake at file:line:col with what was expected', async () => {
    const error = await configError(() => parseConfig('p.yaml', yaml(`    track:
      mach: any
      anchor: feet
      filters: [{ class: person }, { min_area: 500, max_area: 100 }]
      masks:
        - { points: [[1, 2], [3, 4]] }
        - { points: [[0, 0], [1, 0], [1, 1]], units: fraction, anchor: center }
        - { points: [[0, 0], [1, 0], [1]] }
`)));
    expect(problemLines(error)).toEqual([
      'p.yaml:8:7: pipelines[0].track.mach: unknown field; did you mean "match"?',
      'p.yaml:9:7: pipelines[0].track.anchor: unknown field here; anchor is a field of pipelines[0].track.masks[] and pipelines[0].zones[] and pipelines[0].lines[] (check the indentation)',
      'p.yaml:10:17: pipelines[0].track.filters[0]: sets no limit; give min_score, min_area, max_area, min_aspect or max_aspect',
      'p.yaml:10:48: pipelines[0].track.filters[1].min_area: is larger than max_area (100); no box could pass',
      'p.yaml:12:21: pipelines[0].track.masks[0].points: expected at least 3 items, received a list of 2',
      'p.yaml:13:72: pipelines[0].track.masks[1].anchor: expected one of bottom_centre, centre, received "center"; did you mean "centre"?',
      'p.yaml:14:38: pipelines[0].track.masks[2].points[2]: expected a point [x, y], received a list of 1',
    ]);
  });

  it('checks thresholds against each other and mask points against the frame', async () => {
    const thresholds = await configError(() => parseConfig('p.yaml', yaml('    track: { low_threshold: 0.6, new_track_threshold: 0.4 }\n')));
    expect(problemLines(thresholds)).toEqual([
      'p.yaml:7:29: pipelines[0].track.low_threshold: is above high_threshold (0.5); low-score detections are those between the two',
      'p.yaml:7:55: pipelines[0].track.new_track_threshold: is below high_threshold (0.5); only detections above high_threshold start tracks',
    ]);
    const masks = await configError(() => parseConfig('p.yaml', yaml(`    track:
      masks:
        - { points: [[0, 0], [1.5, 0], [1, 1]], units: fraction }
        - { points: [[0, 0], [10, -1], [1, 1]] }
`)));
    expect(problemLines(masks)).toEqual([
      'p.yaml:9:21: pipelines[0].track.masks[0].points: point 2 [1.5, 0] is outside the frame; expected coordinates between 0 and 1 (units: fraction)',
      'p.yaml:10:21: pipelines[0].track.masks[1].points: point 2 [10, -1] is outside the frame; expected coordinates of at least 0',
    ]);
  });

  it('refuses a tracker on a model that finds no boxes', async () => {
    const error = await configError(() => parseConfig('p.yaml', yaml('    track: {}\n', 'classify')));
    expect(problemLines(error)).toEqual([
      'p.yaml:7:12: pipelines[0].track: follows objects found by a detector; postprocess classify finds no boxes: use detect-ssd or detect-yolo, or remove track',
    ]);
  });
});

describe('track class names against the model labels', () => {
  const track = (yamlTrack: string) => parseConfig('/tmp/x/p.yaml', yaml(yamlTrack)).pipelines[0]!.track!;
  const labels = ['person', 'bicycle', 'car', '???', 'tv'];

  it('names every unknown class with its field and a did-you-mean', () => {
    const t = track('    track: { classes: [persn, car, "7"], filters: [{ class: tvv, min_score: 0.5 }], merge_classes: [[car, cra, "9"]], masks: [{ points: [[0, 0], [1, 0], [1, 1]], classes: [television, "2"] }] }\n');
    expect(trackClassProblems(t, labels, 0, 'coco.tflite', 5)).toEqual([
      { field: 'track.classes[0]', message: '"persn" is not a label of coco.tflite; did you mean "person"?' },
      { field: 'track.classes[2]', message: 'class index 7 is out of range: coco.tflite has 5 classes (0-4)' },
      { field: 'track.filters[0].class', message: '"tvv" is not a label of coco.tflite; did you mean "tv"?' },
      { field: 'track.merge_classes[0][1]', message: '"cra" is not a label of coco.tflite; did you mean "car"?' },
      { field: 'track.merge_classes[0][2]', message: 'class index 9 is out of range: coco.tflite has 5 classes (0-4)' },
      { field: 'track.masks[0].classes[0]', message: '"television" is not a label of coco.tflite' },
    ]);
  });

  it('takes indices only from a model without labels', () => {
    const t = track('    track: { classes: [person, "0"] }\n');
    expect(trackClassProblems(t, undefined, 0, 'm.tflite')).toEqual([
      { field: 'track.classes[0]', message: '"person" is not a class index and m.tflite has no labels (set model.labels, or give indices)' },
    ]);
    expect(trackClassProblems(track('    track: {}\n'), labels, 0, 'm.tflite')).toEqual([]);
  });
});

describe('named merge groups (merge_classes: [{ as, classes }])', () => {
  it('take the map form beside the list form: the classes go to the merger and the tracker, the name with them', () => {
    const track = parseConfig('/tmp/x/p.yaml', yaml(`    track:
      merge_classes: [{ as: car, classes: [car, truck, "cell phone", suitcase] }, [bus, "7"]]
`)).pipelines[0]!.track!;
    expect(track.mergeClasses).toEqual([{ as: 'car', classes: ['car', 'truck', 'cell phone', 'suitcase'] }, { classes: ['bus', '7'] }]);
    const groups = [['car', 'truck', 'cell phone', 'suitcase'], ['bus', '7']];
    expect(mergeOptionsFrom(track).groups).toEqual(groups);
    expect(trackerOptionsFrom(track).classGroups).toEqual(groups);
  });

  it('report a map without a name or without classes, an empty name and unknown fields at file:line:col', async () => {
    const error = await configError(() => parseConfig('p.yaml', yaml(`    track:
      merge_classes:
        - { as: "", classes: [car] }
        - { classes: [truck] }
        - { as: vehicle }
        - { as: van, clases: [bus] }
        - person
`)));
    expect(problemLines(error)).toEqual([
      'p.yaml:9:17: pipelines[0].track.merge_classes[0].as: expected a label to report, received ""',
      'p.yaml:10:11: pipelines[0].track.merge_classes[1].as: missing required field; expected a label to report (or write the classes alone as a list)',
      'p.yaml:11:11: pipelines[0].track.merge_classes[2].classes: missing required field; expected a list of labels or class indices',
      'p.yaml:12:22: pipelines[0].track.merge_classes[3].clases: unknown field; did you mean "classes"?',
      'p.yaml:13:11: pipelines[0].track.merge_classes[4]: expected a list of labels or class indices, received "person"; write a list: [person]',
    ]);
  });

  it('refuse a name that is a class of another group, or names two groups', async () => {
    const other = await configError(() => parseConfig('p.yaml', yaml('    track: { merge_classes: [{ as: truck, classes: [car, "cell phone"] }, [truck, bus]] }\n')));
    expect(problemLines(other)).toEqual([
      'p.yaml:7:36: pipelines[0].track.merge_classes[0].as: "truck" is a class of merge_classes[1]; expected a class of this group or a name no other group has',
    ]);
    const twice = await configError(() => parseConfig('p.yaml', yaml('    track: { merge_classes: [{ as: vehicle, classes: [car] }, { as: vehicle, classes: [bus] }] }\n')));
    expect(problemLines(twice)).toEqual([
      'p.yaml:7:69: pipelines[0].track.merge_classes[1].as: "vehicle" already names merge_classes[0]; expected one name per group (join the two groups)',
    ]);
    const repeated = await configError(() => parseConfig('p.yaml', yaml('    track: { merge_classes: [{ as: car, classes: [car] }, { as: van, classes: [bus, car] }] }\n')));
    expect(problemLines(repeated)).toEqual([
      'p.yaml:7:85: pipelines[0].track.merge_classes[1].classes[1]: "car" is already in merge_classes[0]; expected each class in one group at most (join the two groups)',
    ]);
  });

  it('check classes against the labels at the path they were written at, and a name that is a label outside its group', () => {
    const labels = ['person', 'bicycle', 'car', 'truck', 'cell phone'];
    const track = parseConfig('/tmp/x/p.yaml', yaml('    track: { merge_classes: [{ as: vehicle, classes: [car, cra] }, { as: person, classes: [truck, "cell phone"] }] }\n')).pipelines[0]!.track!;
    expect(trackClassProblems(track, labels, 0, 'coco.tflite')).toEqual([
      { field: 'track.merge_classes[0].classes[1]', message: '"cra" is not a label of coco.tflite; did you mean "car"?' },
      { field: 'track.merge_classes[1].as', message: '"person" is a label of coco.tflite outside this group; expected a class of the group or a name coco.tflite has no label for' },
    ]);
  });

  it('are dumped in the form they were written in, and the dump loads back the same', () => {
    const config = parseConfig('/tmp/x/p.yaml', yaml('    track: { merge_classes: [{ as: car, classes: [car, "cell phone"] }, [bus, truck]] }\n'));
    const dump = redactedConfigDump(config);
    expect(dump).toContain('merge_classes:\n        - as: car\n          classes:\n            - car\n            - cell phone\n        - - bus\n          - truck\n');
    expect(parseConfig('/tmp/x/p.yaml', dump).pipelines[0]!.track!.mergeClasses).toEqual(config.pipelines[0]!.track!.mergeClasses);
  });
});
