import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { InboundCallOutcome } from '../../core/verification-state.js';
import { VerificationEntity } from './verification.entity.js';

export const INBOUND_CALL_TABLE = 'phone_call_inbound_call';

/** One inbound-call report from a platform and its outcome, kept for audit until purged. */
@Entity(INBOUND_CALL_TABLE)
@Check(
  'phone_call_inbound_call_outcome_check',
  `outcome IN ('matched', 'no_match', 'late', 'ambiguous', 'duplicate', 'no_caller_id', 'refused')`,
)
@Index('phone_call_inbound_call_received_idx', ['receivedAt'])
@Index('phone_call_inbound_call_verification_idx', ['verificationId'])
@Index('phone_call_inbound_call_once_idx', ['provider', 'callId'], {
  unique: true,
  where: `call_id IS NOT NULL AND outcome <> 'duplicate'`,
})
export class InboundCallEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  provider!: string;

  /** The platform's id of the call; each is processed once (unique per provider, duplicates aside). */
  @Column({ name: 'call_id', type: 'varchar', length: 128, nullable: true })
  callId!: string | null;

  @Column({ name: 'wait_id', type: 'varchar', length: 128, nullable: true })
  waitId!: string | null;

  /** The caller, E.164, or null when withheld or invalid. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  caller!: string | null;

  /** The dialed number, E.164, when the platform said it. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  dialed!: string | null;

  /** STIR/SHAKEN verdict, when the platform sent one. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  attestation!: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome!: InboundCallOutcome;

  @Column({ name: 'verification_id', type: 'uuid', nullable: true })
  verificationId!: string | null;

  /** The verification the call concerned; the record outlives it (`ON DELETE SET NULL`). */
  @ManyToOne(() => VerificationEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'verification_id', foreignKeyConstraintName: 'phone_call_inbound_call_verification_id_fkey' })
  verification?: VerificationEntity | null;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;
}
