// detect.py: letterboxed inference on images and video files through any Backend, boxes scaled back to each
// original, annotated images and videos, labels and crops.
import { basename, extname, join } from 'node:path';
import type { RgbImage } from '../data/image-buffer.ts';
import { decodeImage, ImageReadError } from '../data/image-decode.ts';
import { listImageFiles, listVideoFiles, VID_FORMATS } from '../data/image-files.ts';
import { probeVideo, readVideoFrames, type VideoInfo } from '../data/video-reader.ts';
import { isStreamSource, openStream, type OpenedStream } from '../data/stream-reader.ts';
import { isStreamList, readLatestFrameBatches, readStreamList } from '../data/stream-list.ts';
import { writeLabelFile } from '../data/label-writer.ts';
import { DetectionRows } from '../geometry/rows.ts';
import { makeDirs } from '../io/atomic-write.ts';
import { annotateDetections, saveImage } from '../plot/annotator.ts';
import { saveOneBox } from '../plot/save-one-box.ts';
import { type FeatureMap, saveFeatureMap } from '../plot/feature-maps.ts';
import { checkImgSize } from '../run/check-img-size.ts';
import { discardRunFolder, incrementPath } from '../run/increment-path.ts';
import { ProgressBar, stdoutIsTerminal } from '../run/progress-bar.ts';
import { type Backend, checkAugment, inputGeometry } from '../deploy/backend.ts';
import { detectImage, type DetectImageOptions } from '../deploy/pipeline.ts';
import { inGraphNmsWarning } from '../deploy/in-graph-nms.ts';
import { checkNmsMethod, NMS_OPTION_NAMES, type NmsMethod } from '../eval/nms-variants.ts';
import { VideoWriter } from './video-writer.ts';

/** detect.py's options (its defaults unless noted). */
export interface DetectOptions {
  /** An image, a folder, a glob, a .txt list, a video, a stream URL, a webcam index or a .streams list. */
  source: string;
  /** Inference size in pixels (default 640; fixed-shape exports use their own). */
  imgsz?: number;
  /** Confidence threshold (default 0.25). */
  confThres?: number;
  /** NMS IoU threshold (default 0.45). */
  iouThres?: number;
  /** Most detections per image (default 1000). */
  maxDet?: number;
  /** Keep only these class ids. */
  classes?: number[];
  /** Class-agnostic NMS. */
  agnosticNms?: boolean;
  /** v7.0's augmented inference (`--augment`, TTA); refused for a backend without it (ONNX). */
  augment?: boolean;
  /**
   * v7.0's --visualize: every layer's feature maps (first 32 channels) as <stem>/stage{i}_{Type}_features.png and
   * .npy per image or frame (PyTorch weights only).
   */
  visualize?: boolean;
  /** NMS variant (docs/nms.md): 'nms' (default), 'diou', 'soft-linear', 'soft-gaussian'. */
  nmsMethod?: NmsMethod;
  /** Soft-NMS gaussian σ (default 0.5). */
  softSigma?: number;
  /** Write labels/<name>.txt (YOLO format, normalised). */
  saveTxt?: boolean;
  /** Add each box's confidence to the --save-txt labels. */
  saveConf?: boolean;
  /** Save each box's crop under crops/<class>/. */
  saveCrop?: boolean;
  /** Do not save annotated images or videos. */
  nosave?: boolean;
  /** Box line width in pixels (default 3). */
  lineThickness?: number;
  /** Draw boxes without labels. */
  hideLabels?: boolean;
  /** Draw labels without confidences. */
  hideConf?: boolean;
  /** Parent folder of the run folders (default runs/detect). */
  project?: string;
  /** Run folder name (default exp, then exp2, exp3, …). */
  name?: string;
  /** Reuse an existing run folder instead of incrementing. */
  existOk?: boolean;
  /** Video frame stride: every n-th frame (the last of each group of n). */
  vidStride?: number;
  /** Live sources: waits (ms) before each reconnect after the stream drops (default 0.5, 1, 2, 4 s). */
  reconnectDelaysMs?: readonly number[];
  /** Stops a video or live source between two frames (Ctrl-C): the .mp4s so far are finished, not lost. */
  signal?: AbortSignal;
  /** Receives each output line (default: console.log). */
  log?: (line: string) => void;
  /** A progress bar under the per-image lines over images and video frames (erased at the end; none for live
   * streams); default: when stdout is a terminal. */
  progress?: boolean;
  /** Where the bar is drawn (default: process.stdout.write). */
  write?: (s: string) => void;
}

/** One image's (or video frame's) detections. */
export interface ImageDetections {
  /** The image's path; a video frame is `path#frame` (frames counted from 1). */
  path: string;
  /** (n, 6) rows x1, y1, x2, y2, conf, cls in original-image pixels. */
  detections: Float32Array;
}

/** What detect() produced: where, the detections per image, the images skipped, the timings. */
export interface DetectResult {
  /** The run folder. */
  saveDir: string;
  /** Detections per image and video frame, in order. */
  images: ImageDetections[];
  /** Images that could not be read (warned about). */
  skipped: string[];
  /** Mean milliseconds per image of each step. */
  speedMs: {
    /** Letterbox and tensor conversion (ms per image). */
    preprocess: number;
    /** The model's forward pass (ms per image). */
    inference: number;
    /** Non-maximum suppression and scaling back to the original image (ms per image). */
    nms: number;
  };
  /** True when `signal` stopped the run before its sources ended. */
  interrupted: boolean;
  /** Images and frames whose model output held a NaN or ±inf (warned about; all of them is an error). */
  nonFiniteImages: number;
}

/** Everything one image needs besides the image: the backend, letterbox and NMS settings, where outputs go. */
interface DetectRun {
  backend: Backend;
  o: DetectOptions;
  pipeline: DetectImageOptions;
  saveDir: string;
  log: (line: string) => void;
  /** Counts one more image or frame done (the progress bar). */
  tick?: () => void;
}

export async function detect(backend: Backend, o: DetectOptions): Promise<DetectResult> {
  if (o.augment) checkAugment(backend); // before any source is opened
  if (isStreamSource(o.source)) return detectStreams(backend, o, [o.source]);
  if (isStreamList(o.source)) return detectStreams(backend, o, readStreamList(o.source));
  const files = listImageFiles([o.source]);
  const videos = listVideoFiles([o.source]);
  if (files.length + videos.length === 0) throw new Error(`no images found in source '${o.source}' (nor videos: ${VID_FORMATS.join(', ')})`);
  // Every video is probed before the run folder is made: an unreadable or empty one stops the run with nothing written.
  const videoInfos: VideoInfo[] = [];
  for (const path of videos) videoInfos.push(await probeVideo(path));
  const run = startRun(backend, o);
  const tally = newTally();
  const nf = files.length + videos.length;
  const stride = o.vidStride ?? 1;
  const bar = new ProgressBar(files.length + videoInfos.reduce((n, v) => n + Math.floor(v.frames / stride), 0), { write: o.write, enabled: o.progress ?? stdoutIsTerminal() });
  run.log = bar.wrap(run.log);
  run.tick = () => bar.update(tally.images.length + tally.skipped.length);
  try {
    for (const [k, path] of files.entries()) {
      const im0 = await readOrSkip(path, run.log);
      if (!im0) {
        tally.skipped.push(path);
        run.tick();
        continue;
      }
      const stem = basename(path, extname(path));
      const f = await detectFrame(run, im0, stem, stem, tally);
      if (f.annotated) await saveImage(join(run.saveDir, basename(path)), f.annotated, im0.width, im0.height);
      tally.images.push({ path, detections: f.detections });
      run.log(`image ${k + 1}/${nf} ${path}: ${f.text}${f.ms}`);
      run.tick();
    }
    for (const [k, path] of videos.entries()) {
      if (o.signal?.aborted) break;
      await detectVideo(run, path, videoInfos[k]!, `video ${files.length + k + 1}/${nf}`, tally);
    }
    // Not one input processed: an error, not an empty run folder and "Speed: 0.0ms" with exit status 0.
    if (tally.images.length === 0 && !o.signal?.aborted) throw new Error(nothingProcessed(o.source, files.length, videos.length));
  } catch (e) {
    bar.end(false);
    discardRunFolder(run.saveDir); // only when nothing was written into it
    throw e;
  }
  // detect.py has no bar: its per-image lines stay, the bar goes before the summary.
  bar.end(false);
  return finishRun(run, tally);
}

/** Mean times per image or frame, the summary lines, the result. */
function finishRun(run: DetectRun, tally: DetectTally): DetectResult {
  const seen = tally.images.length || 1;
  const dt = tally.dt;
  const speedMs = { preprocess: dt.preprocess / seen, inference: dt.inference / seen, nms: dt.nms / seen };
  logSummary(run, speedMs, tally.labelFiles);
  // --nosave without --save-txt/--save-crop writes nothing: the detections are the log and the result, no empty exp{N}.
  if (run.o.nosave && !run.o.saveTxt && !run.o.saveCrop) discardRunFolder(run.saveDir);
  checkFiniteOutputs(run, tally);
  return { saveDir: run.saveDir, images: tally.images, skipped: tally.skipped, speedMs, interrupted: run.o.signal?.aborted ?? false, nonFiniteImages: tally.nonFinite };
}

/** A model giving NaN/inf outputs (diverged weights) detects nothing in silence: warned about; on every input, an error. */
function checkFiniteOutputs(run: DetectRun, tally: DetectTally): void {
  const n = tally.nonFinite;
  if (n === 0) return;
  const what = `the model gave non-finite outputs (NaN/inf) for ${n} of ${tally.images.length} images`;
  if (n === tally.images.length) throw new Error(`${what}: its weights are broken (a diverged training?), so nothing could be detected`);
  run.log(`WARNING ⚠️ ${what}: their detections are missing`);
}

/**
 * Live sources (stream URLs, webcams, a `.streams` list of them) as detect.py reads them with LoadStreams: every
 * source is opened before the run folder is made; each step takes the latest frame of every stream and logs one line
 * (`0: 320x320 2 3s, 1: 320x320 1 7, 12.0ms`); each stream gets its own 30 fps `<name>.mp4` and `<name>_<frame>`
 * labels. A stream that drops for good, or Ctrl-C, finishes the .mp4s written so far.
 */
async function detectStreams(backend: Backend, o: DetectOptions, sources: string[]): Promise<DetectResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  const streams: OpenedStream[] = [];
  for (const [i, source] of sources.entries()) {
    const s = await openStream(source);
    log(`${i + 1}/${sources.length}: ${s.name}... Success (${s.info.frames || 'inf'} frames ${s.info.width}x${s.info.height} at ${s.info.fps.toFixed(2)} FPS)`);
    streams.push(s);
  }
  const run = startRun(backend, o);
  const tally = newTally();
  const stems = streamStems(sources);
  const writers: (VideoWriter | null)[] = sources.map(() => null);
  try {
    let frame = 0;
    for await (const batch of readLatestFrameBatches(streams, { reconnectDelaysMs: o.reconnectDelaysMs, log: run.log, signal: o.signal })) {
      frame++; // LoadStreams' count: one per batch, shared by every stream
      let text = '';
      let ms = 0;
      for (const [i, { image }] of batch.entries()) {
        const f = await detectFrame(run, image, stems[i]!, `${stems[i]}_${frame}`, tally);
        if (!o.nosave && !writers[i]) writers[i] = await VideoWriter.open(join(run.saveDir, `${stems[i]}.mp4`), image.width, image.height, 30);
        if (f.annotated) await writers[i]!.write(f.annotated);
        tally.images.push({ path: `${sources[i]}#${frame}`, detections: f.detections });
        text += `${i}: ${f.text}`;
        ms += f.inferenceMs;
      }
      run.log(`${text}${ms.toFixed(1)}ms`);
    }
  } catch (e) {
    // A stream dropped for good: the frames already encoded are kept (each .mp4 is finished, not discarded).
    for (const w of writers) await w?.close().catch(() => {});
    discardRunFolder(run.saveDir); // only when nothing was written into it
    throw e;
  }
  for (const w of writers) await w?.close();
  return finishRun(run, tally);
}

/** Output names of live sources: the URL's file name or the webcam index; repeated names get `-2`, `-3`, …. */
function streamStems(sources: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return sources.map((source) => {
    const name = /^\d+$/.test(source) ? source : isStreamSource(source) ? basename(new URL(source).pathname) || 'stream' : basename(source);
    const stem = basename(name, extname(name)) || 'stream';
    const n = (seen.get(stem) ?? 0) + 1;
    seen.set(stem, n);
    return n === 1 ? stem : `${stem}-${n}`;
  });
}

/** What the images and frames of a run add up to. */
interface DetectTally {
  images: ImageDetections[];
  skipped: string[];
  dt: { preprocess: number; inference: number; nms: number };
  labelFiles: number;
  /** Images and frames whose model output held a NaN or ±inf. */
  nonFinite: number;
}

const newTally = (): DetectTally => ({ images: [], skipped: [], dt: { preprocess: 0, inference: 0, nms: 0 }, labelFiles: 0, nonFinite: 0 });

/**
 * One image or video frame: the shared pipeline, labels (`labelStem`.txt) and crops; returns the detections, the
 * annotated pixels (null with --nosave) and its part of the log line (`320x320 2 3s, `, then the time).
 */
async function detectFrame(run: DetectRun, im0: RgbImage, stem: string, labelStem: string, tally: DetectTally) {
  const maps: FeatureMap[] = [];
  const visualize = run.o.visualize ? (stage: number, moduleType: string, m: { data: Float32Array; shape: number[] }) => void maps.push({ stage, moduleType, ...m }) : undefined;
  const r = await detectImage(run.backend, im0, visualize ? { ...run.pipeline, visualize } : run.pipeline);
  if (visualize) {
    const dir = incrementPath(run.saveDir, stem); // detect.py: increment_path(save_dir / stem, mkdir=True)
    for (const m of maps) await saveFeatureMap(dir, m, run.log);
  }
  if (r.nonFiniteRows > 0) tally.nonFinite++;
  tally.dt.preprocess += r.timesMs.preprocess;
  tally.dt.inference += r.timesMs.inference;
  tally.dt.nms += r.timesMs.nms;
  const det = new DetectionRows(r.detections);
  const { o, saveDir } = run;
  if (o.saveTxt && writeLabelFile(join(saveDir, 'labels', `${labelStem}.txt`), det, im0.width, im0.height, { saveConf: o.saveConf, reversed: true })) tally.labelFiles++;
  if (o.saveCrop) {
    for (let r = det.length - 1; r >= 0; r--) {
      const cls = det.cls(r);
      await saveOneBox(det.box(r), im0, join(saveDir, 'crops', run.backend.names[cls] ?? String(cls)), stem);
    }
  }
  const annotated = o.nosave
    ? null
    : annotateDetections(im0.data, im0.width, im0.height, det.data, run.backend.names, { lineWidth: o.lineThickness ?? 3, hideLabels: o.hideLabels, hideConf: o.hideConf });
  const text = `${r.inputHW[0]}x${r.inputHW[1]} ${describeCounts(det, run.backend.names)}`;
  return { detections: r.detections, annotated, text, inferenceMs: r.timesMs.inference, ms: `${r.timesMs.inference.toFixed(1)}ms` };
}

/** A video file frame by frame: labels NAME_FRAME.txt, the annotated NAME.mp4 at the source's fps. */
async function detectVideo(run: DetectRun, path: string, info: VideoInfo, prefix: string, tally: DetectTally): Promise<void> {
  const stride = run.o.vidStride ?? 1;
  const frames = Math.floor(info.frames / stride);
  const stem = basename(path, extname(path));
  const writer = run.o.nosave ? null : await VideoWriter.open(join(run.saveDir, `${stem}.mp4`), info.width, info.height, info.fps);
  try {
    let frame = 0;
    for await (const { image } of readVideoFrames(path, info, stride)) {
      frame++;
      const f = await detectFrame(run, image, stem, `${stem}_${frame}`, tally);
      if (writer && f.annotated) await writer.write(f.annotated);
      tally.images.push({ path: `${path}#${frame}`, detections: f.detections });
      run.log(`${prefix} (${frame}/${frames}) ${path}: ${f.text}${f.ms}`);
      run.tick?.();
      if (run.o.signal?.aborted) break; // Ctrl-C: the video so far is finished below
    }
    if (frame === 0) {
      // --vid-stride beyond the video's length keeps no frame (as YOLOv5's grab loop): no empty .mp4 for it.
      await writer?.abort();
      run.log(`WARNING ⚠️ ${path}: no frame processed: --vid-stride ${stride} keeps none of its ${info.frames} frames`);
      return;
    }
    // ffmpeg decodes a file cut mid-stream up to the cut and exits 0: say so instead of ending quietly at 13/30.
    if (frame < frames && !run.o.signal?.aborted) run.log(`WARNING ⚠️ ${path}: the video ended at frame ${frame} of the ${frames} expected (truncated or damaged?)`);
  } catch (e) {
    await writer?.abort();
    throw e;
  }
  await writer?.close();
}

function startRun(backend: Backend, o: DetectOptions): DetectRun {
  checkNmsMethod(o.nmsMethod, o.softSigma, 'detect', NMS_OPTION_NAMES);
  if (o.visualize && !backend.supportsVisualize) throw new Error('--visualize draws the layers of PyTorch weights (.pt, .safetensors); an exported model (ONNX) has none to show');
  // A fixed-shape ONNX export takes exactly its export size (detect.py: auto=False for non-PyTorch backends).
  const log = o.log ?? ((s: string) => console.log(s));
  // detect.py's check_img_size: a size off the stride grid is rounded up to it, with YOLOv5's warning.
  const requested = o.imgsz === undefined || backend.fixedInputHW ? o.imgsz : checkImgSize(o.imgsz, backend.stride, 0, log);
  const fixed = backend.fixedInputHW;
  if (fixed && o.imgsz !== undefined && (o.imgsz !== fixed[0] || o.imgsz !== fixed[1])) {
    log(`WARNING ⚠️ --img ${o.imgsz} is not used: the model's input is fixed at ${fixed[0]}x${fixed[1]}, so detect runs at that size (export with --img ${o.imgsz} or --dynamic for another)`);
  }
  const geometry = inputGeometry(backend, requested);
  const saveDir = incrementPath(o.project ?? 'runs/detect', o.name ?? 'exp', o.existOk);
  if (o.saveTxt) makeDirs(join(saveDir, 'labels'));
  const pipeline: DetectImageOptions = {
    ...geometry,
    confThres: o.confThres,
    iouThres: o.iouThres,
    maxDet: o.maxDet,
    classes: o.classes,
    agnostic: o.agnosticNms,
    method: o.nmsMethod,
    sigma: o.softSigma,
    augment: o.augment,
  };
  const nmsWarning = backend.inGraphNms && inGraphNmsWarning(backend.inGraphNms, pipeline);
  if (nmsWarning) log(nmsWarning);
  return { backend, o, pipeline, saveDir, log };
}

/** Why a run processed none of its inputs (each skip was a warning already). */
function nothingProcessed(source: string, images: number, videos: number): string {
  const why = [
    images === 0 ? '' : images === 1 ? 'its image could not be read' : `none of its ${images} images could be read`,
    videos === 0 ? '' : videos === 1 ? 'its video gave no frame' : `none of its ${videos} videos gave a frame`,
  ].filter(Boolean);
  return `nothing in '${source}' was processed: ${why.join(', and ')} (see the warnings above)`;
}

/** The decoded image, or null after a warning naming the file (detect goes on with the others). */
async function readOrSkip(path: string, log: (line: string) => void): Promise<RgbImage | null> {
  try {
    return await decodeImage(path);
  } catch (e) {
    // ImageReadError's message starts with the path already: its reason alone, so the path is named once.
    log(`WARNING ⚠️ skipping ${path}: ${e instanceof ImageReadError ? e.reason : (e as Error).message}`);
    return null;
  }
}

/** detect.py's "2 persons, 1 car, " (classes in ascending order), or "(no detections), ". */
function describeCounts(det: DetectionRows, names: readonly string[]): string {
  if (det.length === 0) return '(no detections), ';
  const counts = new Map<number, number>();
  for (let r = 0; r < det.length; r++) counts.set(det.cls(r), (counts.get(det.cls(r)) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([c, m]) => `${m} ${names[c] ?? c}${m > 1 ? 's' : ''}, `)
    .join('');
}

function logSummary(run: DetectRun, speedMs: DetectResult['speedMs'], labelFiles: number): void {
  const { o, saveDir, log } = run;
  const imgsz = run.pipeline.imgsz;
  const shape = typeof imgsz === 'number' ? `${imgsz}, ${imgsz}` : imgsz.join(', ');
  log(`Speed: ${speedMs.preprocess.toFixed(1)}ms pre-process, ${speedMs.inference.toFixed(1)}ms inference, ${speedMs.nms.toFixed(1)}ms NMS per image at shape (1, 3, ${shape})`);
  const labelsNote = o.saveTxt ? `\n${labelFiles} labels saved to ${join(saveDir, 'labels')}` : '';
  if (!o.nosave || o.saveTxt) log(`Results saved to ${saveDir}${labelsNote}`);
}
