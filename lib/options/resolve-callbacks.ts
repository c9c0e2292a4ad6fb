import { createHmac } from 'node:crypto';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { sha256 } from '../core/sha256.js';
import type { TelephonyProvider } from '../providers/telephony-provider.interface.js';
import { PhoneCallAuthConfigError } from '../core/phone-call-auth-config.error.js';
import type { PhoneCallAuthProviderCallback } from './phone-call-auth-options.interface.js';

/** The shortest callback secret accepted. */
export const MIN_CALLBACK_SECRET_LENGTH = 32;

/** How one provider's callbacks are authenticated, after validation. */
export interface ResolvedProviderCallback {
  /** The secrets its path accepts, the current one first (two or more during rotation). */
  secrets: string[];
  /** SHA-256 of each secret, compared in constant time. */
  digests: Buffer[];
  /** The addresses its callbacks may come from; none: any. */
  allowlist?: BlockList;
  /** Its path with the current secret: `/<prefix>/callback/<name>/<secret>`. */
  path: string;
  /** `publicBaseUrl` followed by the path, when `publicBaseUrl` is set (New-Tel is sent it with each start). */
  url?: string;
}

/** Every provider's callback settings. */
export interface ResolvedCallbacks {
  /** The provider of the path without a name (`<prefix>/callback/<secret>`, SSMS's of old): `ssms`, else the first. */
  unnamed: TelephonyProvider;
  /** By provider name. */
  byProvider: ReadonlyMap<string, ResolvedProviderCallback>;
}

/**
 * The callback secret of `provider` derived from the app's `callbackSecret`: base64url of
 * HMAC-SHA256 keyed with that secret over the provider's name. A platform that learns its own
 * derived secret (New-Tel is sent it with every start) can compute neither the app's secret nor
 * another platform's.
 *
 * @example deriveCallbackSecret(process.env.PHONE_CALL_CALLBACK_SECRET, 'sms-ru')
 */
export function deriveCallbackSecret(callbackSecret: string, provider: string): string {
  return createHmac('sha256', callbackSecret)
    .update(`nestjs-phone-call-auth callback ${provider}`, 'utf8')
    .digest('base64url');
}

/** One secret or several (rotation), checked: at least 32 URL-safe characters each. */
function secretList(where: string, value: unknown): string[] {
  const secrets = [value].flat().filter((each) => each !== undefined && each !== '');
  if (
    secrets.length === 0 ||
    secrets.some((each) => typeof each !== 'string' || each.length < MIN_CALLBACK_SECRET_LENGTH)
  ) {
    throw new PhoneCallAuthConfigError(
      `${where} must be a string (or, during rotation, several strings) of at least ${MIN_CALLBACK_SECRET_LENGTH} characters; generate one with: openssl rand -hex 32`,
    );
  }
  if (secrets.some((each) => !/^[A-Za-z0-9_~.-]+$/.test(each as string))) {
    throw new PhoneCallAuthConfigError(`${where} may hold only URL-safe characters (A-Z a-z 0-9 - _ . ~).`);
  }
  return secrets as string[];
}

/** Addresses and CIDR ranges as a BlockList, checked. */
export function blockList(where: string, entries: unknown): BlockList {
  const list = new BlockList();
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new PhoneCallAuthConfigError(`${where} must be a non-empty array of addresses or CIDR ranges.`);
  }
  for (const entry of entries) {
    const [address, prefix] = String(entry).split('/');
    const type = isIPv6(address) ? 'ipv6' : isIPv4(address) ? 'ipv4' : undefined;
    const bits = prefix === undefined ? undefined : Number(prefix);
    if (
      !type ||
      (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= (type === 'ipv4' ? 32 : 128)))
    ) {
      throw new PhoneCallAuthConfigError(
        `${where} entry "${entry}" is not an address or CIDR range such as 203.0.113.0/24.`,
      );
    }
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return list;
}

/**
 * Each provider's secrets and allowlist. The provider of the unnamed path (`ssms`, else the first)
 * keeps `callbackSecret` itself, so the URL an app pasted into its SSMS account stays valid for SSMS
 * alone; every other provider gets a secret derived from it ({@link deriveCallbackSecret}) unless
 * `callbacks[name].secret` names its own. No two providers may share a secret.
 */
export function resolveCallbacks(
  providers: TelephonyProvider[],
  callbackSecret: unknown,
  callbacks: Record<string, PhoneCallAuthProviderCallback> | undefined,
  callbackAllowlist: unknown,
  where: { callbackPath: string; publicBaseUrl?: string },
): ResolvedCallbacks {
  const base = secretList('callbackSecret', callbackSecret);
  const unnamed = providers.find((each) => each.name === 'ssms') ?? providers[0];
  if (callbacks !== undefined && (typeof callbacks !== 'object' || callbacks === null || Array.isArray(callbacks))) {
    throw new PhoneCallAuthConfigError("callbacks must be an object by provider name, e.g. { 'sms-ru': { secret } }.");
  }
  for (const name of Object.keys(callbacks ?? {})) {
    if (!providers.some((each) => each.name === name)) {
      throw new PhoneCallAuthConfigError(
        `callbacks names "${name}", which is no provider's name (${providers.map((each) => each.name).join(', ')}).`,
      );
    }
  }
  const shared = callbackAllowlist === undefined ? undefined : blockList('callbackAllowlist', callbackAllowlist);
  const byProvider = new Map<string, ResolvedProviderCallback>();
  const owners = new Map<string, string>();
  for (const provider of providers) {
    const own = callbacks?.[provider.name];
    const secrets =
      own?.secret !== undefined
        ? secretList(`callbacks['${provider.name}'].secret`, own.secret)
        : provider === unnamed
          ? base
          : base.map((each) => deriveCallbackSecret(each, provider.name));
    for (const secret of secrets) {
      const owner = owners.get(secret);
      if (owner !== undefined && owner !== provider.name) {
        throw new PhoneCallAuthConfigError(
          `the callback secrets of ${owner} and ${provider.name} are the same: give each platform a secret of its own ` +
            "(a secret one platform knows must not open another platform's path).",
        );
      }
      owners.set(secret, provider.name);
    }
    const allowlist =
      own?.allowlist !== undefined ? blockList(`callbacks['${provider.name}'].allowlist`, own.allowlist) : shared;
    const path = `${where.callbackPath}/${provider.name}/${secrets[0]}`;
    const url = where.publicBaseUrl && `${where.publicBaseUrl}${path}`;
    byProvider.set(provider.name, { secrets, digests: secrets.map(sha256), allowlist, path, url });
  }
  return { unnamed, byProvider };
}
