/**
 * Key names → templates and key display: the entry point other modules import. The rules live in
 * patterns/inferrer.ts (per key) and patterns/families.ts (across keys).
 */
export { displayKey } from './patterns/bytes.js';
export { inferPattern, PatternInferrer, type PatternOptions } from './patterns/inferrer.js';
