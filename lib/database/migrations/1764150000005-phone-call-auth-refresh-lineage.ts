import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where each refresh token comes from: `parent_id`, the token it was exchanged for (a token used
 * again within the grace window gets a sibling, and "a successor was used" ends that grace), and
 * `verification_id`, the verification its family was redeemed from (deleting the verification ends
 * the family). Both stay null on rows made before this migration, and `verification_id` on
 * families started by `TokenService.issue()`, which belong to no verification.
 */
export class PhoneCallAuthRefreshLineage1764150000005 implements MigrationInterface {
  name = 'PhoneCallAuthRefreshLineage1764150000005';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE phone_call_refresh_token
        ADD COLUMN parent_id bigint,
        ADD COLUMN verification_id uuid`);
    // The successors of a token are looked up on every second use; the families of a verification by the purge.
    await queryRunner.query(`CREATE INDEX phone_call_refresh_token_parent_idx ON phone_call_refresh_token (parent_id)`);
    await queryRunner.query(
      `CREATE INDEX phone_call_refresh_token_verification_idx ON phone_call_refresh_token (verification_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX phone_call_refresh_token_verification_idx`);
    await queryRunner.query(`DROP INDEX phone_call_refresh_token_parent_idx`);
    await queryRunner.query(`ALTER TABLE phone_call_refresh_token DROP COLUMN verification_id, DROP COLUMN parent_id`);
  }
}
