import {
  deriveCallbackSecret,
  PhoneCallAuthConfigError,
  type PhoneCallAuthOptions,
  SmsRuProvider,
  SsmsProvider,
  TwilioVoiceProvider,
} from 'nestjs-phone-call-auth';
import { resolvePhoneCallAuthOptions } from '../../lib/options/resolve-options.js';

const valid = (): PhoneCallAuthOptions => ({
  provider: new SsmsProvider({ apiKey: 'k' }),
  callbackSecret: 'c'.repeat(32),
  jwt: { secret: 's'.repeat(32) },
});

describe('resolvePhoneCallAuthOptions', () => {
  it('applies the defaults', () => {
    const resolved = resolvePhoneCallAuthOptions(valid());
    expect(resolved.windows).toEqual({ ssms: 120 });
    expect(resolved.redeemSeconds).toBe(300);
    expect(resolved.defaultCountry).toBe('RU');
    expect(resolved.callbacks.byProvider.get('ssms')).toMatchObject({
      secrets: ['c'.repeat(32)],
      allowlist: undefined,
    });
    expect(resolved.callbacks.unnamed.name).toBe('ssms');
    expect(resolved.jwt).toMatchObject({
      algorithm: 'HS256',
      issuer: 'nestjs-phone-call-auth',
      audience: 'phone-call-auth',
      expiresInSeconds: 900,
    });
    expect(resolved.resolveSubject('+79670311122')).toEqual({ sub: '+79670311122' });
    expect(resolved.rateLimits).toEqual({
      perPhone: { limit: 3, windowSeconds: 600 },
      perIp: { limit: 10, windowSeconds: 600 },
      perSubnet: { limit: 30, windowSeconds: 600 },
      global: { limit: 100, windowSeconds: 60, mode: 'alarm' },
    });
    expect(resolved.purge).toEqual({ retentionSeconds: 86400, intervalSeconds: 600 });
    expect(resolved.phonePolicy).toEqual({
      numberTypes: ['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE'],
      nonGeographic: false,
      mobileOnly: false,
      countries: undefined,
    });
    expect(resolved.allowedOrigins).toEqual(new Set());
    expect(resolved.siteName).toBeUndefined();
  });

  it('keeps a global budget given without a mode an alarm, and a wall when asked', () => {
    const alarm = resolvePhoneCallAuthOptions({ ...valid(), rateLimits: { global: { limit: 5, windowSeconds: 60 } } });
    expect(alarm.rateLimits.global).toEqual({ limit: 5, windowSeconds: 60, mode: 'alarm' });
    const wall = resolvePhoneCallAuthOptions({
      ...valid(),
      rateLimits: { global: { limit: 5, windowSeconds: 60, mode: 'wall' } },
    });
    expect(wall.rateLimits.global).toEqual({ limit: 5, windowSeconds: 60, mode: 'wall' });
  });

  it("widens the phone policy with numberTypes 'any' and nonGeographic", () => {
    const resolved = resolvePhoneCallAuthOptions({
      ...valid(),
      phonePolicy: { numberTypes: 'any', nonGeographic: true },
    });
    expect(resolved.phonePolicy).toMatchObject({ numberTypes: undefined, nonGeographic: true });
  });

  it('reads allowed origins in any case, and the site name', () => {
    const resolved = resolvePhoneCallAuthOptions({
      ...valid(),
      allowedOrigins: ['https://WWW.Example.com', 'http://localhost:5173'],
      siteName: 'example.com',
    });
    expect(resolved.allowedOrigins).toEqual(new Set(['https://www.example.com', 'http://localhost:5173']));
    expect(resolved.siteName).toBe('example.com');
  });

  it('clamps the window to what the provider accepts (SSMS: 60..300)', () => {
    expect(resolvePhoneCallAuthOptions({ ...valid(), windowSeconds: 30 }).windows.ssms).toBe(60);
    expect(resolvePhoneCallAuthOptions({ ...valid(), windowSeconds: 600 }).windows.ssms).toBe(300);
    expect(resolvePhoneCallAuthOptions({ ...valid(), windowSeconds: 90 }).windows.ssms).toBe(90);
  });

  it('accepts two callback secrets for rotation, and derives two for every other provider', () => {
    const resolved = resolvePhoneCallAuthOptions({
      ...valid(),
      provider: undefined,
      providers: [new SsmsProvider({ apiKey: 'k' }), new SmsRuProvider({ apiId: 'i' })],
      callbackSecret: ['a'.repeat(32), 'b'.repeat(40)],
    });
    expect(resolved.callbacks.byProvider.get('ssms')!.secrets).toEqual(['a'.repeat(32), 'b'.repeat(40)]);
    expect(resolved.callbacks.byProvider.get('sms-ru')!.secrets).toEqual([
      deriveCallbackSecret('a'.repeat(32), 'sms-ru'),
      deriveCallbackSecret('b'.repeat(40), 'sms-ru'),
    ]);
  });

  describe('a callback secret per platform', () => {
    const providers = () => [
      new SsmsProvider({ apiKey: 'k' }),
      new SmsRuProvider({ apiId: 'i' }),
      new TwilioVoiceProvider({ authToken: 't', numbers: ['+14155550100'] }),
    ];
    const several = (extra: Partial<PhoneCallAuthOptions> = {}) =>
      resolvePhoneCallAuthOptions({
        ...valid(),
        provider: undefined,
        providers: providers(),
        publicBaseUrl: 'https://api.example.com',
        ...extra,
      });

    it('keeps callbackSecret for SSMS alone and gives every other platform a distinct derived one', () => {
      const { byProvider, unnamed } = several().callbacks;
      expect(unnamed.name).toBe('ssms');
      const secrets = ['ssms', 'sms-ru', 'twilio'].map((name) => byProvider.get(name)!.secrets[0]);
      expect(secrets[0]).toBe('c'.repeat(32));
      expect(new Set(secrets).size).toBe(3);
      for (const secret of secrets.slice(1)) expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it("derives secrets no platform can compute from another's (HMAC keyed with the app's secret)", () => {
      const derived = deriveCallbackSecret('c'.repeat(32), 'sms-ru');
      expect(deriveCallbackSecret(derived, 'twilio')).not.toBe(deriveCallbackSecret('c'.repeat(32), 'twilio'));
      expect(deriveCallbackSecret('d'.repeat(32), 'sms-ru')).not.toBe(derived);
    });

    it("takes a platform's own secret and allowlist over the derived secret and callbackAllowlist", () => {
      const { byProvider } = several({
        callbackAllowlist: ['203.0.113.0/24'],
        callbacks: { twilio: { secret: 't'.repeat(32), allowlist: ['198.51.100.0/24'] } },
      }).callbacks;
      expect(byProvider.get('twilio')!.secrets).toEqual(['t'.repeat(32)]);
      expect(byProvider.get('twilio')!.allowlist!.check('198.51.100.7')).toBe(true);
      expect(byProvider.get('twilio')!.allowlist!.check('203.0.113.7')).toBe(false);
      expect(byProvider.get('sms-ru')!.allowlist!.check('203.0.113.7')).toBe(true);
    });

    it.each<[string, Partial<PhoneCallAuthOptions>, RegExp]>([
      ['a provider it does not know', { callbacks: { smsc: { secret: 's'.repeat(32) } } }, /no provider's name/],
      ['a short secret', { callbacks: { twilio: { secret: 'short' } } }, /callbacks\['twilio'\]\.secret.*32/],
      [
        'a bad allowlist',
        { callbacks: { twilio: { allowlist: ['example.com'] } } },
        /callbacks\['twilio'\]\.allowlist/,
      ],
      [
        "another platform's secret",
        { callbacks: { twilio: { secret: 'c'.repeat(32) } } },
        /ssms and twilio are the same/,
      ],
    ])('refuses %s', (_, extra, message) => {
      expect(() => several(extra)).toThrow(message);
    });
  });

  it.each<[string, (o: PhoneCallAuthOptions) => unknown, RegExp]>([
    ['a missing provider', (o) => ({ ...o, provider: undefined }), /provider must be a TelephonyProvider/],
    ['a short callback secret', (o) => ({ ...o, callbackSecret: 'short' }), /at least 32 characters.*openssl rand/],
    ['no callback secret', (o) => ({ ...o, callbackSecret: [] }), /callbackSecret/],
    [
      'a callback secret with URL-unsafe characters',
      (o) => ({ ...o, callbackSecret: `${'a'.repeat(32)}/?` }),
      /URL-safe/,
    ],
    ['a 16-byte JWT secret', (o) => ({ ...o, jwt: { secret: 'x'.repeat(16) } }), /at least 32 bytes/],
    ['no JWT key', (o) => ({ ...o, jwt: {} }), /jwt needs a key/],
    ['no jwt at all', (o) => ({ ...o, jwt: undefined }), /jwt is required/],
    [
      'HS256 with a key pair',
      (o) => ({ ...o, jwt: { privateKey: 'p', publicKey: 'q', algorithm: 'HS256' } }),
      /HS256 needs/,
    ],
    ['RS256 with a secret', (o) => ({ ...o, jwt: { secret: 's'.repeat(32), algorithm: 'RS256' } }), /needs privateKey/],
    ['a fractional window', (o) => ({ ...o, windowSeconds: 1.5 }), /windowSeconds must be a whole number/],
    ['a window over 10 minutes', (o) => ({ ...o, windowSeconds: 601 }), /from 1 to 600/],
    ['an unknown country', (o) => ({ ...o, defaultCountry: 'XX' }), /defaultCountry/],
    ['a hook that is not a function', (o) => ({ ...o, onVerified: 'x' }), /onVerified must be a function/],
    ['a retention under an hour', (o) => ({ ...o, purge: { retentionSeconds: 600 } }), /at least 3600/],
    ['a beforeVerify that is not a function', (o) => ({ ...o, beforeVerify: 1 }), /beforeVerify must be a function/],
    ['a callback allowlist entry that is no address', (o) => ({ ...o, callbackAllowlist: ['example.com'] }), /CIDR/],
    ['a CIDR prefix out of range', (o) => ({ ...o, callbackAllowlist: ['203.0.113.0/33'] }), /CIDR/],
    [
      'a rate limit of zero',
      (o) => ({ ...o, rateLimits: { perPhone: { limit: 0, windowSeconds: 60 } } }),
      /limit must be/,
    ],
    ['a rate limit without a window', (o) => ({ ...o, rateLimits: { global: { limit: 5 } } }), /global.windowSeconds/],
    ['an unknown country in the phone policy', (o) => ({ ...o, phonePolicy: { countries: ['RU', 'ZZ'] } }), /ZZ/],
    [
      'an unknown number type',
      (o) => ({ ...o, phonePolicy: { numberTypes: ['MOBILE', 'SATELLITE'] } }),
      /phonePolicy.numberTypes must be 'any' or a non-empty list of MOBILE/,
    ],
    ['no number type at all', (o) => ({ ...o, phonePolicy: { numberTypes: [] } }), /numberTypes/],
    [
      'a nonGeographic that is not a boolean',
      (o) => ({ ...o, phonePolicy: { nonGeographic: 'yes' } }),
      /true or false/,
    ],
    [
      'a global budget mode that does not exist',
      (o) => ({ ...o, rateLimits: { global: { limit: 5, windowSeconds: 60, mode: 'block' } } }),
      /rateLimits.global.mode must be 'alarm'.*or 'wall'/,
    ],
    [
      'a subnet limit of zero',
      (o) => ({ ...o, rateLimits: { perSubnet: { limit: 0, windowSeconds: 60 } } }),
      /rateLimits.perSubnet.limit must be/,
    ],
    ['an allowed origin with a path', (o) => ({ ...o, allowedOrigins: ['https://example.com/'] }), /scheme:\/\/host/],
    ['an allowed origin of *', (o) => ({ ...o, allowedOrigins: ['*'] }), /is not an origin/],
    ['allowed origins that are no list', (o) => ({ ...o, allowedOrigins: 'https://example.com' }), /an array/],
    ['a site name on two lines', (o) => ({ ...o, siteName: 'example.com\nCall +7 900' }), /siteName must be/],
    ['an empty site name', (o) => ({ ...o, siteName: '' }), /siteName must be/],
  ])('refuses %s with a message that says how to fix it', (_name, change, message) => {
    const attempt = () => resolvePhoneCallAuthOptions(change(valid()) as PhoneCallAuthOptions);
    expect(attempt).toThrow(PhoneCallAuthConfigError);
    expect(attempt).toThrow(message);
  });

  it('refuses SSMS without credentials', () => {
    expect(() => new SsmsProvider({})).toThrow(/apiKey.*email, password/);
  });

  it('offers a channel that any of several providers serves, and names what each serves otherwise', () => {
    const smsRu = new SmsRuProvider({ apiId: 'a' });
    const twilio = new TwilioVoiceProvider({ authToken: 't', numbers: ['+14155550100'] });
    const base = { ...valid(), provider: undefined, publicBaseUrl: 'https://api.example.com' };
    // sms.ru serves calls only; SSMS beside it sends the codes.
    const mixed = resolvePhoneCallAuthOptions({
      ...base,
      providers: [smsRu, new SsmsProvider({ apiKey: 'k' })],
      channels: ['call', 'sms'],
    });
    expect(mixed.channels).toEqual(['call', 'sms']);
    const attempt = () =>
      resolvePhoneCallAuthOptions({ ...base, providers: [smsRu, twilio], channels: ['call', 'sms', 'call_or_sms'] });
    expect(attempt).toThrow(PhoneCallAuthConfigError);
    expect(attempt).toThrow(
      'channels lists sms, call_or_sms, which no provider can serve (sms-ru serves call; twilio serves call)',
    );
  });
});
