#!/usr/bin/env python3
"""Baseline for bench/model.ts: a config built by a reference checkout's own code (YOLOv5 v7.0 or YOLOv5-Lite).

Usage: model_reference.py REPO_DIR CONFIG.yaml IMG THREADS ITERS  → prints one JSON line {"median_ms": …}
REPO_DIR is a checkout of ultralytics/yolov5 (v7.0) or ppogg/YOLOv5-Lite; its models/yolo.py builds the model,
so the baseline is the real architecture, not a re-implementation.
"""
import json, os, sys

repo, cfg, img, threads, iters = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
sys.path.insert(0, os.path.abspath(repo))
import torch  # noqa: E402
from models.yolo import Model  # noqa: E402  (the reference checkout's)
from model_torch import median_forward_ms  # noqa: E402  (this folder's timing loop, shared with the plain baseline)

torch.set_num_threads(threads)
print(json.dumps({"median_ms": median_forward_ms(Model(cfg).eval(), img, iters)}))
