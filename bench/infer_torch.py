#!/usr/bin/env python3
"""Baseline for bench/infer.ts: detect.py's per-image pipeline in plain PyTorch on the same libtorch.

Usage: infer_torch.py CONFIG.yaml WEIGHTS_DIR IMAGES_DIR IMG THREADS ROUNDS
  WEIGHTS_DIR: one KEY.npy per state_dict entry, written by bench/infer.ts from the tsyolo model, so both sides run
  the same weights (and must find the same detections).
Per image: PIL decode → letterbox (bilinear resize, grey 114 padding to the stride multiple) → fused eval forward →
NMS (conf 0.25, IoU 0.45, max 1000). One warm-up pass over the images, then ROUNDS timed passes.
Prints one JSON line {"ms_per_image": [...per round], "detections": [...per image], "torch": …}.
PIL stands in for cv2 (not installed here) and the NMS is written here (no torchvision).
"""
import json, os, sys, time

import numpy as np
import torch
import torch.nn as nn
import yaml
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_torch import build  # noqa: E402


def fold_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """conv followed by bn as one conv with a bias (inference only)."""
    fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                      groups=conv.groups, bias=True)
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    fused.weight.data = conv.weight.data * scale.view(-1, 1, 1, 1)
    bias = conv.bias.data if conv.bias is not None else torch.zeros(conv.out_channels)
    fused.bias.data = (bias - bn.running_mean) * scale + bn.bias
    return fused


@torch.no_grad()
def fuse(model: nn.Module) -> nn.Module:
    """Folds every BatchNorm that directly follows a Conv2d (Conv's conv/bn pair, Sequential neighbours)."""
    for m in model.modules():
        if hasattr(m, 'conv') and isinstance(getattr(m, 'bn', None), nn.BatchNorm2d):
            m.conv, m.bn = fold_bn(m.conv, m.bn), nn.Identity()
        if isinstance(m, nn.Sequential):
            layers = list(m)
            for i in range(len(layers) - 1):
                if isinstance(layers[i], nn.Conv2d) and isinstance(layers[i + 1], nn.BatchNorm2d):
                    m[i], m[i + 1] = fold_bn(layers[i], layers[i + 1]), nn.Identity()
    return model


def letterbox(im: Image.Image, size: int, stride: int):
    w0, h0 = im.size
    r = min(size / h0, size / w0)
    w, h = int(round(w0 * r)), int(round(h0 * r))
    if (w, h) != (w0, h0):
        im = im.resize((w, h), Image.BILINEAR)
    dw, dh = (size - w) % stride / 2, (size - h) % stride / 2
    top, left = int(round(dh - 0.1)), int(round(dw - 0.1))
    out = np.full((h + int(round(dh + 0.1)) + top, w + int(round(dw + 0.1)) + left, 3), 114, dtype=np.uint8)
    out[top:top + h, left:left + w] = np.asarray(im)
    return out


def box_iou(a, b):
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(0).prod(2)
    return inter / (area_a[:, None] + area_b[None] - inter)


def nms(pred, conf_thres=0.25, iou_thres=0.45, max_det=1000, max_nms=30000, max_wh=7680):
    """YOLOv5's non_max_suppression for one image (single label per box, class-aware by offsetting boxes)."""
    x = pred[pred[:, 4] > conf_thres]
    if not x.shape[0]:
        return x.new_zeros((0, 6))
    x[:, 5:] *= x[:, 4:5]
    xy, wh = x[:, :2], x[:, 2:4] / 2
    boxes = torch.cat((xy - wh, xy + wh), 1)
    conf, cls = x[:, 5:].max(1, keepdim=True)
    det = torch.cat((boxes, conf, cls.float()), 1)[conf.view(-1) > conf_thres]
    det = det[det[:, 4].argsort(descending=True)[:max_nms]]
    shifted = det[:, :4] + det[:, 5:6] * max_wh
    suppressed = box_iou(shifted, shifted) > iou_thres
    keep, removed = [], torch.zeros(det.shape[0], dtype=torch.bool)
    for i in range(det.shape[0]):
        if removed[i]:
            continue
        keep.append(i)
        removed |= suppressed[i]
    return det[keep[:max_det]]


def main():
    cfg_path, weights_dir, images_dir = sys.argv[1:4]
    img, threads, rounds = map(int, sys.argv[4:7])
    torch.set_num_threads(threads)
    cfg = yaml.safe_load(open(cfg_path))
    cfg['nc'] = int(np.load(os.path.join(weights_dir, 'nc.npy')))
    model = build(cfg)
    state = model.state_dict()
    missing = [k for k in state if not k.endswith('num_batches_tracked') and not os.path.exists(os.path.join(weights_dir, k + '.npy'))]
    if missing:
        raise SystemExit(f'{weights_dir}: no weights for {missing[:5]} (+{max(len(missing) - 5, 0)})')
    model.load_state_dict({k: torch.from_numpy(np.load(os.path.join(weights_dir, k + '.npy'))) if os.path.exists(os.path.join(weights_dir, k + '.npy')) else v
                           for k, v in state.items()})
    model = fuse(model.eval())
    files = sorted(os.path.join(images_dir, f) for f in os.listdir(images_dir) if f.endswith('.jpg'))

    def one(path):
        im = letterbox(Image.open(path).convert('RGB'), img, 32)
        x = torch.from_numpy(im).permute(2, 0, 1).float().div(255).unsqueeze(0).contiguous()
        with torch.no_grad():
            pred = model(x)
        return nms(pred[0])

    detections = [int(one(f).shape[0]) for f in files]  # warm-up pass
    ms = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for f in files:
            one(f)
        ms.append((time.perf_counter() - t0) * 1000 / len(files))
    print(json.dumps({'ms_per_image': ms, 'detections': detections, 'torch': torch.__version__, 'threads': torch.get_num_threads()}))


if __name__ == '__main__':
    main()
