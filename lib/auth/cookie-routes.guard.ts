import { Injectable } from '@nestjs/common';
import { type BrowserRequest, SameOriginGuard } from '../http/same-origin.guard.js';
import { VERIFICATION_SECRET_HEADER } from '../core/phone-call-auth.constants.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import type { ResolvedHttpOptions, ResolvedJwtOptions, ResolvedTexts } from '../options/resolved-options.interface.js';

/**
 * Login CSRF: in cookie mode (`jwt.cookie`) the routes that set or read the cookie (token, code,
 * refresh, sign-out, the account group's token) would otherwise let another site's form sign a visitor's browser in as the
 * attacker (a `POST .../token` with the attacker's id and secret sets the attacker's cookie), or
 * out. With a cookie they take only what a page of this site sends: {@link SameOriginGuard}'s check
 * (403 cross-site, 415 for a body that is not JSON), where a request carrying
 * `X-Verification-Secret` counts as JSON (no form can set a header, and another site's script needs
 * the app's CORS consent to). Without `jwt.cookie` nothing rides on the browser, and the routes
 * take what they took before.
 */
@Injectable()
export class CookieRoutesGuard extends SameOriginGuard {
  constructor(
    @InjectPhoneCallAuthOptions('http') http: ResolvedHttpOptions,
    @InjectPhoneCallAuthOptions('texts') catalogue: ResolvedTexts,
    @InjectPhoneCallAuthOptions('jwt') private readonly jwt: ResolvedJwtOptions,
  ) {
    super(http, catalogue);
  }

  protected override applies(): boolean {
    return this.jwt.cookie !== undefined;
  }

  protected override acceptsWithoutJson(request: BrowserRequest): boolean {
    return request.headers[VERIFICATION_SECRET_HEADER] !== undefined;
  }
}
