/** Checking an image given as a data URL: its type and size read from its bytes, Stack's texts for what is refused. */
import { describe, expect, it } from 'vitest';
import { isClientImageInput, isImageDataUrl, MAX_IMAGE_BYTES, parseImageDataUrl } from '../../src/storage/image-data.js';

const dataUrl = (bytes: Buffer, type = 'png') => `data:image/${type};base64,${bytes.toString('base64')}`;

function jpeg(width: number, height: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const sof = Buffer.from([
    0xff,
    0xc0,
    0x00,
    0x11,
    8,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    3,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
  ]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
}

function webpLossless(width: number, height: number): Buffer {
  const bits = Buffer.alloc(4);
  bits.writeUInt32LE(((width - 1) | ((height - 1) << 14)) >>> 0);
  const chunk = Buffer.concat([Buffer.from([0x2f]), bits, Buffer.alloc(8)]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(chunk.length);
  return Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8L'), size, chunk]);
}

const GIF = Buffer.from('R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==', 'base64');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe('parseImageDataUrl', () => {
  it('reads the format and the size from the bytes, whatever type the data URL names', () => {
    expect(parseImageDataUrl(dataUrl(PNG, 'gif'))).toMatchObject({ format: 'png', contentType: 'image/png', width: 1, height: 1 });
    expect(parseImageDataUrl(dataUrl(GIF))).toMatchObject({ format: 'gif', contentType: 'image/gif', width: 1, height: 1 });
    expect(parseImageDataUrl(dataUrl(jpeg(640, 480)))).toMatchObject({
      format: 'jpeg',
      contentType: 'image/jpeg',
      width: 640,
      height: 480,
    });
    expect(parseImageDataUrl(dataUrl(webpLossless(300, 200)))).toMatchObject({ format: 'webp', width: 300, height: 200 });
  });

  it("refuses, with Stack's texts, data that is no image, an image without a size, and an image over 1 MB", () => {
    expect(() => parseImageDataUrl(dataUrl(Buffer.from('plain text')))).toThrow('Invalid image format or corrupted image data');
    expect(() => parseImageDataUrl(dataUrl(PNG.subarray(0, 12)))).toThrow('Unable to determine image dimensions');
    expect(() => parseImageDataUrl(dataUrl(jpeg(0, 10)))).toThrow('Unable to determine image dimensions');
    const big = Buffer.concat([PNG, Buffer.alloc(MAX_IMAGE_BYTES)]);
    expect(() => parseImageDataUrl(dataUrl(big))).toThrow(/^Image size \(\d+ bytes\) exceeds maximum allowed size \(1000000 bytes\)$/);
  });

  it('refuses SVG, naming the allowed types', () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
    expect(() => parseImageDataUrl(dataUrl(svg, 'svg'))).toThrow(
      'Image type image/svg is not allowed. Allowed types: image/png, image/jpeg, image/gif, image/webp',
    );
  });
});

describe('image inputs', () => {
  it('a data URL of an image is stored; a client may send only base64 data of a common raster type', () => {
    expect(isImageDataUrl('data:image/gif;base64,R0lG')).toBe(true);
    expect(isImageDataUrl('data:image/not-valid;base64,test')).toBe(false);
    expect(isImageDataUrl('https://example.com/a.png')).toBe(false);
    expect(isClientImageInput('data:image/png;base64,iVBORw0KGgo=')).toBe(true);
    expect(isClientImageInput('data:image/svg;base64,PHN2Zz4=')).toBe(false);
    expect(isClientImageInput('https://example.com/a.png')).toBe(false);
  });
});
