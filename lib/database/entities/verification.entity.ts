import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { VerificationChannel, VerificationFailReason, VerificationStatus } from '../../core/verification-state.js';

export const VERIFICATION_TABLE = 'phone_call_verification';

/** The unique index that keeps one pending verification per phone. */
export const VERIFICATION_ONE_PENDING_INDEX = 'phone_call_verification_one_pending_idx';

/**
 * One verification: "the client holding `secret` wants to prove it controls `phone`".
 * Rows change state only through single conditional UPDATEs in {@link VerificationService}.
 */
@Entity(VERIFICATION_TABLE)
// Constraints carry the names the migration gives them, so a host's schema diff finds nothing to change.
@Check(
  'phone_call_verification_status_check',
  `status IN ('pending', 'verified', 'consumed', 'expired', 'canceled', 'failed')`,
)
@Check('phone_call_verification_channel_check', `channel IN ('call', 'sms', 'call_or_sms')`)
@Check('phone_call_verification_code_hash_check', `octet_length(code_hash) = 32`)
@Check('phone_call_verification_verified_by_check', `verified_by IN ('call', 'code')`)
@Check('phone_call_verification_fail_reason_check', `fail_reason IN ('too_many_attempts')`)
@Check('phone_call_verification_secret_hash_check', `octet_length(secret_hash) = 32`)
@Check('phone_call_verification_cancel_reason_check', `cancel_reason IN ('client', 'superseded')`)
@Index('phone_call_verification_phone_expires_idx', ['phone', 'expiresAt'])
@Index('phone_call_verification_created_idx', ['createdAt'])
@Index(VERIFICATION_ONE_PENDING_INDEX, ['phone'], { unique: true, where: `status = 'pending'` })
export class VerificationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The number being verified, E.164. */
  @Column({ type: 'varchar', length: 16 })
  phone!: string;

  /** The number the subscriber must call, E.164; null on the `sms` channel. */
  @Column({ name: 'call_to', type: 'varchar', length: 16, nullable: true })
  callTo!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'call' })
  channel!: VerificationChannel;

  /** SHA-256 of the verification id and the SMS code; the code itself is never stored. */
  @Column({ name: 'code_hash', type: 'bytea', nullable: true })
  codeHash!: Buffer | null;

  /** The destination prefix its SMS code was counted against (`limits.fraudGuard`); null when none was. */
  @Column({ name: 'sms_prefix', type: 'varchar', length: 16, nullable: true })
  smsPrefix!: string | null;

  /** Wrong code entries so far. */
  @Column({ name: 'code_attempts', type: 'integer', default: 0 })
  codeAttempts!: number;

  /** The proof that verified it. */
  @Column({ name: 'verified_by', type: 'varchar', length: 8, nullable: true })
  verifiedBy!: 'call' | 'code' | null;

  @Column({ type: 'varchar', length: 32 })
  provider!: string;

  /** The platform's id of the wait (`id_call` on SSMS). */
  @Column({ name: 'provider_wait_id', type: 'varchar', length: 128, nullable: true })
  providerWaitId!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: VerificationStatus;

  /** SHA-256 of the verification secret; the secret itself is never stored. */
  @Column({ name: 'secret_hash', type: 'bytea' })
  secretHash!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** End of the window: a call after it verifies nothing. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt!: Date | null;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;

  @Column({ name: 'canceled_at', type: 'timestamptz', nullable: true })
  canceledAt!: Date | null;

  /** Why it was canceled: by its client, or superseded by a newer verification of the same phone. */
  @Column({ name: 'cancel_reason', type: 'varchar', length: 16, nullable: true })
  cancelReason!: 'client' | 'superseded' | null;

  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true })
  failedAt!: Date | null;

  @Column({ name: 'fail_reason', type: 'varchar', length: 32, nullable: true })
  failReason!: VerificationFailReason | null;

  /**
   * The status poller's lease: no instance polls this verification's wait before this time (null:
   * never polled). A claim moves it ahead; see `StatusPollerService`.
   */
  @Column({ name: 'poll_after', type: 'timestamptz', nullable: true })
  pollAfter!: Date | null;

  /**
   * The signed-in subject the verification is bound to (the `sub` of the access token that started
   * it, or the app's own id): only that subject can redeem or consume it. Null: an ordinary sign-in.
   */
  @Column({ type: 'text', nullable: true })
  subject!: string | null;
}
