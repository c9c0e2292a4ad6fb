import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const RATE_LIMIT_TABLE = 'phone_call_rate_limit';

/** A fixed-window counter of verification starts, shared by every app instance. */
@Entity(RATE_LIMIT_TABLE)
@Index('phone_call_rate_limit_resets_idx', ['resetsAt'])
export class RateLimitEntity {
  /** What is counted: `global`, or the SHA-256 (hex) of `phone:<E.164>|<client>`, `client:<client>` or `network:<network>`. */
  @PrimaryColumn({ type: 'varchar', length: 200 })
  key!: string;

  @Column({ type: 'integer' })
  count!: number;

  /** When the window ends and the count starts again from zero. */
  @Column({ name: 'resets_at', type: 'timestamptz' })
  resetsAt!: Date;
}
