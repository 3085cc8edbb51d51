// TFRecord framing (src/io/tfrecord.ts): CRC-32C against the published check values, and a record's layout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c, encodeRecord, maskedCrc32c } from '../../src/io/tfrecord.ts';

test('CRC-32C gives the standard check values (RFC 3720 B.4 and the "123456789" check)', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  assert.equal(crc32c(new Uint8Array()), 0);
});

test('the mask rotates right by 15 and adds 0xa282ead8', () => {
  // 0xe3069283 rotated right by 15 = 0x2507c60d; + 0xa282ead8 = 0xc78ab0e5 (mod 2^32).
  assert.equal(maskedCrc32c(new TextEncoder().encode('123456789')), 0xc78ab0e5);
});

test('a record is length, masked CRC of the length, data, masked CRC of the data', () => {
  const data = new TextEncoder().encode('hello');
  const r = encodeRecord(data);
  assert.equal(r.length, 8 + 4 + 5 + 4);
  const v = new DataView(r.buffer);
  assert.equal(v.getBigUint64(0, true), 5n);
  assert.equal(v.getUint32(8, true), maskedCrc32c(r.subarray(0, 8)));
  assert.deepEqual([...r.subarray(12, 17)], [...data]);
  assert.equal(v.getUint32(17, true), maskedCrc32c(data));
});
