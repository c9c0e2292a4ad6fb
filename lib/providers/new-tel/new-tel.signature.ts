import { createHash } from 'node:crypto';

/**
 * New-Tel's `Authorization` header: `Bearer <accessKey><unixTime><sha256hex(method + "\n" +
 * unixTime + "\n" + accessKey + "\n" + body + "\n" + signatureKey)>`, where `method` is the API
 * path without the host (`call-verification/start-inbound-call-waiting`) and `body` the exact JSON sent.
 */
export function newTelAuthorization(p: {
  method: string;
  unixTime: number;
  accessKey: string;
  signatureKey: string;
  body: string;
}): string {
  const time = String(Math.floor(p.unixTime));
  const digest = createHash('sha256')
    .update([p.method, time, p.accessKey, p.body, p.signatureKey].join('\n'))
    .digest('hex');
  return `Bearer ${p.accessKey}${time}${digest}`;
}
