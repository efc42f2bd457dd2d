// Reading QR codes: from the camera (getUserMedia) or from a picture, with
// ZXing (@zxing/library), entirely in the browser.
import { BinaryBitmap, DecodeHintType, HybridBinarizer, QRCodeReader, RGBLuminanceSource } from "@zxing/library";

const reader = new QRCodeReader();
let timer: number | undefined;

function decodePixels(data: ImageData): string | null {
  const luminance = new Uint8ClampedArray(data.width * data.height);
  for (let i = 0; i < luminance.length; i++)
    luminance[i] = (data.data[4 * i] * 299 + data.data[4 * i + 1] * 587 + data.data[4 * i + 2] * 114) / 1000;
  const source = new RGBLuminanceSource(luminance, data.width, data.height);
  // A photo needs ZXing's search for the finder patterns; a picture made
  // by govchain qr --png (or any other program) is a pure code, which that
  // search misses for some contents (a version-8 code of a suspended
  // permit's link failed about one time in ten), and which ZXing reads
  // directly when told so.
  for (const hint of [DecodeHintType.TRY_HARDER, DecodeHintType.PURE_BARCODE]) {
    try {
      return reader.decode(new BinaryBitmap(new HybridBinarizer(source)), new Map([[hint, true]])).getText();
    } catch {
      // Not found this way; the next way, or null.
    }
  }
  return null;
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
  // A picture shrunk by a fraction smears the modules of a code over
  // neighbouring pixels. So the picture is tried as it is (up to 4,000
  // pixels), then shrunk by whole factors down to about 1,600 pixels.
  const largest = Math.max(bitmap.width, bitmap.height);
  for (let divisor = Math.max(1, Math.ceil(largest / 4000)); ; divisor++) {
    const width = Math.max(1, Math.round(bitmap.width / divisor));
    const height = Math.max(1, Math.round(bitmap.height / divisor));
    const text = decodePixels(pixelsOf(bitmap, width, height));
    if (text !== null || largest / divisor <= 1600) return text;
  }
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
