// Folding a BatchNorm into the convolution before it (inference only): W' = W·γ/√(var+eps), b' = β + (b − mean)·γ/√(var+eps).
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import { BatchNorm2d } from './batchnorm2d.ts';
import { Sequential } from './containers.ts';
import { Conv2d } from './conv2d.ts';
import type { Module } from './module.ts';

/** A convolution with the BatchNorm folded into its weights and bias (YOLOv5's fuse_conv_and_bn): same outputs in eval mode. */
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

/** A Sequential with each Conv2d→BatchNorm2d pair replaced by one fused Conv2d (the pair's tensors are freed). */
export function fuseSequential(seq: Sequential): Sequential {
  const out: Module[] = [];
  const layers = seq.layers;
  for (let i = 0; i < layers.length; i++) {
    const cur = layers[i]!;
    const next = layers[i + 1];
    if (cur instanceof Conv2d && next instanceof BatchNorm2d) {
      out.push(fuseConvAndBn(cur, next));
      cur.dispose();
      next.dispose();
      i++;
    } else out.push(cur);
  }
  return new Sequential(...out);
}
