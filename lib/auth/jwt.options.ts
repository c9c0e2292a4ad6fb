import { configSeconds, PhoneCallAuthConfigError } from '../phone-call-auth.config-error.js';

/** JWT settings. Give `secret` (HS256), or `privateKey` and `publicKey` (RS256 or ES256, PEM). */
export interface PhoneCallAuthJwtOptions {
  /** HS256 secret: at least 32 random bytes (`openssl rand -base64 32`). */
  secret?: string | Buffer;
  /** PEM private key for RS256 / ES256. */
  privateKey?: string;
  /** PEM public key for RS256 / ES256. */
  publicKey?: string;
  /** @default 'HS256' with `secret`, 'RS256' with a key pair */
  algorithm?: 'HS256' | 'RS256' | 'ES256';
  /** `iss` claim. @default 'nestjs-phone-call-auth' */
  issuer?: string;
  /** `aud` claim. @default 'phone-call-auth' */
  audience?: string;
  /** Token lifetime in seconds. @default 900 (15 minutes) */
  expiresInSeconds?: number;
}

/** JWT settings after validation, with every default applied. */
export interface ResolvedJwtOptions {
  algorithm: 'HS256' | 'RS256' | 'ES256';
  signingKey: string | Buffer;
  verifyingKey: string | Buffer;
  issuer: string;
  audience: string;
  expiresInSeconds: number;
}

const MIN_HS_SECRET_BYTES = 32;

/** Validates the JWT settings and applies their defaults. */
export function resolveJwtOptions(jwt: PhoneCallAuthJwtOptions | undefined): ResolvedJwtOptions {
  if (!jwt || typeof jwt !== 'object') {
    throw new PhoneCallAuthConfigError(
      'jwt is required: pass { secret } (32+ random bytes) or { privateKey, publicKey }.',
    );
  }
  const common = {
    issuer: jwt.issuer ?? 'nestjs-phone-call-auth',
    audience: jwt.audience ?? 'phone-call-auth',
    expiresInSeconds: configSeconds('jwt.expiresInSeconds', jwt.expiresInSeconds, 900, 24 * 3600),
  };
  if (jwt.secret !== undefined) {
    if (jwt.algorithm && jwt.algorithm !== 'HS256') {
      throw new PhoneCallAuthConfigError(`jwt.secret is for HS256; ${jwt.algorithm} needs privateKey and publicKey.`);
    }
    if (Buffer.byteLength(jwt.secret) < MIN_HS_SECRET_BYTES) {
      throw new PhoneCallAuthConfigError(
        `jwt.secret must be at least ${MIN_HS_SECRET_BYTES} bytes of random data; generate one with: openssl rand -base64 32`,
      );
    }
    return { ...common, algorithm: 'HS256', signingKey: jwt.secret, verifyingKey: jwt.secret };
  }
  if (jwt.privateKey && jwt.publicKey) {
    const algorithm = jwt.algorithm ?? 'RS256';
    if (algorithm === 'HS256') {
      throw new PhoneCallAuthConfigError('jwt.algorithm HS256 needs jwt.secret, not a key pair.');
    }
    return { ...common, algorithm, signingKey: jwt.privateKey, verifyingKey: jwt.publicKey };
  }
  throw new PhoneCallAuthConfigError(
    'jwt needs a key: pass { secret } (HS256, 32+ random bytes) or { privateKey, publicKey } (RS256/ES256, PEM).',
  );
}
