import { Body, Controller, Header, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { OpenApiTags } from '../openapi/openapi.decorators.js';
import type { ResolvedJwtOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { PhoneCallAuthRoutes } from '../routes/phone-call-auth.routes.js';
import { CookieRoutesGuard } from './cookie-routes.guard.js';
import { SignOutDocs } from './refresh-token.docs.js';
import { RefreshTokenDto } from './refresh-token.dto.js';
import { TokenCookieService } from './token-cookie.service.js';
import { TokenService } from './token.service.js';

/**
 * `POST <prefix>/token/sign-out` (route group `signOut`): revokes the refresh token's family and,
 * in cookie mode, expires both cookies. A page cannot delete an HttpOnly cookie itself.
 */
@Controller('token')
@PhoneCallAuthRoutes('refresh')
@OpenApiTags('phone-call verification')
export class SignOutController {
  constructor(
    private readonly tokens: TokenService,
    private readonly cookies: TokenCookieService,
    @InjectPhoneCallAuthOptions('jwt') private readonly jwt: ResolvedJwtOptions,
  ) {}

  /**
   * **204** always, for any refresh token or none (signing out twice is no error, and the answer
   * says nothing about a token). The refresh token comes from the body, else (cookie mode) from
   * its cookie. Access tokens already issued stay valid until they expire. In cookie mode only
   * JSON from this site's pages is taken ({@link CookieRoutesGuard}): another site's page cannot
   * sign a visitor out.
   */
  @Post('sign-out')
  @SignOutDocs()
  @HttpCode(204)
  @Header('Cache-Control', 'no-store')
  @UseGuards(CookieRoutesGuard)
  async signOut(
    // Typed as the class alone: its metadata is what ValidationPipe validates (a union would be `Object`).
    @Body() body: RefreshTokenDto,
    @Req() request: { headers: Record<string, unknown> },
    @Res({ passthrough: true }) response: unknown,
  ): Promise<void> {
    // A request with no body at all (the cookie carries the token) reaches here with `body` undefined.
    const refreshToken = (body as RefreshTokenDto | undefined)?.refreshToken ?? this.cookies.refreshTokenOf(request);
    if (refreshToken !== undefined && this.jwt.refreshTokens.enabled) {
      await this.tokens.revokeRefreshToken(refreshToken);
    }
    this.cookies.clear(request, response);
  }
}
