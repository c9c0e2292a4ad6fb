import { Body, Controller, Header, HttpCode, Post, Res } from '@nestjs/common';
import { skipEtag } from '../http/no-etag.js';
import { PhoneCallAuthRoutes } from '../phone-call-auth.routes.js';
import { OpenApiTags } from '../openapi/openapi.decorators.js';
import { RefreshDocs } from './refresh-token.docs.js';
import { RefreshTokenDto } from './refresh-token.dto.js';
import { type IssuedToken, TokenService } from './token.service.js';

/**
 * `POST <prefix>/token/refresh`: a refresh token for a new access token and the next refresh token.
 * Validation is local to this route, so the host app needs no global ValidationPipe.
 */
@Controller('token')
@PhoneCallAuthRoutes('refresh')
@OpenApiTags('phone-call verification')
export class RefreshTokenController {
  constructor(private readonly tokens: TokenService) {}

  /**
   * **200** `{accessToken, tokenType, expiresIn, refreshToken}`; **401** for a refresh token that is
   * unknown, used, revoked or expired (a used one also revokes its family); **400** for a malformed
   * body; **404** when refresh tokens are off.
   */
  @Post('refresh')
  @RefreshDocs()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  refresh(@Body() body: RefreshTokenDto, @Res({ passthrough: true }) response: unknown): Promise<IssuedToken> {
    skipEtag(response);
    return this.tokens.refresh(body.refreshToken);
  }
}
