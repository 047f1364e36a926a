/**
 * Cheap 32-bit hashes for the checkers: entry payload fingerprints, state digests and the trace
 * hash. They only need to make accidental equality unlikely, not resist an adversary.
 */

export function hashBytes(data: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed | 0;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 16777619);
  return h >>> 0;
}

export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Order-sensitive combination of two 32-bit values (murmur3 finalizer over the pair). */
export function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
