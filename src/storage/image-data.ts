/**
 * Images given as base64 data URLs (profile images, project logos): what Stack accepts, checked from the bytes
 * themselves, never from the media type the data URL claims. Only raster formats a browser shows as an image are
 * kept; SVG is refused, since an SVG document can carry script.
 */
import { TextError } from '../errors/known-errors.js';

/** Largest image, in bytes of its base64 text and of its decoded bytes (Stack's 1 MB). */
export const MAX_IMAGE_BYTES = 1_000_000;

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export const IMAGE_CONTENT_TYPES: Readonly<Record<ImageFormat, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

export interface ImageData {
  format: ImageFormat;
  contentType: string;
  bytes: Buffer;
  width: number;
  height: number;
}

const DATA_URL_PREFIX = /^data:image\/[a-zA-Z0-9]+;base64,/;
/** What a client may send as an image: a data URL of a common raster type, nothing else (Stack's client check). */
const CLIENT_IMAGE = /^data:image\/(png|jpg|jpeg|gif|bmp|webp);base64,[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9+/]+={0,2}$/;

/** Whether the value is a base64 data URL of an image (which is then stored, and its URL kept instead). */
export function isImageDataUrl(value: string): boolean {
  return DATA_URL_PREFIX.test(value);
}

/** Whether the value is an http(s) URL, kept as given. */
export function isHttpUrl(value: string): boolean {
  return /^https?:\/\//.test(value);
}

/** Whether a client (not a server) may send this as an image: only base64 data. */
export function isClientImageInput(value: string): boolean {
  return CLIENT_IMAGE.test(value);
}

/** Stack's plain-text 400 for an image value that is neither a data URL of an image nor an http(s) URL. */
export function invalidImageUrl(): TextError {
  return new TextError('INVALID_PROFILE_IMAGE_URL', 400, 'Invalid profile image URL');
}

function imageRefused(message: string): TextError {
  return new TextError('INVALID_IMAGE', 400, message);
}

/** Decodes and checks a data URL (isImageDataUrl): size, then a real image of an allowed format with its dimensions. */
export function parseImageDataUrl(dataUrl: string): ImageData {
  const base64 = dataUrl.replace(DATA_URL_PREFIX, '');
  if (base64.length > MAX_IMAGE_BYTES) throw tooLarge(base64.length);
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length > MAX_IMAGE_BYTES) throw tooLarge(bytes.length);
  const format = sniffFormat(bytes);
  if (format === 'svg') {
    throw imageRefused(`Image type image/svg is not allowed. Allowed types: ${Object.values(IMAGE_CONTENT_TYPES).join(', ')}`);
  }
  if (format === undefined) throw imageRefused('Invalid image format or corrupted image data');
  const size = DIMENSIONS[format](bytes);
  if (!size || size.width <= 0 || size.height <= 0) throw imageRefused('Unable to determine image dimensions');
  return { format, contentType: IMAGE_CONTENT_TYPES[format], bytes, ...size };
}

function tooLarge(size: number): TextError {
  return imageRefused(`Image size (${size} bytes) exceeds maximum allowed size (${MAX_IMAGE_BYTES} bytes)`);
}

function sniffFormat(bytes: Buffer): ImageFormat | 'svg' | undefined {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  const head = bytes.subarray(0, 12).toString('latin1');
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return 'gif';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return 'webp';
  // An XML or SVG text: named only to refuse it with a clear message.
  if (/<svg[\s>]/i.test(bytes.subarray(0, 4096).toString('utf8'))) return 'svg';
  return undefined;
}

type Size = { width: number; height: number } | undefined;

const DIMENSIONS: Readonly<Record<ImageFormat, (bytes: Buffer) => Size>> = {
  // IHDR is the first chunk: width and height, big-endian, after the signature, the length and the type.
  png: (b) =>
    b.length >= 24 && b.toString('latin1', 12, 16) === 'IHDR' ? { width: b.readUInt32BE(16), height: b.readUInt32BE(20) } : undefined,
  // The logical screen descriptor, little-endian.
  gif: (b) => (b.length >= 10 ? { width: b.readUInt16LE(6), height: b.readUInt16LE(8) } : undefined),
  jpeg: jpegSize,
  webp: webpSize,
};

/** Walks the JPEG markers to the first start-of-frame (SOF0–SOF15 but DHT, JPG and DAC), which holds the size. */
function jpegSize(b: Buffer): Size {
  let offset = 2;
  while (offset + 9 < b.length) {
    if (b[offset] !== 0xff) return undefined;
    const marker = b[offset + 1]!;
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    const length = b.readUInt16BE(offset + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: b.readUInt16BE(offset + 5), width: b.readUInt16BE(offset + 7) };
    }
    if (length < 2) return undefined;
    offset += 2 + length;
  }
  return undefined;
}

/** WebP's first chunk: lossy (VP8), lossless (VP8L) or extended (VP8X), each with its own size encoding. */
function webpSize(b: Buffer): Size {
  if (b.length < 30) return undefined;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  return undefined;
}
