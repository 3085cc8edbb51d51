// Neural-network functions against PyTorch 1.13's output on inputs built from small exact formulas
// (the generating Python is quoted beside each), plus activations against their definitions.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as torch from '../../src/tensor/index.ts';
import { F } from '../../src/tensor/index.ts';
import { assertClose, fromFormula } from './assert-close.ts';

const data = (t: torch.Tensor) => t.toTypedArray() as Float32Array;

// x[i] = ((i*7)%11 - 5)/4 in [1,4,4,4];  w[i] = ((i*5)%7 - 3)/8 in [4,2,3,3];  b[i] = (i - 1.5)/4
const convInput = () => torch.tensor(fromFormula(64, (i) => (((i * 7) % 11) - 5) / 4), { shape: [1, 4, 4, 4] });
const convWeight = () => torch.tensor(fromFormula(72, (i) => (((i * 5) % 7) - 3) / 8), { shape: [4, 2, 3, 3] });
const convBias = () => torch.tensor(fromFormula(4, (i) => (i - 1.5) / 4));

// F.conv2d(x, w, b, stride=1, padding=1, groups=2).flatten()
const CONV_GROUPS2 = [
  -1.28125, 0.84375, -0.5, -0.09375, 0.125, -0.0625, -0.375, 0.46875, -1.59375, 0.0625, 0.09375, -1.65625, -0.03125, 0.3125, -0.59375, -0.84375, 0.125,
  0.59375, -0.3125, 0.15625, -0.71875, -1.25, 0.46875, -0.5625, 0.0, 0.125, 0.125, -0.25, 0.03125, -1.40625, 0.875, -0.71875, 0.8125, -0.375, -1.1875,
  0.96875, 0.8125, 0.4375, 0.40625, -0.0625, -0.15625, 1.6875, -1.78125, 0.28125, 0.8125, -0.84375, 0.15625, 0.4375, 1.375, 0.34375, 0.3125, 0.59375,
  0.40625, 1.25, -0.34375, -0.46875, 0.5625, 0.375, -0.1875, 0.25, 0.59375, 0.28125, 0.1875, -0.40625,
];
// F.conv2d(x, w[:, :1], None, stride=2, padding=1, groups=4).flatten()  (depthwise, stride 2)
const CONV_DW_S2 = [-0.6875, -0.4375, -0.53125, -0.25, 0.0625, -0.71875, 0.375, -1.0, 0.4375, -0.625, -0.25, -0.75, -0.03125, 0.21875, -0.25, 0.90625];

test('conv2d with groups=2, and depthwise with stride 2, equal PyTorch', () => {
  torch.tidy(() => {
    const x = convInput();
    const w = convWeight();
    const y = F.conv2d(x, w, convBias(), { padding: 1, groups: 2 });
    assert.deepEqual(y.shape, [1, 4, 4, 4]);
    assertClose(data(y), CONV_GROUPS2, 1e-6, 'groups=2');
    const dw = F.conv2d(x, w.narrow(1, 0, 1).contiguous(), null, { stride: 2, padding: 1, groups: 4 });
    assert.deepEqual(dw.shape, [1, 4, 2, 2]);
    assertClose(data(dw), CONV_DW_S2, 1e-6, 'depthwise');
  });
});

test('conv_transpose2d scatters each input pixel times the kernel (overlaps add; padding crops; groups, stride, bias)', () => {
  torch.tidy(() => {
    const x = torch.tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] });
    const w = torch.tensor([1, 10, 100, 1000], { shape: [1, 1, 2, 2] });
    // out[p, q] = Σ x[i, j] · w[p - i, q - j]
    const y = F.convTranspose2d(x, w);
    assert.deepEqual(y.shape, [1, 1, 3, 3]);
    assert.deepEqual([...data(y)], [1, 12, 20, 103, 1234, 2040, 300, 3400, 4000]);
    assert.deepEqual([...data(F.convTranspose2d(x, w, null, { padding: 1 }))], [1234]);
    assert.deepEqual(F.convTranspose2d(x, w, null, { stride: 2, outputPadding: 1 }).shape, [1, 1, 5, 5]);
    // Depth-wise, stride 2: channel c's pixel (i, j) becomes the 2×2 block x·w[c] + b[c] at (2i, 2j).
    const x2 = torch.tensor([1, 2, 3, 4, -1, -2, -3, -4], { shape: [1, 2, 2, 2] });
    const w2 = torch.tensor([1, 2, 3, 4, 5, 6, 7, 8], { shape: [2, 1, 2, 2] });
    const b2 = torch.tensor([0.5, -0.5]);
    const dw = F.convTranspose2d(x2, w2, b2, { stride: 2, groups: 2 });
    assert.deepEqual(dw.shape, [1, 2, 4, 4]);
    const xs = [1, 2, 3, 4, -1, -2, -3, -4];
    const ws = [1, 2, 3, 4, 5, 6, 7, 8];
    const want: number[] = [];
    for (let c = 0; c < 2; c++) {
      for (let p = 0; p < 4; p++) {
        for (let q = 0; q < 4; q++) want.push(xs[c * 4 + (p >> 1) * 2 + (q >> 1)]! * ws[c * 4 + (p % 2) * 2 + (q % 2)]! + [0.5, -0.5][c]!);
      }
    }
    assert.deepEqual([...data(dw)], want);
  });
});

test('channels_last: contiguous("channels_last") is channels-last, and conv gives the NCHW result', () => {
  torch.tidy(() => {
    const x = convInput();
    const xl = x.contiguous('channels_last');
    assert.equal(x.isChannelsLast(), false);
    assert.equal(xl.isChannelsLast(), true);
    assert.deepEqual(xl.shape, [1, 4, 4, 4]);
    assert.deepEqual([...data(xl)], [...data(x)], 'element order seen from JS is logical NCHW');
    const w = convWeight().contiguous('channels_last');
    const y = F.conv2d(xl, w, convBias(), { padding: 1, groups: 2 });
    assertClose(data(y), CONV_GROUPS2, 1e-6, 'channels_last conv');
    const big = torch.randn([2, 8, 9, 9]);
    const wb = torch.randn([16, 8, 3, 3]);
    const ref = data(F.conv2d(big, wb, null, { padding: 1 }));
    assertClose(data(F.conv2d(big.contiguous('channels_last'), wb.contiguous('channels_last'), null, { padding: 1 })), ref, 1e-5, 'random conv');
  });
});

// x[i] = ((i*13)%17 - 8)/5 in [2,3,2,2]; BatchNorm2d(3, momentum=0.2, eps=1e-3), weight [1.5,-0.5,2], bias [0.1,0.2,-0.3]
const BN_TRAIN_OUT = [
  -2.352419137954712, 1.5119988918304443, 0.3229472041130066, -0.8661045432090759, 0.8233874440193176, -0.49972060322761536, -0.0926104262471199,
  0.31449973583221436, -2.7935497760772705, 2.498882293701172, 0.870441734790802, -0.7579989433288574, -1.4606304168701172, 2.403787851333618,
  1.214735984802246, 0.02568427287042141, 0.5180548429489136, 0.9251649975776672, -0.39794304966926575, 0.009167115204036236, -1.5722193717956543,
  -3.200659990310669, 2.0917723178863525, 0.46333155035972595,
];
const BN_RUNNING_MEAN = [0.009999999776482582, -0.03500000014901161, 0.005000000353902578];
const BN_RUNNING_VAR = [1.0325714349746704, 1.0204286575317383, 1.0204286575317383]; // unbiased batch variance
const BN_EVAL_OUT = [
  -2.2754552364349365, 1.5606836080551147, 0.38033321499824524, -0.800017237663269, 0.8753029108047485, -0.41098839044570923, -0.015206435695290565,
  0.3805755078792572, -2.6845862865448, 2.4605789184570312, 0.8774513006210327, -0.7056764960289001, -1.3901923894882202, 2.445946455001831,
  1.2655960321426392, 0.08524562418460846, 0.5784664750099182, 0.974248468875885, -0.31204289197921753, 0.08373904973268509, -1.497240424156189,
  -3.0803680419921875, 2.0647971630096436, 0.4816693365573883,
];

test('batchNorm in training mode normalises by batch stats and updates running stats (unbiased var, momentum)', () => {
  torch.tidy(() => {
    const x = torch.tensor(fromFormula(24, (i) => (((i * 13) % 17) - 8) / 5), { shape: [2, 3, 2, 2] });
    const rm = torch.zeros([3]);
    const rv = torch.ones([3]);
    const o = { weight: torch.tensor([1.5, -0.5, 2]), bias: torch.tensor([0.1, 0.2, -0.3]), momentum: 0.2, eps: 1e-3 };
    const y = F.batchNorm(x, rm, rv, { ...o, training: true });
    assertClose(data(y), BN_TRAIN_OUT, 1e-5, 'train output');
    assertClose(data(rm), BN_RUNNING_MEAN, 1e-6, 'running_mean');
    assertClose(data(rv), BN_RUNNING_VAR, 1e-6, 'running_var');
    const ye = F.batchNorm(x, rm, rv, { ...o, training: false });
    assertClose(data(ye), BN_EVAL_OUT, 1e-5, 'eval output');
    assertClose(data(rm), BN_RUNNING_MEAN, 0, 'eval leaves running_mean alone');
  });
});

test('maxPool2d: 3×3/s1/p1, 2×2/s2 and 5×5/s1/p2 (the SPPF kernel) equal PyTorch', () => {
  torch.tidy(() => {
    const x = torch.tensor(fromFormula(16, (i) => (i * 7) % 11), { shape: [1, 1, 4, 4] });
    assert.deepEqual([...data(F.maxPool2d(x, 3, 1, 1))], [7, 9, 10, 10, 8, 9, 10, 10, 8, 10, 10, 10, 8, 10, 10, 10]);
    assert.deepEqual([...data(F.maxPool2d(x, 2))], [7, 10, 8, 10]);
    assert.deepEqual([...data(F.maxPool2d(x, 5, 1, 2))], [9, ...Array(15).fill(10)]);
    assert.deepEqual(F.maxPool2d(torch.zeros([1, 1, 5, 5]), 2, 2, 0, 1, true).shape, [1, 1, 3, 3], 'ceil mode');
  });
});

test('nearest upsampling by scale factor and to a size; bilinear to a size', () => {
  torch.tidy(() => {
    const x = torch.arange(6, undefined, 1, { dtype: 'float32' }).reshape(1, 1, 2, 3);
    const up = F.interpolateNearest(x, { scaleFactor: 2 });
    assert.deepEqual(up.shape, [1, 1, 4, 6]);
    assert.deepEqual([...data(up)], [0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 3, 3, 4, 4, 5, 5]);
    // F.interpolate(x, size=(3,5), mode='nearest')
    assert.deepEqual([...data(F.interpolateNearest(x, { size: [3, 5] }))], [0, 0, 1, 1, 2, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5]);
    // F.interpolate(x, size=(3,5), mode='bilinear', align_corners=False)
    const BILINEAR = [0.0, 0.40000003576278687, 1.0, 1.6000001430511475, 2.0, 1.5, 1.9000000953674316, 2.5, 3.1000001430511475, 3.5, 3.0, 3.3999998569488525, 3.999999761581421, 4.599999904632568, 5.0];
    assertClose(data(F.interpolateBilinear(x, [3, 5])), BILINEAR, 1e-6, 'bilinear');
  });
});

test('silu / relu / leakyRelu / hardswish follow their definitions', () => {
  torch.tidy(() => {
    const xs = [-4, -3, -1.5, -0.2, 0, 0.7, 2, 3, 5].map(Math.fround);
    const x = torch.tensor(xs);
    assertClose(data(x.silu()), xs.map((v) => v / (1 + Math.exp(-v))), 1e-6, 'silu');
    assert.deepEqual([...data(x.relu())], xs.map((v) => Math.max(v, 0)));
    assertClose(data(x.leakyRelu(0.1)), xs.map((v) => (v > 0 ? v : 0.1 * v)), 1e-7, 'leaky_relu');
    assertClose(data(x.leakyRelu()), xs.map((v) => (v > 0 ? v : 0.01 * v)), 1e-7, 'leaky_relu default slope');
    assertClose(data(x.hardswish()), xs.map((v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6), 1e-6, 'hardswish');
  });
});

test('binaryCrossEntropyWithLogits with pos_weight: none / mean / sum equal PyTorch and the formula', () => {
  torch.tidy(() => {
    const logits = [[-2, 0.5, 3], [1, -0.25, 0]];
    const target = [[0, 1, 1], [0.5, 0, 1]];
    const pw = [1, 2, 0.5];
    const x = torch.tensor(logits);
    const t = torch.tensor(target);
    const p = torch.tensor(pw);
    // ℓ = −[pw·y·log σ(x) + (1−y)·log(1−σ(x))]
    const formula = logits.flatMap((row, r) =>
      row.map((v, c) => {
        const y = target[r]![c]!;
        return -(pw[c]! * y * Math.log(1 / (1 + Math.exp(-v))) + (1 - y) * Math.log(1 - 1 / (1 + Math.exp(-v))));
      }),
    );
    // F.binary_cross_entropy_with_logits(x, t, pos_weight=pw, reduction='none')
    const PYTORCH = [0.12692809104919434, 0.9481539726257324, 0.02429366484284401, 0.8132616281509399, 0.575939416885376, 0.3465735912322998];
    const none = data(F.binaryCrossEntropyWithLogits(x, t, { posWeight: p, reduction: 'none' }));
    assertClose(none, PYTORCH, 1e-6, 'none vs PyTorch');
    assertClose(none, formula, 1e-6, 'none vs formula');
    assertClose([F.binaryCrossEntropyWithLogits(x, t, { posWeight: p }).item()], [0.472525030374527], 1e-6, 'mean');
    assertClose([F.binaryCrossEntropyWithLogits(x, t, { posWeight: p, reduction: 'sum' }).item()], [2.8351502418518066], 1e-6, 'sum');
    const plain = F.binaryCrossEntropyWithLogits(x, t, { reduction: 'none' });
    assert.ok(Math.abs(data(plain)[1]! - PYTORCH[1]! / 2) < 1e-6, 'without pos_weight the positive term is unweighted');
  });
});
