// Video files (and anything else ffmpeg opens) → RGB frames, read through an ffmpeg subprocess: YOLOv5's
// LoadImages for videos, with its vid_stride (every stride-th frame, the last of each group of `stride`).
import type { RgbImage } from './image-buffer.ts';
import { exitOf, spawnFfmpegTool } from './ffmpeg.ts';

export interface VideoInfo {
  width: number;
  height: number;
  fps: number;
  /** Frames in the file (0 when the container does not say). */
  frames: number;
}

export interface VideoFrame {
  image: RgbImage;
  /** Position in the source, from 0. */
  index: number;
}

/** ffmpeg's first error line without its `[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55e04a2ed880] ` context prefix. */
function ffmpegReason(stderr: string): string {
  return stderr.split('\n')[0]!.replace(/^\[[^\]]* @ 0x[0-9a-f]+\]\s*/, '');
}

/**
 * Size, frame rate and frame count of the first video stream; an Error naming the file when there is none. A live
 * source has no end to count to: `live` skips counting (frames 0) instead of reading it until it stops.
 */
export async function probeVideo(source: string, o: { live?: boolean } = {}): Promise<VideoInfo> {
  const count = o.live ? [] : ['-count_packets'];
  const args = ['-v', 'error', '-select_streams', 'v:0', ...count, '-show_entries', 'stream=width,height,avg_frame_rate,r_frame_rate,nb_frames,nb_read_packets', '-of', 'json', source];
  const { proc, started } = spawnFfmpegTool('ffprobe', args);
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exit = exitOf(proc);
  await started;
  const { code, stderr } = await exit;
  if (code !== 0) throw new Error(`${source}: cannot read video (${ffmpegReason(stderr) || `ffprobe exit ${code}`})`);
  const stream = (JSON.parse(out) as { streams?: Record<string, string | number>[] }).streams?.[0];
  if (!stream || !Number(stream.width) || !Number(stream.height)) throw new Error(`${source}: no video stream`);
  const rate = (r: unknown) => {
    const [a, b] = String(r ?? '0/0').split('/').map(Number);
    return a && b ? a / b : 0;
  };
  const frames = Number(stream.nb_frames) || Number(stream.nb_read_packets) || 0;
  if (!o.live && frames === 0) throw new Error(`${source}: the video has no frames`);
  return { width: Number(stream.width), height: Number(stream.height), fps: rate(stream.avg_frame_rate) || rate(stream.r_frame_rate) || 30, frames };
}

/**
 * The frames of `source` as RGB, every `vidStride`-th one (YOLOv5 grabs `vid_stride` frames and keeps the last).
 * A file that has no frames, or that ffmpeg cannot decode, is an Error naming it.
 */
export async function* readVideoFrames(source: string, info: VideoInfo, vidStride = 1): AsyncGenerator<VideoFrame> {
  if (!Number.isInteger(vidStride) || vidStride < 1) throw new Error(`--vid-stride must be a positive integer, got ${vidStride}`);
  const { proc, started } = spawnFfmpegTool('ffmpeg', ['-v', 'error', '-nostdin', '-i', source, '-map', '0:v:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  const exit = exitOf(proc);
  await started;
  const frameBytes = info.width * info.height * 3;
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  try {
    for await (const chunk of proc.stdout! as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= frameBytes) {
        const data = new Uint8Array(pending.subarray(0, frameBytes));
        pending = pending.subarray(frameBytes);
        if ((index + 1) % vidStride === 0) yield { image: { data, width: info.width, height: info.height }, index };
        index++;
      }
    }
  } finally {
    if (proc.exitCode === null) proc.kill();
  }
  const { code, stderr } = await exit;
  if (code !== 0 && code !== null) throw new Error(`${source}: cannot decode video (${ffmpegReason(stderr) || `ffmpeg exit ${code}`})`);
  if (index === 0) throw new Error(`${source}: the video has no frames`);
}
