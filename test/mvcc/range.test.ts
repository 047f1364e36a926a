import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEtcdError, type EtcdErrorCode } from '../../src/base/errors.js';
import type { RangeOptions } from '../../src/mvcc/index.js';
import { b, del, put, show, withStore } from './helpers.js';

/** The history the golden ranges below were taken on: revisions 2..16. */
const HISTORY: Array<[string, string | null]> = [
  ['x3', 'v1'],
  ['x1', 'v2'],
  ['x2', 'v3'],
  ['x1', 'v4'],
  ['x5', 'v5'],
  ['x4', 'v6'],
  ['x1', 'z'],
  ['x3', 'v8'],
  ['x6', 'v9'],
  ['x2', 'same'],
  ['x4', 'same'],
  ['x5', null],
  ['x5', 'back'],
  ['y\xff', 'k'],
  ['\xff', 'top'],
];

interface GoldenRange {
  name: string;
  key: string;
  end: string;
  opts: RangeOptions;
  kvs?: string[];
  more?: boolean;
  count?: number;
  error?: EtcdErrorCode;
}

// Every expectation below is what etcd 3.4.23 answered (grpc-gateway /v3/kv/range) after the same
// HISTORY; kvs are shown as key=value@create/mod/version.
const GOLDEN: GoldenRange[] = [
  {
    name: 'none-version-limit',
    key: 'x',
    end: 'y',
    opts: { limit: 2, sortOrder: 'NONE', sortTarget: 'VERSION' },
    kvs: ['x2=same@4/11/2', 'x3=v8@2/9/2'],
    more: true,
    count: 6,
  },
  {
    name: 'descend-version-limit',
    key: 'x',
    end: 'y',
    opts: { limit: 3, sortOrder: 'DESCEND', sortTarget: 'VERSION' },
    kvs: ['x1=z@3/8/3', 'x2=same@4/11/2', 'x3=v8@2/9/2'],
    more: true,
    count: 6,
  },
  {
    name: 'min-mod-limit',
    key: 'x',
    end: 'y',
    opts: { limit: 2, minModRevision: 9 },
    kvs: ['x2=same@4/11/2', 'x3=v8@2/9/2'],
    more: true,
    count: 6,
  },
  {
    name: 'count-only',
    key: 'x',
    end: 'y',
    opts: { limit: 1, countOnly: true },
    kvs: [],
    more: false,
    count: 6,
  },
  {
    name: 'descend-value',
    key: 'x',
    end: 'y',
    opts: { sortOrder: 'DESCEND', sortTarget: 'VALUE' },
    kvs: ['x1=z@3/8/3', 'x6=v9@10/10/1', 'x3=v8@2/9/2', 'x2=same@4/11/2', 'x4=same@7/12/2', 'x5=back@14/14/1'],
    more: false,
    count: 6,
  },
  {
    name: 'ascend-value',
    key: 'x',
    end: 'y',
    opts: { sortOrder: 'ASCEND', sortTarget: 'VALUE' },
    kvs: ['x5=back@14/14/1', 'x2=same@4/11/2', 'x4=same@7/12/2', 'x3=v8@2/9/2', 'x6=v9@10/10/1', 'x1=z@3/8/3'],
    more: false,
    count: 6,
  },
  {
    name: 'end-before-key',
    key: 'x4',
    end: 'x2',
    opts: {  },
    kvs: [],
    more: false,
    count: 0,
  },
  {
    name: 'end-equals-key',
    key: 'x4',
    end: 'x4',
    opts: {  },
    kvs: [],
    more: false,
    count: 0,
  },
  {
    name: 'max-create-limit',
    key: 'x',
    end: 'y',
    opts: { limit: 2, maxCreateRevision: 5 },
    kvs: ['x1=z@3/8/3', 'x2=same@4/11/2'],
    more: true,
    count: 6,
  },
  {
    name: 'at-rev-10',
    key: 'x',
    end: 'y',
    opts: { rev: 10 },
    kvs: ['x1=z@3/8/3', 'x2=v3@4/4/1', 'x3=v8@2/9/2', 'x4=v6@7/7/1', 'x5=v5@6/6/1', 'x6=v9@10/10/1'],
    more: false,
    count: 6,
  },
  {
    name: 'at-rev-13',
    key: 'x',
    end: 'y',
    opts: { rev: 13 },
    kvs: ['x1=z@3/8/3', 'x2=same@4/11/2', 'x3=v8@2/9/2', 'x4=same@7/12/2', 'x6=v9@10/10/1'],
    more: false,
    count: 5,
  },
  {
    name: 'all',
    key: '\0',
    end: '\0',
    opts: {  },
    kvs: ['x1=z@3/8/3', 'x2=same@4/11/2', 'x3=v8@2/9/2', 'x4=same@7/12/2', 'x5=back@14/14/1', 'x6=v9@10/10/1', 'y\xff=k@15/15/1', '\xff=top@16/16/1'],
    more: false,
    count: 8,
  },
  {
    name: 'prefix-y',
    key: 'y',
    end: 'z',
    opts: {  },
    kvs: ['y\xff=k@15/15/1'],
    more: false,
    count: 1,
  },
  {
    name: 'prefix-y-ff',
    key: 'y\xff',
    end: 'z',
    opts: {  },
    kvs: ['y\xff=k@15/15/1'],
    more: false,
    count: 1,
  },
  {
    name: 'from-ff',
    key: '\xff',
    end: '\0',
    opts: {  },
    kvs: ['\xff=top@16/16/1'],
    more: false,
    count: 1,
  },
  {
    name: 'ascend-mod-limit',
    key: 'x',
    end: 'y',
    opts: { limit: 3, sortOrder: 'ASCEND', sortTarget: 'MOD' },
    kvs: ['x1=z@3/8/3', 'x3=v8@2/9/2', 'x6=v9@10/10/1'],
    more: true,
    count: 6,
  },
  {
    name: 'descend-create',
    key: 'x',
    end: 'y',
    opts: { sortOrder: 'DESCEND', sortTarget: 'CREATE' },
    kvs: ['x5=back@14/14/1', 'x6=v9@10/10/1', 'x4=same@7/12/2', 'x2=same@4/11/2', 'x1=z@3/8/3', 'x3=v8@2/9/2'],
    more: false,
    count: 6,
  },
  {
    name: 'none-mod-limit-rev10',
    key: 'x',
    end: 'y',
    opts: { limit: 2, sortTarget: 'MOD', rev: 10 },
    kvs: ['x2=v3@4/4/1', 'x1=z@3/8/3'],
    more: true,
    count: 6,
  },
  {
    name: 'plain-limit',
    key: 'x',
    end: 'y',
    opts: { limit: 2 },
    kvs: ['x1=z@3/8/3', 'x2=same@4/11/2'],
    more: true,
    count: 6,
  },
  {
    name: 'limit-equals-count',
    key: 'x',
    end: 'y',
    opts: { limit: 6 },
    kvs: ['x1=z@3/8/3', 'x2=same@4/11/2', 'x3=v8@2/9/2', 'x4=same@7/12/2', 'x5=back@14/14/1', 'x6=v9@10/10/1'],
    more: false,
    count: 6,
  },
  {
    name: 'create-window',
    key: 'x',
    end: 'y',
    opts: { minCreateRevision: 3, maxCreateRevision: 7 },
    kvs: ['x1=z@3/8/3', 'x2=same@4/11/2', 'x4=same@7/12/2'],
    more: false,
    count: 6,
  },
  {
    name: 'max-mod-rev12',
    key: 'x',
    end: 'y',
    opts: { maxModRevision: 9, rev: 12 },
    kvs: ['x1=z@3/8/3', 'x3=v8@2/9/2', 'x5=v5@6/6/1'],
    more: false,
    count: 6,
  },
  {
    name: 'open-end',
    key: 'x',
    end: '\0',
    opts: {  },
    kvs: ['x1=z@3/8/3', 'x2=same@4/11/2', 'x3=v8@2/9/2', 'x4=same@7/12/2', 'x5=back@14/14/1', 'x6=v9@10/10/1', 'y\xff=k@15/15/1', '\xff=top@16/16/1'],
    more: false,
    count: 8,
  },
  {
    name: 'single-before-create',
    key: 'x2',
    end: '',
    opts: { rev: 3 },
    kvs: [],
    more: false,
    count: 0,
  },
  {
    name: 'single',
    key: 'x2',
    end: '',
    opts: {  },
    kvs: ['x2=same@4/11/2'],
    more: false,
    count: 1,
  },
  {
    name: 'single-missing',
    key: 'nope',
    end: '',
    opts: {  },
    kvs: [],
    more: false,
    count: 0,
  },
  {
    name: 'keys-only-descend-key',
    key: 'x',
    end: 'y',
    opts: { limit: 2, sortOrder: 'DESCEND', sortTarget: 'KEY', keysOnly: true },
    kvs: ['x6=@10/10/1', 'x5=@14/14/1'],
    more: true,
    count: 6,
  },
  {
    name: 'ascend-key-limit',
    key: 'x',
    end: 'y',
    opts: { limit: 2, sortOrder: 'ASCEND', sortTarget: 'KEY' },
    kvs: ['x1=z@3/8/3', 'x2=same@4/11/2'],
    more: true,
    count: 6,
  },
  {
    name: 'count-only-filtered',
    key: 'x',
    end: 'y',
    opts: { countOnly: true, minModRevision: 12 },
    kvs: [],
    more: false,
    count: 6,
  },
  {
    name: 'filter-limit-no-more',
    key: 'x',
    end: 'y',
    opts: { limit: 2, minModRevision: 12 },
    kvs: ['x4=same@7/12/2', 'x5=back@14/14/1'],
    more: false,
    count: 6,
  },
  {
    name: 'negative-limit',
    key: 'x',
    end: 'y',
    opts: { limit: -1 },
    kvs: ['x1=z@3/8/3', 'x2=same@4/11/2', 'x3=v8@2/9/2', 'x4=same@7/12/2', 'x5=back@14/14/1', 'x6=v9@10/10/1'],
    more: false,
    count: 6,
  },
  {
    name: 'negative-rev',
    key: 'x',
    end: 'y',
    opts: { rev: -4 },
    kvs: ['x1=z@3/8/3', 'x2=same@4/11/2', 'x3=v8@2/9/2', 'x4=same@7/12/2', 'x5=back@14/14/1', 'x6=v9@10/10/1'],
    more: false,
    count: 6,
  },
  {
    name: 'future-rev',
    key: 'x',
    end: 'y',
    opts: { rev: 17 },
    error: 'FutureRev',
  },
  {
    name: 'deleted-at-rev-12',
    key: 'x5',
    end: '',
    opts: { rev: 12 },
    kvs: ['x5=v5@6/6/1'],
    more: false,
    count: 1,
  },
  {
    name: 'deleted-at-rev-13-count',
    key: 'x5',
    end: '',
    opts: { rev: 13, countOnly: true },
    kvs: [],
    more: false,
    count: 0,
  },
];

test('every Range option answers as etcd 3.4 does', async () => {
  await withStore(async ({ store }) => {
    for (const [key, value] of HISTORY) {
      if (value === null) del(store, key);
      else put(store, key, value);
    }
    assert.equal(store.currentRevision(), 16);
    for (const g of GOLDEN) {
      if (g.error) {
        assert.throws(() => store.range(b(g.key), b(g.end), g.opts), (e) => isEtcdError(e, g.error), g.name);
        continue;
      }
      const rr = store.range(b(g.key), b(g.end), g.opts);
      assert.deepEqual(
        { kvs: show(rr.kvs), more: rr.more, count: rr.count, rev: rr.rev },
        { kvs: g.kvs, more: g.more, count: g.count, rev: 16 },
        g.name,
      );
    }
  });
});
