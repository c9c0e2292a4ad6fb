import type { InboundCallOutcome } from '../core/verification-state.js';
import { Injectable } from '@nestjs/common';
import { StatementRunner } from '../database/statement-runner.js';
import type { VerificationCandidate } from '../options/phone-call-auth-options.interface.js';
import * as sql from './inbound-call.sql.js';
import type { InboundCallRecord, InboundCallStore, MatchedCall, RecordedCall } from './inbound-call.store.js';

/**
 * The {@link InboundCallStore} on Postgres: the statements of inbound-call.sql.ts, in the priority
 * queue of admission control (a platform's callback goes before polling).
 */
@Injectable()
export class PostgresInboundCallStore implements InboundCallStore {
  constructor(private readonly db: StatementRunner) {}

  findCandidates(call: InboundCallRecord, p: { confirmedByPlatform: boolean }): Promise<VerificationCandidate[]> {
    return this.db.run('priority', sql.findCandidate(call, p));
  }

  async match(call: InboundCallRecord, p: Parameters<InboundCallStore['match']>[1]): Promise<MatchedCall> {
    return (await this.db.run<MatchedCall>('priority', sql.matchInboundCall(call, p)))[0];
  }

  record(call: InboundCallRecord, outcome: InboundCallOutcome, verificationId: string | null): Promise<RecordedCall> {
    return this.db.admit('priority', async () => {
      const [row] = await this.db.query<RecordedCall>(sql.insertInboundCall(call, outcome, verificationId));
      return row ?? (await this.db.query<RecordedCall>(sql.insertInboundCall(call, 'duplicate', null)))[0];
    });
  }
}
