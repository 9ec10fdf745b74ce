import { loadVerifiedModel } from '../runtime/probe.js';
import type { Model } from '../runtime/model.js';

/**
 * How every CLI command opens a model file: probed first in a child process (verdict cached by content hash),
 * so a corrupted file that would crash TensorFlow Lite is reported instead of killing the command.
 */
export async function openModel(file: string, library: string | undefined): Promise<Model> {
  return loadVerifiedModel(file, library ? { library } : {});
}
