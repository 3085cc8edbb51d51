// YOLOv5's check_img_size: an image size that is not a multiple of the model's largest stride is rounded up to
// one (never below `floor`), with YOLOv5's warning.
export function checkImgSize(imgsz: number, stride: number, floor = 0, warn: (line: string) => void = (s) => console.warn(s)): number {
  const size = Math.max(Math.ceil(imgsz / stride) * stride, floor);
  if (size !== imgsz) warn(`WARNING ⚠️ --img-size ${imgsz} must be multiple of max stride ${stride}, updating to ${size}`);
  return size;
}
