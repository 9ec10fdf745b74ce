/**
 * Which board this is: the device tree's model and compatible strings, marker files such as
 * /etc/nv_tegra_release and the architecture, matched against the profiles' rules. The rule with the most
 * conditions met wins (a model substring and a marker file beat a model substring alone); when no board profile
 * matches, the generic profile of this architecture is the fallback.
 */
import { loadDeviceProfiles, type DeviceProfile, type MatchRule } from './profiles.js';
import { exists, readText, underRoot } from './root.js';

export const MODEL_PATH = '/proc/device-tree/model';
export const COMPATIBLE_PATH = '/proc/device-tree/compatible';

/** One condition of the winning rule, with what was found on the machine. */
export type Evidence =
  | { kind: 'model'; path: string; expected: string; found: string }
  | { kind: 'compatible'; path: string; expected: string }
  | { kind: 'file'; path: string }
  | { kind: 'arch'; expected: string[]; found: string };

export interface BoardFacts {
  /** /proc/device-tree/model without its trailing NUL; absent on x86 and in containers without /proc/device-tree. */
  model?: string;
  compatible: string[];
  arch: string;
}

export interface DetectedBoard {
  /** The profile chosen, or undefined when nothing matches and there is no generic profile for this architecture. */
  profile: DeviceProfile | undefined;
  /** True when chosen as the generic profile of the architecture. */
  fallback: boolean;
  evidence: Evidence[];
  /** Other board profiles whose rules matched as well as the chosen one's (a profile overlap worth fixing). */
  ties: string[];
  facts: BoardFacts;
}

export interface DetectOptions {
  /** Prefix of every path read (default '/'). */
  root?: string;
  /** Default process.arch. */
  arch?: string;
  /** Default: the shipped profiles (loadDeviceProfiles()). */
  profiles?: readonly DeviceProfile[];
}

/** Device-tree strings end with NUL; compatible is a NUL-separated list. */
function deviceTreeStrings(text: string | undefined): string[] {
  return (text ?? '').split('\0').map((s) => s.trim()).filter((s) => s !== '');
}

async function ruleEvidence(rule: MatchRule, facts: BoardFacts, root: string): Promise<Evidence[] | undefined> {
  const evidence: Evidence[] = [];
  if (rule.model !== undefined) {
    if (facts.model === undefined || !facts.model.includes(rule.model)) return undefined;
    evidence.push({ kind: 'model', path: MODEL_PATH, expected: rule.model, found: facts.model });
  }
  if (rule.compatible !== undefined) {
    if (!facts.compatible.includes(rule.compatible)) return undefined;
    evidence.push({ kind: 'compatible', path: COMPATIBLE_PATH, expected: rule.compatible });
  }
  if (rule.file !== undefined) {
    if (!(await exists(underRoot(root, rule.file)))) return undefined;
    evidence.push({ kind: 'file', path: rule.file });
  }
  if (rule.arch !== undefined) {
    if (!rule.arch.includes(facts.arch)) return undefined;
    evidence.push({ kind: 'arch', expected: rule.arch, found: facts.arch });
  }
  return evidence;
}

/** The model, compatible list and architecture of the machine under root. */
export async function readBoardFacts(options: DetectOptions = {}): Promise<BoardFacts> {
  const root = options.root ?? '/';
  const model = deviceTreeStrings(await readText(underRoot(root, MODEL_PATH))).join(' ');
  const compatible = deviceTreeStrings(await readText(underRoot(root, COMPATIBLE_PATH)));
  return { ...(model ? { model } : {}), compatible, arch: options.arch ?? process.arch };
}

/** Recognises the board under options.root among the profiles. */
export async function detectBoard(options: DetectOptions = {}): Promise<DetectedBoard> {
  const root = options.root ?? '/';
  const profiles = options.profiles ?? loadDeviceProfiles();
  const facts = await readBoardFacts(options);
  let best: { profile: DeviceProfile; evidence: Evidence[] } | undefined;
  let ties: string[] = [];
  for (const profile of profiles.filter((p) => !p.fallback)) {
    let strongest: Evidence[] | undefined;
    for (const rule of profile.match) {
      const evidence = await ruleEvidence(rule, facts, root);
      if (evidence && (!strongest || evidence.length > strongest.length)) strongest = evidence;
    }
    if (!strongest) continue;
    if (!best || strongest.length > best.evidence.length) {
      best = { profile, evidence: strongest };
      ties = [];
    } else if (strongest.length === best.evidence.length) {
      ties.push(profile.id);
    }
  }
  if (best) return { profile: best.profile, fallback: false, evidence: best.evidence, ties, facts };
  for (const profile of profiles.filter((p) => p.fallback)) {
    const evidence = await ruleEvidence(profile.match[0] ?? {}, facts, root);
    if (evidence) return { profile, fallback: true, evidence, ties: [], facts };
  }
  return { profile: undefined, fallback: false, evidence: [], ties: [], facts };
}
