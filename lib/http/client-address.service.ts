import { Injectable, Logger } from '@nestjs/common';
import { isLocale, matchAcceptLanguage } from '../i18n/accept-language.js';
import { PHONE_CALL_AUTH_LOCALES, type PhoneCallAuthLocale } from '../i18n/messages.js';
import type { ResolvedTexts } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { maskNumbers } from '../phone/phone-number.js';
import { ClientAddressUnknownException } from './client-address-unknown.exception.js';
import { type ClientNetworks, clientNetworks } from './client-address.js';

/** The language of a refusal: a locale asked for by name wins over `Accept-Language`. */
export interface ClientLanguage {
  locale?: string;
  acceptLanguage?: string | string[];
}

/** At most one error line per this many milliseconds: a misconfigured app refuses every request. */
const LOG_INTERVAL_MS = 60_000;

/** How much of a value that is not an address the log shows (escaped). */
const SHOWN_CHARACTERS = 40;

/**
 * The client's address for the limits kept per address, or a refusal. Without an address
 * (`request.ip` empty on a Unix socket, or a trusted proxy header that is not an address), a limit
 * per address cannot count the request, and a per-phone limit counted per address would be shared
 * by everyone: the request is refused ({@link ClientAddressUnknownException}, 503) and the operator
 * is told, in one error line a minute, how to fix it. Refused at request time rather than at
 * startup: whether `request.ip` will hold an address depends on the socket, the proxy and the
 * header each request brings, which the app cannot see before the first one.
 */
@Injectable()
export class ClientAddressService {
  private readonly logger = new Logger(ClientAddressService.name);
  private lastLogged = 0;
  private refusedSinceLog = 0;

  constructor(@InjectPhoneCallAuthOptions('texts') private readonly texts: ResolvedTexts) {}

  /**
   * The address and network of `ip` ({@link clientNetworks}).
   * @param what what the address is needed for, named in the log (`start limits`, `poll budget`...)
   * @param language the language of the client's message @default the `defaultLocale` option
   * @throws ClientAddressUnknownException (503) when `ip` is not an address
   */
  networksOf(ip: string | undefined, what: string, language: ClientLanguage = {}): ClientNetworks {
    const networks = clientNetworks(ip);
    if (networks) return networks;
    this.report(ip, what);
    throw new ClientAddressUnknownException({ locale: this.localeOf(language), messages: this.texts.messages });
  }

  private localeOf({ locale, acceptLanguage }: ClientLanguage): PhoneCallAuthLocale {
    if (isLocale(locale)) return locale;
    return matchAcceptLanguage(acceptLanguage, PHONE_CALL_AUTH_LOCALES) ?? this.texts.defaultLocale;
  }

  private report(ip: string | undefined, what: string): void {
    this.refusedSinceLog++;
    const now = Date.now();
    if (now - this.lastLogged < LOG_INTERVAL_MS) return;
    const refused = this.refusedSinceLog;
    this.lastLogged = now;
    this.refusedSinceLog = 0;
    const value =
      typeof ip === 'string' && ip !== ''
        ? `${JSON.stringify(maskNumbers(ip.slice(0, SHOWN_CHARACTERS)))}${ip.length > SHOWN_CHARACTERS ? ` (${ip.length} characters)` : ''}, not an IP address`
        : 'empty';
    this.logger.error(
      `Refused ${refused === 1 ? 'a request' : `${refused} requests since the last report`}: the client's address (request.ip) is ${value}, ` +
        `so the ${what} kept per address cannot count it, and the module does not run unlimited. ` +
        `Fix: behind a proxy, trust it so that request.ip is the client's address (Express: ` +
        `app.set('trust proxy', <the proxy's address or the number of proxies>); Fastify: ` +
        `new FastifyAdapter({ trustProxy: ... })) and have it send X-Forwarded-For with the client's address; ` +
        `without a proxy, listen on TCP, not on a Unix socket (where request.ip is empty).`,
    );
  }
}
