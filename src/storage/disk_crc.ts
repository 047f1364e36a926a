/**
 * CRC-32 (IEEE 802.3, the zlib/gzip polynomial) for on-disk records and files. Node's zlib has a
 * native one from 20.15 on; older runtimes get the table-driven fallback below, which computes
 * the same function (the test checks they agree), so files stay readable across runtimes.
 */
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, previous?: number) => number;

const REVERSED_POLYNOMIAL = 0xedb88320;

function makeTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? REVERSED_POLYNOMIAL ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

let table: Uint32Array | undefined;

/** Table-driven CRC-32; `previous` continues a running checksum over concatenated chunks. */
export function crc32Portable(data: Uint8Array, previous = 0): number {
  table ??= makeTable();
  let c = ~previous;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as { crc32?: Crc32 }).crc32;

/** CRC-32 of `data`, continuing from `previous` (the CRC of what came before) when given. */
export const crc32: Crc32 = native ? (data, previous = 0) => native(data, previous) : crc32Portable;
