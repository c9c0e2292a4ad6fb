import { type ExecutionContext, Injectable } from '@nestjs/common';
import type { RequestOriginText } from '../http/request-origin-refused.exception.js';
import { SameOriginGuard } from '../http/same-origin.guard.js';
import type { ResolvedHttpOptions, ResolvedTexts } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';

/**
 * Guards the start route against other sites' pages: a page elsewhere must not make its visitors'
 * browsers start verifications (each costs a platform request and can supersede the visitor's own).
 * The check is {@link SameOriginGuard}'s (403 cross-site unless in `allowedOrigins`, 415 for a body
 * that is not JSON), always on, with the start's own words.
 */
@Injectable()
export class StartOriginGuard extends SameOriginGuard {
  constructor(
    @InjectPhoneCallAuthOptions('http') http: ResolvedHttpOptions,
    @InjectPhoneCallAuthOptions('texts') catalogue: ResolvedTexts,
    private readonly telemetry: PhoneCallAuthTelemetry,
  ) {
    super(http, catalogue);
  }

  override canActivate(context: ExecutionContext): boolean {
    try {
      return super.canActivate(context);
    } catch (error) {
      this.telemetry.refused('origin');
      throw error;
    }
  }

  protected override refusals(): { crossSite: RequestOriginText; notJson: RequestOriginText } {
    return { crossSite: 'crossSiteStart', notJson: 'jsonOnlyStart' };
  }
}
