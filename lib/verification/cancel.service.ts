import { Inject, Injectable, Logger } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../core/sha256.js';
import { VERIFICATION_STORE, type VerificationStore } from './verification.store.js';

/** Cancels a verification on its client's request. */
@Injectable()
export class CancelService {
  private readonly logger = new Logger(CancelService.name);

  constructor(@Inject(VERIFICATION_STORE) private readonly store: VerificationStore) {}

  /** Cancels a pending or verified verification. Returns false for an unknown id or a wrong secret. */
  async cancel(id: string, secret: string): Promise<boolean> {
    if (!isUUID(id)) return false;
    const secretHash = sha256(secret);
    const { canceled, row } = await this.store.cancel({ id, secretHash });
    if (canceled) {
      this.logger.debug(`Verification ${id} canceled`);
      return true;
    }
    return !!row && timingSafeEqual(row.secretHash, secretHash);
  }
}
