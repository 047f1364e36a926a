/**
 * The data of a raft snapshot between tetcd members: every key-value pair of the member's
 * backend (all buckets, including the consistent index), as length-prefixed records. The leader
 * streams its current backend, which is at or past the snapshot's index; the receiver replaces
 * its backend with it and re-applies nothing at or below the consistent index it carries.
 *
 * Record: u32 key length, u32 value length (big-endian), key, value.
 */
const RECORD_HEADER_BYTES = 8;
/** Bytes per yielded piece when encoding; the transport re-chunks anyway. */
const PIECE_BYTES = 256 * 1024;

export async function* encodeBackendDump(chunks: AsyncIterable<Array<[Buffer, Buffer]>>): AsyncIterable<Uint8Array> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    for (const [key, value] of chunk) {
      const header = Buffer.alloc(RECORD_HEADER_BYTES);
      header.writeUInt32BE(key.length, 0);
      header.writeUInt32BE(value.length, 4);
      parts.push(header, key, value);
      size += RECORD_HEADER_BYTES + key.length + value.length;
      if (size >= PIECE_BYTES) {
        yield Buffer.concat(parts, size);
        parts = [];
        size = 0;
      }
    }
  }
  if (size > 0) yield Buffer.concat(parts, size);
}

/** Decodes the byte stream back into batches of pairs; throws on a truncated or malformed stream. */
export async function* decodeBackendDump(bytes: AsyncIterable<Uint8Array>, batchSize = 1000): AsyncIterable<Array<[Buffer, Buffer]>> {
  let buf: Buffer = Buffer.alloc(0);
  let batch: Array<[Buffer, Buffer]> = [];
  for await (const piece of bytes) {
    buf = buf.length === 0 ? Buffer.from(piece) : Buffer.concat([buf, piece]);
    let at = 0;
    while (buf.length - at >= RECORD_HEADER_BYTES) {
      const klen = buf.readUInt32BE(at);
      const vlen = buf.readUInt32BE(at + 4);
      const end = at + RECORD_HEADER_BYTES + klen + vlen;
      if (end > buf.length) break;
      const keyStart = at + RECORD_HEADER_BYTES;
      batch.push([Buffer.from(buf.subarray(keyStart, keyStart + klen)), Buffer.from(buf.subarray(keyStart + klen, end))]);
      at = end;
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    buf = buf.subarray(at);
  }
  if (buf.length !== 0) throw new Error(`snapshot data ends inside a record (${buf.length} bytes left over)`);
  if (batch.length > 0) yield batch;
}
