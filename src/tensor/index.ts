// The tensor API in one import: `import * as torch from './tensor/index.ts'`.
export { Tensor, type Scalar, type IndexArg } from './tensor.ts';
export * from './create.ts';
export * from './runtime.ts';
export { tidy, keep } from './scope.ts';
export * as F from './functional.ts';
export { type DType, type Device, isFloatingPoint } from './dtype.ts';
export { withAutocast, autocastState, type AutocastDevice, type AutocastState } from './autocast.ts';
export { autogradGrad } from './autograd.ts';
