import { createHmac, timingSafeEqual } from 'node:crypto';

/** The HMAC of a Twilio signature: SHA-1 with the auth token, or what a Webhook Setting names for its SharedKey. */
export type TwilioSignatureAlgorithm = 'sha1' | 'sha256';

/**
 * Twilio's `X-Twilio-Signature`: base64 HMAC (SHA-1 with the account's auth token by default),
 * over the full URL Twilio called followed by each POST field's name and value, sorted by name.
 */
export function twilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
  algorithm: TwilioSignatureAlgorithm = 'sha1',
): string {
  const data = Object.keys(params)
    .sort()
    .reduce((text, name) => text + name + params[name], url);
  return createHmac(algorithm, authToken).update(data, 'utf8').digest('base64');
}

/**
 * The forms of a webhook URL that Twilio may have signed. Twilio drops the port of an https URL
 * (and any `user:password@`) before signing voice webhooks, and is not consistent about it: the
 * official client (twilio-node's `validateRequest`) accepts the URL with and without the port, the
 * default one included. So: the URL as given, without its port, with the scheme's default port,
 * each also without credentials.
 */
export function twilioSignedUrls(url: string): string[] {
  if (!URL.canParse(url)) return [url];
  const forms = new Set<string>([url]);
  for (const credentials of [true, false]) {
    const parsed = new URL(url);
    if (!credentials) {
      parsed.username = '';
      parsed.password = '';
    }
    forms.add(parsed.toString());
    const port = parsed.port;
    parsed.port = '';
    forms.add(parsed.toString());
    if (!port) forms.add(withDefaultPort(parsed));
  }
  return [...forms];
}

/** The URL with its scheme's default port written out (`URL` itself never writes it). */
function withDefaultPort(url: URL): string {
  const credentials = url.username || url.password ? `${url.username}${url.password ? `:${url.password}` : ''}@` : '';
  const port = url.protocol === 'https:' ? 443 : 80;
  return `${url.protocol}//${credentials}${url.hostname}:${port}${url.pathname}${url.search}${url.hash}`;
}

/**
 * Whether `signature` is Twilio's signature of this request with `key`, for any form of the URL
 * Twilio may have signed ({@link twilioSignedUrls}), each compared in constant time.
 */
export function verifyTwilioSignature(
  key: string,
  url: string,
  params: Record<string, string>,
  signature: unknown,
  algorithm: TwilioSignatureAlgorithm = 'sha1',
): boolean {
  if (typeof signature !== 'string') return false;
  const given = Buffer.from(signature);
  // Every form is checked, without stopping early.
  return twilioSignedUrls(url).reduce((valid, form) => {
    const expected = Buffer.from(twilioSignature(key, form, params, algorithm));
    return (given.length === expected.length && timingSafeEqual(given, expected)) || valid;
  }, false);
}
