// Folding a BatchNorm into the convolution before it (inference only): W' = W·γ/√(var+eps), b' = β + (b − mean)·γ/√(var+eps).
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { BatchNorm2d } from './batchnorm2d.ts';
import { Conv2d } from './conv2d.ts';

export function fuseConvAndBn(conv: Conv2d, bn: BatchNorm2d): Conv2d {
  const fused = new Conv2d(conv.inChannels, conv.outChannels, conv.kernelSize, {
    stride: conv.stride,
    padding: conv.padding,
    dilation: conv.dilation,
    groups: conv.groups,
    bias: true,
  });
  noGrad(() =>
    tidy(() => {
      const scale = bn.weight.div(bn.runningVar.add(bn.eps).sqrt()); // γ/√(var+eps)
      fused.weight.copy_(conv.weight.mul(scale.reshape(-1, 1, 1, 1)));
      const convBias = conv.bias ?? scale.mul(0);
      fused.bias!.copy_(convBias.sub(bn.runningMean).mul(scale).add(bn.bias));
    }),
  );
  fused.foldedFromBatchNorm = true;
  return fused;
}
