import { applyDecorators } from '@nestjs/common';
import { OpenApiBody, OpenApiOperation, OpenApiResponse } from '../openapi/openapi.decorators.js';
import { ErrorResponse, IssuedTokenResponse } from '../openapi/openapi.models.js';
import { RefreshTokenDto } from './refresh-token.dto.js';

/** OpenAPI description of `POST /token/refresh`. */
export const RefreshDocs = (): MethodDecorator =>
  applyDecorators(
    OpenApiOperation('Refresh an access token', 'Uses the refresh token once and answers with the next one.'),
    OpenApiBody(RefreshTokenDto),
    OpenApiResponse(200, 'A new access token and the next refresh token.', { type: IssuedTokenResponse }),
    OpenApiResponse(400, '`refreshToken` is missing, not a string or too long; unknown fields.', {
      type: ErrorResponse,
    }),
    OpenApiResponse(401, 'Unknown, used, revoked or expired refresh token (a used one revokes its family).', {
      type: ErrorResponse,
    }),
    OpenApiResponse(404, 'Refresh tokens are off (`jwt.refreshTokens` not set).', { type: ErrorResponse }),
    OpenApiResponse(503, 'The database is unavailable: try again after `Retry-After` seconds.', {
      type: ErrorResponse,
    }),
  );
