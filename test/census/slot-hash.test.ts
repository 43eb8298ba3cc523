/**
 * The pattern table hashes a pattern in the inferrer's buffer by 32-bit word and every other
 * pattern (collapsed templates, overflow ancestors, restored checkpoints) by byte: both must agree,
 * or one pattern would get two entries.
 */
import { describe, expect, it } from 'vitest';
import { LITTLE_ENDIAN, slotHash, slotHashWords } from '../../src/census/patterns/hash.js';

describe('slot hash by word and by byte', () => {
  it.runIf(LITTLE_ENDIAN)('agree for every length and content', () => {
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    const memory = new ArrayBuffer(64);
    const bytes = new Uint8Array(memory);
    const words = new Int32Array(memory);
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < bytes.length; i++) bytes[i] = next();
      for (let len = 0; len <= 60; len++) {
        // The byte hash on an unaligned copy: what a pattern outside the inferrer's buffer gets.
        const copy = Buffer.concat([Buffer.from([7]), Buffer.from(bytes.subarray(0, len))]).subarray(1);
        expect(slotHashWords(words, bytes, len)).toBe(slotHash(copy, len));
      }
    }
  });
});
