import { Injectable } from '@nestjs/common';
import type { RequestOriginText } from '../http/request-origin-refused.exception.js';
import { SameOriginGuard } from '../http/same-origin.guard.js';

/**
 * Guards the start route against other sites' pages: a page elsewhere must not make its visitors'
 * browsers start verifications (each costs a platform request and can supersede the visitor's own).
 * The check is {@link SameOriginGuard}'s (403 cross-site unless in `allowedOrigins`, 415 for a body
 * that is not JSON), always on, with the start's own words.
 */
@Injectable()
export class StartOriginGuard extends SameOriginGuard {
  protected override refusals(): { crossSite: RequestOriginText; notJson: RequestOriginText } {
    return { crossSite: 'crossSiteStart', notJson: 'jsonOnlyStart' };
  }
}
