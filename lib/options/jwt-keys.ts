import { createPrivateKey, createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { PhoneCallAuthConfigError } from '../core/phone-call-auth-config.error.js';
import type { PhoneCallAuthJwtAlgorithm } from './jwt.options.js';
import type { ResolvedJwtKey } from './resolved-options.interface.js';

/** Every algorithm a key may be pinned to. */
export const JWT_ALGORITHMS: readonly PhoneCallAuthJwtAlgorithm[] = ['HS256', 'RS256', 'ES256'];

/** Key material as the options give it, before validation. */
export interface JwtKeyInput {
  kid?: string;
  algorithm?: PhoneCallAuthJwtAlgorithm;
  secret?: string | Buffer;
  privateKey?: string | Buffer | JsonWebKey;
  publicKey?: string | Buffer | JsonWebKey;
}

const MIN_HS_SECRET_BYTES = 32;
const MIN_RSA_BITS = 2048;
const KID = /^[\x21-\x7e]{1,128}$/;

function fail(message: string): never {
  throw new PhoneCallAuthConfigError(message);
}

const isJwk = (value: unknown): value is JsonWebKey =>
  typeof value === 'object' && value !== null && !Buffer.isBuffer(value);

/** Checks a `kid`: printable ASCII, 1 to 128 characters. */
export function checkKid(label: string, kid: unknown): string {
  if (typeof kid !== 'string' || !KID.test(kid)) {
    fail(
      `${label}.kid must be 1 to 128 printable ASCII characters without spaces, e.g. "2026-01"; got ${String(kid)}.`,
    );
  }
  return kid as string;
}

/**
 * Validates one key and turns it into `KeyObject`s: HS256 secrets of at least 32 bytes; RS256
 * RSA keys of at least 2048 bits; ES256 P-256 keys; PEM or JWK; a private and a public key that
 * belong together. `label` names the option in the messages (`jwt`, `jwt.keys[1]`).
 */
export function resolveJwtKey(label: string, input: JwtKeyInput): ResolvedJwtKey {
  const { kid, secret, privateKey, publicKey } = input;
  if (input.algorithm !== undefined && !JWT_ALGORITHMS.includes(input.algorithm)) {
    fail(`${label}.algorithm must be 'HS256', 'RS256' or 'ES256', got ${String(input.algorithm)}.`);
  }
  if (secret !== undefined) {
    if (input.algorithm && input.algorithm !== 'HS256') {
      fail(`${label}.secret is for HS256; ${input.algorithm} needs privateKey (and publicKey), PEM or JWK.`);
    }
    if (privateKey !== undefined || publicKey !== undefined) {
      fail(`${label} has both a secret and a key pair: give secret (HS256) or privateKey/publicKey (RS256/ES256).`);
    }
    if ((typeof secret !== 'string' && !Buffer.isBuffer(secret)) || Buffer.byteLength(secret) < MIN_HS_SECRET_BYTES) {
      fail(
        `${label}.secret must be at least ${MIN_HS_SECRET_BYTES} bytes of random data; generate one with: openssl rand -base64 32`,
      );
    }
    const key = createSecretKey(Buffer.from(secret));
    return { kid, algorithm: 'HS256', signingKey: key, verifyingKey: key };
  }
  if (input.algorithm === 'HS256') {
    fail(`${label}.algorithm HS256 needs ${label}.secret, not a key pair.`);
  }
  if (privateKey === undefined && publicKey === undefined) {
    fail(
      `${label} needs a key: secret (HS256, 32+ random bytes) or privateKey and publicKey (RS256/ES256, PEM or JWK).`,
    );
  }
  const signingKey = privateKey === undefined ? undefined : readKey(`${label}.privateKey`, privateKey, 'private');
  const givenPublic = publicKey === undefined ? undefined : readKey(`${label}.publicKey`, publicKey, 'public');
  const verifyingKey = givenPublic ?? createPublicKey(signingKey!);
  if (signingKey && givenPublic && !createPublicKey(signingKey).equals(givenPublic)) {
    fail(
      `${label}.privateKey and ${label}.publicKey are not a pair; derive the public key from the private one: openssl pkey -in private.pem -pubout`,
    );
  }
  const algorithm = input.algorithm ?? algorithmOf(label, verifyingKey);
  checkKeyFits(label, algorithm, verifyingKey);
  for (const [name, value] of [
    ['privateKey', privateKey],
    ['publicKey', publicKey],
  ] as const) {
    if (isJwk(value)) checkJwkMembers(`${label}.${name}`, value, algorithm, kid);
  }
  return { kid, algorithm, signingKey, verifyingKey };
}

function readKey(label: string, value: string | Buffer | JsonWebKey, kind: 'private' | 'public'): KeyObject {
  if (isJwk(value)) {
    if (kind === 'public' && 'd' in value)
      fail(`${label} is a private JWK (it has "d"); give its public members only.`);
    if (kind === 'private' && !('d' in value)) fail(`${label} is a public JWK (no "d"); give the private key here.`);
  } else if (typeof value === 'string' || Buffer.isBuffer(value)) {
    const pem = value.toString();
    if (!pem.includes('-----BEGIN ')) fail(`${label} must be a PEM string ("-----BEGIN ...") or a JWK object.`);
    if (kind === 'public' && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
      fail(`${label} holds a private key; give the public one: openssl pkey -in private.pem -pubout`);
    }
  } else {
    fail(`${label} must be a PEM string or a JWK object.`);
  }
  try {
    const input = isJwk(value) ? { key: value, format: 'jwk' as const } : value;
    return kind === 'private' ? createPrivateKey(input) : createPublicKey(input);
  } catch (error) {
    // Node's message names the problem (format, passphrase), never the key material.
    return fail(`${label} could not be read as a ${kind} key (${(error as Error).message}).`);
  }
}

function algorithmOf(label: string, key: KeyObject): PhoneCallAuthJwtAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') return 'ES256';
  return fail(`${label} is a ${String(key.asymmetricKeyType)} key; use an RSA key (RS256) or an EC P-256 key (ES256).`);
}

function checkKeyFits(label: string, algorithm: PhoneCallAuthJwtAlgorithm, key: KeyObject): void {
  const details = key.asymmetricKeyDetails ?? {};
  if (algorithm === 'RS256') {
    if (key.asymmetricKeyType !== 'rsa') {
      fail(`${label}: RS256 needs an RSA key, got ${String(key.asymmetricKeyType)}; set algorithm to match the key.`);
    }
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
      fail(
        `${label}: the RSA key has ${details.modulusLength} bits; use ${MIN_RSA_BITS} or more: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072`,
      );
    }
  } else if (algorithm === 'ES256') {
    if (key.asymmetricKeyType !== 'ec' || details.namedCurve !== 'prime256v1') {
      fail(
        `${label}: ES256 needs an EC key on P-256 (prime256v1), got ${String(key.asymmetricKeyType)} ${details.namedCurve ?? ''}; generate one with: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`,
      );
    }
  }
}

/** A JWK's own `alg`, `use` and `kid`, when present, must agree with the configuration. */
function checkJwkMembers(label: string, jwk: JsonWebKey, algorithm: string, kid: string | undefined): void {
  if (jwk.alg !== undefined && jwk.alg !== algorithm)
    fail(`${label} says alg "${jwk.alg}" but the key is ${algorithm}.`);
  if (jwk.use !== undefined && jwk.use !== 'sig') fail(`${label} says use "${jwk.use}"; a signing key needs "sig".`);
  const jwkKid = (jwk as { kid?: unknown }).kid;
  if (jwkKid !== undefined && kid !== undefined && jwkKid !== kid) {
    fail(`${label} has kid "${String(jwkKid)}" but is configured as kid "${kid}"; make them the same.`);
  }
}
