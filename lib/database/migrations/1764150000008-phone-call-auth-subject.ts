import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Verifications bound to a signed-in subject, and the time of the proof behind a refresh-token
 * family. `subject` is the JWT `sub` (or the app's own id) of the person who started the
 * verification while signed in (`POST <prefix>/account/verifications`, or `start(phone, { subject })`):
 * only that subject can redeem or consume it; null for an ordinary sign-in. `auth_time` is when the
 * family's number was proven (the verification's `verified_at`), carried unchanged from token to
 * token, so a refresh keeps the access token's `auth_time`; null on rows made before this migration
 * (their access tokens then carry no `auth_time`, which `@PhoneCallAuth({ maxAge })` counts as too old).
 */
export class PhoneCallAuthSubject1764150000008 implements MigrationInterface {
  name = 'PhoneCallAuthSubject1764150000008';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE phone_call_verification ADD COLUMN subject text`);
    await queryRunner.query(`ALTER TABLE phone_call_refresh_token ADD COLUMN auth_time timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE phone_call_refresh_token DROP COLUMN auth_time`);
    await queryRunner.query(`ALTER TABLE phone_call_verification DROP COLUMN subject`);
  }
}
