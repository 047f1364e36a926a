/** Conversions between the MVCC store's values and etcd's wire messages (proto-loader shape). */
import type { KeyValue as MvccKeyValue, RangeOptions, SortOrder, SortTarget } from '../mvcc/index.js';
import type { KeyValue as PbKeyValue } from '../gen/mvccpb/KeyValue.js';
import type { RangeRequest__Output } from '../gen/etcdserverpb/RangeRequest.js';

export function toPbKeyValue(kv: MvccKeyValue): PbKeyValue {
  return {
    key: kv.key,
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: kv.version,
    value: kv.value,
    lease: kv.lease.toString(),
  };
}

/** int64 fields arrive as decimal strings (longs: String); revisions and limits fit in a double. */
export function int64ToNumber(v: string | number | undefined | null): number {
  if (v === undefined || v === null || v === '') return 0;
  return typeof v === 'number' ? v : Number(v);
}

export function int64ToBigInt(v: string | number | undefined | null): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  return BigInt(v);
}

export function rangeOptionsOf(r: RangeRequest__Output): RangeOptions {
  return {
    rev: int64ToNumber(r.revision),
    limit: int64ToNumber(r.limit),
    countOnly: r.count_only,
    keysOnly: r.keys_only,
    sortOrder: (r.sort_order || 'NONE') as SortOrder,
    sortTarget: (r.sort_target || 'KEY') as SortTarget,
    minModRevision: int64ToNumber(r.min_mod_revision),
    maxModRevision: int64ToNumber(r.max_mod_revision),
    minCreateRevision: int64ToNumber(r.min_create_revision),
    maxCreateRevision: int64ToNumber(r.max_create_revision),
  };
}
