// torch.autograd.grad: gradients of outputs with respect to chosen inputs, returned rather than accumulated in .grad.
import { native } from '../native/binding.ts';
import { Tensor } from './tensor.ts';

/**
 * torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph): d(outputs)/d(inputs) as new tensors; .grad of
 * the inputs is left alone. `gradOutputs` may be omitted when every output is a scalar. Every input must be used.
 */
export function autogradGrad(outputs: Tensor[], inputs: Tensor[], o: { gradOutputs?: Tensor[]; retainGraph?: boolean } = {}): Tensor[] {
  const handles = native.autogradGrad(
    outputs.map((t) => t.handle),
    inputs.map((t) => t.handle),
    (o.gradOutputs ?? []).map((t) => t.handle),
    o.retainGraph ?? false,
  );
  return handles.map((h) => new Tensor(h));
}
