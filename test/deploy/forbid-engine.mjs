// --import this file to make any import of tsyolo's native engine (src/native, src/tensor) fail loudly: the
// tsyolo/onnx entry must work where no libtorch addon exists.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (/\\/src\\/(native|tensor)\\//.test(r.url) || r.url.endsWith('tsyolo_native.node')) {
    throw new Error('native engine imported: ' + r.url + ' from ' + context.parentURL);
  }
  return r;
}`),
);
