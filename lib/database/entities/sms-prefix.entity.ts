import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Name of the SMS fraud guard's table (migration `PhoneCallAuthSmsPrefixes1764150000007`). */
export const SMS_PREFIX_TABLE = 'phone_call_sms_prefix';

/**
 * The SMS fraud guard's counts of one destination prefix, shared by every app instance: SMS codes
 * sent and entered in the current window and the one before it, and the prefix's block or the
 * operator's allowance. Rows change only through the single statements of `rate-limit.sql.ts`,
 * `sms-prefix.sql.ts` and the code check.
 */
@Entity(SMS_PREFIX_TABLE)
export class SmsPrefixEntity {
  /** `+`, the country calling code and the first digits of the national number (`+7967`). */
  @PrimaryColumn({ type: 'varchar', length: 16 })
  prefix!: string;

  /** ISO 3166-1 alpha-2 country of the numbers sent to, where it is known. */
  @Column({ type: 'varchar', length: 2, nullable: true })
  country!: string | null;

  /** Start of the current window (`limits.fraudGuard.windowSeconds`, aligned to the epoch). */
  @Column({ name: 'window_start', type: 'timestamptz' })
  windowStart!: Date;

  @Column({ type: 'integer', default: 0 })
  sent!: number;

  @Column({ type: 'integer', default: 0 })
  entered!: number;

  /** The window before `windowStart`'s. */
  @Column({ name: 'previous_sent', type: 'integer', default: 0 })
  previousSent!: number;

  @Column({ name: 'previous_entered', type: 'integer', default: 0 })
  previousEntered!: number;

  /** When the current (or last) block began. */
  @Column({ name: 'blocked_at', type: 'timestamptz', nullable: true })
  blockedAt!: Date | null;

  /** No SMS to the prefix before this time (unless allowed). */
  @Column({ name: 'blocked_until', type: 'timestamptz', nullable: true })
  blockedUntil!: Date | null;

  /** The operator allowed the prefix: it is not blocked before this time. */
  @Column({ name: 'allowed_until', type: 'timestamptz', nullable: true })
  allowedUntil!: Date | null;
}
