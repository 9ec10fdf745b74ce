import { Model } from '../runtime/model.js';

/** How every CLI command opens a model file. */
export async function openModel(file: string, library: string | undefined): Promise<Model> {
  return Model.fromFile(file, library ? { library } : {});
}
