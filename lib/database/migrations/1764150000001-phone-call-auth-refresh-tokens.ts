import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates the refresh-token table: SHA-256 hashes only, grouped in families for reuse detection. */
export class PhoneCallAuthRefreshTokens1764150000001 implements MigrationInterface {
  name = 'PhoneCallAuthRefreshTokens1764150000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE phone_call_refresh_token (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        family_id uuid NOT NULL,
        token_hash bytea NOT NULL CHECK (octet_length(token_hash) = 32),
        phone varchar(16) NOT NULL,
        family_created_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        used_at timestamptz,
        revoked_at timestamptz
      )`);
    // A token is looked up by its hash; a family is revoked, and purged, as a whole.
    await queryRunner.query(
      `CREATE UNIQUE INDEX phone_call_refresh_token_hash_idx ON phone_call_refresh_token (token_hash)`,
    );
    await queryRunner.query(`CREATE INDEX phone_call_refresh_token_family_idx ON phone_call_refresh_token (family_id)`);
    await queryRunner.query(
      `CREATE INDEX phone_call_refresh_token_family_created_idx ON phone_call_refresh_token (family_created_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE phone_call_refresh_token`);
  }
}
