/** Reads a web stream into one buffer, refusing (with the caller's error) as soon as it grows past `limit` bytes. */
export async function readLimited(stream: ReadableStream<Uint8Array>, limit: number, tooLarge: () => Error): Promise<Buffer> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
