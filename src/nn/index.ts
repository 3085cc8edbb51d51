export { Module } from './module.ts';
export { Conv2d, type Conv2dOptions } from './conv2d.ts';
export { BatchNorm2d } from './batchnorm2d.ts';
export { MaxPool2d, Upsample } from './pooling.ts';
export { SiLU, ReLU, LeakyReLU, Hardswish, Identity } from './activation.ts';
export { Sequential, ModuleList } from './containers.ts';
export { fuseConvAndBn, fuseSequential } from './fuse.ts';
export { kaimingUniformDefault_, biasUniform_, fanIn } from './init.ts';
