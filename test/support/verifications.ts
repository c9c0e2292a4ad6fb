import type { FakeCall, FakeWait } from 'nestjs-phone-call-auth/testing';
import { INBOUND_CALL_TABLE, VERIFICATION_TABLE } from './tables.js';
import { PREFIX, type TestAppHandle, type TestResponse } from './test-app.js';

/** The answer to a start (201). */
export interface Started {
  id: string;
  secret: string;
  callTo: string;
}

/** A row of the inbound-call record. */
export interface InboundRow {
  outcome: string;
  caller: string | null;
  verification_id: string | null;
}

/** `+79670311122` -> `79670311122`: a number as the platform writes the caller. */
export const digits = (phone: string): string => phone.replace(/^\+/, '');

/**
 * The verification flow over HTTP, and what it leaves in the database, for the app of a
 * {@link useTestApp} handle (read when a helper runs, so call this at the top of a file).
 */
export function verificationHelpers(t: TestAppHandle) {
  function startRequest(phone: unknown): Promise<TestResponse> {
    return t.request('POST', `${PREFIX}/verifications`, { phone });
  }

  /** Starts a verification (expected 201), with the wait the platform received for it. */
  async function start(phone: string): Promise<Started & { wait: FakeWait }> {
    const response = await startRequest(phone);
    expect(response.status).toBe(201);
    return { ...(response.body as Started), wait: t.platform.waitFor(phone)! };
  }

  function redeem(id: string, secret?: string, headers?: Record<string, string>): Promise<TestResponse> {
    return t.request('POST', `${PREFIX}/verifications/${id}/token`, secret === undefined ? {} : { secret }, headers);
  }

  /** Places a call through the fake platform and expects the callback's calm answer. */
  async function placeCall(call: FakeCall): Promise<void> {
    expect(await t.platform.placeCall(call)).toEqual({ status: 200, body: 'OK' });
  }

  /** Starts a verification, places the matching call and redeems it: a real token from the module. */
  async function issueToken(phone: string): Promise<string> {
    const { id, secret } = await start(phone);
    await placeCall({ from: digits(phone) });
    const issued = await redeem(id, secret);
    expect(issued.status).toBe(200);
    return issued.body.accessToken as string;
  }

  async function verificationRow(id: string): Promise<{ status: string; verified_at: Date | null }> {
    const [row] = await t.dataSource.query(`SELECT status, verified_at FROM ${VERIFICATION_TABLE} WHERE id = $1`, [id]);
    return row;
  }

  /** How many verifications there are (for `phone`, or in all). */
  async function countVerifications(phone?: string): Promise<number> {
    const [row] = phone
      ? await t.dataSource.query(`SELECT count(*)::int AS n FROM ${VERIFICATION_TABLE} WHERE phone = $1`, [phone])
      : await t.dataSource.query(`SELECT count(*)::int AS n FROM ${VERIFICATION_TABLE}`);
    return row.n;
  }

  /** Runs `action` and returns the inbound-call records written meanwhile. */
  async function recordedDuring(action: () => Promise<unknown>): Promise<InboundRow[]> {
    const [{ last }] = await t.dataSource.query(`SELECT coalesce(max(id), 0) AS last FROM ${INBOUND_CALL_TABLE}`);
    await action();
    return t.dataSource.query(
      `SELECT outcome, caller, verification_id FROM ${INBOUND_CALL_TABLE} WHERE id > $1 ORDER BY id`,
      [last],
    );
  }

  /** A raw GET to the callback route, with any secret and any query string. */
  async function callbackGet(secret: string, query: string): Promise<{ status: number; body: string }> {
    const response = await fetch(`${t.baseUrl}${PREFIX}/callback/${secret}?${query}`);
    return { status: response.status, body: await response.text() };
  }

  return {
    startRequest,
    start,
    redeem,
    placeCall,
    issueToken,
    verificationRow,
    countVerifications,
    recordedDuring,
    callbackGet,
  };
}
