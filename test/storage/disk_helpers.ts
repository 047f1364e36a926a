/** Test helpers for the durable stores: temp dirs, entries, and a Disk that counts and fails fsyncs. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeDisk, type Disk, type DiskFile } from '../../src/storage/disk.js';
import { EntryType, type Entry, type SnapshotMetadata } from '../../src/raft/types.js';

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-storage-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function entry(index: number, term: number, data: string | Buffer = `entry-${index}-term-${term}`): Entry {
  return { index, term, type: EntryType.Normal, data: Buffer.isBuffer(data) ? data : Buffer.from(data) };
}

export function entries(from: number, to: number, term: number, size?: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, size === undefined ? undefined : Buffer.alloc(size, i % 251)));
  return out;
}

/** Snapshot metadata with a conf state that exercises 64-bit ids. */
export function snapshotMeta(index: number, term: number): SnapshotMetadata {
  return {
    index,
    term,
    confState: { voters: [1n, 1n << 63n, (1n << 64n) - 1n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
  };
}

/** What raft_log_child.ts stores at (index, term): sizes vary from 16 bytes to 3 KiB. */
export function childEntryData(index: number, term: number): Buffer {
  const data = Buffer.alloc(16 + ((index * 7919) % 3000), index % 256);
  data.writeUInt32LE(index, 0);
  data.writeUInt32LE(term, 4);
  return data;
}

/** Counts file and directory fsyncs; can be told to fail the next file fsync (EIO). */
export class CountingDisk implements Disk {
  fileSyncs = 0;
  dirSyncs = 0;
  failNextFileSync = false;

  constructor(private readonly inner: Disk = nodeDisk) {}

  private wrap(file: DiskFile): DiskFile {
    return {
      path: file.path,
      write: (data, position) => file.write(data, position),
      sync: async () => {
        if (this.failNextFileSync) {
          this.failNextFileSync = false;
          throw Object.assign(new Error(`EIO: i/o error, fsync '${file.path}'`), { code: 'EIO' });
        }
        this.fileSyncs++;
        await file.sync();
      },
      read: (into, position, length) => file.read(into, position, length),
      truncate: (length) => file.truncate(length),
      size: () => file.size(),
      close: () => file.close(),
    };
  }

  mkdirp = (dir: string): Promise<void> => this.inner.mkdirp(dir);
  list = (dir: string): Promise<string[]> => this.inner.list(dir);
  readFile = (path: string): Promise<Buffer> => this.inner.readFile(path);
  create = async (path: string): Promise<DiskFile> => this.wrap(await this.inner.create(path));
  open = async (path: string, mode: 'read' | 'readwrite'): Promise<DiskFile> => this.wrap(await this.inner.open(path, mode));
  rename = (from: string, to: string): Promise<void> => this.inner.rename(from, to);
  remove = (path: string): Promise<void> => this.inner.remove(path);
  exists = (path: string): Promise<boolean> => this.inner.exists(path);
  syncDir = async (dir: string): Promise<void> => {
    this.dirSyncs++;
    await this.inner.syncDir(dir);
  };
}
