import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';

/** The sample app as `npm run build` leaves it (`npm run test:lb` builds it first). */
const MAIN_JS = fileURLToPath(new URL('../../dist/sample-app/src/main.js', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

/** One built sample app in a process of its own. */
export interface SampleAppProcess {
  name: string;
  port: number;
  child: ChildProcess;
  /** Its output so far (stdout and stderr). */
  output(): string;
  /** Resolves on its "Ready on" line; rejects when it exits first. */
  ready: Promise<void>;
  exited: Promise<unknown>;
}

/** Starts `node dist/sample-app/src/main.js` with `env` on top of this process's environment (its app settings dropped). */
export function launchSampleApp(name: string, port: number, env: NodeJS.ProcessEnv): SampleAppProcess {
  if (!existsSync(MAIN_JS))
    throw new Error(`${MAIN_JS} is missing: run the test with npm run test:lb (it builds first).`);
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(DATABASE_|HOST$|PORT$|JWT_|TRUST_PROXY|SSMS_|SMS_RU_|NEWTEL_|TWILIO_|PHONE_CALL_)/.test(key),
    ),
  );
  const child = spawn(process.execPath, ['--enable-source-maps', MAIN_JS], {
    env: { ...inherited, ...env, PORT: String(port), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} not ready in ${READY_TIMEOUT_MS} ms:\n${output}`)),
      READY_TIMEOUT_MS,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('Ready on ')) return;
      clearTimeout(timer);
      resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}):\n${output}`));
    });
  });
  ready.catch(() => undefined); // awaited by the tests; a late rejection must not go unhandled
  return { name, port, child, ready, exited, output: () => output };
}

/** An HTTP answer, its body read whole. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body as JSON (empty object when it is not JSON). */
  json: Record<string, unknown>;
}

/** What {@link send} sends. */
export interface SendOptions {
  /** The local address the connection comes from: a client of its own (127.0.0.2, ...). */
  from: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Called with the first part of the body (an event stream's first event), before the whole. */
  onFirstData?: () => void;
}

/**
 * One request on a connection of its own, from `from` (any 127.0.0.0/8 address is this machine's):
 * HAProxy's X-Forwarded-For then names that address. Resolves with the answer, or with status 0
 * when the connection is cut before one (a killed app).
 */
export function send(
  port: number,
  method: string,
  path: string,
  { from, body, headers = {}, onFirstData }: SendOptions,
): Promise<Answer> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        localAddress: from,
        method,
        path,
        agent: false,
        headers: { ...(payload && { 'content-type': 'application/json' }), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text === '') onFirstData?.();
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, json: parse(text) }));
        // Cut mid-body (the app was killed): status 0, with the part that came.
        res.on('close', () => resolve({ status: 0, headers: res.headers, text, json: {} }));
      },
    );
    req.on('error', () => resolve({ status: 0, headers: {}, text: '', json: {} }));
    req.setTimeout(40_000, () => req.destroy());
    req.end(payload);
  });
}

function parse(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}
