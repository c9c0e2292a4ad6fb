// A keep-alive flood, in a process of its own (in the test's process it would starve the app of its
// event loop): `sockets` connections spread over `addresses` (local addresses, e.g. of 127/8), each
// sending POST <url>/<random id>/token with a made-up secret, without pause, for `seconds`. Tells
// its parent `{ event: 'on' }` once `announceAfter` requests were refused (429), then, at the end,
// `{ event: 'done', statuses, errors, connections, refusal }` (`connections`: the ones it opened).
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';

const { url, addresses, sockets, seconds, announceAfter } = JSON.parse(process.argv[2]);
const target = new URL(url);
const until = performance.now() + seconds * 1000;
const statuses = {};
let errors = 0;
let connections = 0;
let refusal;
let refused = 0;

/** To the parent process; run by hand (`node test/support/flood.worker.mjs '<json>'`), to stdout. */
const report = (message) =>
  process.send ? process.send(message) : process.stdout.write(`${JSON.stringify(message)}\n`);

function send(agent) {
  return new Promise((resolve) => {
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: `${target.pathname}/${randomUUID()}/token`,
        headers: { 'content-type': 'application/json', 'accept-language': 'en' },
        agent,
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
          if (response.statusCode === 429) {
            refusal ??= { headers: response.headers, body: Buffer.concat(chunks).toString() };
            if (++refused === announceAfter) report({ event: 'on' });
          }
          resolve();
        });
        response.on('error', resolve);
      },
    );
    outgoing.on('socket', () => {
      if (!outgoing.reusedSocket) connections++;
    });
    // A connection the server closed (not the flood's own, at its end): the flood connects again at once.
    outgoing.on('error', () => {
      if (performance.now() < until) errors++;
      resolve();
    });
    outgoing.end('{"secret":"made-up"}');
  });
}

async function loop(agent) {
  while (performance.now() < until) await send(agent);
}

const perAddress = Math.ceil(sockets / addresses.length);
const agents = addresses.map((localAddress) => new Agent({ keepAlive: true, maxSockets: perAddress, localAddress }));
// At the end, the requests the server holds unanswered are dropped rather than waited for.
setTimeout(() => agents.forEach((agent) => agent.destroy()), seconds * 1000);
await Promise.all(agents.flatMap((agent) => Array.from({ length: perAddress }, () => loop(agent))));
const done = { event: 'done', statuses, errors, connections, refusal };
if (process.send) process.send(done, () => process.disconnect());
else report(done);
