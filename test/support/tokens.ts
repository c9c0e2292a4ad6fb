import { randomUUID } from 'node:crypto';

/** The module's default `iss` and `aud`. */
export const ISSUER = 'nestjs-phone-call-auth';
export const AUDIENCE = 'phone-call-auth';

/** Claims of a token the module would accept; override one to make it wrong. */
export function validClaims(phone: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: phone,
    phone_number: phone,
    phone_number_verified: true,
    amr: ['tel'],
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now,
    exp: now + 900,
    jti: randomUUID(),
    ...overrides,
  };
}
