// The seed's two modules: the Conv_maxpool stem and ShuffleNetV2_InvertedResidual, exactly as the seed writes
// them (depthwise convs keep their default bias; branch1 only for stride 2; chunk + channel_shuffle(2)).
import { ReLU } from '../../nn/activation.ts';
import { BatchNorm2d } from '../../nn/batchnorm2d.ts';
import { Sequential } from '../../nn/containers.ts';
import { Conv2d } from '../../nn/conv2d.ts';
import { fuseConvAndBn } from '../../nn/fuse.ts';
import { Module } from '../../nn/module.ts';
import { MaxPool2d } from '../../nn/pooling.ts';
import { cat } from '../../tensor/create.ts';
import type { Tensor } from '../../tensor/tensor.ts';

/** Stem: 3×3 stride-2 conv, BN, ReLU, then 3×3 stride-2 max-pool (overall stride 4). */
export class ConvMaxpool extends Module {
  conv: Sequential;
  readonly maxpool: MaxPool2d;
  constructor(c1: number, c2: number) {
    super();
    this.conv = this.registerModule('conv', new Sequential(new Conv2d(c1, c2, 3, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(c2), new ReLU()));
    this.maxpool = this.registerModule('maxpool', new MaxPool2d(3, 2, 1));
  }
  override get typeName(): string {
    return 'Conv_maxpool';
  }
  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    const out = this.maxpool.forward(y);
    y.dispose();
    return out;
  }
  fuse(): void {
    this.conv = this.registerModule('conv', fuseSequential(this.conv));
  }
}

/** channel_shuffle: (b, g·c, h, w) → view (b, g, c, h, w) → swap g and c → (b, g·c, h, w). */
export function channelShuffle(x: Tensor, groups: number): Tensor {
  const [b, c, h, w] = x.shape as [number, number, number, number];
  const grouped = x.view(b, groups, c / groups, h, w);
  const swapped = grouped.transpose(1, 2);
  const dense = swapped.contiguous();
  const flat = dense.view(b, c, h, w);
  // Keep a channels_last graph channels_last (the 5-d shuffle copy comes out row-major).
  const out = x.isChannelsLast() && c > 1 ? flat.contiguous('channels_last') : flat;
  if (out !== flat) flat.dispose();
  grouped.dispose();
  swapped.dispose();
  dense.dispose();
  return out;
}

export class ShuffleNetV2InvertedResidual extends Module {
  readonly stride: number;
  branch1: Sequential;
  branch2: Sequential;

  constructor(inp: number, oup: number, stride: number) {
    super();
    if (stride !== 1 && stride !== 2) throw new Error(`ShuffleNetV2_InvertedResidual stride must be 1 or 2, got ${stride}`);
    this.stride = stride;
    const bf = Math.floor(oup / 2);
    if (stride === 1 && inp !== bf << 1) {
      throw new Error(`ShuffleNetV2_InvertedResidual(${inp}, ${oup}, stride 1) needs inp == 2·(oup//2) = ${bf << 1}, got inp ${inp}`);
    }
    this.branch1 = this.registerModule(
      'branch1',
      stride === 2
        ? new Sequential(
            new Conv2d(inp, inp, 3, { stride, padding: 1, groups: inp }),
            new BatchNorm2d(inp),
            new Conv2d(inp, bf, 1, { bias: false }),
            new BatchNorm2d(bf),
            new ReLU(),
          )
        : new Sequential(),
    );
    this.branch2 = this.registerModule(
      'branch2',
      new Sequential(
        new Conv2d(stride === 2 ? inp : bf, bf, 1, { bias: false }),
        new BatchNorm2d(bf),
        new ReLU(),
        new Conv2d(bf, bf, 3, { stride, padding: 1, groups: bf }),
        new BatchNorm2d(bf),
        new Conv2d(bf, bf, 1, { bias: false }),
        new BatchNorm2d(bf),
        new ReLU(),
      ),
    );
  }

  override get typeName(): string {
    return 'ShuffleNetV2_InvertedResidual';
  }

  forward(x: Tensor): Tensor {
    let parts: Tensor[];
    if (this.stride === 1) {
      const [x1, x2] = x.chunk(2, 1) as [Tensor, Tensor];
      parts = [x1, this.branch2.forward(x2), x2];
    } else {
      parts = [this.branch1.forward(x), this.branch2.forward(x)];
    }
    const out = cat(parts.slice(0, 2), 1);
    for (const p of parts) p.dispose();
    const shuffled = channelShuffle(out, 2);
    out.dispose();
    return shuffled;
  }

  /** Folds every Conv2d→BatchNorm2d pair in both branches (YOLOv5's fuse() leaves these alone). */
  fuse(): void {
    this.branch1 = this.registerModule('branch1', fuseSequential(this.branch1));
    this.branch2 = this.registerModule('branch2', fuseSequential(this.branch2));
  }
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
