import { Controller, Get, Header, HttpCode, Logger, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { skipEtag } from '../http/no-etag.js';
import { PhoneCallAuthRoutes } from '../routes/phone-call-auth.routes.js';
import type { ResolvedPlatforms } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import type { CallbackAnswer } from '../providers/telephony-provider.interface.js';
import { OpenApiResponse, OpenApiTags } from '../openapi/openapi.decorators.js';
import { ErrorResponse } from '../openapi/openapi.models.js';
import { CallbackDocs } from './inbound-call.docs.js';
import { InboundCallService } from '../verification/inbound-call.service.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { annotateRequest } from '../telemetry/request-context.js';
import { CallbackRefusedFilter } from './callback-refused.filter.js';
import { CallbackSecretGuard } from './callback-secret.guard.js';
import { callbackProvider, callbackRequest, type HttpCallbackRequest } from './callback-request.js';

/** At most this many parameter names are logged per callback, each cut short and escaped. */
const LOGGED_NAMES = 20;

/** The answer of providers that name none. */
const DEFAULT_ANSWER: CallbackAnswer = { status: 200, contentType: 'text/plain; charset=utf-8', body: 'OK' };

/** The parts of an Express response or a Fastify reply the controller sets. */
interface HttpReply {
  status(code: number): unknown;
  header(name: string, value: string): unknown;
}

/**
 * Receives the platforms' reports at `<prefix>/callback/<provider>/<secret>` (and the SSMS reports
 * at `<prefix>/callback/<secret>`), GET or POST. The guard has checked the secret, the allowlist
 * and the platform's signature; the provider the path names reads the reports and writes the
 * answer its platform expects (`OK`, sms.ru's `100`, Twilio's `<Reject reason="busy"/>`), whatever the outcome:
 * the outcome is recorded, and a platform has nothing to retry.
 */
@Controller('callback')
@UseGuards(CallbackSecretGuard)
@UseFilters(CallbackRefusedFilter)
@PhoneCallAuthRoutes()
@OpenApiTags('telephony platform callback')
@OpenApiResponse(
  403,
  "Not this platform's secret, address or signature (sms.ru and Twilio get their usual answer instead).",
  {
    type: ErrorResponse,
  },
)
export class InboundCallController {
  private readonly logger = new Logger(InboundCallController.name);

  constructor(
    @InjectPhoneCallAuthOptions('platforms') private readonly platforms: ResolvedPlatforms,
    private readonly inboundCalls: InboundCallService,
    private readonly telemetry: PhoneCallAuthTelemetry,
  ) {}

  @Get(':secret')
  @Header('Cache-Control', 'no-store')
  @CallbackDocs('GET', 'Sent by the platform (SSMS), with the call in the query.', false)
  receiveGet(@Req() request: HttpCallbackRequest, @Res({ passthrough: true }) reply: HttpReply): Promise<string> {
    return this.receive(request, reply);
  }

  @Post(':secret')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @CallbackDocs('POST', 'For platforms that post: query, form and JSON fields, merged.', false)
  receivePost(@Req() request: HttpCallbackRequest, @Res({ passthrough: true }) reply: HttpReply): Promise<string> {
    return this.receive(request, reply);
  }

  @Get(':provider/:secret')
  @Header('Cache-Control', 'no-store')
  @CallbackDocs('GET', "Sent by the platform the path names, in that platform's format.", true)
  receiveProviderGet(
    @Req() request: HttpCallbackRequest,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<string> {
    return this.receive(request, reply);
  }

  @Post(':provider/:secret')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @CallbackDocs('POST', 'Sent by the platform the path names (sms.ru, New-Tel, Twilio), in its format.', true)
  receiveProviderPost(
    @Req() request: HttpCallbackRequest,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<string> {
    return this.receive(request, reply);
  }

  private async receive(request: HttpCallbackRequest, reply: HttpReply): Promise<string> {
    skipEtag(reply);
    // The guard let the request through, so the path names a provider.
    const provider = callbackProvider(this.platforms, request)!;
    annotateRequest({ provider: provider.name });
    // The request the guard authenticated, raw body and URL included: the provider reads what was signed.
    const inbound = callbackRequest(this.platforms, request);
    const { method, query, body } = inbound;
    // The platform's parameter names are not all documented: log the names (never the values).
    if (Logger.isLevelEnabled('debug')) {
      const fields = { ...(typeof body === 'object' && body !== null ? body : {}), ...query };
      const names = Object.keys(fields)
        .slice(0, LOGGED_NAMES)
        .map((name) => JSON.stringify(name.slice(0, 40)));
      this.logger.debug(
        `Inbound call report to ${provider.name} (${method}) with parameters ${names.join(', ') || '(none)'}`,
      );
    }
    const reports = provider.parseInboundCall(inbound);
    for (const report of reports) {
      if (report.event === 'expired') {
        const expired = await this.inboundCalls.expireWait(provider.name, report.waitId);
        this.telemetry.callback(provider.name, expired ? 'expired' : 'no_match');
      } else {
        this.telemetry.callback(provider.name, (await this.inboundCalls.handle(report, provider.name)).outcome);
      }
    }
    if (reports.length === 0) this.telemetry.callback(provider.name, 'no_report');
    const answer = provider.callbackAnswer?.() ?? DEFAULT_ANSWER;
    reply.status(answer.status);
    reply.header('Content-Type', answer.contentType);
    return answer.body;
  }
}
