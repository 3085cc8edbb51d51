// The README's library snippet (issue #23): load a model, run it in eval mode, NMS. test/docs/typed-snippet.test.ts
// type-checks this file under `tsc --strict` and runs it (on a 64-pixel input, so it is quick).
import { loadModel, noGrad, nonMaxSuppression, zeros } from 'tsyolo';

const model = loadModel('yolov5s.yaml').model.eval();
const x = zeros([1, 3, 64, 64]);
const pred = noGrad(() => model.forward(x)); // (1, rows, 5+nc): one tensor in eval mode
const [boxes] = nonMaxSuppression(pred, { confThres: 0.25 }); // (n, 6): x1 y1 x2 y2 conf cls

// The same with `model.eval()` as a statement: predict() is one tensor whatever the model's type says.
const { model: net } = loadModel('yolov5s.yaml');
net.fuse().eval();
const [same] = nonMaxSuppression(noGrad(() => net.predict(x)), { confThres: 0.25 });

console.log(JSON.stringify({ pred: pred.shape, boxes: boxes!.shape, same: same!.shape }));
