import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { PhoneCallAuth, VerifiedPhone, type VerifiedPhoneIdentity } from 'nestjs-phone-call-auth';

/** What `GET /me` answers. */
export class MeResponse {
  @ApiProperty({ description: "The token's subject (by default the verified number).", example: '+79670311122' })
  sub!: string;

  @ApiProperty({ description: 'The verified number, E.164.', example: '+79670311122' })
  phone!: string;
}

@ApiTags('sample app')
@Controller()
export class MeController {
  /** Answers only with a token from the module: `Authorization: Bearer <accessToken>`. */
  @PhoneCallAuth() // also documents the bearer scheme and the 401
  @Get('me')
  @ApiOperation({ summary: 'Who the token says you are' })
  @ApiOkResponse({ type: MeResponse, description: 'The verified identity.' })
  me(@VerifiedPhone() identity: VerifiedPhoneIdentity): MeResponse {
    return { sub: identity.sub, phone: identity.phone };
  }
}
