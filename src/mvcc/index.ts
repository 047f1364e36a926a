/** The MVCC store's public surface. */
export { MvccStore } from './kv_store.js';
export type { ConsistentIndex } from './meta.js';
export type {
  Event,
  HashKVResult,
  KeyValue,
  RangeOptions,
  RangeResult,
  SortOrder,
  SortTarget,
  WriteTxn,
} from './types.js';
