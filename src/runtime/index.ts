export { EdgepipeError, invalidOption } from './errors.js';
export type { Dtype, TensorArray } from './dtypes.js';
export type { TensorInfo, Quantization } from './tensor.js';
export { loadTflite, resolveLibraryPath, type TfliteLibrary } from './library.js';
export { Model } from './model.js';
export { Interpreter, InterpreterCreateError, type DelegateUsage } from './interpreter.js';
export { loadDelegateDescriptors, locateDelegateLibrary, type DelegateDescriptor } from './delegates.js';
export {
  createInterpreter,
  validateChain,
  CPU,
  type ChainOptions,
  type ChainResult,
  type DelegateRefusal,
  type DelegateRequest,
} from './delegate-chain.js';
