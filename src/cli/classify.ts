// `tsyolo classify train|val|predict`: YOLOv5 v7.0's classify/train.py, val.py and predict.py (src/classify/).
import type { Command } from 'commander';
import { CLASSIFY_PREDICT_FLAGS, CLASSIFY_TRAIN_FLAGS, CLASSIFY_VAL_FLAGS } from '../classify/classify-options.ts';
import { addOptions, resolveFlags } from './options.ts';

/** Registers `classify` and its three subcommands. */
export function classifyCommand(command: Command, print: (s: string) => void): void {
  command.description('image classification (YOLOv5 v7.0 classify/): train, val, predict on ImageNet-style folders');
  const train = command.command('train').description('train a classifier on train/<class>/*.jpg, validating on val/ (or test/)');
  addOptions(train, CLASSIFY_TRAIN_FLAGS).action(async (values: Record<string, unknown>) => {
    const { trainClassifier } = await import('../classify/train.ts');
    await trainClassifier(resolveFlags(CLASSIFY_TRAIN_FLAGS, values), print);
  });
  const val = command.command('val').description("top-1 / top-5 accuracy of a classifier on a dataset folder's test/ or val/");
  addOptions(val, CLASSIFY_VAL_FLAGS).action(async (values: Record<string, unknown>) => {
    const { valClassifier } = await import('../classify/val.ts');
    await valClassifier(resolveFlags(CLASSIFY_VAL_FLAGS, values), print);
  });
  const predict = command.command('predict').description('top-5 classes of images, drawn on them (runs/predict-cls/exp)');
  addOptions(predict, CLASSIFY_PREDICT_FLAGS).action(async (values: Record<string, unknown>) => {
    const { predictClassifier } = await import('../classify/predict.ts');
    await predictClassifier(resolveFlags(CLASSIFY_PREDICT_FLAGS, values), print);
  });
}
