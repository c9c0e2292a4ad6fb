import { applyDecorators } from '@nestjs/common';
import { OpenApiBody, OpenApiOperation, OpenApiResponse } from '../openapi/openapi.decorators.js';
import { ErrorResponse, IssuedTokenResponse } from '../openapi/openapi.models.js';
import { RefreshTokenDto } from './refresh-token.dto.js';

/** The refusals of the cookie-mode routes ({@link CookieRoutesGuard}). */
const COOKIE_MODE_REFUSALS = [
  OpenApiResponse(403, "Cookie mode: a browser request from another site's page (not in `allowedOrigins`).", {
    type: ErrorResponse,
  }),
  OpenApiResponse(415, 'Cookie mode: the body is not JSON (`Content-Type: application/json`).', {
    type: ErrorResponse,
  }),
];

/** OpenAPI description of `POST /token/refresh`. */
export const RefreshDocs = (): MethodDecorator =>
  applyDecorators(
    OpenApiOperation(
      'Refresh an access token',
      'Uses the refresh token once and answers with the next one. In cookie mode the refresh-token cookie may carry it, and both cookies are renewed.',
    ),
    OpenApiBody(RefreshTokenDto),
    OpenApiResponse(
      200,
      'A new access token and the next refresh token (cookie mode: `{expiresIn}` and the cookies).',
      {
        type: IssuedTokenResponse,
      },
    ),
    OpenApiResponse(400, '`refreshToken` is missing (and no cookie), not a string or too long; unknown fields.', {
      type: ErrorResponse,
    }),
    OpenApiResponse(
      401,
      'Unknown, used, revoked or expired refresh token (a used one, past the grace, revokes its family).',
      { type: ErrorResponse },
    ),
    ...COOKIE_MODE_REFUSALS,
    OpenApiResponse(404, 'Refresh tokens are off (`jwt.refreshTokens` not set).', { type: ErrorResponse }),
    OpenApiResponse(503, 'The database is unavailable: try again after `Retry-After` seconds.', {
      type: ErrorResponse,
    }),
  );

/** OpenAPI description of `POST /token/sign-out`. */
export const SignOutDocs = (): MethodDecorator =>
  applyDecorators(
    OpenApiOperation(
      'Sign out',
      "Revokes the refresh token's family (from the body, or the cookie) and, in cookie mode, expires both cookies.",
    ),
    OpenApiBody(RefreshTokenDto, { required: false }),
    OpenApiResponse(204, 'Signed out (also for an unknown refresh token, or none).'),
    OpenApiResponse(400, '`refreshToken` is not a string or too long; unknown fields.', { type: ErrorResponse }),
    ...COOKIE_MODE_REFUSALS,
    OpenApiResponse(503, 'The database is unavailable: try again after `Retry-After` seconds.', {
      type: ErrorResponse,
    }),
  );
