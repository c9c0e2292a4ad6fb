import { Body, Header, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { CookieRoutesGuard } from '../auth/cookie-routes.guard.js';
import type { IssuedToken } from '../auth/token.service.js';
import { skipEtag } from '../http/no-etag.js';
import { closingConnection } from '../realtime/closing-connection.js';
import { ParseWaitPipe } from '../realtime/parse-wait.pipe.js';
import { VerificationWaitersService } from '../realtime/verification-waiters.service.js';
import { type CookieSignIn, TokenCookieService } from '../auth/token-cookie.service.js';
import { VerificationRoutes } from './verification-routes.decorator.js';
import { assertVerificationId, readVerificationSecret } from './verification-secret.js';
import {
  SubjectMismatchException,
  VerificationClosedException,
  VerificationRefusedException,
} from './verification-refused.exception.js';
import { RedeemDocs } from './verification.docs.js';
import { VerificationSecretDto } from './verification.dto.js';
import { VerificationService } from './verification.service.js';
import type { RedeemResult } from './verification.types.js';

/** `POST <prefix>/verifications/:id/token` (route group `token`). */
@VerificationRoutes('poll')
export class TokenController {
  constructor(
    private readonly verifications: VerificationService,
    private readonly waiters: VerificationWaitersService,
    private readonly cookies: TokenCookieService,
  ) {}

  /**
   * Exchanges a verified verification for a token: **200** once, **202** while the call is awaited,
   * **410** when it expired (`EXPIRED`), was canceled (`CANCELED`) or was already redeemed
   * (`ALREADY_REDEEMED`); **401** `UNAUTHORIZED` for an unknown one or a wrong secret; **403**
   * `SUBJECT_MISMATCH` for one bound to a signed-in subject (its subject redeems it at
   * `POST <prefix>/account/verifications/:id/token`). With `?wait=N` (seconds, up to
   * 30) a pending verification holds the request until it changes or N seconds pass, then answers
   * the same way: a long-poll, woken by the platform's callback on any instance. With
   * `jwt.cookie`, the tokens are set as HttpOnly cookies (and, unless `jwt.tokensInBody`, left out
   * of the body), and the route takes JSON from this site's pages only ({@link CookieRoutesGuard}).
   *
   * No guard reads the verification first: `redeem` checks the secret in the same statement that
   * takes the verification (or finds it pending), so each poll costs one round trip.
   */
  @Post(':id/token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(CookieRoutesGuard)
  @RedeemDocs()
  async token(
    @Param('id') id: string,
    @Query('wait', ParseWaitPipe) wait: number,
    @Body() _body: VerificationSecretDto,
    @Req() request: { body?: unknown; headers: Record<string, unknown>; ip?: string },
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ): Promise<IssuedToken | CookieSignIn | { status: 'pending'; expiresAt: Date }> {
    assertVerificationId(id);
    skipEtag(response);
    const secret = readVerificationSecret(request);
    const result = await this.waiters.hold(
      id,
      wait * 1000,
      () => this.verifications.redeem(id, secret),
      (redeemed: RedeemResult) => (redeemed.status === 'pending' ? redeemed.expiresAt : undefined),
      { connection: closingConnection(response), ip: request.ip },
    );
    switch (result.status) {
      case 'issued':
        return this.cookies.answer(request, response, result.token);
      case 'pending':
        response.status(202);
        return { status: 'pending', expiresAt: result.expiresAt };
      case 'unauthorized':
        throw new VerificationRefusedException('UNAUTHORIZED');
      case 'subject_mismatch':
        throw new SubjectMismatchException();
      default:
        throw new VerificationClosedException(result.status);
    }
  }
}
