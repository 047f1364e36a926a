/** Test fixtures: real LevelDB stores in temp dirs, removed afterwards. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend } from '../../src/storage/backend.js';
import { MvccStore } from '../../src/mvcc/index.js';
import type { KeyValue } from '../../src/mvcc/index.js';
import { isTombstoneKey, revisionMain, revisionSub } from '../../src/mvcc/revision.js';

export const b = (s: string): Buffer => Buffer.from(s, 'latin1');
export const NO_END = Buffer.alloc(0);
export const OPEN_END = Buffer.from([0]);

export interface Fixture {
  dir: string;
  backend: Backend;
  store: MvccStore;
  /** Commits the pending batch (sync off: the tests do not crash the machine). */
  commit(): Promise<void>;
  /** Commits, closes store and backend and opens them again on the same directory. */
  reopen(): Promise<void>;
  /** Drops the pending batch (as a crash would), then reopens. */
  crash(): Promise<void>;
  close(): Promise<void>;
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tetcd-mvcc-'));
}

export async function openFixture(dir?: string): Promise<Fixture> {
  const path = dir ?? (await tempDir());
  const fx: Fixture = {
    dir: path,
    backend: await Backend.open(join(path, 'db')),
    store: undefined as unknown as MvccStore,
    commit: () => fx.backend.commit({ sync: false }),
    async reopen() {
      await fx.commit();
      await fx.crash();
    },
    async crash() {
      await fx.store.close();
      await fx.backend.close();
      fx.backend = await Backend.open(join(path, 'db'));
      fx.store = await MvccStore.open(fx.backend);
    },
    async close() {
      await fx.store.close();
      await fx.backend.close();
      await rm(path, { recursive: true, force: true });
    },
  };
  fx.store = await MvccStore.open(fx.backend);
  return fx;
}

/** Runs fn on a fresh fixture and always removes it. */
export async function withStore(fn: (fx: Fixture) => Promise<void>): Promise<void> {
  const fx = await openFixture();
  try {
    await fn(fx);
  } finally {
    await fx.close();
  }
}

export function put(store: MvccStore, key: string, value: string, lease = 0n): number {
  const txn = store.write();
  txn.put(b(key), b(value), lease);
  return txn.end().rev;
}

export function del(store: MvccStore, key: string, end = ''): number {
  const txn = store.write();
  txn.deleteRange(b(key), b(end));
  return txn.end().rev;
}

/** A readable summary: key=value@create/mod/version. */
export function show(kvs: KeyValue[]): string[] {
  return kvs.map((kv) => `${kv.key.toString('latin1')}=${kv.value.toString('latin1')}@${kv.createRevision}/${kv.modRevision}/${kv.version}`);
}

/** The revision keys of the 'key' bucket on disk, as main_sub with a trailing t on tombstones. */
export async function storedRevisions(backend: Backend): Promise<string[]> {
  const out: string[] = [];
  for await (const [k] of backend.iterate('key')) {
    out.push(`${revisionMain(k)}_${revisionSub(k)}${isTombstoneKey(k) ? 't' : ''}`);
  }
  return out;
}
