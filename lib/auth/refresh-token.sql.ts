import { REFRESH_TOKEN_TABLE } from '../database/entities/refresh-token.entity.js';
import { VERIFICATION_TABLE } from '../database/entities/verification.entity.js';
import type { Statement } from '../database/query-rows.js';

/*
 * The refresh-token statements. Each state change is one conditional statement on the database
 * clock (now()), so concurrent requests on any number of instances serialise on the token's row.
 * A family counts as revoked as soon as any of its rows is: a token added by a rotation that raced
 * the revocation is refused on its first use. A family whose verification was deleted is refused
 * the same way (the purge then deletes it).
 */

/** Starts a family at sign-in, outside a verification (`TokenService.issue`). $1 token_hash, $2 phone, $3 auth_time. */
export const START_FAMILY = `
  INSERT INTO ${REFRESH_TOKEN_TABLE} (family_id, token_hash, phone, family_created_at, auth_time)
  VALUES (gen_random_uuid(), $1, $2, now(), $3)
  RETURNING family_id AS "familyId"`;

/** Whether a used token `t` has a successor that was used in turn: then presenting `t` again is reuse. */
const SUCCESSOR_USED = (t: string) =>
  `EXISTS (SELECT 1 FROM ${REFRESH_TOKEN_TABLE} c WHERE c.parent_id = ${t}.id AND c.used_at IS NOT NULL)`;

/**
 * Exchanges a token for a successor, in one statement: a live token is marked used; a token used
 * less than the grace ago ($4 seconds), none of whose successors was used yet, is exchanged again
 * and keeps its first `used_at` (a double submit or a retry gets a successor of its own). The
 * successor joins the family with its parent, verification and proof time (`auth_time`: a refresh is
 * not a new proof).
 *
 * Of concurrent uses of one token, the first takes the row lock; the others re-check the row once
 * it commits (now used, within the grace) and get their own successor. A use of the token racing
 * the first use of its successor may read the successor as unused (the snapshot predates it): the
 * two came at the same moment, so this counts as within the grace. $1 token_hash, $2 the
 * successor's token_hash, $3 family lifetime seconds, $4 grace seconds.
 */
const ROTATE = `
  WITH used AS (
    UPDATE ${REFRESH_TOKEN_TABLE} AS old SET used_at = coalesce(old.used_at, now())
    WHERE old.token_hash = $1 AND old.revoked_at IS NULL
      AND old.family_created_at > now() - make_interval(secs => $3)
      AND (old.used_at IS NULL OR (old.used_at > now() - make_interval(secs => $4) AND NOT ${SUCCESSOR_USED('old')}))
      AND NOT EXISTS (
        SELECT 1 FROM ${REFRESH_TOKEN_TABLE} r WHERE r.family_id = old.family_id AND r.revoked_at IS NOT NULL
      )
      AND (old.verification_id IS NULL OR EXISTS (SELECT 1 FROM ${VERIFICATION_TABLE} v WHERE v.id = old.verification_id))
    RETURNING old.id, old.family_id, old.phone, old.family_created_at, old.verification_id, old.auth_time,
      old.used_at <> now() AS again
  )
  INSERT INTO ${REFRESH_TOKEN_TABLE}
    (family_id, token_hash, phone, family_created_at, parent_id, verification_id, auth_time)
  SELECT family_id, $2, phone, family_created_at, id, verification_id, auth_time FROM used
  RETURNING family_id AS "familyId", phone, auth_time AS "authTime", (SELECT again FROM used) AS "again"`;

/** {@link ROTATE} with its parameters. */
export const rotate = (p: {
  tokenHash: Buffer;
  nextHash: Buffer;
  lifetimeSeconds: number;
  graceSeconds: number;
}): Statement => ({
  text: ROTATE,
  values: [p.tokenHash, p.nextHash, p.lifetimeSeconds, p.graceSeconds],
});

/**
 * Reuse of a used token, past the grace ($2 seconds) or after a successor of it was used: revokes
 * every token of its family. $1 token_hash.
 */
export const REVOKE_FAMILY_OF_REUSED = `
  UPDATE ${REFRESH_TOKEN_TABLE} SET revoked_at = now()
  WHERE family_id = (
      SELECT t.family_id FROM ${REFRESH_TOKEN_TABLE} t
      WHERE t.token_hash = $1 AND t.used_at IS NOT NULL
        AND (t.used_at <= now() - make_interval(secs => $2) OR ${SUCCESSOR_USED('t')})
    )
    AND revoked_at IS NULL
  RETURNING family_id AS "familyId", phone`;

/** Sign-out: revokes every token of the token's family. $1 token_hash. */
export const REVOKE_FAMILY_OF = `
  UPDATE ${REFRESH_TOKEN_TABLE} SET revoked_at = now()
  WHERE family_id = (SELECT family_id FROM ${REFRESH_TOKEN_TABLE} WHERE token_hash = $1)
    AND revoked_at IS NULL
  RETURNING family_id AS "familyId"`;
