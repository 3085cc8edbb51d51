// Autograd against central finite differences in float64, through a composite function that exercises the
// backward of every op YOLOv5 training relies on: grouped conv, batch norm (training), SiLU, chunk/cat,
// sigmoid, atan, pow, division, advanced indexing and BCE-with-logits with pos_weight.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as torch from '../../src/tensor/index.ts';
import { F } from '../../src/tensor/index.ts';

type Inputs = { x: Float64Array; w: Float64Array; gamma: Float64Array; beta: Float64Array };
const SHAPES = { x: [2, 4, 4, 4], w: [4, 2, 3, 3], gamma: [4], beta: [4] } as const;

function lossOf(t: Record<keyof Inputs, torch.Tensor>): torch.Tensor {
  const y = F.conv2d(t.x, t.w, null, { padding: 1, groups: 2 });
  const n = F.batchNorm(y, null, null, { weight: t.gamma, bias: t.beta, training: true, eps: 1e-3 }).silu();
  const [a, c] = n.chunk(2, 1) as [torch.Tensor, torch.Tensor];
  const z = torch.cat([a.sigmoid(), c.atan().pow(3)], 1);
  const r = z.div(z.mul(z).add(0.5)); // a smooth rational function: exercises div's backward for both operands
  const picked = r.index([null, torch.tensor([3, 0, 2], { dtype: 'int64' })]); // [2,3,4,4]
  const target = torch.tensor(Float64Array.from({ length: 96 }, (_, i) => ((i * 5) % 7) / 6), { shape: [2, 3, 4, 4] });
  const posWeight = torch.tensor(Float64Array.from([1.5, 0.5, 2]), { shape: [3, 1, 1] });
  return F.binaryCrossEntropyWithLogits(picked.mul(4), target, { posWeight });
}

function evaluate(inputs: Inputs, withGrad: boolean): { loss: number; grads?: Record<keyof Inputs, Float64Array> } {
  return torch.tidy(() => {
    const t = Object.fromEntries(
      (Object.keys(SHAPES) as (keyof Inputs)[]).map((k) => [k, torch.tensor(inputs[k], { shape: [...SHAPES[k]], requiresGrad: withGrad })]),
    ) as Record<keyof Inputs, torch.Tensor>;
    const loss = lossOf(t);
    if (!withGrad) return { loss: loss.item() };
    loss.backward();
    const grads = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.grad!.toTypedArray() as Float64Array]));
    return { loss: loss.item(), grads: grads as Record<keyof Inputs, Float64Array> };
  });
}

test('analytic gradients equal central differences (float64, relative error < 1e-5)', () => {
  const inputs: Inputs = {
    x: Float64Array.from({ length: 128 }, (_, i) => Math.sin(i * 0.37 + 0.1)),
    w: Float64Array.from({ length: 72 }, (_, i) => Math.cos(i * 0.53) * 0.4),
    gamma: Float64Array.from([1.2, -0.7, 0.9, 1.5]),
    beta: Float64Array.from([0.1, -0.2, 0.3, 0.05]),
  };
  const { grads } = evaluate(inputs, true);
  assert.equal(torch.tidy(() => torch.tensor(inputs.x, { shape: [2, 64] }).dtype), 'float64');
  const h = 1e-6;
  for (const k of Object.keys(SHAPES) as (keyof Inputs)[]) {
    const analytic = grads![k];
    const numeric = new Float64Array(analytic.length);
    const v = inputs[k];
    for (let i = 0; i < v.length; i++) {
      const saved = v[i]!;
      v[i] = saved + h;
      const up = evaluate(inputs, false).loss;
      v[i] = saved - h;
      const down = evaluate(inputs, false).loss;
      v[i] = saved;
      numeric[i] = (up - down) / (2 * h);
    }
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < numeric.length; i++) {
      diff += (analytic[i]! - numeric[i]!) ** 2;
      norm += numeric[i]! ** 2;
    }
    const rel = Math.sqrt(diff / norm);
    assert.ok(norm > 1e-12, `${k}: gradient is not identically zero`);
    assert.ok(rel < 1e-5, `${k}: relative error ${rel.toExponential(2)} between autograd and finite differences`);
  }
});
