import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { OpenApiProperty } from '../openapi/openapi.decorators.js';

/** Body of `POST <prefix>/token/refresh`. class-validator checks the decorators bottom-up. */
export class RefreshTokenDto {
  /** The refresh token from the last token answer. */
  @OpenApiProperty({ type: 'string', maxLength: 256, description: 'The refresh token from the last token answer.' })
  @MaxLength(256, { message: 'refreshToken must be at most 256 characters' })
  @IsString({ message: 'refreshToken must be a string' })
  @IsNotEmpty({ message: 'refreshToken is required: send {"refreshToken": "..."} from the last token answer' })
  refreshToken!: string;
}
