import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Where a verification is in its life. `expired` is also reported for a pending one whose window has passed. */
export type VerificationStatus = 'pending' | 'verified' | 'consumed' | 'expired' | 'canceled';

export const VERIFICATION_TABLE = 'phone_call_verification';

/**
 * One verification: "the client holding `secret` wants to prove it controls `phone`".
 * Rows change state only through single conditional UPDATEs in {@link VerificationService}.
 */
@Entity(VERIFICATION_TABLE)
// Constraints carry the names the migration gives them, so a host's schema diff finds nothing to change.
@Check('phone_call_verification_status_check', `status IN ('pending', 'verified', 'consumed', 'expired', 'canceled')`)
@Check('phone_call_verification_secret_hash_check', `octet_length(secret_hash) = 32`)
@Check('phone_call_verification_cancel_reason_check', `cancel_reason IN ('client', 'superseded')`)
@Index('phone_call_verification_phone_expires_idx', ['phone', 'expiresAt'])
@Index('phone_call_verification_created_idx', ['createdAt'])
@Index('phone_call_verification_one_pending_idx', ['phone'], { unique: true, where: `status = 'pending'` })
export class VerificationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The number being verified, E.164. */
  @Column({ type: 'varchar', length: 16 })
  phone!: string;

  /** The number the subscriber must call, E.164. */
  @Column({ name: 'call_to', type: 'varchar', length: 16 })
  callTo!: string;

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
}
