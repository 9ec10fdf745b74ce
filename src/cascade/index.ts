/** Cascades: second models on crops of tracked objects (docs/cascades.md); no pipeline wiring here. */
export { createCascadeStage, type CascadeCounters, type CascadeStage } from './stage.js';
export { cascadeClassProblems, type CascadeClassProblem } from './class-check.js';
export { cropBox, cropFrame, cropRaw, type Crop } from './crop.js';
export { Budget } from './budget.js';
