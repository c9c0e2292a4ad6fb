import { nextPhone } from './support/phones.js';
import { VERIFICATION_TABLE } from './support/tables.js';
import { TEST_CALLBACK_SECRET, useTestApp } from './support/test-app.js';
import { digits, verificationHelpers } from './support/verifications.js';

/*
 * A second start for a phone supersedes the first, and a call must never verify a superseded
 * verification: the remote-phishing case, where a stranger starts for the victim's phone.
 */

const t = useTestApp();
const { start, redeem, placeCall, verificationRow, recordedDuring, callbackGet } = verificationHelpers(t);

describe('inbound calls that must verify nothing', () => {
  it('a second start for one phone supersedes the first: 410 for the first, the call verifies the second', async () => {
    const phone = nextPhone();
    const first = await start(phone);
    const second = await start(phone);

    const [superseded] = await t.dataSource.query(
      `SELECT status, cancel_reason FROM ${VERIFICATION_TABLE} WHERE id = $1`,
      [first.id],
    );
    expect(superseded).toEqual({ status: 'canceled', cancel_reason: 'superseded' });
    const gone = await redeem(first.id, first.secret);
    expect(gone.status).toBe(410);
    expect(gone.body.status).toBe('canceled');

    // The number handed out for the second tells the call apart from the first.
    expect(second.wait.callTo).not.toBe(first.wait.callTo);
    const rows = await recordedDuring(() =>
      placeCall({ from: digits(phone), to: second.wait.callTo, withWaitId: false }),
    );
    expect(rows).toEqual([{ outcome: 'matched', caller: phone, verification_id: second.id }]);
    expect((await verificationRow(first.id)).status).toBe('canceled');
    expect((await redeem(second.id, second.secret)).status).toBe(200);
  });

  it('remote phishing: when nothing tells a superseded verification from the new one, the call verifies neither', async () => {
    // The victim starts and is shown a number; a stranger then starts for the victim's phone.
    const phone = nextPhone();
    const victim = await start(phone);
    const stranger = await start(phone);

    // The victim's call, reported with the caller only: it fits both, so it must verify neither.
    const rows = await recordedDuring(async () => {
      expect(await callbackGet(TEST_CALLBACK_SECRET, `phone=${digits(phone)}`)).toEqual({ status: 200, body: 'OK' });
    });
    expect(rows).toEqual([{ outcome: 'ambiguous', caller: phone, verification_id: null }]);
    expect((await verificationRow(victim.id)).status).toBe('canceled');
    expect((await verificationRow(stranger.id)).status).toBe('pending');
    expect((await redeem(stranger.id, stranger.secret)).status).toBe(202);
  });

  it('a call that names a superseded verification by its wait id verifies nothing', async () => {
    const phone = nextPhone();
    const first = await start(phone);
    const second = await start(phone);

    const rows = await recordedDuring(() =>
      placeCall({ from: digits(phone), to: first.wait.callTo, params: { id_call: first.wait.idCall } }),
    );
    expect(rows).toEqual([{ outcome: 'no_match', caller: phone, verification_id: null }]);
    expect((await verificationRow(first.id)).status).toBe('canceled');
    expect((await verificationRow(second.id)).status).toBe('pending');
  });

  it('the database refuses a second pending verification for one phone, so a call can never fit two', async () => {
    const phone = nextPhone();
    const { id } = await start(phone);
    await expect(
      t.dataSource.query(
        `INSERT INTO ${VERIFICATION_TABLE} (phone, call_to, provider, status, secret_hash, expires_at)
         SELECT phone, call_to, provider, 'pending', secret_hash, expires_at FROM ${VERIFICATION_TABLE} WHERE id = $1`,
        [id],
      ),
    ).rejects.toThrow(/phone_call_verification_one_pending_idx/);
  });
});
