import { readFileSync } from 'node:fs';
import { HttpException, NotFoundException } from '@nestjs/common';
import {
  PHONE_CALL_AUTH_ERROR_CODES,
  PHONE_CALL_AUTH_MESSAGES,
  PhoneCallAuthException,
  PhoneCallAuthHookError,
} from 'nestjs-phone-call-auth';
import { PHONE_CALL_AUTH_ERROR_MESSAGES } from '../../lib/i18n/error-messages.js';
import { errorMessage } from '../../lib/i18n/error-text.js';
import { runHook } from '../../lib/core/run-hook.js';
import { VerificationClosedException } from '../../lib/verification/verification-refused.exception.js';

describe('the error codes', () => {
  it('are UPPER_SNAKE, each with an error status', () => {
    for (const [code, status] of Object.entries(PHONE_CALL_AUTH_ERROR_CODES)) {
      expect({ code, upper: /^[A-Z]+(_[A-Z]+)*$/.test(code), error: status >= 400 && status < 600 }).toEqual({
        code,
        upper: true,
        error: true,
      });
    }
  });

  it('are listed in docs/http-api.md, each with its status, and nothing else is', () => {
    const docs = readFileSync('docs/http-api.md', 'utf8');
    const section = docs.slice(docs.indexOf('## Errors'), docs.indexOf('\n## ', docs.indexOf('## Errors') + 1));
    const rows = [...section.matchAll(/^- `([A-Z_]+)` \((\d{3})\): /gm)].map(([, code, status]) => [code, +status]);
    expect(Object.fromEntries(rows)).toEqual(PHONE_CALL_AUTH_ERROR_CODES);
  });
});

describe('the body of an error', () => {
  it("is Nest's shape with the code, the status following from it", () => {
    const error = new VerificationClosedException('expired');
    expect(error).toBeInstanceOf(HttpException);
    expect(error.getStatus()).toBe(410);
    expect({ code: error.code, errorCode: error.errorCode }).toEqual({ code: 'EXPIRED', errorCode: 'EXPIRED' });
    expect(error.getResponse()).toEqual({
      statusCode: 410,
      error: 'Gone',
      code: 'EXPIRED',
      message: 'This verification is expired; start a new one.',
      status: 'expired',
    });
    expect(errorMessage(error.text!, { locale: 'ru' })).toBe('Время этой проверки истекло; начните новую.');
  });

  it('can be made by an app too', () => {
    const error = new PhoneCallAuthException('RATE_LIMITED', 'Slow down.', { fields: { retryAfter: 3 } });
    expect(error.getResponse()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'RATE_LIMITED',
      message: 'Slow down.',
      retryAfter: 3,
    });
  });
});

describe('the error texts', () => {
  it('exist in both languages, in the catalogue the messages option overrides', () => {
    const keys = Object.keys(PHONE_CALL_AUTH_ERROR_MESSAGES.en).sort();
    expect(Object.keys(PHONE_CALL_AUTH_ERROR_MESSAGES.ru).sort()).toEqual(keys);
    for (const key of keys) {
      expect(Object.keys(PHONE_CALL_AUTH_MESSAGES.en)).toContain(key);
      const ru = PHONE_CALL_AUTH_ERROR_MESSAGES.ru[key as keyof typeof PHONE_CALL_AUTH_ERROR_MESSAGES.ru];
      // Every Russian text is in Russian (a field's name in it aside).
      expect({ key, russian: /[а-яё]/i.test(ru) }).toEqual({ key, russian: true });
    }
  });

  it('fill the placeholders, a list in the language of the reader', () => {
    const text = { key: 'channelNotOffered', values: { channel: 'sms', channels: ['call', 'call_or_sms'] } };
    expect(errorMessage(text)).toBe('channel sms is not offered here; ask for call or call_or_sms.');
    expect(errorMessage(text, { locale: 'ru' })).toBe('Способ sms здесь недоступен; выберите call или call_or_sms.');
    const types = { key: 'numberTypeRefused', values: { accepted: ['MOBILE', 'FIXED_LINE', 'VOIP'], type: ['PAGER'] } };
    expect(errorMessage(types)).toBe(
      'phone must be a mobile, landline or VoIP number; this one is a pager number, which cannot be verified here.',
    );
  });

  it("are the app's where it overrides them", () => {
    const messages = {
      ru: { ...PHONE_CALL_AUTH_MESSAGES.ru, unknownVerification: 'Нет такой проверки.' },
      en: PHONE_CALL_AUTH_MESSAGES.en,
    };
    expect(errorMessage({ key: 'unknownVerification' }, { locale: 'ru', messages })).toBe('Нет такой проверки.');
  });
});

describe("a failing hook of the app's", () => {
  it('is a PhoneCallAuthHookError naming the hook, with the error as its cause', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:443'), { code: 'ECONNREFUSED' });
    const failed = await runHook('resolveSubject', () => Promise.reject(cause)).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(PhoneCallAuthHookError);
    expect(failed).toMatchObject({
      name: 'PhoneCallAuthHookError',
      hook: 'resolveSubject',
      cause,
      message: 'PhoneCallAuthModule: the resolveSubject hook failed: connect ECONNREFUSED 10.0.0.9:443',
    });
  });

  it('lets an HttpException of the hook through as it is', async () => {
    const refusal = new NotFoundException('This number is blocked.');
    await expect(runHook('beforeVerify', () => Promise.reject(refusal))).rejects.toBe(refusal);
  });
});
