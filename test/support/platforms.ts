import { PhoneCallAuthCallbacks, type PhoneCallAuthOptions } from 'nestjs-phone-call-auth';
import { VERIFICATION_TABLE } from './tables.js';
import { freePort } from './global-setup.js';
import { PREFIX, type TestApp, type UseTestAppOptions } from './test-app.js';
import type { SharedTestDatabase } from './test-app.js';

/** An app of a {@link SharedTestDatabase} with several providers, on a port known before boot (for `publicBaseUrl`). */
export async function bootWithProviders(
  db: SharedTestDatabase,
  options: Partial<PhoneCallAuthOptions>,
  extra: UseTestAppOptions = {},
): Promise<TestApp> {
  const port = await freePort();
  const platform = await db.startPlatform();
  return db.boot(platform, {
    ...extra,
    port,
    options: { publicBaseUrl: `http://127.0.0.1:${port}`, ...options, ...extra.options },
  });
}

/** The callback URL of a provider on an app, with that provider's own secret (or `secret`). */
export const providerCallbackUrl = (app: TestApp, provider: string, secret?: string): string =>
  secret === undefined
    ? `${app.baseUrl}${app.app.get(PhoneCallAuthCallbacks).urlOf(provider)!.path}`
    : `${app.baseUrl}${PREFIX}/callback/${provider}/${secret}`;

/** Starts a verification (expected 201). */
export async function startOn(
  app: TestApp,
  phone: string,
): Promise<{ id: string; secret: string; callTo: string; message: string; expiresIn: number }> {
  const response = await app.request('POST', `${PREFIX}/verifications`, { phone });
  expect(response.status).toBe(201);
  return response.body;
}

/** Redeems a verified verification and opens `/me` with the token: the end of the flow. */
export async function redeemAndOpenMe(app: TestApp, started: { id: string; secret: string }, phone: string) {
  const issued = await app.request('POST', `${PREFIX}/verifications/${started.id}/token`, { secret: started.secret });
  expect(issued.status).toBe(200);
  const me = await app.request('GET', '/me', undefined, { authorization: `Bearer ${issued.body.accessToken}` });
  expect(me.status).toBe(200);
  expect(me.body).toEqual({ sub: phone, phone });
}

/** A verification's stored status and provider. */
export async function rowOf(app: TestApp, id: string): Promise<{ status: string; provider: string }> {
  const [row] = await app.dataSource.query(`SELECT status, provider FROM ${VERIFICATION_TABLE} WHERE id = $1`, [id]);
  return row;
}
