// The page's camera: open it with getUserMedia into a <video>, call back on each new frame, release it. Browser
// refusals become messages that say what to do.

/** getUserMedia's error names → what the user should do. */
function cameraErrorMessage(e: unknown): string {
  const name = (e as DOMException)?.name;
  const detail = (e as Error)?.message ? ` (${name}: ${(e as Error).message})` : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `camera permission denied${detail}: allow the camera for this site (the icon in the address bar) and press Webcam again`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `no camera found${detail}: connect one (or enable it in the system settings) and press Webcam again`;
    case 'NotReadableError':
    case 'AbortError':
      return `the camera could not be started${detail}: another application may be using it`;
    default:
      return `cannot open the camera${detail || `: ${String(e)}`}`;
  }
}

/** Opens the default camera (video only) and plays it in `video`; resolves once the first frame is there. */
export async function openCamera(video: HTMLVideoElement): Promise<MediaStream> {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    throw new Error(`the camera needs a secure page: open it over https:// or on http://localhost (this page is ${location.origin})`);
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
  } catch (e) {
    throw new Error(cameraErrorMessage(e));
  }
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  try {
    await video.play();
  } catch (e) {
    closeCamera(video);
    throw new Error(`the camera opened but its video does not play: ${(e as Error).message}`);
  }
  return stream;
}

/** Stops every track of the video's camera stream (the camera light goes off) and detaches it. */
export function closeCamera(video: HTMLVideoElement): void {
  const stream = video.srcObject as MediaStream | null;
  for (const track of stream?.getTracks() ?? []) track.stop();
  video.srcObject = null;
}

/** Calls `onFrames(n)` when the video shows new frames, n being how many it presented since the last call (several
 * when the page was busy, e.g. running the model); requestVideoFrameCallback, or animation frames where the video's
 * time moved where that is missing. Returns the function that stops the calls. */
export function onNewFrames(video: HTMLVideoElement, onFrames: (n: number) => void): () => void {
  let active = true;
  if (typeof video.requestVideoFrameCallback === 'function') {
    let handle = 0;
    let presented = -1;
    const tick = (_now: number, meta: VideoFrameCallbackMetadata) => {
      if (!active) return;
      onFrames(presented < 0 ? 1 : Math.max(1, meta.presentedFrames - presented));
      presented = meta.presentedFrames;
      handle = video.requestVideoFrameCallback(tick);
    };
    handle = video.requestVideoFrameCallback(tick);
    return () => {
      active = false;
      video.cancelVideoFrameCallback(handle);
    };
  }
  let handle = 0;
  let lastTime = -1;
  const tick = () => {
    if (!active) return;
    if (video.currentTime !== lastTime) {
      lastTime = video.currentTime;
      onFrames(1);
    }
    handle = requestAnimationFrame(tick);
  };
  handle = requestAnimationFrame(tick);
  return () => {
    active = false;
    cancelAnimationFrame(handle);
  };
}
