import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { InjectPhoneCallAuthOptions } from '../phone-call-auth.constants.js';
import type { ResolvedPhoneCallAuthOptions } from '../options/resolved-options.interface.js';

/** The request as Express and Fastify both give it (`host` honours X-Forwarded-Host when the app trusts its proxy). */
interface StartRequest {
  headers: Record<string, string | string[] | undefined>;
  host?: unknown;
}

export const CROSS_ORIGIN_START_MESSAGE =
  "Verifications can be started only from this site's own pages (or from an origin in allowedOrigins).";
export const JSON_ONLY_START_MESSAGE =
  'Send the start as JSON: Content-Type: application/json, with a body such as {"phone": "+7 967 031-11-22"}.';

function header(request: StartRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether an `Origin` is the request's own: the same host and port as the request was sent to. */
function sameHost(origin: string, request: StartRequest): boolean {
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
 * Guards the start route against other sites' pages: a page elsewhere must not make its visitors'
 * browsers start verifications (each costs a platform request and can supersede the visitor's own).
 *
 * - **Cross-origin browser requests get 403**, unless their `Origin` is in `allowedOrigins`. A
 *   browser says where a request comes from with `Sec-Fetch-Site` (anything but `same-origin` or
 *   `none` is refused), or, in browsers that do not send it, with `Origin` (compared with the host
 *   the request was sent to). Requests with neither header (servers, curl) pass.
 * - **Bodies that are not JSON get 415**: an HTML form can send a cross-site POST without asking
 *   (form-encoded or text/plain), a JSON request from another site needs the site's CORS consent.
 */
@Injectable()
export class StartOriginGuard implements CanActivate {
  constructor(@InjectPhoneCallAuthOptions() private readonly options: ResolvedPhoneCallAuthOptions) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<StartRequest>();
    if (!this.fromAllowedPage(request)) throw new ForbiddenException(CROSS_ORIGIN_START_MESSAGE);
    const mediaType = header(request, 'content-type')?.split(';')[0].trim().toLowerCase();
    if (mediaType !== 'application/json') throw new UnsupportedMediaTypeException(JSON_ONLY_START_MESSAGE);
    return true;
  }

  private fromAllowedPage(request: StartRequest): boolean {
    const origin = header(request, 'origin');
    if (origin !== undefined && this.options.allowedOrigins.has(origin.toLowerCase())) return true;
    const site = header(request, 'sec-fetch-site')?.toLowerCase();
    if (site !== undefined) return site === 'same-origin' || site === 'none';
    return origin === undefined || sameHost(origin, request);
  }
}
