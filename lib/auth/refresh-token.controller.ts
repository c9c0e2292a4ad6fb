import { Body, Controller, Header, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { InvalidRequestException } from '../http/invalid-request.exception.js';
import { skipEtag } from '../http/no-etag.js';
import type { ResolvedJwtOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { PhoneCallAuthRoutes } from '../routes/phone-call-auth.routes.js';
import { OpenApiTags } from '../openapi/openapi.decorators.js';
import { CookieRoutesGuard } from './cookie-routes.guard.js';
import { RefreshDocs } from './refresh-token.docs.js';
import { RefreshTokenDto } from './refresh-token.dto.js';
import { type CookieSignIn, TokenCookieService } from './token-cookie.service.js';
import { TokenRefusedException } from './token-refused.exception.js';
import { type IssuedToken, TokenService } from './token.service.js';

/**
 * `POST <prefix>/token/refresh`: a refresh token for a new access token and the next refresh token.
 * Validation is local to this route, so the host app needs no global ValidationPipe.
 */
@Controller('token')
@PhoneCallAuthRoutes('refresh')
@OpenApiTags('phone-call verification')
export class RefreshTokenController {
  constructor(
    private readonly tokens: TokenService,
    private readonly cookies: TokenCookieService,
    @InjectPhoneCallAuthOptions('jwt') private readonly jwt: ResolvedJwtOptions,
  ) {}

  /**
   * **200** `{accessToken, tokenType, expiresIn, refreshToken}`; **401** `REFRESH_TOKEN_REFUSED` for a
   * refresh token that is unknown, used, revoked or expired (a used one, past the grace, also
   * revokes its family); **400** `INVALID_REQUEST` for a malformed body; **404** `REFRESH_TOKENS_OFF`. In cookie mode the refresh token may
   * come from its cookie (the body's wins), both cookies are renewed, the body carries no token
   * unless `jwt.tokensInBody`, and only JSON from this site's pages is taken ({@link CookieRoutesGuard}).
   */
  @Post('refresh')
  @RefreshDocs()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(CookieRoutesGuard)
  async refresh(
    // Typed as the class alone: its metadata is what ValidationPipe validates (a union would be `Object`).
    @Body() body: RefreshTokenDto,
    @Req() request: { headers: Record<string, unknown> },
    @Res({ passthrough: true }) response: unknown,
  ): Promise<IssuedToken | CookieSignIn> {
    skipEtag(response);
    // A request with no body at all (the cookie carries the token) reaches here with `body` undefined.
    const refreshToken = (body as RefreshTokenDto | undefined)?.refreshToken ?? this.cookies.refreshTokenOf(request);
    if (!this.jwt.refreshTokens.enabled) throw new TokenRefusedException('refreshTokensOff');
    if (refreshToken === undefined) throw new InvalidRequestException('refreshTokenRequired');
    return this.cookies.answer(request, response, await this.tokens.refresh(refreshToken));
  }
}
