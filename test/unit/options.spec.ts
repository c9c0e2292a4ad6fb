import {
  deriveCallbackSecret,
  PHONE_CALL_AUTH_DEFAULTS,
  PHONE_CALL_AUTH_DEVELOPMENT_LIMITS,
  PhoneCallAuthConfigError,
  type PhoneCallAuthOptions,
  SmsRuProvider,
  SsmsProvider,
  TwilioVoiceProvider,
} from 'nestjs-phone-call-auth';
import { resolvePhoneCallAuthOptions } from '../../lib/options/resolve-options.js';

const valid = (): PhoneCallAuthOptions => ({
  providers: [new SsmsProvider({ apiKey: 'k' })],
  callbackSecret: 'c'.repeat(32),
  jwt: { secret: 's'.repeat(32) },
});

describe('resolvePhoneCallAuthOptions', () => {
  it('applies the defaults', () => {
    const resolved = resolvePhoneCallAuthOptions(valid());
    expect(resolved.platforms.windows).toEqual({ ssms: 120 });
    expect(resolved.verification.redeemSeconds).toBe(300);
    expect(resolved.verification.defaultCountry).toBe('RU');
    expect(resolved.platforms.callbacks.byProvider.get('ssms')).toMatchObject({
      secrets: ['c'.repeat(32)],
      allowlist: undefined,
    });
    expect(resolved.platforms.callbacks.unnamed.name).toBe('ssms');
    expect(resolved.jwt.signing.algorithm).toBe('HS256');
    expect(resolved.jwt).toMatchObject({
      issuer: 'nestjs-phone-call-auth',
      audience: 'phone-call-auth',
      expiresInSeconds: 900,
    });
    expect(resolved.hooks.resolveSubject('+79670311122')).toEqual({ sub: '+79670311122' });
    expect(resolved.limits).toEqual({
      starts: {
        perPhone: { limit: 3, windowSeconds: 600 },
        perAddress: { limit: 10, windowSeconds: 600 },
        perNetwork: { limit: 30, windowSeconds: 600 },
        global: { limit: 100, windowSeconds: 60, mode: 'alarm' },
      },
      sms: {
        perPhone: { limit: 3, windowSeconds: 3600 },
        perAddress: { limit: 5, windowSeconds: 3600 },
        global: { limit: 100, windowSeconds: 3600 },
      },
      fraudGuard: { minSends: 30, conversionBelow: 0.2, windowSeconds: 3600, blockSeconds: 3600, prefixDigits: 3 },
      budgets: {
        start: { burst: 10, perSecond: 0.2 },
        poll: { burst: 60, perSecond: 5 },
        refresh: { burst: 10, perSecond: 1 },
        callback: { burst: 10, perSecond: 0.2 },
        networkFactor: 8,
      },
      waiters: { perInstance: 10_000, perVerification: 3, perAddress: 50 },
      admission: { maxConcurrent: undefined, maxQueuedPriority: 200, maxQueuedPolling: 100, queueTimeoutMs: 2000 },
      refusalTally: { maxKeys: 1000, flushSeconds: 30 },
    });
    expect(resolved.database.purge).toEqual({ retentionSeconds: 86400, intervalSeconds: 600 });
    expect(resolved.verification.phonePolicy).toEqual({
      numberTypes: ['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE'],
      nonGeographic: false,
      mobileOnly: false,
      countries: undefined,
    });
    expect(resolved.http.allowedOrigins).toEqual(new Set());
    expect(resolved.texts.siteName).toBeUndefined();
  });

  it('keeps a global budget given without a mode an alarm, and a wall when asked', () => {
    const alarm = resolvePhoneCallAuthOptions({
      ...valid(),
      limits: { starts: { global: { limit: 5, windowSeconds: 60 } } },
    });
    expect(alarm.limits.starts.global).toEqual({ limit: 5, windowSeconds: 60, mode: 'alarm' });
    const wall = resolvePhoneCallAuthOptions({
      ...valid(),
      limits: { starts: { global: { limit: 5, windowSeconds: 60, mode: 'wall' } } },
    });
    expect(wall.limits.starts.global).toEqual({ limit: 5, windowSeconds: 60, mode: 'wall' });
  });

  it("widens the phone policy with numberTypes 'any' and nonGeographic", () => {
    const resolved = resolvePhoneCallAuthOptions({
      ...valid(),
      phonePolicy: { numberTypes: 'any', nonGeographic: true },
    });
    expect(resolved.verification.phonePolicy).toMatchObject({ numberTypes: undefined, nonGeographic: true });
  });

  it('reads allowed origins in any case, and the site name', () => {
    const resolved = resolvePhoneCallAuthOptions({
      ...valid(),
      allowedOrigins: ['https://WWW.Example.com', 'http://localhost:5173'],
      siteName: 'example.com',
    });
    expect(resolved.http.allowedOrigins).toEqual(new Set(['https://www.example.com', 'http://localhost:5173']));
    expect(resolved.texts.siteName).toBe('example.com');
  });

  it('clamps the window to what the provider accepts (SSMS: 60..300)', () => {
    expect(resolvePhoneCallAuthOptions({ ...valid(), windowSeconds: 30 }).platforms.windows.ssms).toBe(60);
    expect(resolvePhoneCallAuthOptions({ ...valid(), windowSeconds: 600 }).platforms.windows.ssms).toBe(300);
    expect(resolvePhoneCallAuthOptions({ ...valid(), windowSeconds: 90 }).platforms.windows.ssms).toBe(90);
  });

  it('accepts two callback secrets for rotation, and derives two for every other provider', () => {
    const resolved = resolvePhoneCallAuthOptions({
      ...valid(),
      providers: [new SsmsProvider({ apiKey: 'k' }), new SmsRuProvider({ apiId: 'i' })],
      callbackSecret: ['a'.repeat(32), 'b'.repeat(40)],
    });
    expect(resolved.platforms.callbacks.byProvider.get('ssms')!.secrets).toEqual(['a'.repeat(32), 'b'.repeat(40)]);
    expect(resolved.platforms.callbacks.byProvider.get('sms-ru')!.secrets).toEqual([
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
        providers: providers(),
        publicBaseUrl: 'https://api.example.com',
        ...extra,
      });

    it('keeps callbackSecret for SSMS alone and gives every other platform a distinct derived one', () => {
      const { byProvider, unnamed } = several().platforms.callbacks;
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
      }).platforms.callbacks;
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
    [
      'no providers',
      (o) => ({ ...o, providers: undefined }),
      /providers must be a non-empty array of TelephonyProviders/,
    ],
    ['an empty list of providers', (o) => ({ ...o, providers: [] }), /providers must be a non-empty array/],
    [
      'the removed provider option',
      (o) => ({ ...o, provider: new SsmsProvider({ apiKey: 'k' }) }),
      /provider was removed: write providers: \[provider\]/,
    ],
    [
      'the removed rateLimits option',
      (o) => ({ ...o, rateLimits: { perIp: false } }),
      /rateLimits was removed: write limits: \{ starts \} \(perIp is now perAddress, perSubnet perNetwork\)/,
    ],
    ['the removed maxWaiters option', (o) => ({ ...o, maxWaiters: 5 }), /limits: \{ waiters: \{ perInstance \} \}/],
    [
      'a start limit under its old name',
      (o) => ({ ...o, limits: { starts: { perIp: false } } }),
      /limits.starts has no "perIp"; its keys are perPhone, perAddress, perNetwork, global/,
    ],
    ['an unknown group of limits', (o) => ({ ...o, limits: { calls: {} } }), /limits has no "calls"/],
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
      (o) => ({ ...o, limits: { starts: { perPhone: { limit: 0, windowSeconds: 60 } } } }),
      /limits.starts.perPhone.limit must be/,
    ],
    [
      'a rate limit without a window',
      (o) => ({ ...o, limits: { starts: { global: { limit: 5 } } } }),
      /limits.starts.global.windowSeconds/,
    ],
    [
      'an SMS limit of zero',
      (o) => ({ ...o, limits: { sms: { perAddress: { limit: 0, windowSeconds: 60 } } } }),
      /limits.sms.perAddress.limit must be/,
    ],
    [
      'a budget without a rate',
      (o) => ({ ...o, limits: { budgets: { poll: { burst: 5 } } } }),
      /limits.budgets.poll must be \{ burst/,
    ],
    [
      'a fraud guard share of codes entered above 1',
      (o) => ({ ...o, limits: { fraudGuard: { conversionBelow: 20 } } }),
      /limits.fraudGuard.conversionBelow must be a share above 0 and at most 1/,
    ],
    [
      'a fraud guard prefix of no digits',
      (o) => ({ ...o, limits: { fraudGuard: { prefixDigits: 0 } } }),
      /limits.fraudGuard.prefixDigits must be a whole number from 1 to 8/,
    ],
    [
      'an unknown key of the fraud guard',
      (o) => ({ ...o, limits: { fraudGuard: { minSend: 10 } } }),
      /limits.fraudGuard has no "minSend"/,
    ],
    [
      'a waiter cap of zero',
      (o) => ({ ...o, limits: { waiters: { perVerification: 0 } } }),
      /limits.waiters.perVerification/,
    ],
    [
      'a queue timeout of zero',
      (o) => ({ ...o, limits: { admission: { queueTimeoutMs: 0 } } }),
      /limits.admission.queueTimeoutMs must be a whole number from 1/,
    ],
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
      (o) => ({ ...o, limits: { starts: { global: { limit: 5, windowSeconds: 60, mode: 'block' } } } }),
      /limits.starts.global.mode must be 'alarm'.*or 'wall'/,
    ],
    [
      'a network limit of zero',
      (o) => ({ ...o, limits: { starts: { perNetwork: { limit: 0, windowSeconds: 60 } } } }),
      /limits.starts.perNetwork.limit must be/,
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
    const base = { ...valid(), publicBaseUrl: 'https://api.example.com' };
    // sms.ru serves calls only; SSMS beside it sends the codes.
    const mixed = resolvePhoneCallAuthOptions({
      ...base,
      providers: [smsRu, new SsmsProvider({ apiKey: 'k' })],
      channels: ['call', 'sms'],
    });
    expect(mixed.verification.channels).toEqual(['call', 'sms']);
    const attempt = () =>
      resolvePhoneCallAuthOptions({ ...base, providers: [smsRu, twilio], channels: ['call', 'sms', 'call_or_sms'] });
    expect(attempt).toThrow(PhoneCallAuthConfigError);
    expect(attempt).toThrow(
      'channels lists sms, call_or_sms, which no provider can serve (sms-ru serves call; twilio serves call)',
    );
  });
});

describe('limits', () => {
  it('turn a group or a rule off with false, and keep the defaults of what is left out', () => {
    const { limits } = resolvePhoneCallAuthOptions({
      ...valid(),
      limits: {
        starts: { perAddress: false },
        sms: { global: { limit: 7, windowSeconds: 60 } },
        fraudGuard: { minSends: 50 },
        budgets: false,
        waiters: { perAddress: 2 },
        admission: false,
      },
    });
    expect(limits.starts).toMatchObject({ perPhone: { limit: 3, windowSeconds: 600 }, perAddress: false });
    expect(limits.sms).toEqual({
      perPhone: { limit: 3, windowSeconds: 3600 },
      perAddress: { limit: 5, windowSeconds: 3600 },
      global: { limit: 7, windowSeconds: 60 },
    });
    expect(limits.budgets).toBe(false);
    expect(limits.fraudGuard).toEqual({ ...PHONE_CALL_AUTH_DEFAULTS.limits.fraudGuard, minSends: 50 });
    expect(limits.waiters).toEqual({ perInstance: 10_000, perVerification: 3, perAddress: 2 });
    expect(limits.admission).toBe(false);
    expect(resolvePhoneCallAuthOptions({ ...valid(), limits: { fraudGuard: false } }).limits.fraudGuard).toBe(false);
  });

  it('take the development preset as it is', () => {
    const { limits } = resolvePhoneCallAuthOptions({ ...valid(), ...PHONE_CALL_AUTH_DEVELOPMENT_LIMITS });
    expect(limits.starts.perAddress).toEqual({ limit: 1000, windowSeconds: 600 });
    expect(limits.budgets && limits.budgets.networkFactor).toBe(PHONE_CALL_AUTH_DEFAULTS.limits.budgets.networkFactor);
  });
});
