/**
 * Model inputs that no frame feeds: the state inputs of recurrent models (SSD-LSTM's `raw_inputs/init_lstm_c`),
 * which need a `model.state` link from the output that carries the state (`raw_outputs/lstm_c`). The link is
 * guessed from names and shapes: an output of the same dtype and shape whose name matches once the usual
 * prefixes and suffixes (`raw_inputs/`, `init_`, `_in`, `_out`) are dropped.
 */
import type { TensorInfo } from '../runtime/tensor.js';

export interface StateLink {
  output: string;
  input: string;
}

const core = (name: string): string =>
  (name.split('/').pop() ?? name)
    .replace(/:\d+$/, '')
    .replace(/^(init|initial|prev|previous|in|out)_/, '')
    .replace(/_(in|out|input|output|prev|next|new)$/, '');

const sameTensor = (a: TensorInfo, b: TensorInfo): boolean => a.dtype === b.dtype && a.shape.join(',') === b.shape.join(',');

/** The output that should feed `input`, when names and shapes make it clear. */
export function guessStateOutput(input: TensorInfo, outputs: readonly TensorInfo[]): TensorInfo | undefined {
  const fitting = outputs.filter((output) => sameTensor(input, output));
  const named = fitting.filter((output) => core(output.name) === core(input.name));
  if (named.length === 1) return named[0];
  return fitting.length === 1 && named.length === 0 && core(input.name).includes('state') ? fitting[0] : undefined;
}

/** The inputs after the frame's (the first that is not a state input) that no link in `links` feeds. */
export function unfedInputs(inputs: readonly TensorInfo[], links: readonly StateLink[]): TensorInfo[] {
  const fed = new Set(links.map((link) => link.input));
  const image = inputs.findIndex((t) => !fed.has(t.name));
  return inputs.filter((t, i) => i !== image && !fed.has(t.name));
}

/** The links a model needs: one per unfed input whose output can be guessed. */
export function guessStateLinks(inputs: readonly TensorInfo[], outputs: readonly TensorInfo[]): StateLink[] {
  return unfedInputs(inputs, []).flatMap((input) => {
    const output = guessStateOutput(input, outputs);
    return output ? [{ output: output.name, input: input.name }] : [];
  });
}
