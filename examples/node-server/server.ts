// An HTTP detection server: POST an image (JPEG, PNG, … as the request body) to /detect and get its detections as
// JSON. One detector, loaded once; requests run one at a time, in arrival order.
//
//   npx tsx server.ts --weights best.onnx --port 8080
//   curl --data-binary @bus.jpg http://127.0.0.1:8080/detect
//   → {"detections":[{"box":{"x1":…,"y1":…,"x2":…,"y2":…},"score":0.91,"classId":0,"label":"person"}],"ms":23.4}
//
// --port 0 picks a free port; the first line printed is `listening on http://127.0.0.1:<port>`.
// In a tsyolo checkout: node --import tsx examples/node-server/server.ts --weights web/sample-model.onnx
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { loadDetector } from 'tsyolo'; // .onnx, .safetensors or a YOLOv5 .pt; 'tsyolo/onnx' serves .onnx without libtorch

const { values: args } = parseArgs({
  options: {
    weights: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    img: { type: 'string', default: '640' }, // inference size (fixed-shape ONNX exports use their own)
    conf: { type: 'string', default: '0.25' },
    iou: { type: 'string', default: '0.45' },
  },
});
if (!args.weights) throw new Error('--weights is required (a .onnx, .safetensors or .pt file)');

const MAX_BODY = 20 * 1024 * 1024;
const detector = await loadDetector(args.weights, { imgsz: Number(args.img), conf: Number(args.conf), iou: Number(args.iou) });

/** The request body, up to MAX_BODY bytes (null when larger). */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

// One inference at a time: each request waits for the one before it.
let queue: Promise<unknown> = Promise.resolve();

const server = createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/') {
    return reply(res, 200, { usage: 'POST an image to /detect', classes: detector.names });
  }
  if (req.method !== 'POST' || req.url !== '/detect') return reply(res, 404, { error: 'POST an image to /detect' });
  const body = await readBody(req);
  if (body === null) return reply(res, 413, { error: `image larger than ${MAX_BODY} bytes` });
  if (body.length === 0) return reply(res, 400, { error: 'empty body: send the image bytes' });
  const run = queue.then(async () => {
    const t0 = performance.now();
    const detections = await detector.detect(body);
    return { detections, ms: Math.round((performance.now() - t0) * 10) / 10 };
  });
  queue = run.catch(() => undefined);
  try {
    reply(res, 200, await run);
  } catch (e) {
    reply(res, 400, { error: e instanceof Error ? e.message : String(e) });
  }
});

server.listen(Number(args.port), args.host, () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`listening on http://${address}:${port}`);
});

// Ctrl-C or a stop signal: stop accepting, let the open requests finish, free the model, exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void detector.dispose().then(() => process.exit(0)));
    server.closeIdleConnections();
  });
}
