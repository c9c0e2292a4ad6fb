import { PREFIX, Registration, TEST_ADAPTER, useTestApp } from './support/test-app.js';

const PHONE = '+79670311122';

describe.each<Registration>(['forRoot', 'forRootAsync:useFactory', 'forRootAsync:useClass'])(
  'the full flow with %s',
  (registration) => {
    const t = useTestApp({ registration });

    it(`runs on the ${TEST_ADAPTER} adapter`, () => {
      expect(t.app.getHttpAdapter().getType()).toBe(TEST_ADAPTER);
    });

    it('starts, waits, takes the call, issues a token once, and the token opens /me', async () => {
      const started = await t.request('POST', `${PREFIX}/verifications`, { phone: '+7 967 031-11-22' });
      expect(started.status).toBe(201);
      expect(started.headers.get('cache-control')).toBe('no-store');
      const { id, secret, callTo, callToDisplay, expiresAt, expiresIn, message } = started.body;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
      expect(callTo).toBe(`+${t.platform.waitFor(PHONE)!.callTo}`);
      expect(callToDisplay).toMatch(/^\+7 \d{3} \d{3}/);
      expect(new Date(expiresAt).toISOString()).toBe(expiresAt);
      expect(expiresIn).toBeGreaterThanOrEqual(118);
      expect(expiresIn).toBeLessThanOrEqual(120);
      expect(message).toContain(callToDisplay);

      const pending = await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
      expect(pending.status).toBe(202);
      expect(pending.body).toEqual({ status: 'pending', expiresAt });

      const call = await t.platform.placeCall({ from: '79670311122' });
      expect(call).toEqual({ status: 200, body: 'OK' });

      const issued = await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
      expect(issued.status).toBe(200);
      expect(issued.headers.get('cache-control')).toBe('no-store');
      expect(issued.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });

      const me = await t.request('GET', '/me', undefined, { authorization: `Bearer ${issued.body.accessToken}` });
      expect(me.status).toBe(200);
      expect(me.body).toEqual({ sub: PHONE, phone: PHONE });
      // No ETag on the module's answers (nothing revalidates them); the app's own routes keep Express's.
      expect(started.headers.get('etag')).toBeNull();
      expect(issued.headers.get('etag')).toBeNull();
      expect(me.headers.get('etag')).toEqual(TEST_ADAPTER === 'express' ? expect.any(String) : null);

      const again = await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
      expect(again.status).toBe(410);
      expect(again.body.status).toBe('consumed');
    });

    it('sends SSMS exactly what wait_call needs', async () => {
      await t.request('POST', `${PREFIX}/verifications`, { phone: '8 (967) 031-11-23' });
      expect(t.platform.requests.at(-1)).toEqual({
        httpMethod: 'POST',
        params: {
          method: 'wait_call',
          format: 'json',
          api_v: '2.0',
          key: t.platform.apiKey,
          phone: '79670311123',
          call_protection: '120',
        },
      });
    });
  },
);
