import { applyDecorators, CanActivate, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { type ErrorLanguage, requestLocale } from '../i18n/error-text.js';
import type { ResolvedHttpOptions, ResolvedTexts } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { RequestOriginRefusedException, type RequestOriginText } from './request-origin-refused.exception.js';

/** The request as Express and Fastify both give it (`host` honours X-Forwarded-Host when the app trusts its proxy). */
export interface BrowserRequest {
  headers: Record<string, string | string[] | undefined>;
  host?: unknown;
}

function header(request: BrowserRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether an `Origin` is the request's own: the same host and port as the request was sent to. */
function sameHost(origin: string, request: BrowserRequest): boolean {
  const host = typeof request.host === 'string' && request.host ? request.host : header(request, 'host');
  if (!host) return false;
  try {
    const from = new URL(origin);
    // Read the host in the origin's scheme, so a default port written out (example.com:443) compares equal.
    return from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    return false; // `Origin: null` (a sandboxed frame, a file) or junk
  }
}

/**
 * Whether a request comes from one of the app's own pages, from an origin in `allowedOrigins`, or
 * from no browser at all. A browser says where a request comes from with `Sec-Fetch-Site` (anything
 * but `same-origin` or `none` is another site), or, in browsers that do not send it, with `Origin`
 * (compared with the host the request was sent to). Requests with neither (servers, curl) pass.
 */
export function fromAllowedPage(request: BrowserRequest, allowedOrigins: ReadonlySet<string>): boolean {
  const origin = header(request, 'origin');
  if (origin !== undefined && allowedOrigins.has(origin.toLowerCase())) return true;
  const site = header(request, 'sec-fetch-site')?.toLowerCase();
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  return origin === undefined || sameHost(origin, request);
}

/** Whether the body is declared JSON: what an HTML form cannot send, and another site's script cannot without CORS consent. */
export function isJsonRequest(request: BrowserRequest): boolean {
  return header(request, 'content-type')?.split(';')[0].trim().toLowerCase() === 'application/json';
}

/**
 * Refuses what another site's page can make a visitor's browser send: a cross-site request
 * (**403**, unless its `Origin` is in `allowedOrigins`), and a body that is not JSON (**415**: an
 * HTML form posts form-encoded or text/plain bodies cross-site without asking, a JSON request from
 * another site needs the app's CORS consent). Requests without browser headers (servers, curl)
 * pass the origin check. The refusals are in the language of `Accept-Language`, else `defaultLocale`.
 *
 * The module guards its start route with it, and in cookie mode the routes that set or read the
 * cookie; use it (through {@link SameOriginOnly}) on your own routes that a cookie authenticates.
 * Subclasses override the protected hooks.
 */
@Injectable()
export class SameOriginGuard implements CanActivate {
  constructor(
    @InjectPhoneCallAuthOptions('http') protected readonly http: ResolvedHttpOptions,
    @InjectPhoneCallAuthOptions('texts') protected readonly catalogue: ResolvedTexts,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.applies()) return true;
    const request = context.switchToHttp().getRequest<BrowserRequest>();
    const { crossSite, notJson } = this.refusals();
    // The origin first: a cross-site form post is told it is cross-site, not that it should be JSON.
    if (!fromAllowedPage(request, this.http.allowedOrigins)) {
      throw new RequestOriginRefusedException(crossSite, this.language(request));
    }
    if (!isJsonRequest(request) && !this.acceptsWithoutJson(request)) {
      throw new RequestOriginRefusedException(notJson, this.language(request));
    }
    return true;
  }

  /** Whether this guard checks anything on this app (the cookie routes' only in cookie mode). */
  protected applies(): boolean {
    return true;
  }

  /** The catalogue's texts (`messages`) of the two refusals. */
  protected refusals(): { crossSite: RequestOriginText; notJson: RequestOriginText } {
    return { crossSite: 'crossSiteRefused', notJson: 'jsonOnly' };
  }

  /** Whether a request whose body is not JSON may pass anyway, e.g. because it carries a header no form can set. */
  protected acceptsWithoutJson(_request: BrowserRequest): boolean {
    return false;
  }

  /** Written here, not only by the module's exception filter: the guard also guards the app's own routes. */
  private language(request: BrowserRequest & { body?: unknown }): ErrorLanguage {
    return { locale: requestLocale(request, this.catalogue.defaultLocale), messages: this.catalogue.messages };
  }
}

/**
 * Lets a route be called only from the app's own pages (or `allowedOrigins`), with a JSON body:
 * cross-site browser requests get 403 `CROSS_SITE_REFUSED`, other bodies 415 `JSON_ONLY` ({@link SameOriginGuard}). Put it on the
 * state-changing routes of your own that the module's cookie (`jwt.cookie`) authenticates: the
 * browser sends a cookie with any request, whichever site's page made it (CSRF). Needs the module
 * in the same module or registered with `isGlobal`.
 *
 * @example
 * \@Post('profile')
 * \@SameOriginOnly()
 * \@PhoneCallAuth()
 * update(\@VerifiedPhone() identity: VerifiedPhoneIdentity, \@Body() body: ProfileDto) { ... }
 */
export function SameOriginOnly(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(SameOriginGuard));
}
