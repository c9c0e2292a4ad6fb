import { loadSampleConfig } from '../../sample-app/src/sample.config.js';
import { createSampleProviders, sampleRouting } from '../../sample-app/src/sample.platforms.js';

describe('the sample app settings', () => {
  describe('HTTP_ADAPTER', () => {
    it('is express unless set', () => {
      expect(loadSampleConfig({}).httpAdapter).toBe('express');
      expect(loadSampleConfig({ HTTP_ADAPTER: '' }).httpAdapter).toBe('express');
    });

    it('takes express or fastify, in any case', () => {
      expect(loadSampleConfig({ HTTP_ADAPTER: 'fastify' }).httpAdapter).toBe('fastify');
      expect(loadSampleConfig({ HTTP_ADAPTER: ' Fastify ' }).httpAdapter).toBe('fastify');
      expect(loadSampleConfig({ HTTP_ADAPTER: 'EXPRESS' }).httpAdapter).toBe('express');
    });

    it('names the variable and the choices for anything else', () => {
      expect(() => loadSampleConfig({ HTTP_ADAPTER: 'koa' })).toThrow(
        'HTTP_ADAPTER must be one of express, fastify, got "koa".',
      );
    });
  });

  describe('the database variables', () => {
    it('put statement_timeout in the startup parameters on the embedded Postgres only (PgBouncer refuses it)', () => {
      expect(loadSampleConfig({}).statementTimeoutAtStartup).toBe(true);
      expect(loadSampleConfig({ DATABASE_URL: 'postgres://app@pgbouncer:6432/app' }).statementTimeoutAtStartup).toBe(
        false,
      );
    });

    it('read DATABASE_LISTEN_URL as listenUrl', () => {
      expect(loadSampleConfig({}).databaseListenUrl).toBeUndefined();
      const url = 'postgres://app@db:5432/app';
      expect(loadSampleConfig({ DATABASE_LISTEN_URL: url }).databaseListenUrl).toBe(url);
    });

    it('read DATABASE_PREPARED_STATEMENTS: auto (the default), on or off', () => {
      const prepared = (value?: string) => loadSampleConfig({ DATABASE_PREPARED_STATEMENTS: value }).preparedStatements;
      expect([prepared(), prepared('auto'), prepared('on'), prepared('OFF')]).toEqual(['auto', 'auto', true, false]);
      expect(() => prepared('yes')).toThrow('DATABASE_PREPARED_STATEMENTS must be one of auto, on, off, got "yes".');
    });
  });

  describe('TRUST_PROXY', () => {
    const trust = (value?: string) => loadSampleConfig({ TRUST_PROXY: value }).trustProxy;

    it('trusts no proxy unless set', () => {
      // 0 proxies is none: the flood defence stays on (a function trusting no hop would turn it off on Fastify).
      expect([trust(), trust(''), trust('  '), trust('0')]).toEqual([undefined, undefined, undefined, undefined]);
    });

    it('reads digits as the number of hops, and a list of addresses, CIDRs and range names as is', () => {
      expect(trust('1')).toBe(1);
      expect(trust('127.0.0.100')).toBe('127.0.0.100');
      expect(trust(' 10.0.0.0/8, loopback ,2001:db8::/32,::1 ')).toBe('10.0.0.0/8,loopback,2001:db8::/32,::1');
    });

    it('names the variable and what it takes for anything else', () => {
      for (const value of ['true', '10.0.0.0/33', '10.0.0.1/8/1', 'proxy.example.com', '127.0.0.1,']) {
        expect(() => trust(value)).toThrow(`TRUST_PROXY must be the number of proxies in front of the app`);
      }
    });
  });

  describe('PHONE_CALL_FRAUD_GUARD', () => {
    it('is on with the module defaults unless off, and takes its tuning variables', () => {
      expect(loadSampleConfig({}).fraudGuard).toEqual({
        minSends: undefined,
        conversionBelow: undefined,
        windowSeconds: undefined,
        blockSeconds: undefined,
        prefixDigits: undefined,
      });
      expect(loadSampleConfig({ PHONE_CALL_FRAUD_GUARD: 'off' }).fraudGuard).toBe(false);
      expect(
        loadSampleConfig({
          PHONE_CALL_FRAUD_GUARD_MIN_SENDS: '50',
          PHONE_CALL_FRAUD_GUARD_CONVERSION: '0.1',
          PHONE_CALL_FRAUD_GUARD_WINDOW_SECONDS: '1800',
          PHONE_CALL_FRAUD_GUARD_BLOCK_SECONDS: '7200',
          PHONE_CALL_FRAUD_GUARD_PREFIX_DIGITS: '4',
        }).fraudGuard,
      ).toEqual({ minSends: 50, conversionBelow: 0.1, windowSeconds: 1800, blockSeconds: 7200, prefixDigits: 4 });
      expect(() => loadSampleConfig({ PHONE_CALL_FRAUD_GUARD_CONVERSION: '20%' })).toThrow(
        'PHONE_CALL_FRAUD_GUARD_CONVERSION must be a decimal number such as 0.2, got "20%".',
      );
    });
  });

  describe('LOG_LEVEL', () => {
    it('is log unless set: everything but debug and verbose', () => {
      expect(loadSampleConfig({}).logLevels).toEqual(['fatal', 'error', 'warn', 'log']);
      expect(loadSampleConfig({ LOG_LEVEL: '' }).logLevels).toEqual(['fatal', 'error', 'warn', 'log']);
    });

    it('keeps the given level and every more severe one', () => {
      const levels = (value: string) => loadSampleConfig({ LOG_LEVEL: value }).logLevels;
      expect(levels('fatal')).toEqual(['fatal']);
      expect(levels('error')).toEqual(['fatal', 'error']);
      expect(levels('warn')).toEqual(['fatal', 'error', 'warn']);
      expect(levels('log')).toEqual(['fatal', 'error', 'warn', 'log']);
      expect(levels('debug')).toEqual(['fatal', 'error', 'warn', 'log', 'debug']);
      expect(levels('verbose')).toEqual(['fatal', 'error', 'warn', 'log', 'debug', 'verbose']);
      expect(levels('WARN')).toEqual(['fatal', 'error', 'warn']);
    });

    it('names the variable and the choices for anything else', () => {
      expect(() => loadSampleConfig({ LOG_LEVEL: 'info' })).toThrow(
        'LOG_LEVEL must be one of fatal, error, warn, log, debug, verbose, got "info".',
      );
    });
  });

  describe('PHONE_CALL_JWT_COOKIE', () => {
    it('is off unless set', () => {
      expect(loadSampleConfig({}).jwtCookie).toBeUndefined();
      expect(loadSampleConfig({ PHONE_CALL_JWT_COOKIE: '' }).jwtCookie).toBeUndefined();
    });

    it('takes a cookie name as is', () => {
      expect(loadSampleConfig({ PHONE_CALL_JWT_COOKIE: 'phone_call_token' }).jwtCookie).toBe('phone_call_token');
      expect(loadSampleConfig({ PHONE_CALL_JWT_COOKIE: '__Host-token' }).jwtCookie).toBe('__Host-token');
      expect(loadSampleConfig({ PHONE_CALL_JWT_COOKIE: 'a'.repeat(64) }).jwtCookie).toBe('a'.repeat(64));
    });

    it.each(['my token', 'token;', 'a=b', ' token', 'токен', 'a'.repeat(65)])(
      'names the variable for something that is not a cookie name: %j',
      (value) => {
        expect(() => loadSampleConfig({ PHONE_CALL_JWT_COOKIE: value })).toThrow(
          `PHONE_CALL_JWT_COOKIE must be a cookie name of 1 to 64 letters, digits or !#$%&'*+-.^_\`|~ (e.g. phone_call_token), got "${value}".`,
        );
      },
    );
  });

  it('reads both next to the other settings', () => {
    const config = loadSampleConfig({ HTTP_ADAPTER: 'fastify', LOG_LEVEL: 'debug', PORT: '8080' });
    expect(config).toMatchObject({ httpAdapter: 'fastify', port: 8080 });
    expect(config.logLevels).toContain('debug');
  });

  describe('TRUST_PROXY and the connection limits', () => {
    it('trust no proxy and keep the module defaults unless set', () => {
      const config = loadSampleConfig({});
      expect(config.trustProxy).toBeUndefined();
      expect(config.connections).toEqual({});
    });

    it('read each connection limit as a number or off', () => {
      const config = loadSampleConfig({
        PHONE_CALL_MAX_CONNECTIONS_PER_ADDRESS: '20',
        PHONE_CALL_MAX_CONNECTIONS_PER_NETWORK: 'off',
        PHONE_CALL_REFUSALS_BEFORE_HOLD: '5',
      });
      expect(config.connections).toEqual({ perAddress: 20, perNetwork: false, refusalsBeforeHold: 5 });
      expect(() => loadSampleConfig({ PHONE_CALL_REFUSALS_BEFORE_HOLD: 'many' })).toThrow(
        'PHONE_CALL_REFUSALS_BEFORE_HOLD must be a whole number, got "many".',
      );
    });
  });

  describe('limits, phone policy, origins and site name', () => {
    it('keep the module defaults unless set', () => {
      const config = loadSampleConfig({});
      expect(config.startLimits).toEqual({});
      expect(config.phonePolicy).toEqual({});
      expect(config.allowedOrigins).toBeUndefined();
      expect(config.siteName).toBeUndefined();
    });

    it('read the per-network limit and the global mode', () => {
      expect(loadSampleConfig({ PHONE_CALL_LIMIT_PER_SUBNET: '50/600' }).startLimits.perNetwork).toEqual({
        limit: 50,
        windowSeconds: 600,
      });
      expect(loadSampleConfig({ PHONE_CALL_LIMIT_PER_SUBNET: 'off' }).startLimits.perNetwork).toBe(false);
      expect(loadSampleConfig({ PHONE_CALL_LIMIT_GLOBAL_MODE: 'wall' }).startLimits.global).toEqual({
        limit: 100,
        windowSeconds: 60,
        mode: 'wall',
      });
      expect(
        loadSampleConfig({ PHONE_CALL_LIMIT_GLOBAL: '20/60', PHONE_CALL_LIMIT_GLOBAL_MODE: 'Alarm' }).startLimits
          .global,
      ).toEqual({ limit: 20, windowSeconds: 60, mode: 'alarm' });
      expect(() => loadSampleConfig({ PHONE_CALL_LIMIT_GLOBAL_MODE: 'block' })).toThrow(
        'PHONE_CALL_LIMIT_GLOBAL_MODE must be one of alarm, wall, got "block".',
      );
    });

    it('read the number types, the allowed origins and the site name', () => {
      const config = loadSampleConfig({
        PHONE_CALL_NUMBER_TYPES: 'mobile, FIXED_LINE',
        PHONE_CALL_ALLOWED_ORIGINS: 'https://www.example.com, http://localhost:5173',
        PHONE_CALL_SITE_NAME: ' example.com ',
      });
      expect(config.phonePolicy).toEqual({ numberTypes: ['MOBILE', 'FIXED_LINE'] });
      expect(config.allowedOrigins).toEqual(['https://www.example.com', 'http://localhost:5173']);
      expect(config.siteName).toBe('example.com');
      expect(loadSampleConfig({ PHONE_CALL_NUMBER_TYPES: 'ANY' }).phonePolicy).toEqual({ numberTypes: 'any' });
    });
  });
});

describe('PHONE_CALL_CHANNELS', () => {
  it('offers every channel unless set, call first', () => {
    expect(loadSampleConfig({}).channels).toEqual(['call', 'sms', 'call_or_sms']);
  });

  it('takes a comma-separated list, the first being the default', () => {
    expect(loadSampleConfig({ PHONE_CALL_CHANNELS: 'sms, call' }).channels).toEqual(['sms', 'call']);
  });

  it('names the variable and the channels for anything else', () => {
    expect(() => loadSampleConfig({ PHONE_CALL_CHANNELS: 'call,fax' })).toThrow(
      /PHONE_CALL_CHANNELS must list call, sms, call_or_sms/,
    );
  });

  describe('PHONE_CALL_PROVIDERS', () => {
    const twilio = {
      TWILIO_AUTH_TOKEN: 't',
      TWILIO_NUMBERS: '+14155550100, +14155550101',
      PHONE_CALL_PUBLIC_BASE_URL: 'https://api.example.com',
    };

    it('is the fake SSMS platform with nothing set, and ssms with SSMS credentials', () => {
      expect(loadSampleConfig({})).toMatchObject({ platforms: [], host: '127.0.0.1' });
      expect(loadSampleConfig({ SSMS_EMAIL: 'a@b.c', SSMS_PASSWORD: 'p' })).toMatchObject({
        platforms: ['ssms'],
        ssms: { email: 'a@b.c', password: 'p' },
        host: '0.0.0.0',
      });
    });

    it('lists platforms in order of preference, each once, in any case, each with its credentials', () => {
      const config = loadSampleConfig({
        PHONE_CALL_PROVIDERS: ' Twilio, newtel ,sms-ru,twilio',
        SMS_RU_API_ID: 'id',
        SMS_RU_API_URL: 'http://127.0.0.1:9/',
        NEWTEL_ACCESS_KEY: 'a',
        NEWTEL_SIGNATURE_KEY: 's',
        ...twilio,
      });
      expect(config).toMatchObject({
        platforms: ['twilio', 'newtel', 'sms-ru'],
        smsRu: { apiId: 'id', baseUrl: 'http://127.0.0.1:9/' },
        newTel: { accessKey: 'a', signatureKey: 's' },
        twilio: { authToken: 't', numbers: ['+14155550100', '+14155550101'] },
        publicBaseUrl: 'https://api.example.com',
      });
      expect(createSampleProviders(config).map((provider) => provider.name)).toEqual(['twilio', 'newtel', 'sms-ru']);
    });

    it("reads Twilio's SharedKey secrets, comma-separated", () => {
      const config = loadSampleConfig({
        PHONE_CALL_PROVIDERS: 'twilio',
        ...twilio,
        TWILIO_SHARED_KEY_SECRETS: 'k1, k2',
      });
      expect(config.twilio).toMatchObject({ sharedKeySecrets: ['k1', 'k2'] });
    });

    it('leaves SSMS out when PHONE_CALL_PROVIDERS does not list it', () => {
      const config = loadSampleConfig({ PHONE_CALL_PROVIDERS: 'sms-ru', SMS_RU_API_ID: 'id', SSMS_API_KEY: 'k' });
      expect(config.platforms).toEqual(['sms-ru']);
      expect(config.ssms).toBeUndefined();
    });

    it('names the platforms it knows for an unknown one', () => {
      expect(() => loadSampleConfig({ PHONE_CALL_PROVIDERS: 'ssms,smsc' })).toThrow(
        'PHONE_CALL_PROVIDERS must list platforms among ssms, sms-ru, newtel, twilio (comma-separated), got "ssms,smsc".',
      );
    });

    it('names each variable a listed platform lacks', () => {
      expect(() => loadSampleConfig({ PHONE_CALL_PROVIDERS: 'ssms' })).toThrow(
        'PHONE_CALL_PROVIDERS is "ssms", but SSMS_API_KEY is not set. Set SSMS_API_KEY to the API key of the SSMS account (or set SSMS_EMAIL and SSMS_PASSWORD).',
      );
      expect(() => loadSampleConfig({ PHONE_CALL_PROVIDERS: 'newtel', NEWTEL_ACCESS_KEY: 'a' })).toThrow(
        /NEWTEL_SIGNATURE_KEY, PHONE_CALL_PUBLIC_BASE_URL are not set\. Set NEWTEL_SIGNATURE_KEY to the signature key/,
      );
      expect(() =>
        loadSampleConfig({ PHONE_CALL_PROVIDERS: 'twilio', ...twilio, TWILIO_NUMBERS: '4155550100' }),
      ).toThrow(/^TWILIO_NUMBERS must be Twilio numbers in E\.164/);
      expect(() =>
        loadSampleConfig({ PHONE_CALL_PROVIDERS: 'twilio', ...twilio, PHONE_CALL_PUBLIC_BASE_URL: 'api.example.com' }),
      ).toThrow(/^PHONE_CALL_PUBLIC_BASE_URL must be an http\(s\) URL/);
    });

    it('routes Russian numbers to the Russian platforms and the rest to Twilio, when both are listed', () => {
      expect(sampleRouting(['ssms', 'twilio', 'sms-ru'])).toEqual({
        byCountry: { RU: ['ssms', 'sms-ru'] },
        default: ['twilio'],
      });
      expect(sampleRouting(['ssms', 'sms-ru'])).toBeUndefined();
      expect(sampleRouting(['twilio'])).toBeUndefined();
    });

    it('offers SMS channels only where SSMS (or the fake platform) can send them', () => {
      expect(loadSampleConfig({ PHONE_CALL_PROVIDERS: 'sms-ru', SMS_RU_API_ID: 'id' }).channels).toEqual(['call']);
      expect(
        loadSampleConfig({ PHONE_CALL_PROVIDERS: 'sms-ru,ssms', SMS_RU_API_ID: 'id', SSMS_API_KEY: 'k' }).channels,
      ).toEqual(['call', 'sms', 'call_or_sms']);
      expect(() =>
        loadSampleConfig({ PHONE_CALL_PROVIDERS: 'sms-ru', SMS_RU_API_ID: 'id', PHONE_CALL_CHANNELS: 'call,sms' }),
      ).toThrow(
        'PHONE_CALL_CHANNELS lists sms, but of the platforms only ssms sends SMS and PHONE_CALL_PROVIDERS is "sms-ru": add ssms to it, or offer call only.',
      );
    });
  });
});

describe('HOST on the fake platform', () => {
  it('refuses HOST beyond loopback on the fake platform, unless PHONE_CALL_FAKE_PLATFORM_PUBLIC=yes', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      expect(() => loadSampleConfig({ HOST: host })).toThrow(
        new RegExp(
          `^HOST is "${host.replace(/\./g, '\\.')}", but no platform is configured.*PHONE_CALL_FAKE_PLATFORM_PUBLIC=yes\\.$`,
        ),
      );
    }
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) {
      expect(loadSampleConfig({ HOST: host }).host).toBe(host);
    }
    expect(loadSampleConfig({ HOST: '0.0.0.0', PHONE_CALL_FAKE_PLATFORM_PUBLIC: 'yes' })).toMatchObject({
      host: '0.0.0.0',
      fakePlatformPublic: true,
    });
    // With a real platform the app must be reachable, and listens everywhere by default.
    expect(loadSampleConfig({ SSMS_API_KEY: 'k' }).host).toBe('0.0.0.0');
    expect(() => loadSampleConfig({ PHONE_CALL_FAKE_PLATFORM_PUBLIC: 'maybe' })).toThrow(
      /PHONE_CALL_FAKE_PLATFORM_PUBLIC must be one of yes, no/,
    );
  });
});
