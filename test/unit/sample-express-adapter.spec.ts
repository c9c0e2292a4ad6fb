import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { SampleExpressAdapter } from '../../sample-app/src/express-adapter.js';

describe("the sample app's Express adapter", () => {
  let server: Server;
  let base: string;
  let app: Express;

  beforeAll(async () => {
    const adapter = new SampleExpressAdapter();
    app = adapter.getInstance<Express>();
    // Set before the server exists, as an app extending Express's request would.
    Object.assign(app.request, { extended: 'yes' });
    adapter.initHttpServer({});
    app.get('/probe', (req, res) => {
      res.json({
        requestBornWithExpressPrototype: Object.getPrototypeOf(req) === app.request,
        responseBornWithExpressPrototype: Object.getPrototypeOf(res) === app.response,
        extended: (req as unknown as { extended?: string }).extended,
        header: req.get('x-probe'),
        query: req.query,
      });
    });
    server = adapter.getHttpServer() as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it("creates requests and responses with Express's prototypes, which keep what was set on them before", async () => {
    const response = await fetch(`${base}/probe?a=1`, { headers: { 'x-probe': 'seen' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      requestBornWithExpressPrototype: true,
      responseBornWithExpressPrototype: true,
      extended: 'yes',
      header: 'seen',
      query: { a: '1' },
    });
  });
});
