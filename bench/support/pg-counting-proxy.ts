import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

/** Startup-phase request codes that the server answers before the real startup message follows. */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** What the proxy has seen the servers send to Postgres. */
export interface FrontendCounts {
  /** `Sync` messages: one per extended-protocol exchange (Parse/Bind/Execute/Sync), i.e. one round trip. */
  sync: number;
  /** Simple `Query` messages (BEGIN, COMMIT, unparameterised statements): one round trip each. */
  query: number;
  /** Every frontend message, for telling when the server has gone quiet. */
  messages: number;
  /** When the last message was seen (ms, performance.now()). */
  lastAt: number;
}

/**
 * Reads a connection's frontend messages as they stream past: the startup packet (length, then
 * code; SSL and GSSAPI requests are followed by another), then messages of a type byte and a
 * length that counts itself. Only the 5-byte headers are read; bodies are skipped, not copied.
 */
class FrontendParser {
  private header = Buffer.alloc(8);
  private have = 0;
  private skip = 0;
  private startup = true;

  constructor(private readonly counts: FrontendCounts) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.skip > 0) {
        const taken = Math.min(this.skip, chunk.length - offset);
        this.skip -= taken;
        offset += taken;
        continue;
      }
      const need = this.startup ? 8 : 5;
      const taken = Math.min(need - this.have, chunk.length - offset);
      chunk.copy(this.header, this.have, offset, offset + taken);
      this.have += taken;
      offset += taken;
      if (this.have < need) return;
      this.have = 0;
      if (this.startup) {
        const length = this.header.readInt32BE(0);
        const code = this.header.readInt32BE(4);
        this.skip = length - 8;
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.startup = false;
      } else {
        const type = String.fromCharCode(this.header[0]);
        this.skip = this.header.readInt32BE(1) - 4;
        this.counts.messages++;
        this.counts.lastAt = performance.now();
        if (type === 'S') this.counts.sync++;
        else if (type === 'Q') this.counts.query++;
      }
    }
  }
}

/**
 * A TCP proxy between a server and Postgres that counts the SQL round trips the server makes:
 * Postgres answers each `Sync` and each simple `Query` once, and a client waits for that answer
 * before it goes on (node-postgres sends a parameterised statement as Parse, Bind, Describe,
 * Execute and one Sync). Used only in the counting phases, never in the throughput runs.
 */
export class PgCountingProxy {
  readonly counts: FrontendCounts = { sync: 0, query: 0, messages: 0, lastAt: 0 };
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  private port = 0;

  constructor(private readonly upstream: { host: string; port: number }) {}

  /** Starts listening on a free port of 127.0.0.1. */
  async listen(): Promise<void> {
    this.server = createServer((client) => this.connect(client));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as { port: number }).port;
  }

  /** The database URL that goes through this proxy. */
  urlFor(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** Round trips so far: Sync + Query. */
  get roundTrips(): number {
    return this.counts.sync + this.counts.query;
  }

  /** Resolves once no frontend message has passed for `quietMs`, after at least `atLeastMs`. */
  async quiet(quietMs: number, atLeastMs = 0, timeoutMs = 30_000): Promise<boolean> {
    const started = performance.now();
    for (;;) {
      const now = performance.now();
      if (now - started >= atLeastMs && now - this.counts.lastAt >= quietMs) return true;
      if (now - started > timeoutMs) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (this.server) await new Promise((resolve) => this.server!.close(resolve));
  }

  private connect(client: Socket): void {
    const server = createConnection(this.upstream);
    const parser = new FrontendParser(this.counts);
    client.setNoDelay(true);
    server.setNoDelay(true);
    this.sockets.add(client).add(server);
    client.on('data', (chunk: Buffer) => {
      parser.push(chunk);
      if (!server.write(chunk)) client.pause();
    });
    server.on('drain', () => client.resume());
    server.pipe(client);
    const end = () => {
      client.destroy();
      server.destroy();
      this.sockets.delete(client);
      this.sockets.delete(server);
    };
    client.on('close', end).on('error', end);
    server.on('close', end).on('error', end);
  }
}
