import {
  BadRequestException,
  Body,
  GoneException,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { CookieRoutesGuard } from '../auth/cookie-routes.guard.js';
import { type CookieSignIn, TokenCookieService } from '../auth/token-cookie.service.js';
import { skipEtag } from '../http/no-etag.js';
import type { IssuedToken } from '../auth/token.service.js';
import { PHONE_CALL_AUTH_TOKEN_ROUTE } from '../core/phone-call-auth.constants.js';
import { VerificationRoutes } from './verification-routes.decorator.js';
import { assertVerificationId, readVerificationSecret, UNKNOWN_VERIFICATION_MESSAGE } from './verification-secret.js';
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
   * off, `{"status":"verified"}`, and the app takes it with `consume()`); wrong, **400** with
   * `attemptsLeft`; after the last try, or once the other proof (the call) won, **410**. The
   * code's own statement checks the secret (no guard reads the verification first). In cookie mode
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
        throw new BadRequestException({
          statusCode: 400,
          error: 'Bad Request',
          message: `Wrong code; ${checked.attemptsLeft} ${checked.attemptsLeft === 1 ? 'try' : 'tries'} left.`,
          attemptsLeft: checked.attemptsLeft,
        });
      case 'no_code':
        throw new BadRequestException('No code was sent for this verification: it is proven by a call.');
      case 'unauthorized':
        throw new UnauthorizedException(UNKNOWN_VERIFICATION_MESSAGE);
      case 'failed':
        throw new GoneException({
          statusCode: 410,
          status: 'failed',
          reason: checked.reason,
          attemptsLeft: 0,
          message: 'Too many wrong codes: this verification failed; start a new one.',
        });
      case 'closed':
        throw new GoneException({
          statusCode: 410,
          status: checked.verification,
          message:
            checked.verification === 'verified' || checked.verification === 'consumed'
              ? 'This verification was already proven by the call; the code is no longer needed.'
              : `This verification is ${checked.verification}; start a new one.`,
        });
    }
  }

  /** The verification this request just verified, redeemed for a token (as the token route would). */
  private async token(
    id: string,
    secret: string,
    request: { headers: Record<string, unknown> },
    response: unknown,
  ): Promise<IssuedToken | CookieSignIn> {
    const result = await this.verifications.redeem(id, secret);
    if (result.status !== 'issued') {
      // Taken by a concurrent token request of the same client in the meantime.
      throw new GoneException({
        statusCode: 410,
        status: result.status,
        message: 'This verification was already redeemed.',
      });
    }
    return this.cookies.answer(request, response, result.token);
  }
}
