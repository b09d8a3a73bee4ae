import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { InvalidMessageError, zodCodec } from '../../src/transport/codec.ts';

const codec = zodCodec(z.strictObject({ version: z.literal(1), trialId: z.string().min(1) }));

test('zodCodec round-trips a valid value through JSON bytes', () => {
  const bytes = codec.encode({ version: 1, trialId: 't-1' });
  assert.equal(new TextDecoder().decode(bytes), '{"version":1,"trialId":"t-1"}');
  assert.deepEqual(codec.decode(bytes), { version: 1, trialId: 't-1' });
});

test('zodCodec.decode names what is wrong: not UTF-8, not JSON, a bad field', () => {
  assert.throws(() => codec.decode(new Uint8Array([0xff, 0xfe])), /not UTF-8/);
  assert.throws(() => codec.decode(new TextEncoder().encode('{oops')), (error: unknown) => {
    assert.ok(error instanceof InvalidMessageError);
    assert.match(error.reason, /not JSON .*\{oops/);
    return true;
  });
  assert.throws(() => codec.decode(new TextEncoder().encode('{"version":2,"trialId":"x"}')), /version/);
  assert.throws(() => codec.decode(new TextEncoder().encode('{"version":1,"trialId":"x","extra":1}')), /extra/);
});

test('zodCodec.encode refuses an invalid value instead of sending it', () => {
  assert.throws(() => codec.encode({ version: 1, trialId: '' } as never), /refusing to send.*\n.*trialId/s);
});
