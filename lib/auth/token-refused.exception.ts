import type { PhoneCallAuthErrorCode } from '../core/error-codes.js';
import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import type { PhoneCallAuthErrorMessages } from '../i18n/error-messages.js';
import { type ErrorLanguage, errorMessage } from '../i18n/error-text.js';

/** The code of each of the catalogue's texts of {@link TokenRefusedException}. */
const CODES = {
  accessTokenMissing: 'ACCESS_TOKEN_MISSING',
  accessTokenMissingOrCookie: 'ACCESS_TOKEN_MISSING',
  accessTokenTooLong: 'ACCESS_TOKEN_INVALID',
  accessTokenInvalid: 'ACCESS_TOKEN_INVALID',
  accessTokenExpired: 'ACCESS_TOKEN_EXPIRED',
  refreshTokenRefused: 'REFRESH_TOKEN_REFUSED',
  refreshTokensOff: 'REFRESH_TOKENS_OFF',
} as const satisfies Partial<Record<keyof PhoneCallAuthErrorMessages, PhoneCallAuthErrorCode>>;

/** The catalogue's texts of {@link TokenRefusedException}. */
export type TokenRefusedText = keyof typeof CODES;

/**
 * A token refused: **401** `ACCESS_TOKEN_MISSING`, `ACCESS_TOKEN_INVALID` or `ACCESS_TOKEN_EXPIRED`
 * (`@PhoneCallAuth()` routes, `TokenService.verify`), `REFRESH_TOKEN_REFUSED` (unknown, used,
 * revoked or expired: one answer for all), or **404** `REFRESH_TOKENS_OFF`.
 *
 * @example
 * if (error instanceof TokenRefusedException && error.code === 'ACCESS_TOKEN_EXPIRED') await refresh();
 */
export class TokenRefusedException extends PhoneCallAuthException {
  constructor(
    readonly key: TokenRefusedText,
    private readonly values?: Record<string, string>,
    /** @default English */
    language?: ErrorLanguage,
  ) {
    const text = { key, values };
    super(CODES[key], errorMessage(text, language), { text });
  }

  /** The same refusal, written in `language`: for routes no filter of the module answers. */
  inLanguage(language: ErrorLanguage): TokenRefusedException {
    return new TokenRefusedException(this.key, this.values, language);
  }
}
