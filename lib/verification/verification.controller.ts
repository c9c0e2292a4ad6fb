import {
  Body,
  Controller,
  Delete,
  GoneException,
  Header,
  HttpCode,
  Ip,
  Param,
  Post,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { VerificationSecretGuard } from '../auth/phone-call-auth.decorator.js';
import { IssuedToken } from '../auth/token.service.js';
import { readVerificationSecret, UNKNOWN_VERIFICATION_MESSAGE } from '../auth/verification-secret.strategy.js';
import { StartVerificationDto, VerificationSecretDto } from './verification.dto.js';
import { StartedVerification, VerificationService } from './verification.service.js';

/**
 * The client's side of a verification. Validation is local to these routes, so the host app
 * needs no global ValidationPipe.
 */
@Controller('verifications')
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }))
export class VerificationController {
  constructor(private readonly verifications: VerificationService) {}

  /** Starts a verification: **201** with the number to call and the secret (shown only here). */
  @Post()
  @Header('Cache-Control', 'no-store')
  start(@Body() body: StartVerificationDto, @Ip() ip: string): Promise<StartedVerification> {
    return this.verifications.start(body.phone, { ip });
  }

  /**
   * Exchanges a verified verification for a token: **200** once, **202** while the call is awaited,
   * **410** when it expired, was canceled or was already redeemed.
   */
  @Post(':id/token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(VerificationSecretGuard)
  async token(
    @Param('id') id: string,
    @Body() _body: VerificationSecretDto,
    @Req() request: { body?: unknown; headers: Record<string, unknown> },
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ): Promise<IssuedToken | { status: 'pending'; expiresAt: Date }> {
    const result = await this.verifications.redeem(id, readVerificationSecret(request));
    switch (result.status) {
      case 'issued':
        return result.token;
      case 'pending':
        response.status(202);
        return { status: 'pending', expiresAt: result.expiresAt };
      case 'unauthorized':
        throw new UnauthorizedException(UNKNOWN_VERIFICATION_MESSAGE);
      default:
        throw new GoneException({
          statusCode: 410,
          status: result.status,
          message: `This verification is ${result.status}; start a new one.`,
        });
    }
  }

  /** Cancels a verification: **204**, also when it had already ended. */
  @Delete(':id')
  @HttpCode(204)
  @UseGuards(VerificationSecretGuard)
  async cancel(
    @Param('id') id: string,
    @Body() _body: VerificationSecretDto,
    @Req() request: { body?: unknown; headers: Record<string, unknown> },
  ): Promise<void> {
    if (!(await this.verifications.cancel(id, readVerificationSecret(request)))) {
      throw new UnauthorizedException(UNKNOWN_VERIFICATION_MESSAGE);
    }
  }
}
