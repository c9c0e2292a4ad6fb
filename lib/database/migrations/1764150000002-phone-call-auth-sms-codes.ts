import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Channels and SMS codes: a verification's `channel` (`call`, `sms`, `call_or_sms`), the hash of
 * its SMS code and the wrong entries counted against it, the `failed` status with its reason, and
 * which proof verified it. An `sms` verification has no number to call, so `call_to` may be null.
 */
export class PhoneCallAuthSmsCodes1764150000002 implements MigrationInterface {
  name = 'PhoneCallAuthSmsCodes1764150000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE phone_call_verification
        ALTER COLUMN call_to DROP NOT NULL,
        ADD COLUMN channel varchar(16) NOT NULL DEFAULT 'call',
        ADD COLUMN code_hash bytea,
        ADD COLUMN code_attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN verified_by varchar(8),
        ADD COLUMN failed_at timestamptz,
        ADD COLUMN fail_reason varchar(32),
        DROP CONSTRAINT phone_call_verification_status_check,
        ADD CONSTRAINT phone_call_verification_status_check
          CHECK (status IN ('pending', 'verified', 'consumed', 'expired', 'canceled', 'failed')),
        ADD CONSTRAINT phone_call_verification_channel_check CHECK (channel IN ('call', 'sms', 'call_or_sms')),
        ADD CONSTRAINT phone_call_verification_code_hash_check CHECK (octet_length(code_hash) = 32),
        ADD CONSTRAINT phone_call_verification_verified_by_check CHECK (verified_by IN ('call', 'code')),
        ADD CONSTRAINT phone_call_verification_fail_reason_check CHECK (fail_reason IN ('too_many_attempts'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM phone_call_verification WHERE call_to IS NULL OR status = 'failed'`);
    await queryRunner.query(`
      ALTER TABLE phone_call_verification
        DROP CONSTRAINT phone_call_verification_status_check,
        ADD CONSTRAINT phone_call_verification_status_check
          CHECK (status IN ('pending', 'verified', 'consumed', 'expired', 'canceled')),
        DROP COLUMN channel,
        DROP COLUMN code_hash,
        DROP COLUMN code_attempts,
        DROP COLUMN verified_by,
        DROP COLUMN failed_at,
        DROP COLUMN fail_reason,
        ALTER COLUMN call_to SET NOT NULL`);
  }
}
