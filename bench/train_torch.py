#!/usr/bin/env python3
"""Baseline for bench/train.ts: YOLOv5's training step in plain PyTorch (NCHW, as YOLOv5 v7.0 trains on CPU).

Usage: train_torch.py CONFIG.yaml BATCH_DIR NC IMG THREADS WARMUP STEPS
  BATCH_DIR holds images_K.npy (uint8, bs×3×h×w) and targets_K.npy (float32, n×6 rows image, cls, cx, cy, w, h)
  written by bench/train.ts; the step cycles through them.
Prints one JSON line {"step_ms": [...], "max_rss_mb": …, "torch": …}.

The step is forward, loss (build_targets + CIoU box loss + BCE objectness/class losses, YOLOv5's gains and
balance), backward, clip_grad_norm_(10), SGD(nesterov) over the three smart_optimizer groups, EMA update.
Written for this benchmark: a compact re-statement of YOLOv5's rules, not YOLOv5's code.
"""
import copy, json, math, os, resource, sys, time

import numpy as np
import torch
import torch.nn as nn
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_torch import Detect, build  # noqa: E402


def ciou(box1, box2, eps=1e-7):
    """Complete IoU of paired (n, 4) xywh boxes."""
    (x1, y1, w1, h1), (x2, y2, w2, h2) = box1.unbind(1), box2.unbind(1)
    b1x1, b1x2, b1y1, b1y2 = x1 - w1 / 2, x1 + w1 / 2, y1 - h1 / 2, y1 + h1 / 2
    b2x1, b2x2, b2y1, b2y2 = x2 - w2 / 2, x2 + w2 / 2, y2 - h2 / 2, y2 + h2 / 2
    h1, h2 = h1 + eps, h2 + eps
    inter = (torch.min(b1x2, b2x2) - torch.max(b1x1, b2x1)).clamp(0) * (torch.min(b1y2, b2y2) - torch.max(b1y1, b2y1)).clamp(0)
    union = w1 * h1 + w2 * h2 - inter + eps
    iou = inter / union
    cw = torch.max(b1x2, b2x2) - torch.min(b1x1, b2x1)
    ch = torch.max(b1y2, b2y2) - torch.min(b1y1, b2y1)
    diag2 = cw ** 2 + ch ** 2 + eps
    centre2 = ((x2 - x1) ** 2 + (y2 - y1) ** 2)
    v = (4 / math.pi ** 2) * (torch.atan(w2 / h2) - torch.atan(w1 / h1)).pow(2)
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (centre2 / diag2 + v * alpha)


class YoloLoss:
    """YOLOv5 v7.0's loss rules: anchors matched by wh ratio < anchor_t, each target also assigned to the two
    neighbouring cells nearest its centre; box = 1 − CIoU, objectness target = CIoU (detached, clamped ≥ 0)."""

    def __init__(self, detect: Detect, hyp):
        self.hyp, self.na, self.nl, self.nc = hyp, detect.na, detect.nl, detect.no - 5
        self.anchors = detect.anchors / torch.tensor(detect.strides, dtype=torch.float32).view(-1, 1, 1)  # grid units
        self.balance = [4.0, 1.0, 0.4]
        self.bce = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1.0]))
        self.cell_offsets = torch.tensor([[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1]], dtype=torch.float32) * 0.5

    def assign(self, preds, targets):
        nt = targets.shape[0]
        anchor_ids = torch.arange(self.na, dtype=torch.float32).view(self.na, 1).expand(self.na, nt)
        per_anchor = torch.cat((targets.unsqueeze(0).expand(self.na, nt, 6), anchor_ids.unsqueeze(2)), 2)  # (na, nt, 7)
        out = []
        for i, p in enumerate(preds):
            ny, nx = p.shape[2], p.shape[3]
            scale = torch.tensor([1, 1, nx, ny, nx, ny, 1], dtype=torch.float32)
            t = per_anchor * scale
            ratio = t[..., 4:6] / self.anchors[i].unsqueeze(1)
            t = t[torch.max(ratio, 1 / ratio).max(2)[0] < self.hyp['anchor_t']]
            gxy = t[:, 2:4]
            gxy_inv = torch.tensor([nx, ny], dtype=torch.float32) - gxy
            left_up = (gxy % 1 < 0.5) & (gxy > 1)
            right_down = (gxy_inv % 1 < 0.5) & (gxy_inv > 1)
            keep = torch.stack((torch.ones_like(left_up[:, 0]), left_up[:, 0], left_up[:, 1], right_down[:, 0], right_down[:, 1]))
            t = t.unsqueeze(0).expand(5, *t.shape)[keep]
            offsets = (torch.zeros_like(gxy).unsqueeze(0) + self.cell_offsets.unsqueeze(1))[keep]
            img, cls, gxy, gwh, a = t[:, 0].long(), t[:, 1].long(), t[:, 2:4], t[:, 4:6], t[:, 6].long()
            gij = (gxy - offsets).long()
            gi, gj = gij[:, 0].clamp(0, nx - 1), gij[:, 1].clamp(0, ny - 1)
            out.append(((img, a, gj, gi), torch.cat((gxy - gij, gwh), 1), self.anchors[i][a], cls))
        return out

    def __call__(self, preds, targets):
        lbox, lobj, lcls = torch.zeros(1), torch.zeros(1), torch.zeros(1)
        for i, (p, (index, tbox, anchors, cls)) in enumerate(zip(preds, self.assign(preds, targets))):
            tobj = torch.zeros(p.shape[:4])
            if cls.shape[0]:
                pxy, pwh, _, pcls = p[index].split((2, 2, 1, self.nc), 1)
                pxy = pxy.sigmoid() * 2 - 0.5
                pwh = (pwh.sigmoid() * 2) ** 2 * anchors
                iou = ciou(torch.cat((pxy, pwh), 1), tbox)
                lbox += (1.0 - iou).mean()
                tobj[index] = iou.detach().clamp(0)
                if self.nc > 1:
                    tc = torch.zeros_like(pcls)
                    tc[torch.arange(cls.shape[0]), cls] = 1.0
                    lcls += self.bce(pcls, tc)
            lobj += self.bce(p[..., 4], tobj) * self.balance[i]
        bs = preds[0].shape[0]
        return (lbox * self.hyp['box'] + lobj * self.hyp['obj'] + lcls * self.hyp['cls']) * bs


def smart_sgd(model, lr, momentum, decay):
    """YOLOv5's three groups: biases (no decay), weights (decay), normalisation weights (no decay); Nesterov SGD."""
    weights, norm_weights, biases = [], [], []
    for m in model.modules():
        for name, p in m.named_parameters(recurse=False):
            if name == 'bias':
                biases.append(p)
            elif name == 'weight' and 'Norm' in type(m).__name__:
                norm_weights.append(p)
            else:
                weights.append(p)
    opt = torch.optim.SGD(biases, lr=lr, momentum=momentum, nesterov=True)
    opt.add_param_group({'params': weights, 'weight_decay': decay})
    opt.add_param_group({'params': norm_weights, 'weight_decay': 0.0})
    return opt


class Ema:
    def __init__(self, model, decay=0.9999, tau=2000):
        self.ema = copy.deepcopy(model).eval()
        for p in self.ema.parameters():
            p.requires_grad_(False)
        self.updates, self.decay, self.tau = 0, decay, tau

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        d = self.decay * (1 - math.exp(-self.updates / self.tau))
        source = model.state_dict()
        for k, v in self.ema.state_dict().items():
            if v.dtype.is_floating_point:
                v *= d
                v += (1 - d) * source[k].detach()


def main():
    cfg_path, batch_dir, nc, img, threads, warmup, steps = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:8])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg = yaml.safe_load(open(cfg_path))
    cfg['nc'] = nc
    model = build(cfg).train()
    batches = []
    k = 0
    while os.path.exists(os.path.join(batch_dir, f'images_{k}.npy')):
        batches.append((torch.from_numpy(np.load(os.path.join(batch_dir, f'images_{k}.npy'))),
                        torch.from_numpy(np.load(os.path.join(batch_dir, f'targets_{k}.npy')))))
        k += 1
    if not batches:
        raise SystemExit(f'no images_0.npy in {batch_dir}')
    bs = batches[0][0].shape[0]
    nbs = 64
    accumulate = max(round(nbs / bs), 1)
    hyp = {'lr0': 0.01, 'momentum': 0.937, 'weight_decay': 0.0005 * bs * accumulate / nbs, 'anchor_t': 4.0,
           'box': 0.05, 'cls': 0.5 * nc / 80, 'obj': 1.0 * (img / 640) ** 2}
    loss_fn = YoloLoss(model.model[-1], hyp)
    opt = smart_sgd(model, hyp['lr0'], hyp['momentum'], hyp['weight_decay'])
    ema = Ema(model)
    params = list(model.parameters())
    times = []
    for s in range(warmup + steps):
        images, targets = batches[s % len(batches)]
        t0 = time.perf_counter()
        x = images.float() / 255
        loss = loss_fn(model(x), targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, max_norm=10.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        ema.update(model)
        if s >= warmup:
            times.append((time.perf_counter() - t0) * 1000)
        if not math.isfinite(loss.item()):
            raise SystemExit(f'loss is {loss.item()} at step {s}')
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(json.dumps({'step_ms': times, 'max_rss_mb': rss_mb, 'torch': torch.__version__, 'threads': torch.get_num_threads()}))


if __name__ == '__main__':
    main()
