// The YAML `activation:` key (YOLOv5 eval()s it into Conv.default_act): the values users write, parsed without eval.
import { Hardswish, LeakyReLU, ReLU, SiLU } from '../nn/activation.ts';
import type { Module } from '../nn/module.ts';

/** `source` (the YAML file) starts the errors. */
export function parseActivation(text: string, source?: string): Module {
  const where = source ? `${source}: ` : '';
  const m = /^nn\.(\w+)\(\s*([-\d.eE]*)\s*\)$/.exec(text.trim());
  if (!m) throw new Error(`${where}activation '${text}' is not understood (use nn.SiLU(), nn.ReLU(), nn.LeakyReLU(0.1) or nn.Hardswish())`);
  const [, name, arg] = m;
  if (name === 'SiLU') return new SiLU();
  if (name === 'ReLU') return new ReLU();
  if (name === 'Hardswish') return new Hardswish();
  if (name === 'LeakyReLU') return new LeakyReLU(arg ? Number(arg) : 0.01);
  throw new Error(`${where}activation '${text}' is not supported (use nn.SiLU(), nn.ReLU(), nn.LeakyReLU(0.1) or nn.Hardswish())`);
}
