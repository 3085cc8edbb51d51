// Several live sources read together, as YOLOv5's LoadStreams reads a `.streams` file: one source per line, and
// each step a batch holding the latest frame of every stream.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isStreamSource, type LatestFramesOptions, type OpenedStream, readLatestFrames, type StreamFrame } from './stream-reader.ts';

/** The sources a list file names: whitespace-separated, as YOLOv5 splits it (`#` starts a comment line here). */
export function readStreamList(file: string): string[] {
  const sources = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .flatMap((line) => line.split(/\s+/))
    .filter(Boolean);
  if (sources.length === 0) throw new Error(`${file}: the stream list names no sources`);
  return sources;
}

/**
 * True for a stream list: a `.streams` file, or a `.txt` file whose every entry is a stream URL or webcam index (a
 * `.txt` of image paths stays an image list, as in YOLOv5 after v7.0).
 */
export function isStreamList(source: string): boolean {
  if (!/\.(streams|txt)$/i.test(source) || !existsSync(source) || !statSync(source).isFile()) return false;
  if (/\.streams$/i.test(source)) return true;
  const entries = readFileSync(source, 'utf8').split(/\s+/).filter(Boolean);
  return entries.length > 0 && entries.every(isStreamSource);
}

/**
 * Batches of the latest frame of each stream (index i ↔ `streams[i]`). A batch waits until every stream has a frame
 * newer than the one it gave last, so no frame is processed twice and none lags; a stream that drops for good
 * (after its reconnect attempts) ends the batches with its error. `signal` ends them between two batches.
 */
export async function* readLatestFrameBatches(streams: readonly OpenedStream[], o: LatestFramesOptions = {}): AsyncGenerator<StreamFrame[]> {
  // One stop for every reader: the caller's signal, or leaving early (a stream's error, the consumer's break).
  const stop = new AbortController();
  const forward = () => stop.abort();
  o.signal?.addEventListener('abort', forward);
  if (o.signal?.aborted) stop.abort();
  const readers = streams.map((s) => readLatestFrames(s, { ...o, signal: stop.signal }));
  try {
    for (;;) {
      const batch = await Promise.all(readers.map((r) => r.next()));
      if (batch.some((r) => r.done)) return;
      yield batch.map((r) => r.value as StreamFrame);
    }
  } finally {
    o.signal?.removeEventListener('abort', forward);
    stop.abort();
    await Promise.allSettled(readers.map((r) => r.return(undefined)));
  }
}
