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

/** The `data[n]` records of a webhook's fields, in order of n. */
export function smsRuRecords(fields: Record<string, string>): string[] {
  return Object.entries(fields)
    .map(([name, value]) => [/^data\[(\d{1,4})\]$/.exec(name)?.[1], value] as const)
    .filter((entry): entry is readonly [string, string] => entry[0] !== undefined)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, value]) => value);
}
