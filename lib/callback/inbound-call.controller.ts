import { Controller, Get, Header, HttpCode, Logger, Post, Req, UseGuards } from '@nestjs/common';
import { InjectPhoneCallAuthOptions } from '../phone-call-auth.constants.js';
import { PhoneCallAuthRoutes } from '../phone-call-auth.routes.js';
import type { ResolvedPhoneCallAuthOptions } from '../options/resolved-options.interface.js';
import type { InboundCallRequest } from '../providers/telephony-provider.interface.js';
import { OpenApiResponse, OpenApiTags } from '../openapi/openapi.decorators.js';
import { ErrorResponse } from '../openapi/openapi.models.js';
import { CallbackDocs } from './inbound-call.docs.js';
import { VerificationService } from '../verification/verification.service.js';
import { CallbackSecretGuard } from './callback-secret.guard.js';

/** At most this many parameter names are logged per callback, each cut short and escaped. */
const LOGGED_NAMES = 20;

/**
 * Receives the platform's inbound-call reports at `<prefix>/callback/<secret>` (GET for SSMS;
 * POST for platforms that post). Answers 200 whatever the outcome: the outcome is recorded, and
 * a platform has nothing to retry.
 */
@Controller('callback')
@UseGuards(CallbackSecretGuard)
@PhoneCallAuthRoutes()
@OpenApiTags('telephony platform callback')
@OpenApiResponse(403, 'Unknown callback secret.', { type: ErrorResponse })
export class InboundCallController {
  private readonly logger = new Logger(InboundCallController.name);

  constructor(
    @InjectPhoneCallAuthOptions() private readonly options: ResolvedPhoneCallAuthOptions,
    private readonly verifications: VerificationService,
  ) {}

  @Get(':secret')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @CallbackDocs('GET', 'Sent by the platform (SSMS), with the call in the query.')
  receiveGet(@Req() request: InboundCallRequest): Promise<string> {
    return this.receive(request);
  }

  @Post(':secret')
  @HttpCode(200)
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @CallbackDocs('POST', 'For platforms that post: query, form and JSON fields, merged.')
  receivePost(@Req() request: InboundCallRequest): Promise<string> {
    return this.receive(request);
  }

  private async receive({ method, query, body, headers }: InboundCallRequest): Promise<string> {
    const fields = { ...(typeof body === 'object' && body !== null ? body : {}), ...(query ?? {}) };
    // The platform's parameter names are not all documented: log the names (never the values).
    const names = Object.keys(fields)
      .slice(0, LOGGED_NAMES)
      .map((name) => JSON.stringify(name.slice(0, 40)));
    this.logger.debug(`Inbound call report (${method}) with parameters ${names.join(', ') || '(none)'}`);
    const reports = this.options.provider.parseInboundCall({ method, query: query ?? {}, body, headers });
    for (const report of reports) {
      await this.verifications.handleInboundCall(report);
    }
    return 'OK';
  }
}
