import { Body, Controller, Get, Headers, Post, UseFilters } from '@nestjs/common';
import {
  DatabaseUnavailableFilter,
  PHONE_CALL_AUTH_ERROR_CODES,
  type PhoneCallAuthErrorCode,
  PhoneCallAuthExceptionFilter,
  type TelephonyProvider,
  VerificationService,
} from 'nestjs-phone-call-auth';
import { endVerificationWindow } from 'nestjs-phone-call-auth/testing';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { VerificationWaitersService } from '../lib/realtime/verification-waiters.service.js';
import { forge } from './support/jwt-forge.js';
import { nextPhone } from './support/phones.js';
import { PREFIX, TEST_JWT_SECRET, type TestAppHandle, type TestResponse, useTestApp } from './support/test-app.js';
import { validClaims } from './support/tokens.js';

/*
 * Every error code of the module, provoked over HTTP: its status, its `code`, and its message in
 * Russian and in English (chosen by Accept-Language). A few codes are provoked in the files that
 * can set them up cheaply; ELSEWHERE names them, and the last test checks that no code is left out.
 */

/** Codes provoked in other files, which check their code too. */
const ELSEWHERE: Partial<Record<PhoneCallAuthErrorCode, string>> = {
  NUMBERS_BUSY: 'platform-twilio.e2e-spec.ts (a full Twilio pool)',
  DATABASE_BUSY: 'availability.e2e-spec.ts (admission control sheds polling)',
  SMS_PREFIX_BLOCKED: 'fraud-guard.e2e-spec.ts (a pumped prefix)',
  SUBJECT_MISMATCH: 'step-up.e2e-spec.ts (a bound verification redeemed by another subject, and in English)',
  INSUFFICIENT_USER_AUTHENTICATION: 'step-up.e2e-spec.ts (an older proof on a maxAge route, in Russian and English)',
  VERIFICATION_NOT_FOUND: 'ops.e2e-spec.ts and sample-app.e2e-spec.ts (the support history of an unknown id)',
};

type Language = 'ru' | 'en';

/** One way to get an error: what to send (in `language`), and what should come back. */
interface Case {
  code: PhoneCallAuthErrorCode;
  /** What is provoked, for the test's name. */
  how: string;
  provoke: (language: Language) => Promise<TestResponse>;
  ru: string | RegExp;
  en: string | RegExp;
  /** Fields the body carries besides Nest's and the code. */
  fields?: Record<string, unknown>;
}

/** An app's own routes: the module's exception filters bound where the app calls the module itself. */
@Controller('own')
class OwnController {
  constructor(private readonly verifications: VerificationService) {}

  @Post('start')
  @UseFilters(PhoneCallAuthExceptionFilter)
  start(@Body() body: { phone: string }, @Headers('accept-language') acceptLanguage?: string) {
    return this.verifications.start(body.phone, { ip: '127.0.0.1', acceptLanguage });
  }

  @Get('database')
  @UseFilters(DatabaseUnavailableFilter)
  database(): never {
    throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:5432'), { code: 'ECONNREFUSED' });
  }
}

const headersIn = (language: Language, headers: Record<string, string> = {}) => ({
  'accept-language': language === 'ru' ? 'ru-RU,ru;q=0.9' : 'en-GB,en;q=0.9',
  ...headers,
});

/** Checks the body's shape, status, code and message in each language, for every case. */
function runCases(cases: () => Case[]): void {
  it.each(cases().map((each) => [`${each.code}: ${each.how}`, each] as const))('%s', async (_name, each) => {
    const status = PHONE_CALL_AUTH_ERROR_CODES[each.code];
    for (const language of ['ru', 'en'] as const) {
      const answer = await each.provoke(language);
      expect({ language, status: answer.status, body: answer.body }).toEqual({
        language,
        status,
        body: {
          statusCode: status,
          error: STATUS_CODES[status],
          code: each.code,
          message: typeof each[language] === 'string' ? each[language] : expect.stringMatching(each[language]),
          ...each.fields,
        },
      });
    }
  });
}

describe('the error codes of the module', () => {
  const t = useTestApp((platform) => {
    const full = platform.provider({ timeoutMs: 1000 });
    const callOnly: TelephonyProvider = {
      name: 'call-only',
      requestCall: (request) => full.requestCall(request),
      parseInboundCall: (request) => full.parseInboundCall(request),
    };
    return {
      trustProxy: true,
      controllers: [OwnController],
      options: {
        providers: [full, callOnly],
        // British numbers go to a provider that cannot send SMS.
        routing: { byCountry: { GB: ['call-only'] }, default: ['ssms'] },
        channels: ['call', 'call_or_sms'],
        phonePolicy: { countries: ['RU', 'GB'] },
        limits: {
          starts: { perPhone: { limit: 1, windowSeconds: 600 }, perAddress: false, perNetwork: false, global: false },
          sms: { perPhone: false, perAddress: false, global: false },
          waiters: { perInstance: 2, perVerification: 1 },
        },
        jwt: { secret: TEST_JWT_SECRET, refreshTokens: {} },
      },
    };
  });

  const startIn = (language: Language, body: Record<string, unknown>, headers?: Record<string, string>) =>
    t.request('POST', `${PREFIX}/verifications`, body, headersIn(language, headers));
  const tokenIn = (language: Language, id: string, secret: string, query = '') =>
    t.request('POST', `${PREFIX}/verifications/${id}/token${query}`, { secret }, headersIn(language));
  const codeIn = (language: Language, id: string, secret: string, code: string) =>
    t.request('POST', `${PREFIX}/verifications/${id}/code`, { secret, code }, headersIn(language));

  async function started(channel = 'call'): Promise<{ id: string; secret: string; phone: string }> {
    const phone = nextPhone();
    const response = await t.request('POST', `${PREFIX}/verifications`, { phone, channel });
    expect(response.status).toBe(201);
    return { id: response.body.id, secret: response.body.secret, phone };
  }

  async function verified(channel = 'call') {
    const verification = await started(channel);
    expect(await t.platform.placeCall({ from: verification.phone.slice(1) })).toEqual({ status: 200, body: 'OK' });
    return verification;
  }

  /** Starts a long-poll held until its verification is canceled; resolves once `waiting` requests wait. */
  async function held(verification: { id: string; secret: string }, waiting: number): Promise<void> {
    void tokenIn('en', verification.id, verification.secret, '?wait=30');
    const waiters = t.app.get(VerificationWaitersService);
    while (waiters.size < waiting) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const cancel = (verification: { id: string; secret: string }) =>
    t.request('DELETE', `${PREFIX}/verifications/${verification.id}`, { secret: verification.secret });

  /** Cancels the verifications of held long-polls, and resolves once nothing waits any more. */
  async function release(...verifications: { id: string; secret: string }[]): Promise<void> {
    for (const verification of verifications) await cancel(verification);
    const waiters = t.app.get(VerificationWaitersService);
    while (waiters.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  const wrong = (code: string) => String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0');

  runCases(() => [
    {
      code: 'INVALID_REQUEST',
      how: 'a phone that is not a string',
      provoke: (language) => startIn(language, { phone: 79670311122 }),
      ru: /^Запрос составлен неверно: phone must be a string/,
      en: /^The request is not valid: phone must be a string/,
    },
    {
      code: 'INVALID_REQUEST',
      how: 'an unknown field',
      provoke: (language) => startIn(language, { phone: nextPhone(), admin: true }),
      ru: 'Запрос составлен неверно: property admin should not exist',
      en: 'The request is not valid: property admin should not exist',
    },
    {
      code: 'INVALID_REQUEST',
      how: 'a verification id that is not a UUID',
      provoke: (language) => tokenIn(language, 'not-a-uuid', 'x'),
      ru: 'Идентификатор проверки в адресе должен быть UUID, полученным при её начале.',
      en: 'The verification id in the URL must be the UUID returned when it started.',
    },
    {
      code: 'INVALID_REQUEST',
      how: 'no secret',
      provoke: (language) =>
        t.request('POST', `${PREFIX}/verifications/${randomUUID()}/token`, {}, headersIn(language)),
      ru: /^Нужен secret: /,
      en: /^secret is required: /,
    },
    {
      code: 'INVALID_REQUEST',
      how: 'a wait out of range',
      provoke: (language) => tokenIn(language, randomUUID(), 'x', '?wait=31'),
      ru: 'wait должен быть целым числом секунд от 0 до 30, например ?wait=25, и указан один раз.',
      en: 'wait must be a whole number of seconds from 0 to 30, e.g. ?wait=25, given once.',
    },
    {
      code: 'INVALID_REQUEST',
      how: 'a refresh without a refresh token',
      provoke: (language) => t.request('POST', `${PREFIX}/token/refresh`, {}, headersIn(language)),
      ru: /^Нужен refreshToken: /,
      en: /^refreshToken is required: /,
    },
    {
      code: 'INVALID_PHONE',
      how: 'a phone that is no number',
      provoke: (language) => startIn(language, { phone: '12345' }),
      ru: 'Это не номер телефона: напишите его цифрами в международном формате, например +7 967 031-11-22 (номер без кода страны читается как номер страны RU).',
      en: 'phone is not a valid phone number: write digits, in international form, e.g. +7 967 031-11-22 (numbers without a country code are read as RU).',
    },
    {
      code: 'INVALID_PHONE',
      how: "the start's locale field wins over Accept-Language",
      provoke: (language) => startIn(language === 'ru' ? 'en' : 'ru', { phone: '12345', locale: language }),
      ru: /^Это не номер телефона/,
      en: /^phone is not a valid phone number/,
    },
    {
      code: 'INVALID_PHONE',
      how: "an app's own route with PhoneCallAuthExceptionFilter",
      provoke: (language) => t.request('POST', '/own/start', { phone: '12345' }, headersIn(language)),
      ru: /^Это не номер телефона/,
      en: /^phone is not a valid phone number/,
    },
    {
      code: 'NUMBER_TYPE_REFUSED',
      how: 'a toll-free number',
      provoke: (language) => startIn(language, { phone: '+7 800 555 3535' }),
      ru: 'Здесь можно подтвердить только такие номера: мобильный или городской; этот номер — бесплатный для звонящего.',
      en: 'phone must be a mobile or landline number; this one is a toll-free number, which cannot be verified here.',
    },
    {
      code: 'COUNTRY_REFUSED',
      how: 'a number outside phonePolicy.countries',
      provoke: (language) => startIn(language, { phone: '+1 213 373 4253' }),
      ru: 'Здесь можно подтвердить только номера этих стран: RU, GB.',
      en: 'phone must be a number of RU, GB.',
    },
    {
      code: 'CHANNEL_NOT_OFFERED',
      how: 'a channel outside channels',
      provoke: (language) => startIn(language, { phone: nextPhone(), channel: 'sms' }),
      ru: 'Способ sms здесь недоступен; выберите call или call_or_sms.',
      en: 'channel sms is not offered here; ask for call or call_or_sms.',
    },
    {
      code: 'CHANNEL_NOT_SERVED',
      how: "an SMS channel where the number's provider cannot send SMS",
      provoke: (language) => startIn(language, { phone: '+44 7400 123456', channel: 'call_or_sms' }),
      ru: 'Способ call_or_sms недоступен для этого номера: выберите call.',
      en: 'channel call_or_sms is not served for this number: use channel call.',
    },
    {
      code: 'RATE_LIMITED',
      how: 'a second start for one phone (perPhone 1)',
      provoke: async (language) => {
        const phone = nextPhone();
        expect((await startIn(language, { phone })).status).toBe(201);
        return startIn(language, { phone });
      },
      ru: /^Слишком много проверок этого номера; попробуйте снова через \d+ сек\.$/,
      en: /^Too many verifications for this phone number; try again in \d+ seconds\.$/,
      fields: { retryAfter: expect.any(Number) },
    },
    {
      code: 'ADDRESS_UNKNOWN',
      how: 'a proxy that forwards no address',
      provoke: (language) => startIn(language, { phone: nextPhone() }, { 'x-forwarded-for': 'unknown' }),
      ru: /^Сервер не может определить, с какого адреса пришёл запрос/,
      en: /^This server cannot tell which address your request comes from/,
    },
    {
      code: 'CROSS_SITE_REFUSED',
      how: "a start from another site's page",
      provoke: (language) =>
        startIn(language, { phone: nextPhone() }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }),
      ru: 'Начать проверку можно только со страниц этого сайта (или с адреса из allowedOrigins).',
      en: "Verifications can be started only from this site's own pages (or from an origin in allowedOrigins).",
    },
    {
      code: 'JSON_ONLY',
      how: 'a start that is not JSON',
      provoke: (language) =>
        t.request(
          'POST',
          `${PREFIX}/verifications`,
          JSON.stringify({ phone: nextPhone() }),
          headersIn(language, { 'content-type': 'text/plain' }),
        ),
      ru: /^Отправьте запрос в формате JSON/,
      en: /^Send the start as JSON/,
    },
    {
      code: 'PLATFORM_UNAVAILABLE',
      how: 'the platform refuses the request',
      provoke: (language) => {
        t.platform.failNext('7', 'Недостаточно средств');
        return startIn(language, { phone: nextPhone() });
      },
      ru: 'Телефонная платформа недоступна; попробуйте позже.',
      en: 'The telephony platform is unavailable; try again later.',
    },
    {
      code: 'PLATFORM_TIMEOUT',
      how: 'the platform does not answer within timeoutMs',
      provoke: (language) => {
        t.platform.stallNext();
        return startIn(language, { phone: nextPhone() });
      },
      ru: 'Телефонная платформа недоступна; попробуйте позже.',
      en: 'The telephony platform is unavailable; try again later.',
    },
    {
      code: 'UNAUTHORIZED',
      how: 'an unknown verification',
      provoke: (language) => tokenIn(language, randomUUID(), 'made-up'),
      ru: 'Проверка не найдена или секрет неверен.',
      en: 'Unknown verification or wrong secret.',
    },
    {
      code: 'WRONG_CODE',
      how: 'a wrong SMS code',
      provoke: async (language) => {
        const { id, secret, phone } = await started('call_or_sms');
        return codeIn(language, id, secret, wrong(t.platform.lastCode(phone)!));
      },
      ru: 'Неверный код; осталось попыток: 4.',
      en: 'Wrong code; 4 tries left.',
      fields: { attemptsLeft: 4 },
    },
    {
      code: 'CODE_NOT_SENT',
      how: 'a code for a verification proven by a call',
      provoke: async (language) => {
        const { id, secret } = await started('call');
        return codeIn(language, id, secret, '123456');
      },
      ru: 'Для этой проверки код не отправлялся: номер подтверждается звонком.',
      en: 'No code was sent for this verification: it is proven by a call.',
    },
    {
      code: 'TOO_MANY_ATTEMPTS',
      how: 'the fifth wrong code',
      provoke: async (language) => {
        const { id, secret, phone } = await started('call_or_sms');
        const guess = wrong(t.platform.lastCode(phone)!);
        for (let i = 0; i < 4; i++) expect((await codeIn(language, id, secret, guess)).status).toBe(400);
        return codeIn(language, id, secret, guess);
      },
      ru: 'Слишком много неверных кодов: проверка не удалась; начните новую.',
      en: 'Too many wrong codes: this verification failed; start a new one.',
      fields: { status: 'failed', reason: 'too_many_attempts', attemptsLeft: 0 },
    },
    {
      code: 'ALREADY_VERIFIED',
      how: 'a code after the call proved the number',
      provoke: async (language) => {
        const { id, secret, phone } = await verified('call_or_sms');
        return codeIn(language, id, secret, t.platform.lastCode(phone)!);
      },
      ru: 'Номер уже подтверждён звонком; код больше не нужен.',
      en: 'This verification was already proven by the call; the code is no longer needed.',
      fields: { status: 'verified' },
    },
    {
      code: 'EXPIRED',
      how: 'a poll after the window closed',
      provoke: async (language) => {
        const { id, secret } = await started();
        await endVerificationWindow(t.dataSource, id);
        return tokenIn(language, id, secret);
      },
      ru: 'Время этой проверки истекло; начните новую.',
      en: 'This verification is expired; start a new one.',
      fields: { status: 'expired' },
    },
    {
      code: 'CANCELED',
      how: 'a poll after a cancel',
      provoke: async (language) => {
        const verification = await started();
        expect((await cancel(verification)).status).toBe(204);
        return tokenIn(language, verification.id, verification.secret);
      },
      ru: 'Эта проверка отменена; начните новую.',
      en: 'This verification is canceled; start a new one.',
      fields: { status: 'canceled' },
    },
    {
      code: 'ALREADY_REDEEMED',
      how: 'a second redeem',
      provoke: async (language) => {
        const { id, secret } = await verified();
        expect((await tokenIn(language, id, secret)).status).toBe(200);
        return tokenIn(language, id, secret);
      },
      ru: 'Эта проверка уже использована; начните новую.',
      en: 'This verification is consumed; start a new one.',
      fields: { status: 'consumed' },
    },
    {
      code: 'TOO_MANY_WAITERS',
      how: 'a second long-poll of one verification (limits.waiters.perVerification 1)',
      provoke: async (language) => {
        const verification = await started();
        await held(verification, 1);
        const refused = await tokenIn(language, verification.id, verification.secret, '?wait=30');
        await release(verification);
        return refused;
      },
      ru: 'Этой проверки уже ждёт слишком много запросов (1); закройте один или опрашивайте без wait.',
      en: 'Too many requests are waiting for this verification (1); close one, or poll without wait.',
      fields: { retryAfter: 2 },
    },
    {
      code: 'SERVER_BUSY',
      how: 'a third long-poll on the instance (limits.waiters.perInstance 2)',
      provoke: async (language) => {
        const [first, second, third] = [await started(), await started(), await started()];
        await held(first, 1);
        await held(second, 2);
        const refused = await tokenIn(language, third.id, third.secret, '?wait=30');
        await release(first, second);
        return refused;
      },
      ru: 'На этом сервере уже ждёт слишком много запросов (2); попробуйте чуть позже или без wait.',
      en: 'Too many requests are waiting on this server (2); try again shortly, or poll without wait.',
    },
    {
      code: 'ACCESS_TOKEN_MISSING',
      how: 'a guarded route of the app without a token',
      provoke: (language) => t.request('GET', '/me', undefined, headersIn(language)),
      ru: 'Отправьте токен доступа в заголовке "Authorization: Bearer <token>".',
      en: 'Send the access token as "Authorization: Bearer <token>".',
    },
    {
      code: 'ACCESS_TOKEN_INVALID',
      how: 'a token that is not one',
      provoke: (language) =>
        t.request('GET', '/me', undefined, headersIn(language, { authorization: 'Bearer not.a.token' })),
      ru: 'Токен доступа недействителен; подтвердите номер снова, чтобы получить новый.',
      en: 'The access token is not valid; verify the phone number again to get a new one.',
    },
    {
      code: 'ACCESS_TOKEN_EXPIRED',
      how: 'an expired token',
      provoke: (language) => {
        const now = Math.floor(Date.now() / 1000);
        const token = forge(validClaims(nextPhone(), { iat: now - 960, exp: now - 60 }));
        return t.request('GET', '/me', undefined, headersIn(language, { authorization: `Bearer ${token}` }));
      },
      ru: 'Срок токена доступа истёк; подтвердите номер снова, чтобы получить новый.',
      en: 'The access token has expired; verify the phone number again to get a new one.',
    },
    {
      code: 'REFRESH_TOKEN_REFUSED',
      how: 'an unknown refresh token',
      provoke: (language) =>
        t.request('POST', `${PREFIX}/token/refresh`, { refreshToken: randomUUID() }, headersIn(language)),
      ru: 'Refresh-токен недействителен (неизвестен, уже использован, отозван или истёк); подтвердите номер снова.',
      en: 'The refresh token is not valid (unknown, already used, revoked or expired); verify the phone number again.',
    },
    {
      code: 'CALLBACK_REFUSED',
      how: 'a callback with a wrong secret (for operators: in English whatever the language)',
      provoke: (language) =>
        t.request('GET', `${PREFIX}/callback/wrong-secret?phone=79670311122`, undefined, headersIn(language)),
      ru: 'Unknown callback URL: use the callback URL configured for this platform.',
      en: 'Unknown callback URL: use the callback URL configured for this platform.',
    },
    {
      code: 'DATABASE_UNAVAILABLE',
      how: "a lost connection on an app's own route with DatabaseUnavailableFilter",
      provoke: (language) => t.request('GET', '/own/database', undefined, headersIn(language)),
      ru: 'База данных сейчас недоступна; попробуйте снова через несколько секунд.',
      en: 'The database is unavailable right now; try again in a few seconds.',
      fields: { retryAfter: 5 },
    },
  ]);

  it('leaves a body that is not JSON at all to the HTTP adapter: 400, without a code', async () => {
    const broken = await t.request('POST', `${PREFIX}/verifications`, '{"phone": ', headersIn('en'));
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBeUndefined();
  });

  it('tells a client when to retry, and lets nothing be cached', async () => {
    const phone = nextPhone();
    await startIn('en', { phone });
    const refused = await startIn('en', { phone });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(refused.body.retryAfter));
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect((await startIn('en', { phone: '12345' })).headers.get('cache-control')).toBe('no-store');
  });
});

describe('the error codes of other options', () => {
  const t: TestAppHandle = useTestApp({ options: { limits: { budgets: { poll: { burst: 1, perSecond: 0.01 } } } } });

  runCases(() => [
    {
      code: 'CLIENT_BUDGET_EXCEEDED',
      how: 'polls beyond the budget of the address',
      provoke: async (language) => {
        await t.request('POST', `${PREFIX}/verifications/${randomUUID()}/token`, { secret: 'x' });
        return t.request('POST', `${PREFIX}/verifications/${randomUUID()}/token`, { secret: 'x' }, headersIn(language));
      },
      ru: /^Слишком много запросов из вашей сети; попробуйте снова через \d+ сек\.$/,
      en: /^Too many requests from your network; try again in \d+ seconds\.$/,
      fields: { retryAfter: expect.any(Number) },
    },
    {
      code: 'REFRESH_TOKENS_OFF',
      how: 'a refresh while refresh tokens are off',
      provoke: (language) =>
        t.request('POST', `${PREFIX}/token/refresh`, { refreshToken: randomUUID() }, headersIn(language)),
      ru: 'Refresh-токены на этом сервере не включены (jwt.refreshTokens).',
      en: 'Refresh tokens are not enabled on this server (jwt.refreshTokens).',
    },
  ]);
});

describe('the list of codes', () => {
  it('has every code provoked here or in the file ELSEWHERE names', () => {
    const here = readFileSync('test/error-codes.e2e-spec.ts', 'utf8');
    const provoked = [...here.matchAll(/code: '([A-Z_]+)'/g)].map((match) => match[1]);
    const missing = Object.keys(PHONE_CALL_AUTH_ERROR_CODES).filter(
      (code) => !provoked.includes(code) && !(code in ELSEWHERE),
    );
    expect(missing).toEqual([]);
  });
});
