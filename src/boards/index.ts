/** Boards: device profiles, detection, thermal readings and the machine probe behind `edgepipe probe`. */
export { builtinDevicesDir, loadDeviceProfiles, parseDeviceProfile } from './profiles.js';
export type { DeviceProfile, MatchRule, ProfileCamera, CommandOutput } from './profiles.js';
export { detectBoard, readBoardFacts } from './detect.js';
export type { BoardFacts, DetectedBoard, DetectOptions, Evidence } from './detect.js';
export { readThermalZones, socTemperature } from './thermal.js';
export type { SocTemperature, ThermalZone } from './thermal.js';
export { probeMachine } from './probe-report.js';
export type { ProbeOptions, ProbeReport } from './probe-report.js';
