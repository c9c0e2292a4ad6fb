import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { OpenApiProperty } from '../openapi/openapi.decorators.js';

/*
 * class-validator checks a property's decorators bottom-up; the controller's ValidationPipe stops
 * at the first that fails (stopAtFirstError), so the bottom one gives the first message.
 */

/** Body of `POST /verifications`. */
export class StartVerificationDto {
  /** The number to verify, in any common notation: `+7 967 031-11-22`, `8 (967) 031-11-22`. */
  @OpenApiProperty({
    type: 'string',
    maxLength: 64,
    description: 'The number to verify, in any common notation; without a country code it is read as `defaultCountry`.',
    example: '+7 967 031-11-22',
  })
  @MaxLength(64, { message: 'phone must be at most 64 characters' })
  @IsString({ message: 'phone must be a string, e.g. "+7 967 031-11-22"' })
  @IsNotEmpty({ message: 'phone is required, e.g. "+7 967 031-11-22"' })
  phone!: string;
}

/** Body of `POST /verifications/:id/token` and `DELETE /verifications/:id` (the secret may come in a header instead). */
export class VerificationSecretDto {
  @OpenApiProperty({
    type: 'string',
    maxLength: 256,
    required: false,
    description: 'The secret from the start answer; or send it in the `X-Verification-Secret` header.',
  })
  @MaxLength(256, { message: 'secret must be at most 256 characters' })
  @IsString({ message: 'secret must be a string' })
  @IsOptional()
  secret?: string;
}
