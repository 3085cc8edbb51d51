// The Node detector: Detector over file paths, Buffers, sharp instances and raw pixels, plus stream() over the
// frames of a video (ffmpeg subprocess). No native engine: shared by `tsyolo` and `tsyolo/onnx`.
import type { RgbImage } from '../data/image-buffer.ts';
import { isStreamSource, openStream, readLatestFrames } from '../data/stream-reader.ts';
import { isStreamList, readLatestFrameBatches, readStreamList } from '../data/stream-list.ts';
import { probeVideo, readVideoFrames } from '../data/video-reader.ts';
import type { Backend } from './backend.ts';
import { type Detection, Detector, type DetectorOptions, toDetections } from './detector.ts';
import { type NodeImageInput, toRgbImage } from './node-image-input.ts';

/** One frame of NodeDetector.stream(): the pixels, where it came from, its detections. */
export interface StreamFrame {
  /** The decoded frame (RGB). */
  frame: RgbImage;
  /** Its position in the source, from 0 (live sources: gaps are frames dropped while the model was busy). */
  index: number;
  /** A `.streams` list's entry the frame came from (0 for a single source). */
  stream: number;
  /** Its detections, in the frame's pixels. */
  detections: Detection[];
}

/** Options of NodeDetector.stream(): detection settings and how frames are read. */
export interface StreamOptions extends DetectorOptions {
  /** Every n-th frame (the last of each group of n), as detect.py's --vid-stride. */
  vidStride?: number;
  /** Live sources: waits (ms) before each reconnect after the stream drops (default 0.5, 1, 2, 4 s). */
  reconnectDelaysMs?: readonly number[];
}

/** A Detector for Node inputs (a path, encoded bytes, a sharp instance, raw pixels) that also streams videos and live sources. */
export class NodeDetector extends Detector<NodeImageInput> {
  constructor(backend: Backend, options: DetectorOptions = {}) {
    super(backend, toRgbImage, options);
  }

  /**
   * Detections frame by frame, as an async iterator, for a video file or a live source (an rtsp/rtmp/http(s) URL or
   * a webcam index: always the latest frame, so a slow model skips frames instead of lagging), or a `.streams` list of
   * them (each step the latest frame of every stream, in list order).
   */
  async *stream(source: string, options: StreamOptions = {}): AsyncGenerator<StreamFrame> {
    const reading = { reconnectDelaysMs: options.reconnectDelaysMs };
    if (isStreamSource(source)) {
      for await (const { image, count } of readLatestFrames(source, reading)) {
        const r = await this.detectRows(image, options);
        yield { frame: image, index: count - 1, stream: 0, detections: toDetections(r.detections, this.names, r.masks) };
      }
      return;
    }
    if (isStreamList(source)) {
      const streams = [];
      for (const s of readStreamList(source)) streams.push(await openStream(s));
      for await (const batch of readLatestFrameBatches(streams, reading)) {
        for (const [stream, { image, count }] of batch.entries()) {
          const r = await this.detectRows(image, options);
          yield { frame: image, index: count - 1, stream, detections: toDetections(r.detections, this.names, r.masks) };
        }
      }
      return;
    }
    const info = await probeVideo(source);
    for await (const { image, index } of readVideoFrames(source, info, options.vidStride ?? 1)) {
      const r = await this.detectRows(image, options);
      yield { frame: image, index, stream: 0, detections: toDetections(r.detections, this.names, r.masks) };
    }
  }
}
