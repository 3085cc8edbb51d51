// A local HTTP MJPEG "camera" for stream tests: serves `frames` JPEGs of an image as multipart/x-mixed-replace at
// `fps` on 127.0.0.1, to the first `connections` connections only (a probe and a reader each), so every test is
// bounded in time and frames, and a reader that reconnects later sees the camera gone.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export interface MjpegServer {
  url: string;
  close: () => Promise<void>;
  /** Accept `n` more connections. */
  reopen: (n: number) => void;
}

export async function mjpegServer(image: string, o: { frames: number; fps?: number; connections?: number; path?: string }): Promise<MjpegServer> {
  const jpeg = await sharp(image).jpeg({ quality: 95 }).toBuffer();
  let left = o.connections ?? 2;
  const server = createServer(async (req, res) => {
    if (left-- <= 0) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=frame' });
    for (let k = 0; k < o.frames && !res.destroyed; k++) {
      res.write(`--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`);
      res.write(jpeg);
      res.write('\r\n');
      await new Promise((r) => setTimeout(r, 1000 / (o.fps ?? 10)));
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${o.path ?? '/cam.mjpg'}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
    reopen: (n) => (left = n),
  };
}
