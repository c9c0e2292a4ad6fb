import {
  Body,
  Controller,
  Header,
  Headers,
  HttpCode,
  Ip,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { CookieRoutesGuard } from '../auth/cookie-routes.guard.js';
import { PhoneCallAuthGuard, VerifiedPhone } from '../auth/phone-call-auth.decorator.js';
import { type CookieSignIn, TokenCookieService } from '../auth/token-cookie.service.js';
import type { IssuedToken, VerifiedPhoneIdentity } from '../auth/token.service.js';
import { skipEtag } from '../http/no-etag.js';
import { OpenApiTags } from '../openapi/openapi.decorators.js';
import { closingConnection } from '../realtime/closing-connection.js';
import { ParseWaitPipe } from '../realtime/parse-wait.pipe.js';
import { VerificationWaitersService } from '../realtime/verification-waiters.service.js';
import { PhoneCallAuthRoutes } from '../routes/phone-call-auth.routes.js';
import { AccountRedeemDocs, AccountStartDocs } from './account.docs.js';
import { AccountVerificationDto } from './account.dto.js';
import { StartOriginGuard } from './start-origin.guard.js';
import { assertVerificationId, readVerificationSecret } from './verification-secret.js';
import {
  SubjectMismatchException,
  VerificationClosedException,
  VerificationRefusedException,
} from './verification-refused.exception.js';
import { VerificationSecretDto } from './verification.dto.js';
import { VerificationService } from './verification.service.js';
import type { BoundRedeemResult, StartedVerification } from './verification.types.js';

/*
 * The route group `account`: a signed-in person (the module's access token, in the header or the
 * cookie) proves their own number again (step-up) or a new one (change of number). The
 * verification is bound to the token's subject: the code, events and cancel routes serve it as any
 * other, and only this subject can redeem it, here.
 */

/** What the account token route answers. */
export type AccountRedeemAnswer =
  | ({ status: 'stepped_up' } & (IssuedToken | CookieSignIn))
  | ({ status: 'number_changed'; sub: string; previousPhone: string; phone: string } & Partial<
      IssuedToken | CookieSignIn
    >)
  | { status: 'pending'; expiresAt: Date };

/** `POST <prefix>/account/verifications` (the start's budget). */
@Controller('account/verifications')
@PhoneCallAuthRoutes('start')
@OpenApiTags('phone-call verification')
export class AccountStartController {
  constructor(private readonly verifications: VerificationService) {}

  /** **201** as the start: a verification of `phone` (default: the token's own number) bound to the token's `sub`. */
  @Post()
  @Header('Cache-Control', 'no-store')
  @UseGuards(StartOriginGuard, PhoneCallAuthGuard)
  @AccountStartDocs()
  start(
    @Body() body: AccountVerificationDto,
    @VerifiedPhone() identity: VerifiedPhoneIdentity,
    @Ip() ip: string,
    @Res({ passthrough: true }) response: unknown,
    @Headers('accept-language') acceptLanguage?: string,
  ): Promise<StartedVerification> {
    skipEtag(response);
    const { channel, locale } = body ?? {};
    return this.verifications.start(body?.phone ?? identity.phone, {
      ip,
      channel,
      locale,
      acceptLanguage,
      subject: identity.sub,
    });
  }
}

/** `POST <prefix>/account/verifications/:id/token` (the polling budget). */
@Controller('account/verifications')
@PhoneCallAuthRoutes('poll')
@OpenApiTags('phone-call verification')
export class AccountTokenController {
  constructor(
    private readonly verifications: VerificationService,
    private readonly waiters: VerificationWaitersService,
    private readonly cookies: TokenCookieService,
  ) {}

  /**
   * Redeems a verification bound to the token's subject: **200** `{status: "stepped_up", ...token}`
   * (the same number: a new access token with a fresh `auth_time`; the session's refresh token goes
   * on) or `{status: "number_changed", sub, previousPhone, phone, ...token?}`; **202** pending (and
   * `?wait=N` as the token route); **403** `SUBJECT_MISMATCH`; **401** and **410** as the token route.
   * In cookie mode the new access token is set as the cookie, and JSON is taken from this site's pages only.
   */
  @Post(':id/token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(CookieRoutesGuard, PhoneCallAuthGuard)
  @AccountRedeemDocs()
  async token(
    @Param('id') id: string,
    @Query('wait', ParseWaitPipe) wait: number,
    @Body() _body: VerificationSecretDto,
    @VerifiedPhone() identity: VerifiedPhoneIdentity,
    @Req() request: { body?: unknown; headers: Record<string, unknown>; ip?: string },
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ): Promise<AccountRedeemAnswer> {
    assertVerificationId(id);
    skipEtag(response);
    const secret = readVerificationSecret(request);
    const redeemer = { sub: identity.sub, phone: identity.phone };
    const result = await this.waiters.hold(
      id,
      wait * 1000,
      () => this.verifications.redeemFor(id, secret, redeemer),
      (redeemed: BoundRedeemResult) => (redeemed.status === 'pending' ? redeemed.expiresAt : undefined),
      { connection: closingConnection(response), ip: request.ip },
    );
    switch (result.status) {
      case 'stepped_up':
        return { status: 'stepped_up', ...this.cookies.answer(request, response, result.token) };
      case 'number_changed': {
        const { sub, previousPhone, phone, token } = result;
        return {
          status: 'number_changed',
          sub,
          previousPhone,
          phone,
          ...(token && this.cookies.answer(request, response, token)),
        };
      }
      case 'pending':
        response.status(202);
        return { status: 'pending', expiresAt: result.expiresAt };
      case 'unauthorized':
        throw new VerificationRefusedException('UNAUTHORIZED');
      case 'subject_mismatch':
        throw new SubjectMismatchException();
      case 'another_account':
        throw new SubjectMismatchException('numberOfAnotherAccount');
      default:
        throw new VerificationClosedException(result.status);
    }
  }
}
