/**
 * etcd's Range semantics above the index (its server applier's part of Range): which rows to
 * fetch, the min/max revision filters, sorting and the limit. Verified against etcd 3.4:
 * - without a sort order or filter only limit+1 keys (in key order) are fetched; so sort order
 *   NONE with a target other than KEY sorts just those, ascending by the target, then truncates;
 * - with a sort order or a filter every key of the range is fetched, filtered, sorted, truncated;
 * - `more` is true when more rows than limit remain after filtering;
 * - ties keep key order (etcd's sort is insertion sort, so stable, for the result sizes clients
 *   look at; a stable sort is the only reproducible choice for larger ones).
 */
import { EMPTY } from '../base/bytes.js';
import type { KeyValue, RangeOptions, SortOrder, SortTarget } from './types.js';

export interface FetchPlan {
  /** How many keys (in key order) to read from the store; Infinity = all of the range. */
  fetchLimit: number;
  limit: number;
  filtered: boolean;
}

export function planFetch(opts: RangeOptions): FetchPlan {
  const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : 0;
  const filtered =
    (opts.minModRevision ?? 0) !== 0 ||
    (opts.maxModRevision ?? 0) !== 0 ||
    (opts.minCreateRevision ?? 0) !== 0 ||
    (opts.maxCreateRevision ?? 0) !== 0;
  const fetchAll = (opts.sortOrder ?? 'NONE') !== 'NONE' || filtered;
  return { fetchLimit: fetchAll || limit === 0 ? Infinity : limit + 1, limit, filtered };
}

/** Filters, sorts and truncates rows fetched in key order; returns `more`. Mutates kvs. */
export function shapeRows(kvs: KeyValue[], opts: RangeOptions, plan: FetchPlan): { kvs: KeyValue[]; more: boolean } {
  let rows = plan.filtered ? kvs.filter(filterOf(opts)) : kvs;
  const target = opts.sortTarget ?? 'KEY';
  let order: SortOrder = opts.sortOrder ?? 'NONE';
  if (order === 'NONE' && target !== 'KEY') order = 'ASCEND';
  // Rows arrive in ascending key order already.
  if (order !== 'NONE' && !(order === 'ASCEND' && target === 'KEY')) rows.sort(comparatorOf(target, order));
  let more = false;
  if (plan.limit > 0 && rows.length > plan.limit) {
    rows = rows.slice(0, plan.limit);
    more = true;
  }
  if (opts.keysOnly) for (const kv of rows) kv.value = EMPTY;
  return { kvs: rows, more };
}

function filterOf(opts: RangeOptions): (kv: KeyValue) => boolean {
  const minMod = opts.minModRevision ?? 0;
  const maxMod = opts.maxModRevision ?? 0;
  const minCreate = opts.minCreateRevision ?? 0;
  const maxCreate = opts.maxCreateRevision ?? 0;
  return (kv) =>
    (minMod === 0 || kv.modRevision >= minMod) &&
    (maxMod === 0 || kv.modRevision <= maxMod) &&
    (minCreate === 0 || kv.createRevision >= minCreate) &&
    (maxCreate === 0 || kv.createRevision <= maxCreate);
}

function comparatorOf(target: SortTarget, order: SortOrder): (a: KeyValue, b: KeyValue) => number {
  const sign = order === 'DESCEND' ? -1 : 1;
  switch (target) {
    case 'KEY':
      return (a, b) => sign * Buffer.compare(a.key, b.key);
    case 'VALUE':
      return (a, b) => sign * Buffer.compare(a.value, b.value);
    case 'VERSION':
      return (a, b) => sign * (a.version - b.version);
    case 'CREATE':
      return (a, b) => sign * (a.createRevision - b.createRevision);
    case 'MOD':
      return (a, b) => sign * (a.modRevision - b.modRevision);
  }
}
