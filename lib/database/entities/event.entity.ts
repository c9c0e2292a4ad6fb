import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const EVENT_TABLE = 'phone_call_auth_event';

/**
 * What happened, for the operator dashboard and the support history, beside what the verification
 * and inbound-call rows keep: each platform's answer to a start (its latency, and each failed
 * attempt of a failover), each SMS code tried, and the refusals of starts (counted in memory and
 * written a batch at a time, `count` per row). No phone number: `prefix` is the country code and a
 * few leading digits (`+7967`); `detail` is short and holds no secret. Purged with the retention.
 */
@Entity(EVENT_TABLE)
@Check('phone_call_auth_event_kind_check', `kind IN ('platform', 'code', 'refused')`)
@Index('phone_call_auth_event_at_idx', ['at'])
@Index('phone_call_auth_event_verification_idx', ['verificationId'], { where: 'verification_id IS NOT NULL' })
export class EventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  /**
   * The verification it concerns; none for a start that failed or was refused. No foreign key: the
   * insert stays cheap, and the purge deletes both by age.
   */
  @Column({ name: 'verification_id', type: 'uuid', nullable: true })
  verificationId!: string | null;

  /** `platform` (a provider's answer to a start), `code` (an SMS code tried), `refused` (starts refused). */
  @Column({ type: 'varchar', length: 16 })
  kind!: 'platform' | 'code' | 'refused';

  @Column({ type: 'varchar', length: 16, nullable: true })
  channel!: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  provider!: string | null;

  /** ISO 3166 country of the number, when it parsed. */
  @Column({ type: 'varchar', length: 2, nullable: true })
  country!: string | null;

  /** `+` and the first four digits of the number (as masked in logs), never the whole number. */
  @Column({ type: 'varchar', length: 8, nullable: true })
  prefix!: string | null;

  /** `ok`, `failed`, `timeout`, `busy` (platform); `right`, `wrong`, `too_many` (code); the error code (refused). */
  @Column({ type: 'varchar', length: 32 })
  outcome!: string;

  /** How long the platform took to answer. */
  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs!: number | null;

  /** A short word for operators (the platform's status, the route family): no secret, no number. */
  @Column({ type: 'varchar', length: 120, nullable: true })
  detail!: string | null;

  /** How many events this row stands for (refusals are counted in memory and written a batch at a time). */
  @Column({ type: 'integer', default: 1 })
  count!: number;
}
