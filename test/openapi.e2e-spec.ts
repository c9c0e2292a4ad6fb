import { PHONE_CALL_AUTH_ERROR_CODES } from 'nestjs-phone-call-auth';
import { type RunningSampleApp, startSampleApp } from './browser/sample-app.support.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is read as plain JSON
type Json = any;

const PREFIX = '/auth/phone-call';
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

describe('the OpenAPI document of the module, in the sample app', () => {
  let sample: RunningSampleApp;
  let document: Json;

  beforeAll(async () => {
    // The sample app builds its document with DocumentBuilder().addBearerAuth() and SwaggerModule.createDocument.
    sample = await startSampleApp({ simulator: true });
    document = sample.document;
  }, 30_000); // boots the sample app with its embedded pieces: slow on busy cores
  afterAll(() => sample?.close());

  const responses = (path: string, method: string) => Object.keys(document.paths[path][method].responses).sort();
  const schema = (name: string) => document.components.schemas[name];

  it('describes POST /verifications: body, answer and every status', () => {
    const operation = document.paths[`${PREFIX}/verifications`].post;
    expect(operation.summary).toBe('Start a verification');
    expect(operation.tags).toEqual(['phone-call verification']);
    expect(operation.requestBody).toMatchObject({
      required: true,
      content: { 'application/json': { schema: ref('StartVerificationDto') } },
    });
    expect(schema('StartVerificationDto')).toMatchObject({
      required: ['phone'],
      properties: { phone: { type: 'string', maxLength: 64, example: '+7 967 031-11-22' } },
    });
    expect(responses(`${PREFIX}/verifications`, 'post')).toEqual(
      expect.arrayContaining(['201', '400', '429', '502', '504']),
    );
    expect(operation.responses['201'].content['application/json'].schema).toEqual(ref('StartedVerificationResponse'));
    expect(operation.responses['429'].headers['Retry-After'].schema).toEqual({ type: 'integer' });
    expect(schema('StartedVerificationResponse').required).toEqual([
      'id',
      'secret',
      'channel',
      'expiresAt',
      'expiresIn',
      'message',
      'locale',
    ]);
  });

  it('describes the token route: 200, 202, 400, 401, 410, the id and the secret header', () => {
    const path = `${PREFIX}/verifications/{id}/token`;
    const operation = document.paths[path].post;
    expect(responses(path, 'post')).toEqual(expect.arrayContaining(['200', '202', '400', '401', '410']));
    expect(operation.responses['200'].content['application/json'].schema).toEqual(ref('IssuedTokenResponse'));
    expect(operation.responses['202'].content['application/json'].schema).toEqual(ref('PendingVerificationResponse'));
    expect(operation.responses['410'].content['application/json'].schema).toEqual(ref('VerificationGoneResponse'));
    expect(schema('VerificationGoneResponse').properties.status.enum).toEqual([
      'expired',
      'canceled',
      'consumed',
      'failed',
      'verified',
    ]);
    expect(schema('VerificationGoneResponse').properties.code.enum).toEqual([
      'EXPIRED',
      'CANCELED',
      'ALREADY_REDEEMED',
      'ALREADY_VERIFIED',
      'TOO_MANY_ATTEMPTS',
    ]);
    expect(operation.requestBody).toMatchObject({
      required: false,
      content: { 'application/json': { schema: ref('VerificationSecretDto') } },
    });
    expect(operation.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }),
        expect.objectContaining({ name: 'X-Verification-Secret', in: 'header', required: false }),
      ]),
    );
  });

  it('describes DELETE /verifications/:id and the platform callback', () => {
    expect(responses(`${PREFIX}/verifications/{id}`, 'delete')).toEqual(expect.arrayContaining(['204', '400', '401']));
    for (const method of ['get', 'post']) {
      const operation = document.paths[`${PREFIX}/callback/{secret}`][method];
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '403']));
      expect(operation.responses['200'].content['text/plain'].schema).toEqual({ type: 'string', example: 'OK' });
      expect(operation.tags).toEqual(['telephony platform callback']);
    }
  });

  it("describes the error body: Nest's fields and a code, one of every code the module answers", () => {
    expect(schema('ErrorResponse').required).toEqual(['statusCode', 'error', 'code', 'message']);
    expect(schema('ErrorResponse').properties.code).toMatchObject({
      type: 'string',
      enum: Object.keys(PHONE_CALL_AUTH_ERROR_CODES),
    });
    expect(schema('ErrorResponse').properties.message).toMatchObject({ type: 'string' });
    const start = document.paths[`${PREFIX}/verifications`].post;
    expect(start.responses['400'].content['application/json'].schema).toEqual(ref('ErrorResponse'));
  });

  it('marks a @PhoneCallAuth() route with the bearer scheme and its 401', () => {
    const me = document.paths['/me'].get;
    expect(me.security).toEqual([{ bearer: [] }]);
    expect(me.responses['401'].content['application/json'].schema).toEqual(ref('ErrorResponse'));
    expect(me.responses['200'].content['application/json'].schema).toEqual(ref('MeResponse'));
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    // Nothing else asks for a token: the module's own routes use the verification secret, but for
    // the account routes of a signed-in person (step-up, change of number).
    const secured = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.values(item as Json).some((operation: Json) => operation.security) ? [path] : [],
    );
    expect(secured.sort()).toEqual(
      [
        '/me',
        '/me/confirm-payment',
        `${PREFIX}/account/verifications`,
        `${PREFIX}/account/verifications/{id}/token`,
      ].sort(),
    );
    const payment = document.paths['/me/confirm-payment'].post;
    expect(payment.responses['401'].description).toMatch(/INSUFFICIENT_USER_AUTHENTICATION/);
  });

  /**
   * Routes of the module whose controllers do not carry the OpenAPI decorators yet: they are
   * listed in the document, without a summary or statuses. Remove a route when it gets them.
   */
  it('lists every route of the module, each with a summary and its statuses', () => {
    const documented = Object.entries(document.paths)
      .filter(([path]) => path.startsWith(PREFIX))
      .flatMap(([path, item]) => Object.keys(item as Json).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented).toEqual(
      expect.arrayContaining([
        `POST ${PREFIX}/verifications`,
        `POST ${PREFIX}/verifications/{id}/token`,
        `DELETE ${PREFIX}/verifications/{id}`,
        `GET ${PREFIX}/callback/{secret}`,
        `POST ${PREFIX}/callback/{secret}`,
      ]),
    );
    const undescribed = documented.filter((route) => {
      const [method, path] = route.split(' ');
      const operation = document.paths[path][method.toLowerCase()];
      return !operation.summary || Object.keys(operation.responses).length < 2;
    });
    expect(undescribed).toEqual([]);
  });

  it('is served by the sample app at /docs-json, with Swagger UI at /docs from its own files', async () => {
    const served = (await (await fetch(`${sample.baseUrl}/docs-json`)).json()) as Json;
    expect(Object.keys(served.paths).sort()).toEqual(Object.keys(document.paths).sort());
    expect(served.paths['/'] ?? served.paths['/page-config']).toBeUndefined(); // the page is not an API

    const html = await (await fetch(`${sample.baseUrl}/docs`)).text();
    const assets = [...html.matchAll(/(?:src|href)=['"]([^'"]+)['"]/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    expect(assets.filter((asset) => /^(https?:)?\/\//.test(asset))).toEqual([]); // no CDN
    for (const asset of assets) {
      const response = await fetch(new URL(asset, `${sample.baseUrl}/docs`));
      await response.arrayBuffer(); // read to the end, so the connection is idle when the app closes
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
    }
  });
});
