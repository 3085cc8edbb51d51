#!/usr/bin/env python3
"""Baseline for bench/model.ts: the same YOLOv5 / ShuffleNetV2 architectures written in plain PyTorch.

Usage: model_torch.py CONFIG.yaml IMG THREADS ITERS  → prints one JSON line {"median_ms": …}
Written for this benchmark (not YOLOv5's code): just enough of parse_model to build the shipped configs.
"""
import json, math, statistics, sys, time
import torch
import torch.nn as nn
import yaml


class Conv(nn.Module):
    act = nn.SiLU()

    def __init__(self, c1, c2, k=1, s=1, p=None):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2 if p is None else p, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c1, c2, shortcut=True):
        super().__init__()
        self.cv1, self.cv2, self.add = Conv(c1, c2, 1), Conv(c2, c2, 3), shortcut and c1 == c2

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C3(nn.Module):
    def __init__(self, c1, c2, n=1, shortcut=True):
        super().__init__()
        c = c2 // 2
        self.cv1, self.cv2, self.cv3 = Conv(c1, c), Conv(c1, c), Conv(2 * c, c2)
        self.m = nn.Sequential(*(Bottleneck(c, c, shortcut) for _ in range(n)))

    def forward(self, x):
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), 1))


class SPPF(nn.Module):
    def __init__(self, c1, c2, k=5):
        super().__init__()
        c = c1 // 2
        self.cv1, self.cv2, self.m = Conv(c1, c), Conv(c * 4, c2), nn.MaxPool2d(k, 1, k // 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat((x, y1, y2, self.m(y2)), 1))


class ConvMaxpool(nn.Module):
    def __init__(self, c1, c2):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(c1, c2, 3, 2, 1, bias=False), nn.BatchNorm2d(c2), nn.ReLU(inplace=True))
        self.maxpool = nn.MaxPool2d(3, 2, 1)

    def forward(self, x):
        return self.maxpool(self.conv(x))


class Shuffle(nn.Module):
    def __init__(self, inp, oup, stride):
        super().__init__()
        self.stride, bf = stride, oup // 2
        self.branch1 = nn.Sequential(
            nn.Conv2d(inp, inp, 3, stride, 1, groups=inp), nn.BatchNorm2d(inp),
            nn.Conv2d(inp, bf, 1, bias=False), nn.BatchNorm2d(bf), nn.ReLU(inplace=True)) if stride == 2 else nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if stride == 2 else bf, bf, 1, bias=False), nn.BatchNorm2d(bf), nn.ReLU(inplace=True),
            nn.Conv2d(bf, bf, 3, stride, 1, groups=bf), nn.BatchNorm2d(bf),
            nn.Conv2d(bf, bf, 1, bias=False), nn.BatchNorm2d(bf), nn.ReLU(inplace=True))

    def forward(self, x):
        if self.stride == 1:
            a, b = x.chunk(2, dim=1)
            out = torch.cat((a, self.branch2(b)), 1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), 1)
        n, c, h, w = out.shape
        return out.view(n, 2, c // 2, h, w).transpose(1, 2).contiguous().view(n, c, h, w)


class Concat(nn.Module):
    def forward(self, xs):
        return torch.cat(xs, 1)


class Detect(nn.Module):
    def __init__(self, nc, anchors, ch, strides=(8, 16, 32)):
        super().__init__()
        self.no, self.na, self.nl = nc + 5, len(anchors[0]) // 2, len(anchors)
        self.m = nn.ModuleList(nn.Conv2d(c, self.no * self.na, 1) for c in ch)
        self.anchors = torch.tensor(anchors, dtype=torch.float32).view(self.nl, self.na, 2)
        self.strides = strides

    def forward(self, xs):
        z = []
        for i in range(self.nl):
            x = self.m[i](xs[i])
            bs, _, ny, nx = x.shape
            x = x.view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()
            if self.training:  # training returns the raw (bs, na, ny, nx, no) maps, as YOLOv5's Detect does
                z.append(x)
                continue
            yv, xv = torch.meshgrid(torch.arange(ny), torch.arange(nx), indexing='ij')
            grid = torch.stack((xv, yv), 2).expand(1, self.na, ny, nx, 2).float() - 0.5
            ag = self.anchors[i].view(1, self.na, 1, 1, 2)
            xy, wh, conf = x.sigmoid().split((2, 2, self.no - 4), 4)
            y = torch.cat(((xy * 2 + grid) * self.strides[i], (wh * 2) ** 2 * ag, conf), 4)
            z.append(y.view(bs, -1, self.no))
        return z if self.training else torch.cat(z, 1)


def build(cfg):
    gd, gw, nc, anchors = cfg['depth_multiple'], cfg['width_multiple'], cfg['nc'], cfg['anchors']
    no = (len(anchors[0]) // 2) * (nc + 5)
    layers, ch, froms = [], [3], []
    for i, (f, n, m, args) in enumerate(cfg['backbone'] + cfg['head']):
        n = max(round(n * gd), 1) if n > 1 else n
        width = {'Conv': Conv, 'C3': C3, 'SPPF': SPPF, 'Conv_maxpool': ConvMaxpool, 'ShuffleNetV2_InvertedResidual': Shuffle}
        if m in width:
            c1, c2 = ch[f], args[0]
            c2 = math.ceil(c2 * gw / 8) * 8 if c2 != no else c2
            args = [c1, c2, *args[1:]]
            if m == 'C3':
                args.insert(2, n)
                n = 1
            mod = nn.Sequential(*(width[m](*args) for _ in range(n))) if n > 1 else width[m](*args)
        elif m == 'Concat':
            c2, mod = sum(ch[x] for x in f), Concat()
        elif m == 'nn.Upsample':
            c2, mod = ch[f], nn.Upsample(None, 2, 'nearest')
        elif m == 'Detect':
            mod = Detect(nc, anchors, [ch[x] for x in f])
        else:
            raise ValueError(m)
        if i == 0:
            ch = []
        ch.append(c2 if m != 'Detect' else no)
        layers.append(mod)
        froms.append(f)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.model = nn.Sequential(*layers)

        def forward(self, x):
            y = []
            for m, f in zip(self.model, froms):
                if f != -1:
                    x = y[f] if isinstance(f, int) else [x if j == -1 else y[j] for j in f]
                x = m(x)
                y.append(x)
            return x
    return Model()


def median_forward_ms(model, img, iters):
    """Median eval forward time of a batch-1 img×img input over `iters` runs, after two warm-up runs."""
    x = torch.rand(1, 3, img, img)
    times = []
    with torch.no_grad():
        for k in range(iters + 2):
            t0 = time.perf_counter()
            model(x)
            if k >= 2:
                times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    cfg_path, img, threads, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    model = build(yaml.safe_load(open(cfg_path))).eval()
    print(json.dumps({'median_ms': median_forward_ms(model, img, iters), 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
