// Deterministic stand-in embeddings. The same text always gives the same unit
// vector, different texts give unrelated ones: enough for storing, looking up
// and comparing vectors, while no test can come to rely on semantic nearness
// that only a real model provides.
import { createHash } from 'node:crypto';

/** A unit-length vector of `dimensions` numbers derived from a hash of `text`. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    throw new Error(`embedding dimensions must be a positive integer, got ${dimensions}`);
  }
  const values: number[] = [];
  // Each SHA-256 block gives 8 numbers (4 bytes each); chain blocks for more.
  for (let block = 0; values.length < dimensions; block += 1) {
    const digest = createHash('sha256').update(`${block}\u0000${text}`).digest();
    for (let offset = 0; offset + 4 <= digest.length && values.length < dimensions; offset += 4) {
      // Map the unsigned 32-bit word onto [-1, 1].
      values.push(digest.readUInt32LE(offset) / 0x7fff_ffff - 1);
    }
  }
  const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0)) || 1;
  // Rounded through Float32 so the float and base64 encodings carry the same numbers.
  return values.map((v) => Math.fround(v / norm));
}

/** The base64 form OpenAI sends for `encoding_format: 'base64'`: little-endian float32s. */
export function embeddingToBase64(vector: readonly number[]): string {
  const buffer = Buffer.alloc(vector.length * 4);
  for (const [i, v] of vector.entries()) buffer.writeFloatLE(v, i * 4);
  return buffer.toString('base64');
}
