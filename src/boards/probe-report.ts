/**
 * Everything `edgepipe probe` reports about a machine, gathered from the files under a root folder. Each part
 * is independent: a part that cannot be read is reported as absent or with its error, never thrown.
 */
import { builtinDelegatesDir, loadDelegateDescriptors, locateDelegateLibrary, type DelegateAbi } from '../runtime/delegates.js';
import { EdgepipeError } from '../runtime/errors.js';
import { loadTflite, resolveLibraryPath, type LibrarySource } from '../runtime/library.js';
import { listCameras, type CameraDevice } from './cameras.js';
import { readCpuInfo, type CpuInfo } from './cpu.js';
import { detectBoard, type Evidence } from './detect.js';
import { listIioDevices, type IioDevice } from './iio.js';
import { builtinDevicesDir, loadDeviceProfiles, type ProfileCamera } from './profiles.js';
import { listSerialPorts } from './serial.js';
import { readThermalZones, socTemperature, type SocTemperature, type ThermalZone } from './thermal.js';

export interface ProbeOptions {
  /** Prefix of every machine path read (default '/'). The TFLite library and delegates are this host's. */
  root?: string;
  /** An explicit libtensorflowlite_c.so (as --library). */
  library?: string;
  /** Extra folders of delegate descriptors and device profiles, read after the shipped ones. */
  delegateDirs?: readonly string[];
  deviceDirs?: readonly string[];
  /** Default process.arch. */
  arch?: string;
}

export interface BoardReport {
  /** Absent when no profile matched and none is generic for this architecture. */
  id?: string;
  name?: string;
  file?: string;
  fallback: boolean;
  evidence: Evidence[];
  ties: string[];
  model?: string;
  compatible: string[];
  arch: string;
  camera?: ProfileCamera;
  /**
   * Whether the profile's camera device is among `cameras` (the one list of /dev/video* nodes the report has);
   * absent when the camera is not a V4L2 device path (a `command` camera such as the Pi's or a Jetson's CSI).
   */
  cameraPresent?: boolean;
  delegates?: string[];
  thermal?: { zones: string[]; throttleC: number };
}

export type TfliteReport =
  | { found: true; path: string; source: LibrarySource; version: string; xnnpack: boolean }
  | { found: false; path?: string; error: string };

export interface DelegateReport {
  name: string;
  description: string;
  abi: DelegateAbi;
  file: string;
  /** XNNPACK is built into the TFLite library; the others are shared libraries found in their search paths. */
  library: { builtin: true; available: boolean } | { found: true; path: string } | { found: false; reason: string };
  /** Its place in the board profile's delegate order, if listed there. */
  profileRank?: number;
}

export interface ProbeReport {
  root: string;
  board: BoardReport;
  cpu: CpuInfo | { error: string };
  tflite: TfliteReport;
  delegates: DelegateReport[];
  cameras: CameraDevice[];
  iio: IioDevice[];
  serial: string[];
  thermal: { zones: ThermalZone[]; soc?: SocTemperature };
}

function probeTflite(explicit: string | undefined): TfliteReport {
  let path: string | undefined;
  try {
    path = resolveLibraryPath(explicit).path;
    const lib = loadTflite(explicit);
    return { found: true, path: lib.path, source: lib.source, version: lib.version, xnnpack: lib.hasXnnpack };
  } catch (error) {
    if (!(error instanceof EdgepipeError)) throw error;
    return { found: false, ...(path ? { path } : {}), error: error.message };
  }
}

/** Probes the machine under options.root. Throws only for invalid profile or descriptor files (exit code 2). */
export async function probeMachine(options: ProbeOptions = {}): Promise<ProbeReport> {
  const root = options.root ?? '/';
  const descriptors = loadDelegateDescriptors([builtinDelegatesDir, ...(options.delegateDirs ?? [])]);
  const profiles = loadDeviceProfiles([builtinDevicesDir, ...(options.deviceDirs ?? [])], { delegates: new Set(descriptors.keys()) });
  const detected = await detectBoard({ root, profiles, ...(options.arch ? { arch: options.arch } : {}) });
  const profile = detected.profile;
  const board: BoardReport = {
    ...(profile ? { id: profile.id, name: profile.name, file: profile.file } : {}),
    fallback: detected.fallback,
    evidence: detected.evidence,
    ties: detected.ties,
    ...detected.facts,
    ...(profile ? { camera: profile.camera, delegates: profile.delegates, thermal: profile.thermal } : {}),
  };
  const tflite = probeTflite(options.library);
  const delegates: DelegateReport[] = [...descriptors.values()].map((d) => {
    const rank = profile?.delegates.indexOf(d.name) ?? -1;
    const located = d.abi === 'xnnpack' ? undefined : locateDelegateLibrary(d);
    const library: DelegateReport['library'] =
      located === undefined
        ? { builtin: true, available: tflite.found && tflite.xnnpack }
        : 'path' in located
          ? { found: true, path: located.path }
          : { found: false, reason: located.missing };
    return { name: d.name, description: d.description, abi: d.abi, file: d.file, library, ...(rank >= 0 ? { profileRank: rank } : {}) };
  });
  const [cpu, cameras, iio, serial, zones] = await Promise.all([
    readCpuInfo(root),
    listCameras(root),
    listIioDevices(root),
    listSerialPorts(root),
    readThermalZones(root),
  ]);
  const soc = profile ? socTemperature(zones, profile) : undefined;
  const input = profile?.camera.input;
  if (input !== undefined && !profile?.camera.command && input.startsWith('/dev/')) board.cameraPresent = cameras.some((c) => c.device === input);
  return { root, board, cpu, tflite, delegates, cameras, iio, serial, thermal: { zones, ...(soc ? { soc } : {}) } };
}
