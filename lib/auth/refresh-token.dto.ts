import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { OpenApiProperty } from '../openapi/openapi.decorators.js';

/**
 * Body of `POST <prefix>/token/refresh` and `POST <prefix>/token/sign-out`. `refreshToken` may be
 * left out in cookie mode, where the refresh-token cookie carries it; the routes say when it is
 * missing. class-validator checks the decorators bottom-up.
 */
export class RefreshTokenDto {
  /** The refresh token from the last token answer. */
  @OpenApiProperty({
    type: 'string',
    maxLength: 256,
    required: false,
    description: 'The refresh token from the last token answer. In cookie mode, leave it out: the cookie carries it.',
  })
  @MaxLength(256, { message: 'refreshToken must be at most 256 characters' })
  @IsString({ message: 'refreshToken must be a string' })
  @IsNotEmpty({ message: 'refreshToken is required: send {"refreshToken": "..."} from the last token answer' })
  @IsOptional()
  refreshToken?: string;
}
