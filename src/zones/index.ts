/** Zones and lines for tracked objects (docs/analytics.md): the engine, its inputs, the counts and the geometry. */
export { ZoneEngine, type ZoneEngineOptions, type ZoneFrame } from './zone-engine.js';
export type { LineSpec, ZoneSpec, ZoneSubject } from './types.js';
export { ZoneCounts, type CountsSnapshot, type LineLabelCount, type ZoneLabelCount } from './counts.js';
export { anchorOf, pointInPolygon, type Anchor, type FrameSize, type Point, type Units } from './geometry.js';
export { duplicateNames, framePointProblems, lineProblems, resolveLine, resolveZone, zoneProblems, type SpecProblem } from './resolve.js';
export { zoneClassProblems, type ZoneClassProblem } from './class-check.js';
