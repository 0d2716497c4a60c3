import { seededRandom } from "./seeded-random.js";

/**
 * A deterministic unit-length embedding of `text`: normally distributed components from a
 * generator seeded by the text, then normalised, so equal inputs embed equally and different
 * inputs are nearly orthogonal, as unrelated texts are in a real model.
 *
 * Components are drawn in order, so a vector with fewer dimensions is the longer one cut and
 * re-normalised: what text-embedding-3 models do for the `dimensions` parameter.
 */
export function embeddingVector(text: string, dimensions: number): Float32Array {
  const random = seededRandom(`embedding\u0000${text}`);
  const values = new Float64Array(dimensions);
  for (let i = 0; i < dimensions; i += 2) {
    // Box–Muller: two uniform draws give two independent standard normal draws.
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    values[i] = radius * Math.cos(angle);
    if (i + 1 < dimensions) values[i + 1] = radius * Math.sin(angle);
  }
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
  // Float32 because that is what the service sends: `float` and `base64` then carry the same
  // numbers, and the base64 form decodes to exactly the floats the JSON form lists.
  return Float32Array.from(values, (value) => value / norm);
}

/** `encoding_format: "base64"`: the little-endian float32 bytes, as the OpenAI SDK decodes them. */
export function embeddingBase64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString("base64");
}
