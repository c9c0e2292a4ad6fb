import { Body, Delete, HttpCode, Param, Req } from '@nestjs/common';
import { VerificationRoutes } from './verification-routes.decorator.js';
import { assertVerificationId, readVerificationSecret } from './verification-secret.js';
import { VerificationRefusedException } from './verification-refused.exception.js';
import { CancelDocs } from './verification.docs.js';
import { VerificationSecretDto } from './verification.dto.js';
import { VerificationService } from './verification.service.js';

/** `DELETE <prefix>/verifications/:id` (route group `cancel`). */
@VerificationRoutes('poll')
export class CancelController {
  constructor(private readonly verifications: VerificationService) {}

  /**
   * Cancels a verification: **204**, also when it had already ended. The cancel's own statement
   * checks the secret (no guard reads the verification first).
   */
  @Delete(':id')
  @HttpCode(204)
  @CancelDocs()
  async cancel(
    @Param('id') id: string,
    @Body() _body: VerificationSecretDto,
    @Req() request: { body?: unknown; headers: Record<string, unknown> },
  ): Promise<void> {
    assertVerificationId(id);
    if (!(await this.verifications.cancel(id, readVerificationSecret(request)))) {
      throw new VerificationRefusedException('UNAUTHORIZED');
    }
  }
}
