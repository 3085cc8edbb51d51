"""The PyTorch side of `npm run bench:training-parity -- --task classify`: YOLOv5 v7.0's yolov5n classifier, untrained,
saved as a .pt that v7.0's classify/train.py accepts as --model (v7.0 ships no -cls YAMLs and its
ClassificationModel._from_yaml is a stub; its classifiers are ClassificationModel(DetectionModel('yolov5n.yaml'),
cutoff=10), which this builds). classify/train.py --pretrained False then re-initialises every layer.

    cd path/to/yolov5-v7.0 && python3 path/to/make_cls_scratch_model.py OUT.pt
"""
import sys

sys.path.insert(0, '.')  # the YOLOv5 v7.0 checkout (the working directory)
import torch  # noqa: E402
from models.yolo import ClassificationModel, DetectionModel  # noqa: E402

model = ClassificationModel(model=DetectionModel('models/yolov5n.yaml'), nc=10, cutoff=10)
torch.save({'model': model, 'ema': None}, sys.argv[1])
print(f'{sys.argv[1]}: yolov5n-cls (nc 10), {sum(p.numel() for p in model.parameters())} parameters')
