// The Node detector: Detector over file paths, Buffers, sharp instances and raw pixels, plus stream() over the
// frames of a video (ffmpeg subprocess). No native engine: shared by `tsyolo` and `tsyolo/onnx`.
import type { RgbImage } from '../data/image-buffer.ts';
import { probeVideo, readVideoFrames } from '../data/video-reader.ts';
import type { Backend } from './backend.ts';
import { type Detection, Detector, type DetectorOptions, toDetections } from './detector.ts';
import { type NodeImageInput, toRgbImage } from './node-image-input.ts';

export interface StreamFrame {
  /** The decoded frame (RGB). */
  frame: RgbImage;
  /** Its position in the source, from 0. */
  index: number;
  detections: Detection[];
}

export interface StreamOptions extends DetectorOptions {
  /** Every n-th frame (the last of each group of n), as detect.py's --vid-stride. */
  vidStride?: number;
}

export class NodeDetector extends Detector<NodeImageInput> {
  constructor(backend: Backend, options: DetectorOptions = {}) {
    super(backend, toRgbImage, options);
  }

  /** Detections frame by frame for a video file (or any source ffmpeg opens), as an async iterator. */
  async *stream(source: string, options: StreamOptions = {}): AsyncGenerator<StreamFrame> {
    const info = await probeVideo(source);
    for await (const { image, index } of readVideoFrames(source, info, options.vidStride ?? 1)) {
      const r = await this.detectRows(image, options);
      yield { frame: image, index, detections: toDetections(r.detections, this.names) };
    }
  }
}
