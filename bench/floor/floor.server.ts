import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import pg from 'pg';
import { consumeVerification, insertVerification, matchInboundCall, WINDOW_SECONDS } from './floor.sql.js';

/*
 * The floor: what the three steps cost with no framework at all. node:http and a pg Pool of the
 * sample app's size, the module's own SQL (floor.sql.ts), the same routes and the same answers for
 * the happy path, and only the work no implementation can skip: read the request, one statement,
 * the platform request on start (keep-alive), the HS256 signature on redeem, write the answer.
 * No validation library, no phone library, no logging, no second look at a failed request.
 */

const PREFIX = '/auth/phone-call';
/** The sample app's pool: node-postgres' default size, which TypeORM keeps when `extra.max` is unset. */
const POOL_SIZE = 10;
const MAX_BODY = 4096;

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`The floor needs ${name}.`);
  return value;
};
const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: POOL_SIZE });
const platform = new URL(env('PLATFORM_URL'));
const platformKey = env('PLATFORM_KEY');
const callbackDigest = sha256(env('CALLBACK_SECRET'));
const jwtKey = Buffer.from(env('JWT_SECRET'));
const platformAgent = new Agent({ keepAlive: true, maxSockets: 64 });

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function send(response: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) }).end(text);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The SSMS `wait_call` request the module's provider sends (form POST, JSON answer). */
function waitCall(phoneDigits: string): Promise<{ callTo: string; waitId: string | null }> {
  const body = new URLSearchParams({
    method: 'wait_call',
    api_v: '2.0',
    format: 'json',
    key: platformKey,
    phone: phoneDigits,
    call_protection: String(WINDOW_SECONDS),
  }).toString();
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      platform,
      {
        method: 'POST',
        agent: platformAgent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          try {
            const { response } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              response: { msg: { err_code: string }; data: { call_to_number?: string; id_call?: string } | null };
            };
            if (String(response.msg.err_code) !== '0' || !response.data?.call_to_number) {
              throw new Error('the platform refused');
            }
            resolve({ callTo: response.data.call_to_number, waitId: response.data.id_call ?? null });
          } catch (error) {
            reject(error as Error);
          }
        });
        answer.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An access token with the module's header and claims, signed HS256. */
function signToken(phone: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url({ alg: 'HS256', typ: 'at+jwt' });
  const payload = base64url({
    phone_number: phone,
    phone_number_verified: true,
    amr: ['tel'],
    iat: now,
    exp: now + 900,
    aud: 'phone-call-auth',
    iss: 'nestjs-phone-call-auth',
    sub: phone,
    jti: randomUUID(),
  });
  const signature = createHmac('sha256', jwtKey).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

async function start(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readJson(request);
  const phone = body?.phone;
  if (typeof phone !== 'string' || !/^\+[1-9]\d{9,14}$/.test(phone)) return send(response, 400, { message: 'phone' });
  const assignment = await waitCall(phone.slice(1));
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  const row = await insertVerification(pool, {
    id,
    phone,
    callTo: `+${assignment.callTo}`,
    waitId: assignment.waitId,
    secretHash: sha256(secret),
  });
  if (!row) return send(response, 500, { message: 'not inserted' });
  send(response, 201, {
    id,
    secret,
    callTo: `+${assignment.callTo}`,
    expiresAt: row.expiresAt,
    expiresIn: Math.round((row.expiresAt.getTime() - row.now.getTime()) / 1000),
  });
}

const digits = (value: string | null) => (value !== null && /^\d{10,15}$/.test(value) ? `+${value}` : null);

async function callback(url: URL, secret: string, response: ServerResponse): Promise<void> {
  if (!timingSafeEqual(sha256(secret), callbackDigest)) return send(response, 403, { message: 'secret' });
  const query = url.searchParams;
  await matchInboundCall(pool, {
    caller: digits(query.get('phone')),
    dialed: digits(query.get('call_to_number')),
    waitId: query.get('id_call'),
    callId: query.get('call_id'),
  });
  send(response, 200, 'OK', 'text/plain; charset=utf-8');
}

async function redeem(request: IncomingMessage, id: string, response: ServerResponse): Promise<void> {
  const body = await readJson(request);
  const secret = body?.secret;
  if (typeof secret !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    return send(response, 400, { message: 'id or secret' });
  }
  const row = await consumeVerification(pool, { id, secretHash: sha256(secret) });
  if (!row) return send(response, 410, { message: 'not redeemable' });
  send(response, 200, { accessToken: signToken(row.phone), tokenType: 'Bearer', expiresIn: 900 });
}

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://floor');
  const path = url.pathname;
  if (request.method === 'POST' && path === `${PREFIX}/verifications`) return start(request, response);
  if (request.method === 'GET' && path.startsWith(`${PREFIX}/callback/`)) {
    return callback(url, path.slice(`${PREFIX}/callback/`.length), response);
  }
  const token = /^\/auth\/phone-call\/verifications\/([^/]+)\/token$/.exec(path);
  if (request.method === 'POST' && token) return redeem(request, token[1], response);
  if (request.method === 'GET' && path === '/health') return send(response, 200, { status: 'ok' });
  send(response, 404, { message: 'not found' });
}

const server = createServer((request, response) => {
  route(request, response).catch((error: Error) => {
    if (!response.headersSent) send(response, 500, { message: error.message });
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as { port: number };
process.send?.({ url: `http://127.0.0.1:${port}` });

const stop = () => {
  server.closeAllConnections();
  server.close();
  void pool.end().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// The benchmark died without stopping this process.
process.once('disconnect', stop);
