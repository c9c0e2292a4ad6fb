import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `phone_call_auth_event`: the platform's answer to each start (and each failed attempt of a
 * failover) with its latency, each SMS code tried, and the refusals of starts, for the operator
 * dashboard and the support history (`PhoneCallAuthOps`). Indexed by time (the dashboard's
 * windows, the purge) and by verification (the history).
 */
export class PhoneCallAuthEvents1764150000006 implements MigrationInterface {
  name = 'PhoneCallAuthEvents1764150000006';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE phone_call_auth_event (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        verification_id uuid,
        kind varchar(16) NOT NULL,
        channel varchar(16),
        provider varchar(32),
        country varchar(2),
        prefix varchar(8),
        outcome varchar(32) NOT NULL,
        duration_ms integer,
        detail varchar(120),
        count integer NOT NULL DEFAULT 1,
        CONSTRAINT phone_call_auth_event_kind_check CHECK (kind IN ('platform', 'code', 'refused'))
      )`);
    await queryRunner.query(`CREATE INDEX phone_call_auth_event_at_idx ON phone_call_auth_event (at)`);
    await queryRunner.query(
      `CREATE INDEX phone_call_auth_event_verification_idx ON phone_call_auth_event (verification_id) WHERE verification_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE phone_call_auth_event`);
  }
}
