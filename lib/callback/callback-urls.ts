import { Injectable } from '@nestjs/common';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import type { PhoneCallAuthOptions } from '../options/phone-call-auth-options.interface.js';
import { resolvePhoneCallAuthOptions } from '../options/resolve-options.js';
import type { ResolvedPlatforms } from '../options/resolved-options.interface.js';

/** Where one platform must send its callbacks. Holds a secret: show it to the operator, never log it. */
export interface PhoneCallAuthCallbackUrl {
  /** The provider's name, e.g. `sms-ru`. */
  provider: string;
  /** The path, with the provider's current secret: `/<prefix>/callback/<name>/<secret>`. */
  path: string;
  /** `publicBaseUrl` followed by the path, when `publicBaseUrl` is set. */
  url?: string;
  /** For the provider of the unnamed path (`ssms`, else the first): `/<prefix>/callback/<secret>`, the URL SSMS accounts were set to. */
  unnamedPath?: string;
}

/** Each provider's callback URL, from the resolved platforms. */
export function callbackUrlsOf(platforms: ResolvedPlatforms): PhoneCallAuthCallbackUrl[] {
  const { callbacks, callbackPath } = platforms;
  return platforms.providers.map(({ name }) => {
    const { secrets, path, url } = callbacks.byProvider.get(name)!;
    return {
      provider: name,
      path,
      ...(url && { url }),
      ...(callbacks.unnamed.name === name && { unnamedPath: `${callbackPath}/${secrets[0]}` }),
    };
  });
}

/**
 * Each provider's callback URL for these options, without booting the app (for a deploy script or
 * a command that prints what to paste into each platform's account). The URLs hold secrets: print
 * them to the operator, never to a log.
 *
 * @example
 * for (const { provider, url } of phoneCallAuthCallbackUrls(options)) process.stdout.write(`${provider}: ${url}\n`);
 */
export function phoneCallAuthCallbackUrls(
  options: PhoneCallAuthOptions,
  routePrefix?: string,
): PhoneCallAuthCallbackUrl[] {
  return callbackUrlsOf(resolvePhoneCallAuthOptions(options, routePrefix).platforms);
}

/**
 * Each provider's callback URL in a running app: `app.get(PhoneCallAuthCallbacks).urls()`. Every
 * platform has a secret of its own (see `callbackSecret` and `callbacks`). The URLs hold secrets:
 * show them to the operator, never log them.
 */
@Injectable()
export class PhoneCallAuthCallbacks {
  private readonly list: PhoneCallAuthCallbackUrl[];

  constructor(@InjectPhoneCallAuthOptions('platforms') platforms: ResolvedPlatforms) {
    this.list = callbackUrlsOf(platforms);
  }

  /** Each provider's callback URL, in the order of `providers`. */
  urls(): PhoneCallAuthCallbackUrl[] {
    return this.list.map((each) => ({ ...each }));
  }

  /** One provider's callback URL (by name). */
  urlOf(provider: string): PhoneCallAuthCallbackUrl | undefined {
    const found = this.list.find((each) => each.provider === provider);
    return found && { ...found };
  }
}
