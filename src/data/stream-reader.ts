// Live sources through ffmpeg — rtsp/rtmp/http(s) streams and webcams (`0` → /dev/video0) — read as YOLOv5's
// LoadStreams does: a reader keeps consuming frames and the detector always takes the latest one, so a slow model
// drops frames instead of falling further and further behind.
import type { RgbImage } from './image-buffer.ts';
import { exitOf, spawnFfmpegTool } from './ffmpeg.ts';
import { probeVideo, type VideoInfo } from './video-reader.ts';

/** True for what detect.py treats as a stream: a URL of a streaming protocol or a webcam index. */
export function isStreamSource(source: string): boolean {
  return /^(rtsp|rtmp|http|https):\/\//i.test(source) || /^\d+$/.test(source);
}

/**
 * ffmpeg input arguments for a source: a webcam index opens /dev/videoN through v4l2; a video file (a `.streams`
 * list may name one) is read at its own frame rate (`-re`), so it plays like a camera instead of as fast as it decodes.
 */
function inputArgs(source: string): string[] {
  if (/^\d+$/.test(source)) return ['-f', 'v4l2', '-i', `/dev/video${source}`];
  return isStreamSource(source) ? ['-i', source] : ['-re', '-i', source];
}

export interface StreamFrame {
  image: RgbImage;
  /** Frames the source had produced when this one arrived, from 1 (gaps are dropped frames). */
  count: number;
}

export interface LatestFramesOptions {
  /**
   * Waits (ms) before each reconnect after the stream ends or fails (doubling back-off); a connection that gives
   * frames again resets them. When every attempt fails the reader throws naming the source.
   */
  reconnectDelaysMs?: readonly number[];
  /** Receives the "unresponsive, reconnecting" warnings. */
  log?: (line: string) => void;
  /** Ends the frames (between two, or while waiting for one) and stops ffmpeg. */
  signal?: AbortSignal;
}

export const RECONNECT_DELAYS_MS: readonly number[] = [500, 1000, 2000, 4000];

/** One ffmpeg connection's frames, pushed into `onFrame`; resolves with why it ended. */
function connect(source: string, frameBytes: number, onFrame: (data: Uint8Array) => void): { ended: Promise<string>; stop: () => void } {
  const { proc, started } = spawnFfmpegTool('ffmpeg', ['-v', 'error', '-nostdin', ...inputArgs(source), '-map', '0:v:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  const exit = exitOf(proc);
  let pending: Buffer = Buffer.alloc(0);
  proc.stdout!.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= frameBytes) {
      onFrame(new Uint8Array(pending.subarray(0, frameBytes)));
      pending = pending.subarray(frameBytes);
    }
  });
  const ended = started.then(
    () => exit.then(({ code, stderr }) => stderr.split('\n')[0] || (code === 0 ? 'the stream ended' : `ffmpeg exit ${code}`)),
    (e: Error) => Promise.reject(e),
  );
  return { ended, stop: () => void (proc.exitCode === null && proc.kill()) };
}

/** A live source whose first probe succeeded: its display name and size, ready to read. */
export interface OpenedStream {
  source: string;
  /** `/dev/videoN` for a webcam index, else the source. */
  name: string;
  info: VideoInfo;
}

/** Probes `source` (size, rate); an Error naming it when it cannot be opened. */
export async function openStream(source: string): Promise<OpenedStream> {
  const name = /^\d+$/.test(source) ? `/dev/video${source}` : source;
  const info = await probeVideo(name, { live: isStreamSource(source) }).catch((e: Error) => {
    throw new Error(`${name}: cannot open stream (${e.message.replace(`${name}: `, '')})`);
  });
  return { source, name, info };
}

/**
 * Latest frames of a live source. Between two reads, frames that arrived and were not taken are dropped. When the
 * stream ends or fails it is reopened after each of `reconnectDelaysMs` in turn (YOLOv5 re-opens an unresponsive
 * camera); when all fail — or the source never opens — it throws an Error naming the source.
 */
export async function* readLatestFrames(source: string | OpenedStream, o: LatestFramesOptions = {}): AsyncGenerator<StreamFrame> {
  const { name, info } = typeof source === 'string' ? await openStream(source) : source;
  const src = typeof source === 'string' ? source : source.source;
  const delays = o.reconnectDelaysMs ?? RECONNECT_DELAYS_MS;
  const frameBytes = info.width * info.height * 3;
  let latest: StreamFrame | null = null;
  let endedWhy: string | null = null;
  let wake: (() => void) | null = null;
  let count = 0;
  let attempt = 0;
  let conn: ReturnType<typeof connect> | null = null;
  const open = () => {
    endedWhy = null;
    const before = count;
    conn = connect(src, frameBytes, (data) => {
      latest = { image: { data, width: info.width, height: info.height }, count: ++count };
      wake?.();
    });
    conn.ended.then(
      (why) => {
        if (count > before) attempt = 0; // a connection that delivered frames resets the back-off
        endedWhy = why;
        wake?.();
      },
      (e: Error) => {
        endedWhy = e.message;
        wake?.();
      },
    );
  };
  const onAbort = () => wake?.();
  o.signal?.addEventListener('abort', onAbort);
  open();
  try {
    for (;;) {
      if (!latest && endedWhy === null && !o.signal?.aborted) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (o.signal?.aborted) return;
      if (latest) {
        const frame: StreamFrame = latest;
        latest = null;
        yield frame;
        continue;
      }
      if (endedWhy === null) continue;
      if (/is not installed/.test(endedWhy)) throw new Error(endedWhy);
      if (attempt >= delays.length) {
        const what = count === 0 ? 'the stream gave no frames' : `the stream dropped and ${delays.length} reconnect attempts failed`;
        throw new Error(`${name}: ${what} (${endedWhy})`);
      }
      const delay = delays[attempt++]!;
      o.log?.(`WARNING ⚠️ ${name}: stream unresponsive (${endedWhy}), reconnecting in ${delay / 1000}s (attempt ${attempt}/${delays.length})`);
      await new Promise((r) => setTimeout(r, delay));
      if (o.signal?.aborted) return;
      open();
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    (conn as ReturnType<typeof connect> | null)?.stop();
  }
}
