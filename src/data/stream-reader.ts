// Live sources through ffmpeg — rtsp/rtmp/http(s) streams and webcams (`0` → /dev/video0) — read as YOLOv5's
// LoadStreams does: a reader keeps consuming frames and the detector always takes the latest one, so a slow model
// drops frames instead of falling further and further behind.
import type { RgbImage } from './image-buffer.ts';
import { exitOf, spawnFfmpegTool } from './ffmpeg.ts';
import { probeVideo } from './video-reader.ts';

/** True for what detect.py treats as a stream: a URL of a streaming protocol or a webcam index. */
export function isStreamSource(source: string): boolean {
  return /^(rtsp|rtmp|http|https):\/\//i.test(source) || /^\d+$/.test(source);
}

/** ffmpeg input arguments for a source: a webcam index opens /dev/videoN through v4l2. */
function inputArgs(source: string): string[] {
  return /^\d+$/.test(source) ? ['-f', 'v4l2', '-i', `/dev/video${source}`] : ['-i', source];
}

export interface StreamFrame {
  image: RgbImage;
  /** Frames the source had produced when this one arrived, from 1 (gaps are dropped frames). */
  count: number;
}

/**
 * Latest frames of a live source until it ends. Between two reads, frames that arrived and were not taken are
 * dropped. A source that cannot be opened is an Error naming it.
 */
export async function* readLatestFrames(source: string): AsyncGenerator<StreamFrame> {
  const name = /^\d+$/.test(source) ? `/dev/video${source}` : source;
  const info = await probeVideo(/^\d+$/.test(source) ? name : source).catch((e: Error) => {
    throw new Error(`${name}: cannot open stream (${e.message.replace(`${name}: `, '')})`);
  });
  const { proc, started } = spawnFfmpegTool('ffmpeg', ['-v', 'error', '-nostdin', ...inputArgs(source), '-map', '0:v:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  const exit = exitOf(proc);
  await started;
  const frameBytes = info.width * info.height * 3;
  let latest: StreamFrame | null = null;
  let ended = false;
  let wake: (() => void) | null = null;
  let pending: Buffer = Buffer.alloc(0);
  let count = 0;
  proc.stdout!.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= frameBytes) {
      latest = { image: { data: new Uint8Array(pending.subarray(0, frameBytes)), width: info.width, height: info.height }, count: ++count };
      pending = pending.subarray(frameBytes);
    }
    wake?.();
  });
  proc.stdout!.once('end', () => {
    ended = true;
    wake?.();
  });
  try {
    for (;;) {
      if (!latest && !ended) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (latest) {
        const frame: StreamFrame = latest;
        latest = null;
        yield frame;
      } else if (ended) break;
    }
  } finally {
    if (proc.exitCode === null) proc.kill();
  }
  const { code, stderr } = await exit;
  if (count === 0) throw new Error(`${name}: the stream gave no frames${stderr ? ` (${stderr.split('\n')[0]})` : ''}`);
  if (code !== 0 && code !== null) throw new Error(`${name}: the stream failed (${stderr.split('\n')[0] || `ffmpeg exit ${code}`})`);
}
