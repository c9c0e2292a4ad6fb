import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The status poller's lease on a verification (`poll_after`): an instance claims a pending wait by
 * moving it into the future, so no other instance polls that wait until then, and no connection
 * is held while the platform answers.
 */
export class PhoneCallAuthPollLease1764150000003 implements MigrationInterface {
  name = 'PhoneCallAuthPollLease1764150000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE phone_call_verification ADD COLUMN poll_after timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE phone_call_verification DROP COLUMN poll_after`);
  }
}
