import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { crc32, crc32Portable } from '../../src/storage/disk_crc.js';
import { RECORD_HEADER_BYTES, WalRecordType, frameRecord, scanRecords } from '../../src/storage/wal_record.js';

function segment(payloadSizes: number[]): { bytes: Buffer; offsets: number[] } {
  const offsets: number[] = [];
  const parts: Buffer[] = [];
  let at = 0;
  payloadSizes.forEach((size, i) => {
    const record = frameRecord(WalRecordType.Batch, Buffer.alloc(size, 0x41 + i));
    offsets.push(at);
    parts.push(record);
    at += record.length;
  });
  return { bytes: Buffer.concat(parts), offsets };
}

test('the native and the portable CRC-32 agree, also when continued over chunks', () => {
  for (const size of [0, 1, 7, 64, 1000, 70000]) {
    const data = randomBytes(size);
    assert.equal(crc32(data), crc32Portable(data), `size ${size}`);
    const cut = Math.floor(size / 3);
    assert.equal(crc32(data.subarray(cut), crc32(data.subarray(0, cut))), crc32Portable(data));
  }
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926, 'the standard check value');
});

test('records are 8-byte aligned and scan back in order', () => {
  const { bytes, offsets } = segment([0, 1, 8, 9, 1000]);
  assert.ok(offsets.every((o) => o % 8 === 0));
  const scan = scanRecords(bytes);
  assert.equal(scan.damage, undefined);
  assert.equal(scan.validEnd, bytes.length);
  assert.deepEqual(scan.records.map((r) => r.offset), offsets);
  assert.deepEqual(scan.records.map((r) => r.payload.length), [0, 1, 8, 9, 1000]);
  assert.equal(scan.records[4]!.payload[0], 0x45);
});

test('a last record cut at any byte is a torn tail ending at the previous record', () => {
  const { bytes, offsets } = segment([30, 700, 1500]);
  const last = offsets[2]!;
  for (let cut = last + 1; cut < bytes.length; cut++) {
    const scan = scanRecords(bytes.subarray(0, cut));
    assert.equal(scan.records.length, 2, `cut ${cut}`);
    assert.equal(scan.validEnd, last);
    assert.equal(scan.damage?.torn, true, `cut ${cut}: ${scan.damage?.reason}`);
  }
});

test('a last record with an unwritten (zero) sector is torn; zeros after the end are too', () => {
  const { bytes, offsets } = segment([100, 3000]);
  const damaged = Buffer.from(bytes);
  damaged.fill(0, 1024, 1536); // a whole sector inside the last record never reached the disk
  const scan = scanRecords(damaged);
  assert.equal(scan.damage?.torn, true);
  assert.equal(scan.validEnd, offsets[1]);

  const extended = Buffer.concat([bytes.subarray(0, offsets[1]!), Buffer.alloc(4096)]);
  const zeroTail = scanRecords(extended);
  assert.equal(zeroTail.damage?.torn, true, 'a size extended by a lost write reads as zeros');
  assert.equal(zeroTail.validEnd, offsets[1]);
});

test('a bad record followed by a valid one is corruption, wherever the flip is', () => {
  const { bytes, offsets } = segment([100, 100, 100]);
  for (const at of [offsets[1]! + 2, offsets[1]! + 10, offsets[1]! + RECORD_HEADER_BYTES + 50]) {
    const damaged = Buffer.from(bytes);
    damaged[at]! ^= 0x10;
    const scan = scanRecords(damaged);
    assert.equal(scan.records.length, 1);
    assert.equal(scan.damage?.offset, offsets[1]);
    assert.equal(scan.damage?.torn, false, `flip at ${at}`);
    assert.match(scan.damage!.reason, /followed by a valid record/);
  }
});

test('a fully written last record that fails its CRC is corruption, not a torn tail', () => {
  const { bytes, offsets } = segment([100, 300]);
  const damaged = Buffer.from(bytes);
  damaged[offsets[1]! + RECORD_HEADER_BYTES + 7]! ^= 0x01;
  const scan = scanRecords(damaged);
  assert.equal(scan.damage?.torn, false);
  assert.match(scan.damage!.reason, /fully written record/);
});
