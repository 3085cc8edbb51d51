// HWC RGB uint8 pixels → the model's input: (1, 3, H, W) float32 in 0–1.
import type { RgbImage } from '../data/image-buffer.ts';
import { tensor } from '../tensor/create.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';

export function imageToInput(im: RgbImage, device = 'cpu'): Tensor {
  return tidy(() => {
    const hwc = tensor(im.data, { shape: [im.height, im.width, 3], dtype: 'uint8' });
    const chw = hwc.permute(2, 0, 1).float().div(255).unsqueeze(0).contiguous();
    return device === 'cpu' ? chw : chw.to(device);
  });
}
