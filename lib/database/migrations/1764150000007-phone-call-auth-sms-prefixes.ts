import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The SMS fraud guard's state (`limits.fraudGuard`): one row per destination prefix (`+`, the
 * country calling code and the first digits of the national number), with the SMS codes sent and
 * entered in the current window and the one before it, and the prefix's block or the operator's
 * allowance. Counts only: no number is stored here. A verification that sent a code keeps its
 * prefix (`sms_prefix`), so the code check counts the entry against it.
 */
export class PhoneCallAuthSmsPrefixes1764150000007 implements MigrationInterface {
  name = 'PhoneCallAuthSmsPrefixes1764150000007';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE phone_call_sms_prefix (
        prefix varchar(16) PRIMARY KEY,
        country varchar(2),
        window_start timestamptz NOT NULL,
        sent integer NOT NULL DEFAULT 0,
        entered integer NOT NULL DEFAULT 0,
        previous_sent integer NOT NULL DEFAULT 0,
        previous_entered integer NOT NULL DEFAULT 0,
        blocked_at timestamptz,
        blocked_until timestamptz,
        allowed_until timestamptz
      )`);
    await queryRunner.query(`ALTER TABLE phone_call_verification ADD COLUMN sms_prefix varchar(16)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE phone_call_verification DROP COLUMN sms_prefix`);
    await queryRunner.query(`DROP TABLE phone_call_sms_prefix`);
  }
}
