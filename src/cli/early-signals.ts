/**
 * Stop and reload signals that arrive before `edgepipe run` is ready for them. Importing the CLI (sharp, the
 * TFLite binding) and loading the files take a few hundred ms; without a listener, a SIGTERM then kills the
 * process by signal and a SIGHUP ends it silently. bin/edgepipe.js holds them before importing anything heavy;
 * runCommand takes them over once its own handlers are installed. No imports: this must load in microseconds.
 */
const held: NodeJS.Signals[] = [];
const hold = (signal: NodeJS.Signals): void => {
  held.push(signal);
};
export const HELD_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** Records SIGTERM, SIGINT and SIGHUP until releaseHeldSignals. Signal listeners do not keep the process alive. */
export function holdSignals(): void {
  for (const signal of HELD_SIGNALS) process.on(signal, hold);
}

/** Removes the holding listeners (call after installing the real ones); returns what arrived meanwhile, in order. */
export function releaseHeldSignals(): NodeJS.Signals[] {
  for (const signal of HELD_SIGNALS) process.off(signal, hold);
  return held.splice(0);
}
