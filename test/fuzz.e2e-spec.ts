import fc from 'fast-check';
import { INBOUND_CALL_TABLE, VERIFICATION_TABLE } from './support/tables.js';
import { PREFIX, TEST_CALLBACK_SECRET, useTestApp } from './support/test-app.js';

/*
 * Property-based tests: 10,000 generated inputs in all, over HTTP, against real Postgres. No
 * answer may be a 5xx, and no invalid input may change any state.
 */

const t = useTestApp();
/** A pending verification that no generated input may touch. */
let bystander: { id: string; secret: string };
const BYSTANDER_PHONE = '+79670311122';

/** Every table's rows, as one comparable string. */
async function snapshot(): Promise<string> {
  const rows = await Promise.all(
    [VERIFICATION_TABLE, INBOUND_CALL_TABLE].map((table) => t.dataSource.query(`SELECT * FROM ${table} ORDER BY 1`)),
  );
  return JSON.stringify(rows);
}

/** Strings of every awkward kind: unicode, digits in other scripts, nulls, SQL, huge. */
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '+7 967 031-11-22\u0000',
    "+79670311122'; DROP TABLE phone_call_verification; --",
    '٩٦٧٠٣١١١٢٢',
    '+７９６７０３１１１２２',
    'anonymous',
    'x'.repeat(10_000),
    '{"$gt": ""}',
    '../../etc/passwd',
    '%00',
  ),
);
const json = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fc.constantFrom('phone', 'secret', '__proto__', 'x'), fc.jsonValue()),
);

beforeAll(async () => {
  bystander = (await t.request('POST', `${PREFIX}/verifications`, { phone: BYSTANDER_PHONE })).body;
});

/**
 * `npm test` sends a twentieth of the inputs (500, so it stays quick); the release checks
 * (`npm run test:release`) send all 10,000, through the global that test/release/jest.config.js sets.
 */
const scale = (globalThis as { PHONE_CALL_AUTH_FUZZ_SCALE?: number }).PHONE_CALL_AUTH_FUZZ_SCALE ?? 0.5;
const runs = { start: 400 * scale, token: 300 * scale, callback: 300 * scale };

it(`POST /verifications: ${runs.start} generated bodies, no 5xx, a row only for a 201`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        json.map((value) => JSON.stringify(value)),
        nasty.map((phone) => JSON.stringify({ phone })),
        nasty,
      ),
      async (body) => {
        const before = await snapshot();
        const response = await t.request('POST', `${PREFIX}/verifications`, body);
        expect(response.status).toBeLessThan(500);
        if (response.status !== 201) expect(await snapshot()).toBe(before);
        else expect(response.body.callTo).toMatch(/^\+\d+$/);
      },
    ),
    { numRuns: runs.start },
  );
}, 300_000);

it(`POST /verifications/:id/token: ${runs.token} generated ids and bodies, no 5xx, no change`, async () => {
  const before = await snapshot();
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.uuid(), fc.constant(bystander.id), nasty.map(encodeURIComponent)),
      fc.oneof(
        json.map((value) => JSON.stringify(value)),
        nasty.map((secret) => JSON.stringify({ secret })),
      ),
      fc.option(nasty.filter((value) => /^[\t\x20-\x7e]*$/.test(value) && value.length < 4000)),
      async (id, body, header) => {
        const headers = header === null ? undefined : { 'x-verification-secret': header };
        const response = await t.request('POST', `${PREFIX}/verifications/${id}/token`, body, headers);
        expect(response.status).toBeLessThan(500);
        expect(response.status).not.toBe(200);
      },
    ),
    { numRuns: runs.token },
  );
  expect(await snapshot()).toBe(before);
}, 300_000);

it(`GET /callback/:secret: ${runs.callback} generated query strings, no 5xx, nothing verified`, async () => {
  const names = fc.constantFrom('phone', 'call_to_number', 'id_call', 'call_id', 'caller', 'from', 'x', 'phone[]');
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.tuple(
          names,
          nasty.filter((value) => value.length < 2000),
        ),
        { maxLength: 6 },
      ),
      async (pairs) => {
        const query = pairs
          .filter(([, value]) => value.replace(/\D/g, '') !== BYSTANDER_PHONE.slice(1))
          .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
          .join('&');
        const response = await t.request('GET', `${PREFIX}/callback/${TEST_CALLBACK_SECRET}?${query}`);
        expect(response.status).toBeLessThan(500);
      },
    ),
    { numRuns: runs.callback },
  );
  const [row] = await t.dataSource.query(`SELECT status FROM ${VERIFICATION_TABLE} WHERE id = $1`, [bystander.id]);
  expect(row.status).toBe('pending');
}, 300_000);
