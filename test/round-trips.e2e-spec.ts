import { PHONE_CALL_AUTH_DEFAULTS } from 'nestjs-phone-call-auth';
import { countStatements } from './support/statement-counter.js';
import { PREFIX, useTestApp } from './support/test-app.js';
import { digits } from './support/verifications.js';

/*
 * SQL round trips per step, counted on the pool (they do not depend on the machine, unlike the
 * benchmark's speed): one statement per start, callback, token poll and redeem. With the app's own
 * `resolveSubject`, the redeem reads the verification first and runs the hook before the take (2).
 */

// The test apps run with the rate limits off: the start's count is then the module's own work.
const t = useTestApp();
const limited = useTestApp({ options: { limits: { starts: PHONE_CALL_AUTH_DEFAULTS.limits.starts } } });
const unprepared = useTestApp({ options: { preparedStatements: false } });
const hooked = useTestApp({ options: { resolveSubject: (phone) => ({ sub: `user-${phone}` }) } });
let phoneCounter = 0;
const nextPhone = () => `+7967033${String(++phoneCounter).padStart(4, '0')}`;

describe('SQL round trips', () => {
  it('start 1, token poll while pending 1, callback 1, redeem 1, token again 1', async () => {
    const statements = countStatements(t.dataSource);
    // Warm up: every pool connection the steps below may borrow has been handed out once.
    for (let i = 0; i < 3; i++) await t.request('POST', `${PREFIX}/verifications`, { phone: nextPhone() });
    statements.take();

    const phone = nextPhone();
    const started = await t.request('POST', `${PREFIX}/verifications`, { phone });
    expect(started.status).toBe(201);
    expect(statements.take()).toBe(1);

    const { id, secret } = started.body;
    const pending = await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
    expect(pending.status).toBe(202);
    expect(statements.take()).toBe(1);

    const call = await t.platform.placeCall({ from: digits(phone), params: { call_id: `rt-${phone}` } });
    expect(call.status).toBe(200);
    expect(statements.names).toEqual(['phone_call_auth_match']);
    expect(statements.take()).toBe(1);

    const issued = await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
    expect(issued.status).toBe(200);
    expect(statements.names).toEqual(['phone_call_auth_take']);
    expect(statements.take()).toBe(1);

    const again = await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
    expect(again.status).toBe(410);
    expect(statements.take()).toBe(1);
  });

  it('with the default rate limits, a start costs 2: every limit in one statement, then the insert', async () => {
    const statements = countStatements(limited.dataSource);
    await limited.request('POST', `${PREFIX}/verifications`, { phone: nextPhone() });
    statements.take();
    const started = await limited.request('POST', `${PREFIX}/verifications`, { phone: nextPhone() });
    expect(started.status).toBe(201);
    expect(statements.take()).toBe(2);
  });

  it('a wrong secret on the token route costs one statement and answers 401', async () => {
    const statements = countStatements(t.dataSource);
    const { id } = (await t.request('POST', `${PREFIX}/verifications`, { phone: nextPhone() })).body;
    statements.take();
    const refused = await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret: 'not-the-secret' });
    expect(refused.status).toBe(401);
    expect(statements.take()).toBe(1);
  });

  it("with the app's own resolveSubject, a redeem costs 2: the read, the hook, then the take", async () => {
    const statements = countStatements(hooked.dataSource);
    const phone = nextPhone();
    const { id, secret } = (await hooked.request('POST', `${PREFIX}/verifications`, { phone })).body;
    await hooked.platform.placeCall({ from: digits(phone) });
    statements.take();
    const issued = await hooked.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
    expect(issued.status).toBe(200);
    expect(statements.names).toEqual(['phone_call_auth_select', 'phone_call_auth_take']);
    expect(statements.take()).toBe(2);
  });

  it('with preparedStatements off, the same steps send no named statement', async () => {
    const statements = countStatements(unprepared.dataSource);
    const phone = nextPhone();
    const { id, secret } = (await unprepared.request('POST', `${PREFIX}/verifications`, { phone })).body;
    await unprepared.platform.placeCall({ from: digits(phone) });
    const issued = await unprepared.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
    expect(issued.status).toBe(200);
    expect(statements.names).toEqual([]);
    expect(statements.take()).toBeGreaterThanOrEqual(3);
  });
});
