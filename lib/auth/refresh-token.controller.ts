import { Body, Controller, Header, HttpCode, Post, UseFilters, UsePipes, ValidationPipe } from '@nestjs/common';
import { DatabaseUnavailableFilter } from '../database/database-unavailable.filter.js';
import { OpenApiBody, OpenApiOperation, OpenApiResponse, OpenApiTags } from '../openapi/openapi.decorators.js';
import { ErrorResponse, IssuedTokenResponse } from '../openapi/openapi.models.js';
import { RefreshTokenDto } from './refresh-token.dto.js';
import { type IssuedToken, TokenService } from './token.service.js';

/**
 * `POST <prefix>/token/refresh`: a refresh token for a new access token and the next refresh token.
 * Validation is local to this route, so the host app needs no global ValidationPipe.
 */
@Controller('token')
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }))
@UseFilters(DatabaseUnavailableFilter)
@OpenApiTags('phone-call verification')
export class RefreshTokenController {
  constructor(private readonly tokens: TokenService) {}

  /**
   * **200** `{accessToken, tokenType, expiresIn, refreshToken}`; **401** for a refresh token that is
   * unknown, used, revoked or expired (a used one also revokes its family); **400** for a malformed
   * body; **404** when refresh tokens are off.
   */
  @Post('refresh')
  @OpenApiOperation('Refresh an access token', 'Uses the refresh token once and answers with the next one.')
  @OpenApiBody(RefreshTokenDto)
  @OpenApiResponse(200, 'A new access token and the next refresh token.', { type: IssuedTokenResponse })
  @OpenApiResponse(400, '`refreshToken` is missing, not a string or too long; unknown fields.', { type: ErrorResponse })
  @OpenApiResponse(401, 'Unknown, used, revoked or expired refresh token (a used one revokes its family).', {
    type: ErrorResponse,
  })
  @OpenApiResponse(404, 'Refresh tokens are off (`jwt.refreshTokens` not set).', { type: ErrorResponse })
  @OpenApiResponse(503, 'The database is unavailable: try again after `Retry-After` seconds.', { type: ErrorResponse })
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  refresh(@Body() body: RefreshTokenDto): Promise<IssuedToken> {
    return this.tokens.refresh(body.refreshToken);
  }
}
