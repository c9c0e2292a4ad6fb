import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Name of the refresh-token table (migration `PhoneCallAuthRefreshTokens1764150000001`). */
export const REFRESH_TOKEN_TABLE = 'phone_call_refresh_token';

/**
 * One refresh token, stored as the SHA-256 hash of the token (the token itself is never stored).
 * The tokens descended from one sign-in share a `familyId`; each use marks the token used and adds
 * the next one. Rows change only through the single conditional statements of `refresh-token.sql.ts`.
 */
@Entity(REFRESH_TOKEN_TABLE)
@Check('phone_call_refresh_token_token_hash_check', `octet_length(token_hash) = 32`)
@Index('phone_call_refresh_token_hash_idx', ['tokenHash'], { unique: true })
@Index('phone_call_refresh_token_family_idx', ['familyId'])
@Index('phone_call_refresh_token_family_created_idx', ['familyCreatedAt'])
@Index('phone_call_refresh_token_parent_idx', ['parentId'])
@Index('phone_call_refresh_token_verification_idx', ['verificationId'])
export class RefreshTokenEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  /** Shared by every token descended from one sign-in; reuse of any used one revokes them all. */
  @Column({ name: 'family_id', type: 'uuid' })
  familyId!: string;

  /** SHA-256 of the token. */
  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash!: Buffer;

  /** The verified number, E.164: each refresh runs `resolveSubject` on it again. */
  @Column({ type: 'varchar', length: 16 })
  phone!: string;

  /** When the family started (the sign-in); its absolute lifetime counts from here. */
  @Column({ name: 'family_created_at', type: 'timestamptz' })
  familyCreatedAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** Set when the token was exchanged for the next one. */
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  /** Set on every token of a family that was revoked (reuse detected, or an explicit revoke). */
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** The token this one was exchanged for; null for a family's first token. */
  @Column({ name: 'parent_id', type: 'bigint', nullable: true })
  parentId!: string | null;

  /** The verification the family was redeemed from; deleting it ends the family. Null for `TokenService.issue()`. */
  @Column({ name: 'verification_id', type: 'uuid', nullable: true })
  verificationId!: string | null;

  /** When the family's number was proven: every access token of the family carries it as `auth_time`. Null on older rows. */
  @Column({ name: 'auth_time', type: 'timestamptz', nullable: true })
  authTime!: Date | null;
}
