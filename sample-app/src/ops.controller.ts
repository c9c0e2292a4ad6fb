import {
  BadRequestException,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  type OpsSummary,
  PhoneCallAuthExceptionFilter,
  PhoneCallAuthFraudGuard,
  PhoneCallAuthOps,
  type SmsPrefixState,
  type SupportHistory,
} from 'nestjs-phone-call-auth';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PAGE_CSP, publicFolder } from './page.controller.js';
import { OPS_TOKEN, OpsTokenGuard } from './ops-token.guard.js';

/** The dashboard's JSON: the module's summary, and the prefixes the SMS fraud guard blocks now. */
export interface OpsSummaryAnswer extends OpsSummary {
  /** Number prefixes the SMS fraud guard blocks now (`PhoneCallAuthFraudGuard.prefixes`). */
  fraudGuard: SmsPrefixState[];
}

const TYPES: Record<string, string> = {
  'ops.js': 'text/javascript; charset=utf-8',
  'ops.css': 'text/css; charset=utf-8',
  'chart.umd.min.js': 'text/javascript; charset=utf-8',
};

/** Chart.js's browser build, from the installed package (a devDependency): served by this app, no CDN. */
function chartJs(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
}

/**
 * The operator dashboard: `/ops` (a page that asks for the operator token once and keeps it in
 * sessionStorage), its files, and the two JSON routes it reads with `Authorization: Bearer`:
 * `/ops/summary` and `/ops/history/:id`. With PHONE_CALL_OPS_TOKEN unset, every route is 404.
 */
@ApiExcludeController()
@Controller('ops')
@UseFilters(PhoneCallAuthExceptionFilter)
export class OpsController {
  private readonly files: Record<string, string>;

  constructor(
    private readonly ops: PhoneCallAuthOps,
    private readonly fraudGuard: PhoneCallAuthFraudGuard,
    @Inject(OPS_TOKEN) private readonly token: string | null,
  ) {
    const folder = `${publicFolder()}ops/`;
    this.files = {
      'index.html': readFileSync(`${folder}index.html`, 'utf8'),
      'ops.js': readFileSync(`${folder}ops.js`, 'utf8'),
      'ops.css': readFileSync(`${folder}ops.css`, 'utf8'),
      'chart.umd.min.js': token ? chartJs() : '',
    };
  }

  /** The page holds no data: it asks for the token, then reads the JSON routes with it. */
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', PAGE_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    if (!this.token) throw new NotFoundException();
    return this.files['index.html'];
  }

  @Get('assets/:name')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('name') name: string, @Res({ passthrough: true }) response: { type(value: string): unknown }): string {
    const type = Object.hasOwn(TYPES, name) ? TYPES[name] : undefined;
    if (!this.token || !type) throw new NotFoundException();
    response.type(type);
    return this.files[name];
  }

  @Get('summary')
  @UseGuards(OpsTokenGuard)
  @Header('Cache-Control', 'no-store')
  async summary(): Promise<OpsSummaryAnswer> {
    const [summary, blocked] = await Promise.all([this.ops.summary(), this.fraudGuard.prefixes({ blockedOnly: true })]);
    return { ...summary, fraudGuard: blocked };
  }

  /**
   * The operator lifts the SMS fraud guard's block of a prefix (`+7967`) for a day. Bearer-token
   * only (no cookie), so another site cannot make the operator's browser send it.
   */
  @Post('fraud-guard/:prefix/allow')
  @UseGuards(OpsTokenGuard)
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async allow(@Param('prefix') prefix: string): Promise<SmsPrefixState> {
    try {
      return await this.fraudGuard.allow(prefix);
    } catch (error) {
      // The guard's own check of what an operator may name (never a whole number).
      if (error instanceof RangeError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  /** 404 `VERIFICATION_NOT_FOUND` for an id that is not kept, in the request's language. */
  @Get('history/:id')
  @UseGuards(OpsTokenGuard)
  @Header('Cache-Control', 'no-store')
  history(@Param('id') id: string): Promise<SupportHistory> {
    return this.ops.history(id);
  }
}
