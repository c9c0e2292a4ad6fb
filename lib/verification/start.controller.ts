import { Body, Header, Headers, Ip, Post, Res, UseGuards } from '@nestjs/common';
import { skipEtag } from '../http/no-etag.js';
import { StartOriginGuard } from './start-origin.guard.js';
import { VerificationRoutes } from './verification-routes.decorator.js';
import { StartDocs } from './verification.docs.js';
import { StartVerificationDto } from './verification.dto.js';
import { VerificationService } from './verification.service.js';
import type { StartedVerification } from './verification.types.js';

/** `POST <prefix>/verifications` (route group `start`). */
@VerificationRoutes('start')
export class StartController {
  constructor(private readonly verifications: VerificationService) {}

  /** Starts a verification: **201** with the number to call and/or the SMS sent, and the secret (shown only here). */
  @Post()
  @Header('Cache-Control', 'no-store')
  @UseGuards(StartOriginGuard)
  @StartDocs()
  start(
    @Body() body: StartVerificationDto,
    @Ip() ip: string,
    @Res({ passthrough: true }) response: unknown,
    @Headers('accept-language') acceptLanguage?: string,
  ): Promise<StartedVerification> {
    skipEtag(response);
    return this.verifications.start(body.phone, { ip, channel: body.channel, locale: body.locale, acceptLanguage });
  }
}
