// `tsyolo convert coco|voc|labelme|yolo2coco`: annotation formats to YOLO label files (src/convert/, one file per
// format) and a YOLO split to a COCO ground-truth file. Each problem in the inputs is printed on stderr as it is
// found (file and what is wrong); the run ends with one summary line, and fails only when nothing was converted.
import type { Command } from 'commander';
import { type OptionTable, flag, oneOf, optionalText, text } from '../run/option-table.ts';
import type { ConvertProblem, ConvertResult } from '../convert/report.ts';
import { addOptions, resolveFlags } from './options.ts';

interface CocoFlags {
  out: string;
  segments: boolean;
  cls91to80: boolean;
}

interface VocFlags {
  out: string | undefined;
  names: string | undefined;
}

interface LabelmeFlags {
  out: string | undefined;
  names: string | undefined;
  segments: boolean;
}

interface Yolo2CocoFlags {
  task: 'train' | 'val' | 'test';
  out: string | undefined;
  singleCls: boolean;
  segments: boolean;
}

const NAMES_HELP = 'class list: a comma-separated list, a text file (one name a line) or a YAML with names:';

const COCO_FLAGS: OptionTable<CocoFlags> = {
  out: { flags: '--out <dir>', help: 'output folder: labels/<json stem without instances_>/… and <json stem>.yaml', default: '', required: true, read: text },
  segments: { flags: '--segments', help: 'polygons from segmentation (multi-part ones joined as JSON2YOLO joins them) instead of boxes', default: false, read: flag },
  cls91to80: { flags: '--cls91to80', help: "map COCO's 91 category ids to the 80 classes", default: false, read: flag },
};

const VOC_FLAGS: OptionTable<VocFlags> = {
  out: { flags: '--out <dir>', help: 'label folder (default: labels beside the XML folder)', default: undefined, read: optionalText },
  names: { flags: '--names <list|file>', help: `${NAMES_HELP} (default: VOC's 20 classes)`, default: undefined, read: optionalText },
};

const LABELME_FLAGS: OptionTable<LabelmeFlags> = {
  out: { flags: '--out <dir>', help: 'output folder: labels/, images/, data.yaml (default: <dir>_yolo)', default: undefined, read: optionalText },
  names: { flags: '--names <list|file>', help: `${NAMES_HELP} (default: every label found, sorted)`, default: undefined, read: optionalText },
  segments: { flags: '--segments', help: 'polygon and linestrip shapes as polygons instead of boxes', default: false, read: flag },
};

const YOLO2COCO_FLAGS: OptionTable<Yolo2CocoFlags> = {
  task: { flags: '--task <split>', help: 'the split converted: train, val or test', default: 'val', read: oneOf(['train', 'val', 'test'] as const) },
  out: { flags: '--out <file>', help: 'COCO JSON written (default: <dataset path>/annotations/instances_<task>.json)', default: undefined, read: optionalText },
  singleCls: { flags: '--single-cls', help: "every class as one category 'item'", default: false, read: flag },
  segments: { flags: '--segments', help: "polygon labels: each annotation's polygon (pixels) as its segmentation and its area as area (for cocoeval --iou-type segm)", default: false, read: flag },
};

const warn = (p: ConvertProblem) => console.error(`WARNING ⚠️ ${p.file}: ${p.message}`);

/** A run that wrote no label file failed: exit status 1, with why. */
function failIfNothing(r: ConvertResult): void {
  if (r.labelFiles.length === 0) {
    const why = r.problems.length ? `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} listed above` : 'no annotation in the inputs';
    throw new Error(`convert ${r.format}: nothing converted (${r.inputs} input${r.inputs === 1 ? '' : 's'} read; ${why})`);
  }
}

async function readNames(spec: string | undefined): Promise<string[] | undefined> {
  if (spec === undefined) return undefined;
  const { readClassNames } = await import('../convert/names.ts');
  return readClassNames(spec);
}

/** Registers `tsyolo convert` and its subcommands coco, voc, labelme and yolo2coco. */
export function convertCommand(command: Command, print: (s: string) => void): void {
  command.description('convert COCO, Pascal VOC or labelme annotations to YOLO labels, or a YOLO split to a COCO file');
  const summary = async (r: ConvertResult) => {
    const { formatConvertSummary } = await import('../convert/report.ts');
    print(formatConvertSummary(r));
    failIfNothing(r);
  };

  const coco = command
    .command('coco')
    .description('COCO instances JSON → YOLO labels, as ultralytics/JSON2YOLO convert_coco_json writes them')
    .argument('<annotations>', 'a COCO instances JSON file, or a folder of them');
  addOptions(coco, COCO_FLAGS).action(async (annotations: string, values: Record<string, unknown>) => {
    const o = resolveFlags(COCO_FLAGS, values);
    const { convertCoco } = await import('../convert/coco.ts');
    await summary(convertCoco(annotations, { ...o, onProblem: warn }));
  });

  const voc = command
    .command('voc')
    .description("Pascal VOC XMLs → YOLO labels, as YOLOv5 v7.0's data/VOC.yaml convert_label writes them")
    .argument('<dir>', 'folder of XMLs, or a VOC year folder with Annotations/');
  addOptions(voc, VOC_FLAGS).action(async (dir: string, values: Record<string, unknown>) => {
    const o = resolveFlags(VOC_FLAGS, values);
    const { convertVoc } = await import('../convert/voc.ts');
    await summary(convertVoc(dir, { out: o.out, names: await readNames(o.names), onProblem: warn }));
  });

  const labelme = command
    .command('labelme')
    .description('labelme JSONs → a YOLO dataset folder, in the format of JSON2YOLO convert_labelme_json')
    .argument('<dir>', 'folder of labelme JSON files (sub-folders included)');
  addOptions(labelme, LABELME_FLAGS).action(async (dir: string, values: Record<string, unknown>) => {
    const o = resolveFlags(LABELME_FLAGS, values);
    const { convertLabelme } = await import('../convert/labelme.ts');
    await summary(convertLabelme(dir, { out: o.out, names: await readNames(o.names), segments: o.segments, onProblem: warn }));
  });

  const y2c = command
    .command('yolo2coco')
    .description('a YOLO dataset split → a COCO ground-truth JSON (what val --save-json evaluates against)')
    .argument('<data>', 'dataset YAML');
  addOptions(y2c, YOLO2COCO_FLAGS).action(async (data: string, values: Record<string, unknown>) => {
    const o = resolveFlags(YOLO2COCO_FLAGS, values);
    const [{ yoloToCoco, writeCocoDataset }, { loadDatasetConfig }, { join }, { makeDirs }] = await Promise.all([
      import('../convert/yolo-to-coco.ts'),
      import('../data/dataset-config.ts'),
      import('node:path'),
      import('../io/atomic-write.ts'),
    ]);
    const cfg = loadDatasetConfig(data);
    const out = o.out ?? join(cfg.path, 'annotations', `instances_${o.task}.json`);
    const coco = await yoloToCoco(cfg, { task: o.task, singleCls: o.singleCls, segments: o.segments, log: print });
    makeDirs(join(out, '..'));
    writeCocoDataset(out, coco);
    const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
    print(`yolo2coco: ${count(coco.images.length, 'image', 'images')}, ${count(coco.annotations.length, 'annotation', 'annotations')}, ${count(coco.categories.length, 'category', 'categories')} written to ${out}`);
  });
}
