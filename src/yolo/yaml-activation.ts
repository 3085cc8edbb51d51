// The YAML `activation:` key (YOLOv5 eval()s it into Conv.default_act): the values users write, parsed without eval.
import { Hardswish, LeakyReLU, ReLU, SiLU } from '../nn/activation.ts';
import type { Module } from '../nn/module.ts';

export function parseActivation(text: string): Module {
  const m = /^nn\.(\w+)\(\s*([-\d.eE]*)\s*\)$/.exec(text.trim());
  if (!m) throw new Error(`activation '${text}' is not understood (use nn.SiLU(), nn.ReLU(), nn.LeakyReLU(0.1) or nn.Hardswish())`);
  const [, name, arg] = m;
  if (name === 'SiLU') return new SiLU();
  if (name === 'ReLU') return new ReLU();
  if (name === 'Hardswish') return new Hardswish();
  if (name === 'LeakyReLU') return new LeakyReLU(arg ? Number(arg) : 0.01);
  throw new Error(`activation '${text}' is not supported`);
}
