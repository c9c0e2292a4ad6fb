import { createHash, timingSafeEqual } from 'node:crypto';

/** sms.ru's webhook `hash`: hex SHA-256 of `api_id` followed by every `data[n]` in order. */
export function smsRuWebhookHash(apiId: string, records: string[]): string {
  return createHash('sha256')
    .update(apiId + records.join(''))
    .digest('hex');
}

/** Whether `hash` is the webhook hash of these records, compared in constant time. */
export function verifySmsRuWebhookHash(apiId: string, records: string[], hash: unknown): boolean {
  if (typeof hash !== 'string') return false;
  const expected = Buffer.from(smsRuWebhookHash(apiId, records), 'utf8');
  const given = Buffer.from(hash.toLowerCase(), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The `data[n]` records of a webhook's fields, in order of n; `null` when two names give one n
 * (`data[1]` and `data[01]`), for then the order the hash covers is not the order that is read.
 */
export function smsRuRecords(fields: Record<string, string>): string[] | null {
  const records = new Map<number, string>();
  for (const [name, value] of Object.entries(fields)) {
    const index = /^data\[(\d{1,4})\]$/.exec(name)?.[1];
    if (index === undefined) continue;
    if (records.has(Number(index))) return null;
    records.set(Number(index), value);
  }
  return [...records.entries()].sort(([a], [b]) => a - b).map(([, value]) => value);
}
