import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapturingLogger } from './support/capturing-logger.js';
import { nextPhone } from './support/phones.js';
import { RATE_LIMIT_TABLE } from './support/tables.js';
import { PREFIX, type TestApp, type UseTestAppOptions, useTestDatabase } from './support/test-app.js';

/*
 * The client's address, which every limit kept per address counts: without one (a Unix socket, a
 * trusted proxy header that is not an address) the module refuses rather than run unlimited, and
 * an IPv4 address in any IPv6 spelling counts as that IPv4 address.
 */

const db = useTestDatabase();

/** Boots an app with a fake platform of its own, behind a trusted proxy (X-Forwarded-For). */
async function boot(options: UseTestAppOptions = {}) {
  return db.boot(await db.startPlatform(), { trustProxy: true, ...options });
}

const start = (t: TestApp, headers: Record<string, string>, phone = nextPhone()) =>
  t.request('POST', `${PREFIX}/verifications`, { phone }, headers);

const counters = async (t: TestApp): Promise<{ key: string; count: number }[]> =>
  t.dataSource.query(`SELECT key, count FROM ${RATE_LIMIT_TABLE} ORDER BY key`);

/**
 * The app as it is reached on a Unix socket: each connection to the socket is handed to the app's
 * own HTTP server, which then has no remote address for it (as when it listens on the socket).
 */
async function unixSocketTo(t: TestApp): Promise<{ path: string; server: Server }> {
  const path = join(tmpdir(), `phone-call-auth-${randomBytes(6).toString('hex')}.sock`);
  const http = t.app.getHttpServer();
  const server = createServer((socket) => http.emit('connection', socket));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { path, server };
}

/** One JSON request over a Unix socket. */
function overSocket(
  socketPath: string,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { statusCode: number; code: string; message: string } }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { socketPath, method, path, agent: false, headers: { 'content-type': 'application/json', ...headers } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

const ENGLISH = /^This server cannot tell which address your request comes from, so it cannot accept it\./;
const RUSSIAN = /^Сервер не может определить, с какого адреса пришёл запрос/;

describe('a client whose address the app cannot tell', () => {
  it('on a Unix socket: starts and polls are refused (503, plain words), nothing is counted, the log names the fix', async () => {
    const logger = new CapturingLogger();
    const t = await boot({ trustProxy: false, options: { limits: { starts: {}, budgets: {} } }, logger });
    const socket = await unixSocketTo(t);
    try {
      const before = await counters(t);
      // Before, each of these got 201: every per-address limit was off, and the per-phone counter shared.
      for (let i = 0; i < 4; i++) {
        const refused = await overSocket(socket.path, 'POST', `${PREFIX}/verifications`, { phone: nextPhone() });
        expect(refused.status).toBe(503);
        // In the default locale (ru), or the one the client asks for.
        expect(refused.body.message).toMatch(RUSSIAN);
      }
      const english = await overSocket(
        socket.path,
        'POST',
        `${PREFIX}/verifications`,
        { phone: nextPhone() },
        { 'accept-language': 'en-GB,en;q=0.9' },
      );
      expect(english.status).toBe(503);
      expect(english.body.message).toMatch(ENGLISH);
      const poll = await overSocket(socket.path, 'POST', `${PREFIX}/verifications/${crypto.randomUUID()}/token`, {
        secret: 'x'.repeat(43),
      });
      expect(poll.status).toBe(503);
      expect(poll.body.code).toBe('ADDRESS_UNKNOWN');
      expect(await counters(t)).toEqual(before);
      expect(t.platform.requests).toHaveLength(0);

      // One error line (a minute) for the operator, naming the fix; none of the client's words.
      const errors = logger.lines.filter((line) => line.includes('request.ip'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('is empty');
      expect(errors[0]).toContain("app.set('trust proxy'");
      expect(errors[0]).toContain('listen on TCP');
    } finally {
      await new Promise((resolve) => socket.server.close(resolve));
      await rm(socket.path, { force: true });
    }
  });

  it.each(['unknown', 'x'.repeat(300), '203.0.113.7, garbage'])(
    'behind a trusted proxy that forwards %p: refused (503) before anything is counted',
    async (forwarded) => {
      const t = await boot({ options: { limits: { starts: {}, budgets: false } } });
      const before = await counters(t);
      const refused = await start(t, { 'x-forwarded-for': forwarded, 'accept-language': 'en' });
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        code: 'ADDRESS_UNKNOWN',
        message: expect.stringMatching(ENGLISH),
      });
      expect(await counters(t)).toEqual(before);
      expect(t.platform.requests).toHaveLength(0);
    },
  );

  it('needs no address once every limit kept per address is turned off', async () => {
    const t = await boot({
      trustProxy: false,
      options: { limits: { starts: { perPhone: false, perAddress: false, perNetwork: false }, budgets: false } },
    });
    const socket = await unixSocketTo(t);
    try {
      const started = await overSocket(socket.path, 'POST', `${PREFIX}/verifications`, { phone: nextPhone() });
      expect(started.status).toBe(201);
    } finally {
      await new Promise((resolve) => socket.server.close(resolve));
      await rm(socket.path, { force: true });
    }
  });
});

describe('IPv4 addresses written as IPv6', () => {
  it('count as the IPv4 address: one allowance for every spelling of it, not one /64 for all', async () => {
    const t = await boot({
      options: { limits: { starts: { perAddress: { limit: 2, windowSeconds: 600 }, perNetwork: false } } },
    });
    // Before, every one of these fell into the IPv6 /64 0:0:0:0::/64, so a third address was refused.
    expect((await start(t, { 'x-forwarded-for': '::ffff:c000:0201' })).status).toBe(201);
    expect((await start(t, { 'x-forwarded-for': '::ffff:c000:0202' })).status).toBe(201);
    expect((await start(t, { 'x-forwarded-for': '::ffff:c633:6409' })).status).toBe(201);
    // 192.0.2.1 (the first above) in more spellings: its allowance of 2 is spent by the next one.
    expect((await start(t, { 'x-forwarded-for': '192.0.2.1' })).status).toBe(201);
    const refused = await start(t, { 'x-forwarded-for': '::FFFF:192.0.2.1', 'accept-language': 'en' });
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(refused.body.message).toMatch(/from this address/);
    expect((await start(t, { 'x-forwarded-for': '::192.0.2.1' })).status).toBe(429);
    expect((await start(t, { 'x-forwarded-for': '::ffff:c000:0202' })).status).toBe(201);
  });
});
