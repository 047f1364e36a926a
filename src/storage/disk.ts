/**
 * The file-system seam of the durable stores (WAL segments, snapshot files). Production uses
 * `nodeDisk`; tests wrap it to count fsyncs or inject faults, and a power-loss emulator can journal
 * what was synced. Only what the stores need is here, and each operation states its durability:
 * nothing written is durable until `DiskFile.sync()`, and no create, rename or unlink is durable
 * until `syncDir()` of the parent directory.
 */
import { open, mkdir, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface DiskFile {
  readonly path: string;
  /** Writes every byte of `data` at `position` (looping over short writes). Not durable until sync(). */
  write(data: Uint8Array, position: number): Promise<void>;
  /** fdatasync: the data written so far, and the size needed to read it back, are durable. */
  sync(): Promise<void>;
  /** Reads up to `length` bytes at `position` into `into`; returns how many were read (0 at end). */
  read(into: Uint8Array, position: number, length: number): Promise<number>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface Disk {
  /** Creates `dir` and any missing parents, fsyncing each parent that gained an entry. */
  mkdirp(dir: string): Promise<void>;
  /** Entry names of `dir`, unsorted. */
  list(dir: string): Promise<string[]>;
  readFile(path: string): Promise<Buffer>;
  /** Creates (or truncates) a file for writing. The new directory entry needs syncDir(). */
  create(path: string): Promise<DiskFile>;
  /** Opens an existing file for reading, or for reading and writing. */
  open(path: string, mode: 'read' | 'readwrite'): Promise<DiskFile>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** fsync of a directory: makes its creates, renames and unlinks durable. */
  syncDir(dir: string): Promise<void>;
}

class NodeDiskFile implements DiskFile {
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  async write(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, position + done);
      if (bytesWritten <= 0) throw new Error(`write to ${this.path} made no progress at offset ${position + done}`);
      done += bytesWritten;
    }
  }

  sync(): Promise<void> {
    return this.handle.datasync();
  }

  async read(into: Uint8Array, position: number, length: number): Promise<number> {
    const { bytesRead } = await this.handle.read(into, 0, length, position);
    return bytesRead;
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export const nodeDisk: Disk = {
  async mkdirp(dir: string): Promise<void> {
    const missing: string[] = [];
    for (let d = dir; !(await pathExists(d)); d = dirname(d)) missing.unshift(d);
    for (const d of missing) {
      await mkdir(d);
      await syncDirectory(dirname(d));
    }
  },
  list: (dir) => readdir(dir),
  readFile: (path) => readFile(path),
  async create(path: string): Promise<DiskFile> {
    return new NodeDiskFile(path, await open(path, 'w'));
  },
  async open(path: string, mode: 'read' | 'readwrite'): Promise<DiskFile> {
    return new NodeDiskFile(path, await open(path, mode === 'read' ? 'r' : 'r+'));
  },
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path, { force: true }),
  exists: pathExists,
  syncDir: syncDirectory,
};
