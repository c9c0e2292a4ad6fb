import { Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { VerificationChannel } from 'nestjs-phone-call-auth';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DOCS_PATH, ROUTE_PREFIX } from './sample.constants.js';

/** Whether the app runs on the fake platform, so the page shows its development panel. */
export const SIMULATOR_ENABLED = 'SIMULATOR_ENABLED';

/** The module's `jwt.cookie` (PHONE_CALL_JWT_COOKIE), or null when the app runs without it. */
export const ACCESS_TOKEN_COOKIE = 'ACCESS_TOKEN_COOKIE';

/** What the page needs from the server, read once when it loads. */
export interface PageConfig {
  /** Show the development panel that places fake calls (only on the fake platform). */
  simulator: boolean;
  /**
   * The token route sets the access token as an HttpOnly cookie (PHONE_CALL_JWT_COOKIE): the page
   * then calls `/me` with that cookie and keeps no token in JavaScript.
   */
  cookieMode: boolean;
  /** Where the module's verification routes are. */
  verificationsPath: string;
  /** The module's account routes: a signed-in person proves their number again (step-up) or a new one. */
  accountVerificationsPath: string;
  /** The sample's payment, which needs a recent proof of the number (`@PhoneCallAuth({ maxAge })`). */
  confirmPaymentPath: string;
  /**
   * The module's sign-out route (`POST`, JSON `{}`): in cookie mode it expires the HttpOnly cookie,
   * which the page cannot touch, and takes requests from this app's own pages only.
   */
  signOutPath: string;
  /** The OpenAPI document's UI. */
  docsPath: string;
  /**
   * The channels the app offers (PHONE_CALL_CHANNELS), the default first: the page offers these
   * ("call", "get a code by SMS", "call or SMS code") and sends the one chosen as `channel`.
   */
  channels: VerificationChannel[];
}

/** The channels the app offers (`SampleConfig.channels`), the default first. */
export const PAGE_CHANNELS = 'PAGE_CHANNELS';

const TYPES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/**
 * The folder of the page's files: `sample-app/public`, next to `src/` when run from the sources
 * (Jest), three levels up from `dist/sample-app/src/` when run from the build (`npm start`).
 */
export function publicFolder(): string {
  const candidates = ['../public/', '../../../sample-app/public/'].map((path) =>
    fileURLToPath(new URL(path, import.meta.url)),
  );
  const found = candidates.find((folder) => existsSync(`${folder}index.html`));
  if (!found) throw new Error(`The sign-in page's files are missing: looked in ${candidates.join(' and ')}.`);
  return found;
}

/** The content security policy of the sample's pages (sign-in, operator dashboard): everything from this app, nothing inline. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Serves the sign-in page: plain HTML, one stylesheet and one script, all from this app. */
@ApiExcludeController()
@Controller()
export class PageController {
  private readonly files: Record<string, string>;

  constructor(
    @Inject(SIMULATOR_ENABLED) private readonly simulator: boolean,
    @Inject(ACCESS_TOKEN_COOKIE) private readonly cookie: string | null,
    @Inject(PAGE_CHANNELS) private readonly channels: VerificationChannel[],
  ) {
    const folder = publicFolder();
    this.files = Object.fromEntries(
      ['index.html', ...Object.keys(TYPES)].map((name) => [name, readFileSync(`${folder}${name}`, 'utf8')]),
    );
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', PAGE_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  index(): string {
    return this.files['index.html'];
  }

  @Get('page-config')
  @Header('Cache-Control', 'no-store')
  config(): PageConfig {
    return {
      simulator: this.simulator,
      cookieMode: this.cookie !== null,
      verificationsPath: `/${ROUTE_PREFIX}/verifications`,
      accountVerificationsPath: `/${ROUTE_PREFIX}/account/verifications`,
      confirmPaymentPath: '/me/confirm-payment',
      signOutPath: `/${ROUTE_PREFIX}/token/sign-out`,
      docsPath: `/${DOCS_PATH}`,
      channels: this.channels,
    };
  }

  @Get('assets/:name')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('name') name: string, @Res({ passthrough: true }) response: { type(value: string): unknown }): string {
    const type = Object.hasOwn(TYPES, name) ? TYPES[name] : undefined;
    if (!type) throw new NotFoundException();
    response.type(type);
    return this.files[name];
  }
}
