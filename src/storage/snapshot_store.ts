/**
 * Snapshot files under `<data-dir>/member/snap`, one per snapshot: `<term>-<index>.snap` (16 hex
 * digits each). The data is opaque bytes (for tetcd: a dump of the MVCC store) and may be large,
 * so it is written and read as a stream of chunks.
 *
 * File layout (integers little-endian):
 *
 *   [0..8)     magic "tetcdsnp"
 *   [8..12)    u32 format version
 *   [12..16)   u32 metadata length M
 *   [16..16+M) SnapshotMetadata (protobuf, src/raftpb)
 *   then D data bytes
 *   trailer:   u64 D, u32 CRC-32 of everything before the trailer, magic "snpe"
 *
 * A file is written as `<name>.<random>.tmp`, fsynced, renamed and the directory fsynced, so a
 * named file is always complete; the CRC catches what the disk does to it later. A corrupt file
 * found by loadNewest() is renamed to `.broken` (kept for inspection) and skipped.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { nullLogger, type Logger } from '../base/logger.js';
import { decodeSnapshotMetadata, encodeSnapshotMetadata } from '../raftpb/codec.js';
import type { SnapshotMetadata } from '../raft/types.js';
import { crc32 } from './disk_crc.js';
import { nodeDisk, type Disk, type DiskFile } from './disk.js';

const MAGIC = Buffer.from('tetcdsnp', 'latin1');
const TRAILER_MAGIC = Buffer.from('snpe', 'latin1');
const FORMAT_VERSION = 1;
const HEADER_BYTES = 16;
const TRAILER_BYTES = 16;
const READ_CHUNK_BYTES = 1024 * 1024;
const SNAP_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

export type SnapshotData = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export interface SnapshotFile {
  path: string;
  term: number;
  index: number;
}

export interface LoadedSnapshot extends SnapshotFile {
  metadata: SnapshotMetadata;
  dataBytes: number;
  /** Streams the data; throws SnapshotCorruptError at the end if the file no longer checks out. */
  readData(): AsyncIterable<Buffer>;
  readAll(): Promise<Buffer>;
}

export class SnapshotCorruptError extends Error {
  override name = 'SnapshotCorruptError';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`snapshot corrupt: ${file}: ${reason}`);
  }
}

export interface SnapshotStoreOptions {
  logger?: Logger;
  disk?: Disk;
}

function snapName(term: number, index: number): string {
  return `${term.toString(16).padStart(16, '0')}-${index.toString(16).padStart(16, '0')}.snap`;
}

/** Newest first: by index, then term. */
function newestFirst(a: SnapshotFile, b: SnapshotFile): number {
  return b.index - a.index || b.term - a.term;
}

async function* chunksOf(data: SnapshotData): AsyncIterable<Uint8Array> {
  if (data instanceof Uint8Array) yield data;
  else yield* data;
}

export class SnapshotStore {
  private constructor(
    readonly dir: string,
    private readonly disk: Disk,
    private readonly logger: Logger,
  ) {}

  static async open(dir: string, opts: SnapshotStoreOptions = {}): Promise<SnapshotStore> {
    const disk = opts.disk ?? nodeDisk;
    const logger = (opts.logger ?? nullLogger).child({ component: 'snap' });
    await disk.mkdirp(dir);
    let removed = false;
    for (const name of await disk.list(dir)) {
      if (!name.endsWith('.tmp')) continue;
      await disk.remove(join(dir, name));
      removed = true;
      logger.warn({ file: name }, 'removed an unfinished snapshot file');
    }
    if (removed) await disk.syncDir(dir);
    return new SnapshotStore(dir, disk, logger);
  }

  /** Writes the snapshot durably; resolves once its file and directory entry are fsynced. */
  async save(metadata: SnapshotMetadata, data: SnapshotData): Promise<SnapshotFile> {
    const path = join(this.dir, snapName(metadata.term, metadata.index));
    const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    const meta = encodeSnapshotMetadata(metadata);
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt32LE(FORMAT_VERSION, 8);
    header.writeUInt32LE(meta.length, 12);

    const file = await this.disk.create(tmp);
    try {
      let position = 0;
      let crc = 0;
      const append = async (bytes: Uint8Array): Promise<void> => {
        await file.write(bytes, position);
        position += bytes.length;
        crc = crc32(bytes, crc);
      };
      await append(header);
      await append(meta);
      let dataBytes = 0;
      for await (const chunk of chunksOf(data)) {
        if (chunk.length === 0) continue;
        await append(chunk);
        dataBytes += chunk.length;
      }
      const trailer = Buffer.alloc(TRAILER_BYTES);
      trailer.writeBigUInt64LE(BigInt(dataBytes), 0);
      trailer.writeUInt32LE(crc, 8);
      TRAILER_MAGIC.copy(trailer, 12);
      await file.write(trailer, position);
      await file.sync();
      await file.close();
    } catch (err) {
      await file.close().catch(() => {});
      await this.disk.remove(tmp).catch(() => {});
      throw err;
    }
    await this.disk.rename(tmp, path);
    await this.disk.syncDir(this.dir);
    this.logger.info({ file: path, index: metadata.index, term: metadata.term }, 'saved a snapshot');
    return { path, term: metadata.term, index: metadata.index };
  }

  /** Snapshot files by name, newest first; contents are not checked. */
  async list(): Promise<SnapshotFile[]> {
    const files: SnapshotFile[] = [];
    for (const name of await this.disk.list(this.dir)) {
      const m = SNAP_NAME.exec(name);
      if (m) files.push({ path: join(this.dir, name), term: parseInt(m[1]!, 16), index: parseInt(m[2]!, 16) });
    }
    return files.sort(newestFirst);
  }

  /** The snapshot at exactly (index, term), verified; throws SnapshotCorruptError or ENOENT. */
  async load(index: number, term: number): Promise<LoadedSnapshot> {
    return this.verify({ path: join(this.dir, snapName(term, index)), term, index });
  }

  /**
   * The newest snapshot that checks out (at most `maxIndex`, if given: a snapshot file newer than
   * the WAL's marker was never recorded as taken). Corrupt files are renamed to `.broken` and
   * reported in `skipped`.
   */
  async loadNewest(opts: { maxIndex?: number } = {}): Promise<{ snapshot?: LoadedSnapshot; skipped: { path: string; reason: string }[] }> {
    const skipped: { path: string; reason: string }[] = [];
    for (const file of await this.list()) {
      if (opts.maxIndex !== undefined && file.index > opts.maxIndex) continue;
      try {
        return { snapshot: await this.verify(file), skipped };
      } catch (err) {
        if (!(err instanceof SnapshotCorruptError)) throw err;
        skipped.push({ path: file.path, reason: err.message });
        await this.disk.rename(file.path, `${file.path}.broken`);
        await this.disk.syncDir(this.dir);
        this.logger.warn({ file: file.path, reason: err.message }, 'skipped a corrupt snapshot file (renamed to .broken)');
      }
    }
    return { skipped };
  }

  /** Deletes all but the newest `keep` snapshot files; returns the deleted paths. */
  async purge(keep: number): Promise<string[]> {
    const doomed = (await this.list()).slice(Math.max(0, keep)).map((f) => f.path);
    for (const path of doomed) await this.disk.remove(path);
    if (doomed.length > 0) await this.disk.syncDir(this.dir);
    return doomed;
  }

  /** Reads the whole file once: header, metadata, name agreement, length, CRC. */
  private async verify(file: SnapshotFile): Promise<LoadedSnapshot> {
    const handle = await this.disk.open(file.path, 'read');
    let layout: Layout;
    try {
      layout = await readLayout(handle, file);
      let crc = crc32(layout.prefix);
      for await (const chunk of readRange(handle, layout.dataStart, layout.dataBytes)) crc = crc32(chunk, crc);
      if (crc !== layout.crc) throw new SnapshotCorruptError(file.path, 'checksum mismatch');
    } finally {
      await handle.close();
    }
    const disk = this.disk;
    const readData = async function* (): AsyncIterable<Buffer> {
      const again = await disk.open(file.path, 'read');
      try {
        let crc = crc32(layout.prefix);
        for await (const chunk of readRange(again, layout.dataStart, layout.dataBytes)) {
          crc = crc32(chunk, crc);
          yield chunk;
        }
        if (crc !== layout.crc) throw new SnapshotCorruptError(file.path, 'checksum mismatch (file changed after it was verified)');
      } finally {
        await again.close();
      }
    };
    return {
      ...file,
      metadata: layout.metadata,
      dataBytes: layout.dataBytes,
      readData,
      async readAll(): Promise<Buffer> {
        const out = Buffer.allocUnsafe(layout.dataBytes);
        let at = 0;
        for await (const chunk of readData()) {
          out.set(chunk, at);
          at += chunk.length;
        }
        return out;
      },
    };
  }
}

interface Layout {
  metadata: SnapshotMetadata;
  /** Header and metadata bytes: the start of the CRC. */
  prefix: Buffer;
  dataStart: number;
  dataBytes: number;
  crc: number;
}

async function readExactly(handle: DiskFile, position: number, length: number, what: string): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = await handle.read(buf.subarray(done), position + done, length - done);
    if (n === 0) throw new SnapshotCorruptError(handle.path, `file ends inside the ${what}`);
    done += n;
  }
  return buf;
}

async function readLayout(handle: DiskFile, file: SnapshotFile): Promise<Layout> {
  const size = await handle.size();
  if (size < HEADER_BYTES + TRAILER_BYTES) throw new SnapshotCorruptError(file.path, `file of ${size} bytes is too short`);
  const header = await readExactly(handle, 0, HEADER_BYTES, 'header');
  if (!header.subarray(0, 8).equals(MAGIC)) throw new SnapshotCorruptError(file.path, 'not a tetcd snapshot file');
  const version = header.readUInt32LE(8);
  if (version !== FORMAT_VERSION) throw new SnapshotCorruptError(file.path, `unsupported format version ${version}`);
  const metaBytes = header.readUInt32LE(12);
  const dataStart = HEADER_BYTES + metaBytes;
  const dataBytes = size - dataStart - TRAILER_BYTES;
  if (dataBytes < 0) throw new SnapshotCorruptError(file.path, `metadata length ${metaBytes} exceeds the file`);
  const trailer = await readExactly(handle, size - TRAILER_BYTES, TRAILER_BYTES, 'trailer');
  if (!trailer.subarray(12).equals(TRAILER_MAGIC) || trailer.readBigUInt64LE(0) !== BigInt(dataBytes)) {
    throw new SnapshotCorruptError(file.path, 'trailer does not match the file length');
  }
  const metaRaw = await readExactly(handle, HEADER_BYTES, metaBytes, 'metadata');
  let metadata: SnapshotMetadata;
  try {
    metadata = decodeSnapshotMetadata(metaRaw);
  } catch (err) {
    throw new SnapshotCorruptError(file.path, `bad metadata: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (metadata.index !== file.index || metadata.term !== file.term) {
    throw new SnapshotCorruptError(file.path, `metadata says ${metadata.term}-${metadata.index}, the file name ${file.term}-${file.index}`);
  }
  return { metadata, prefix: Buffer.concat([header, metaRaw]), dataStart, dataBytes, crc: trailer.readUInt32LE(8) };
}

async function* readRange(handle: DiskFile, start: number, length: number): AsyncIterable<Buffer> {
  for (let at = 0; at < length; ) {
    const chunk = await readExactly(handle, start + at, Math.min(READ_CHUNK_BYTES, length - at), 'data');
    at += chunk.length;
    yield chunk;
  }
}
