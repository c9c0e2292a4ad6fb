import { Body, Header, HttpCode, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { CookieRoutesGuard } from '../auth/cookie-routes.guard.js';
import { type CookieSignIn, TokenCookieService } from '../auth/token-cookie.service.js';
import { skipEtag } from '../http/no-etag.js';
import type { IssuedToken } from '../auth/token.service.js';
import { PHONE_CALL_AUTH_TOKEN_ROUTE } from '../core/phone-call-auth.constants.js';
import { VerificationRoutes } from './verification-routes.decorator.js';
import { assertVerificationId, readVerificationSecret } from './verification-secret.js';
import { VerificationClosedException, VerificationRefusedException } from './verification-refused.exception.js';
import { CodeDocs } from './verification.docs.js';
import { VerificationCodeDto } from './verification.dto.js';
import { VerificationService } from './verification.service.js';

/** `POST <prefix>/verifications/:id/code` (route group `code`). */
@VerificationRoutes('poll')
export class CodeController {
  constructor(
    private readonly verifications: VerificationService,
    private readonly cookies: TokenCookieService,
    @Inject(PHONE_CALL_AUTH_TOKEN_ROUTE) private readonly issuesTokens: boolean,
  ) {}

  /**
   * Checks the SMS code: right, **200** with the token (the token route's body; with the token route
   * off, `{"status":"verified"}`, and the app takes it with `consume()`); wrong, **400** `WRONG_CODE`
   * with `attemptsLeft`; after the last try (`TOO_MANY_ATTEMPTS`), or once the other proof (the
   * call) won (`ALREADY_VERIFIED`, `ALREADY_REDEEMED`), **410**. The
   * code's own statement checks the secret (no guard reads the verification first). A verification
   * bound to a signed-in subject answers `{"status":"verified"}` too: its subject redeems it at
   * `POST <prefix>/account/verifications/:id/token`. In cookie mode
   * it sets the cookies as the token route does, and takes JSON from this site's pages only.
   */
  @Post(':id/code')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(CookieRoutesGuard)
  @CodeDocs()
  async code(
    @Param('id') id: string,
    @Body() body: VerificationCodeDto,
    @Req() request: { body?: unknown; headers: Record<string, unknown> },
    @Res({ passthrough: true }) response: unknown,
  ): Promise<IssuedToken | CookieSignIn | { status: 'verified' }> {
    assertVerificationId(id);
    skipEtag(response);
    const secret = readVerificationSecret(request);
    const checked = await this.verifications.verifyCode(id, secret, body.code);
    switch (checked.status) {
      case 'verified':
        return this.issuesTokens ? this.token(id, secret, request, response) : { status: 'verified' };
      case 'wrong':
        throw new VerificationRefusedException('WRONG_CODE', checked.attemptsLeft);
      case 'no_code':
        throw new VerificationRefusedException('CODE_NOT_SENT');
      case 'unauthorized':
        throw new VerificationRefusedException('UNAUTHORIZED');
      case 'failed':
        throw new VerificationClosedException('failed', 'tooManyWrongCodes', {
          reason: checked.reason,
          attemptsLeft: 0,
        });
      case 'closed':
        throw new VerificationClosedException(
          checked.verification,
          checked.verification === 'verified' || checked.verification === 'consumed' ? 'provenByCall' : undefined,
        );
    }
  }

  /** The verification this request just verified, redeemed for a token (as the token route would). */
  private async token(
    id: string,
    secret: string,
    request: { headers: Record<string, unknown> },
    response: unknown,
  ): Promise<IssuedToken | CookieSignIn | { status: 'verified' }> {
    const result = await this.verifications.redeem(id, secret);
    // Bound to a signed-in subject: verified here, redeemed by that subject at the account route.
    if (result.status === 'subject_mismatch') return { status: 'verified' };
    if (result.status !== 'issued') {
      // Taken by a concurrent token request of the same client in the meantime (or closed since).
      const closed = result.status === 'expired' || result.status === 'canceled' || result.status === 'failed';
      throw new VerificationClosedException(closed ? result.status : 'consumed', 'alreadyRedeemed');
    }
    return this.cookies.answer(request, response, result.token);
  }
}
