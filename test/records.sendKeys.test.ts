// Send keys in the store of record (real PostgreSQL): claim, mark, what a second attempt or host sees, and a race.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { claimSend, markSent } from '../src/records/sendKeys.js';
import { freshRecords } from './db.js';

let records: Awaited<ReturnType<typeof freshRecords>>;
beforeAll(async () => {
  records = await freshRecords();
});
afterAll(async () => {
  await records?.close();
});

const row = async (key: string): Promise<unknown> =>
  (await records.db.query('SELECT idempotency_key, channel, state, provider_id, sent_at IS NOT NULL AS has_sent_at FROM send_keys WHERE idempotency_key = $1', [key])).rows[0];

describe('send keys', () => {
  test('fresh the first time; claimed while no outcome is recorded; sent after markSent, for ever', async () => {
    const key = 'visit:N-SK-1|alert|wuli-gov-zhang|sms';
    expect(await claimSend(records.db, key, 'sms')).toBe('fresh');
    expect(await row(key)).toEqual({ idempotency_key: key, channel: 'sms', state: 'claimed', provider_id: null, has_sent_at: false });
    // An attempt that died mid-send left it claimed: the next one sends again (the documented window).
    expect(await claimSend(records.db, key, 'sms')).toBe('claimed');
    await markSent(records.db, key, 'SM0123456789abcdef0123456789abcdef');
    expect(await row(key)).toEqual({ idempotency_key: key, channel: 'sms', state: 'sent', provider_id: 'SM0123456789abcdef0123456789abcdef', has_sent_at: true });
    expect(await claimSend(records.db, key, 'sms')).toBe('sent');
    expect(await claimSend(records.db, key, 'sms')).toBe('sent');
  });

  test('a second acceptance keeps the first provider ID; a provider ID is optional', async () => {
    const key = 'visit:N-SK-2|alert|wuli-gov-wang|email';
    expect(await claimSend(records.db, key, 'email')).toBe('fresh');
    await markSent(records.db, key);
    await markSent(records.db, key, 'later-id');
    expect(await row(key)).toEqual({ idempotency_key: key, channel: 'email', state: 'sent', provider_id: null, has_sent_at: true });
  });

  test('marking a key nobody claimed is an error, and records nothing', async () => {
    const key = 'visit:N-SK-3|alert|wuli-gov-chen|email';
    await expect(markSent(records.db, key, 'x')).rejects.toThrow(`send key ${key}: marked sent without a claim`);
    expect(await row(key)).toBeUndefined();
  });

  test('keys differ by recipient and channel: each is claimed on its own', async () => {
    expect(await claimSend(records.db, 'visit:N-SK-4|alert|wuli-gov-zhang|sms', 'sms')).toBe('fresh');
    expect(await claimSend(records.db, 'visit:N-SK-4|alert|wuli-gov-zhang|email', 'email')).toBe('fresh');
    expect(await claimSend(records.db, 'visit:N-SK-4|alert|wuli-gov-wang|sms', 'sms')).toBe('fresh');
  });

  test('20 concurrent claims of one key: exactly one is fresh, the other 19 see it claimed', async () => {
    const key = 'visit:N-SK-RACE|alert|wuli-gov-zhang|sms';
    const results = await Promise.all(Array.from({ length: 20 }, () => claimSend(records.db, key, 'sms')));
    expect(results.filter((r) => r === 'fresh')).toHaveLength(1);
    expect(results.filter((r) => r === 'claimed')).toHaveLength(19);
    expect((await records.db.query('SELECT count(*)::int AS n FROM send_keys WHERE idempotency_key = $1', [key])).rows).toEqual([{ n: 1 }]);
  });
});
