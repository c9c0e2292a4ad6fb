import { REFRESH_TOKEN_TABLE } from '../database/entities/refresh-token.entity.js';
import type { Statement } from '../database/query-rows.js';

/*
 * The refresh-token statements. Each state change is one conditional statement on the database
 * clock (now()), so concurrent requests on any number of instances serialise on the token's row.
 * A family counts as revoked as soon as any of its rows is: a token added by a rotation that raced
 * the revocation is refused on its first use.
 */

/** Starts a family at sign-in. $1 token_hash, $2 phone. */
export const START_FAMILY = `
  INSERT INTO ${REFRESH_TOKEN_TABLE} (family_id, token_hash, phone, family_created_at)
  VALUES (gen_random_uuid(), $1, $2, now())
  RETURNING family_id AS "familyId"`;

/**
 * Marks a live token used and adds its successor to the family, in one statement. Of concurrent
 * uses of one token, the first takes the row lock; the others re-check `used_at IS NULL` once it
 * commits and get no row. $1 token_hash, $2 the successor's token_hash, $3 family lifetime seconds.
 */
const ROTATE = `
  WITH used AS (
    UPDATE ${REFRESH_TOKEN_TABLE} AS old SET used_at = now()
    WHERE old.token_hash = $1 AND old.used_at IS NULL AND old.revoked_at IS NULL
      AND old.family_created_at > now() - make_interval(secs => $3)
      AND NOT EXISTS (
        SELECT 1 FROM ${REFRESH_TOKEN_TABLE} r WHERE r.family_id = old.family_id AND r.revoked_at IS NOT NULL
      )
    RETURNING old.family_id, old.phone, old.family_created_at
  )
  INSERT INTO ${REFRESH_TOKEN_TABLE} (family_id, token_hash, phone, family_created_at)
  SELECT family_id, $2, phone, family_created_at FROM used
  RETURNING family_id AS "familyId", phone`;

/** {@link ROTATE} with its parameters. */
export const rotate = (p: { tokenHash: Buffer; nextHash: Buffer; lifetimeSeconds: number }): Statement => ({
  text: ROTATE,
  values: [p.tokenHash, p.nextHash, p.lifetimeSeconds],
});

/** Reuse of a used token: revokes every token of its family. $1 token_hash. */
export const REVOKE_FAMILY_OF_USED = `
  UPDATE ${REFRESH_TOKEN_TABLE} SET revoked_at = now()
  WHERE family_id = (SELECT family_id FROM ${REFRESH_TOKEN_TABLE} WHERE token_hash = $1 AND used_at IS NOT NULL)
    AND revoked_at IS NULL
  RETURNING family_id AS "familyId", phone`;

/** Sign-out: revokes every token of the token's family. $1 token_hash. */
export const REVOKE_FAMILY_OF = `
  UPDATE ${REFRESH_TOKEN_TABLE} SET revoked_at = now()
  WHERE family_id = (SELECT family_id FROM ${REFRESH_TOKEN_TABLE} WHERE token_hash = $1)
    AND revoked_at IS NULL
  RETURNING family_id AS "familyId"`;
