import { VERIFICATION_TABLE } from '../database/entities/verification.entity.js';
import type { Statement } from '../database/query-rows.js';

/*
 * The status poller's statements. A round claims its waits with a lease in one statement, asks the
 * platform with no connection held, settles each answer through VerificationService, and hands
 * the leases back in one statement.
 */

/**
 * Claims up to $2 pending waits on the providers $1 that no instance holds (`poll_after` passed or
 * never set), oldest first, by setting `poll_after` to now() + $3 seconds: until then no other
 * instance claims them. SKIP LOCKED lets two instances claiming at once take different rows
 * instead of waiting for each other. Returns the lease's end, the same on every row, which the
 * release matches so that it never touches a lease another instance took after this one ran out
 * (cut to milliseconds, so it comes back exactly through a JavaScript Date).
 */
const CLAIM_WAITS = `
  UPDATE ${VERIFICATION_TABLE} SET poll_after = date_trunc('milliseconds', now() + make_interval(secs => $3))
  WHERE id IN (
    SELECT id FROM ${VERIFICATION_TABLE}
    WHERE provider = ANY($1::varchar[]) AND status = 'pending' AND expires_at > now()
      AND provider_wait_id IS NOT NULL AND (poll_after IS NULL OR poll_after <= now())
    ORDER BY created_at LIMIT $2
    FOR UPDATE SKIP LOCKED
  )
  RETURNING id, provider, provider_wait_id AS "waitId", phone, created_at AS "createdAt", poll_after AS "leaseEnd"`;

/**
 * Ends this round's leases on the ids $1 that still carry its lease end $2: the waits asked about
 * ($3) become claimable again $4 seconds from now, one interval later, the others (not reached
 * before the round stopped) at once.
 */
const RELEASE_WAITS = `
  UPDATE ${VERIFICATION_TABLE}
  SET poll_after = CASE WHEN id = ANY($3::uuid[]) THEN now() + make_interval(secs => $4) END
  WHERE id = ANY($1::uuid[]) AND poll_after = $2`;

/** A wait the poller claimed. */
export interface ClaimedWait {
  id: string;
  provider: string;
  waitId: string;
  phone: string;
  createdAt: Date;
  leaseEnd: Date;
}

/** {@link CLAIM_WAITS}: lease up to `limit` pending waits of the providers for `leaseSeconds`. */
export const claimWaits = (p: { providers: string[]; limit: number; leaseSeconds: number }): Statement => ({
  text: CLAIM_WAITS,
  values: [p.providers, p.limit, p.leaseSeconds],
});

/** {@link RELEASE_WAITS}: end a round's leases; the polled waits rest for `restSeconds`. */
export const releaseWaits = (p: {
  claimed: string[];
  leaseEnd: Date;
  polled: string[];
  restSeconds: number;
}): Statement => ({
  text: RELEASE_WAITS,
  values: [p.claimed, p.leaseEnd, p.polled, p.restSeconds],
});
