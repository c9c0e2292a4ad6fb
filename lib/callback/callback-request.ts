import type { ResolvedPlatforms } from '../options/resolved-options.interface.js';
import type { CallbackRequest, TelephonyProvider } from '../providers/telephony-provider.interface.js';

/** The parts of an Express or Fastify request the callback reads. */
export interface HttpCallbackRequest {
  method: string;
  url: string;
  originalUrl?: string;
  query?: Record<string, unknown>;
  body?: unknown;
  headers: Record<string, string | string[] | undefined>;
  params: Record<string, unknown>;
  ip?: string;
  rawBody?: Buffer;
}

/**
 * The provider a callback path names: `/callback/<provider>/<secret>`, or on the path without a
 * name (`/callback/<secret>`, the SSMS path of old) the one named `ssms`, else the first.
 */
export function callbackProvider(
  platforms: ResolvedPlatforms,
  request: HttpCallbackRequest,
): TelephonyProvider | undefined {
  const name = request.params.provider;
  if (name === undefined) return platforms.callbacks.unnamed;
  return platforms.providers.find((provider) => provider.name === name);
}

/** The request as a provider sees it, with the full public URL the platform called. */
export function callbackRequest(platforms: ResolvedPlatforms, request: HttpCallbackRequest): CallbackRequest {
  // Express keeps the path as received in originalUrl; Fastify's url is the path as received.
  const path = request.originalUrl ?? request.url;
  const host = [request.headers.host].flat()[0] ?? 'localhost';
  return {
    method: request.method,
    url: `${platforms.publicBaseUrl ?? `http://${host}`}${path}`,
    query: request.query ?? {},
    body: request.body,
    headers: request.headers,
    rawBody: Buffer.isBuffer(request.rawBody) ? request.rawBody : undefined,
  };
}
