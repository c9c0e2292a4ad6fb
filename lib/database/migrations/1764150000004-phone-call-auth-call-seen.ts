import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `phone_call_auth_call_seen(provider, call_id)`: takes the platform call id's advisory lock (held
 * until the caller's transaction ends) and then says whether the call id was already recorded.
 *
 * Why a function: the statement that matches an inbound call runs alone (one round trip, an
 * implicit transaction), and a statement reads with the snapshot taken when it began, before any
 * lock it takes inside. A volatile PL/pgSQL function's own query takes a new snapshot, after the
 * lock: a copy of a call id that waited for the first copy sees the first copy's record, so a call
 * id is processed once (see `MATCH_INBOUND_CALL`).
 */
export class PhoneCallAuthCallSeen1764150000004 implements MigrationInterface {
  name = 'PhoneCallAuthCallSeen1764150000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION phone_call_auth_call_seen(call_provider varchar, platform_call_id varchar)
      RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended('call:' || call_provider || ':' || platform_call_id, 0));
        RETURN EXISTS (
          SELECT 1 FROM phone_call_inbound_call
          WHERE provider = call_provider AND call_id = platform_call_id AND outcome <> 'duplicate'
        );
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION phone_call_auth_call_seen(varchar, varchar)`);
  }
}
