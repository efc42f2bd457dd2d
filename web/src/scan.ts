// Reading QR codes: from the camera (getUserMedia) or from a picture, with
// ZXing (@zxing/library), entirely in the browser.
import { BinaryBitmap, DecodeHintType, HybridBinarizer, QRCodeReader, RGBLuminanceSource } from "@zxing/library";

const reader = new QRCodeReader();
let timer: number | undefined;

function decodePixels(data: ImageData): string | null {
  const luminance = new Uint8ClampedArray(data.width * data.height);
  for (let i = 0; i < luminance.length; i++)
    luminance[i] = (data.data[4 * i] * 299 + data.data[4 * i + 1] * 587 + data.data[4 * i + 2] * 114) / 1000;
  try {
    const source = new RGBLuminanceSource(luminance, data.width, data.height);
    const hints = new Map([[DecodeHintType.TRY_HARDER, true]]);
    return reader.decode(new BinaryBitmap(new HybridBinarizer(source)), hints).getText();
  } catch {
    return null;
  }
}

function pixelsOf(image: CanvasImageSource, width: number, height: number): ImageData {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  context.fillStyle = "#fff";
  context.fillRect(0, 0, width, height);
  context.drawImage(image, 0, 0, width, height);
  return context.getImageData(0, 0, width, height);
}

export async function decodeQrImage(file: File): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  return decodePixels(pixelsOf(bitmap, Math.round(bitmap.width * scale), Math.round(bitmap.height * scale)));
}

export async function startCamera(video: HTMLVideoElement, found: (text: string) => void): Promise<void> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  timer = window.setInterval(() => {
    if (video.videoWidth === 0) return;
    const text = decodePixels(pixelsOf(video, video.videoWidth, video.videoHeight));
    if (text !== null) found(text);
  }, 300);
}

export function stopCamera(video: HTMLVideoElement): void {
  window.clearInterval(timer);
  for (const track of (video.srcObject as MediaStream | null)?.getTracks() ?? []) track.stop();
  video.srcObject = null;
  video.hidden = true;
}
