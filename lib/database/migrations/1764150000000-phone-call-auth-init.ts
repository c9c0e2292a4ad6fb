import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates the verification, inbound-call and rate-limit tables with the indexes the callback and the purge use. */
export class PhoneCallAuthInit1764150000000 implements MigrationInterface {
  name = 'PhoneCallAuthInit1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE phone_call_verification (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        phone varchar(16) NOT NULL,
        call_to varchar(16) NOT NULL,
        provider varchar(32) NOT NULL,
        provider_wait_id varchar(128),
        status varchar(16) NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'verified', 'consumed', 'expired', 'canceled')),
        secret_hash bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        verified_at timestamptz,
        consumed_at timestamptz,
        canceled_at timestamptz,
        cancel_reason varchar(16) CHECK (cancel_reason IN ('client', 'superseded'))
      )`);
    // At most one live verification per phone: a new start supersedes the pending one.
    await queryRunner.query(
      `CREATE UNIQUE INDEX phone_call_verification_one_pending_idx ON phone_call_verification (phone) WHERE status = 'pending'`,
    );
    // The callback looks verifications up by caller and recent window; the purge by age.
    await queryRunner.query(
      `CREATE INDEX phone_call_verification_phone_expires_idx ON phone_call_verification (phone, expires_at)`,
    );
    await queryRunner.query(`CREATE INDEX phone_call_verification_created_idx ON phone_call_verification (created_at)`);
    await queryRunner.query(`
      CREATE TABLE phone_call_inbound_call (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        provider varchar(32) NOT NULL,
        call_id varchar(128),
        wait_id varchar(128),
        caller varchar(16),
        dialed varchar(16),
        attestation varchar(32),
        outcome varchar(16) NOT NULL
          CHECK (outcome IN ('matched', 'no_match', 'late', 'ambiguous', 'duplicate', 'no_caller_id', 'refused')),
        verification_id uuid REFERENCES phone_call_verification (id) ON DELETE SET NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Each platform call id is processed once; the records of repeats are kept beside it as duplicates.
    await queryRunner.query(`
      CREATE UNIQUE INDEX phone_call_inbound_call_once_idx ON phone_call_inbound_call (provider, call_id)
        WHERE call_id IS NOT NULL AND outcome <> 'duplicate'`);
    await queryRunner.query(
      `CREATE INDEX phone_call_inbound_call_received_idx ON phone_call_inbound_call (received_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX phone_call_inbound_call_verification_idx ON phone_call_inbound_call (verification_id)`,
    );
    // Fixed-window counters of the rate limits, shared by every instance; expired rows are purged.
    await queryRunner.query(`
      CREATE TABLE phone_call_rate_limit (
        key varchar(200) PRIMARY KEY,
        count integer NOT NULL,
        resets_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX phone_call_rate_limit_resets_idx ON phone_call_rate_limit (resets_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE phone_call_rate_limit`);
    await queryRunner.query(`DROP TABLE phone_call_inbound_call`);
    await queryRunner.query(`DROP TABLE phone_call_verification`);
  }
}
