import { PhoneCallAuthTelemetry } from '../../lib/telemetry/phone-call-auth.telemetry.js';
import { statementSummary } from '../../lib/telemetry/statement-summary.js';
import { EVENT_TABLE } from '../../lib/database/entities/event.entity.js';
import { INBOUND_CALL_TABLE } from '../../lib/database/entities/inbound-call.entity.js';
import { VERIFICATION_TABLE } from '../../lib/database/entities/verification.entity.js';

describe('statementSummary', () => {
  it("names a statement by its own name, else by its operation and the module's table, never by a value", () => {
    expect(statementSummary({ text: 'SELECT 1', name: 'phone_call_auth_take' })).toBe('phone_call_auth_take');
    expect(statementSummary({ text: `UPDATE ${VERIFICATION_TABLE} SET status = 'expired' WHERE id = $1` })).toBe(
      'UPDATE phone_call_verification',
    );
    expect(statementSummary({ text: `DELETE FROM ${INBOUND_CALL_TABLE} WHERE created_at < $1` })).toBe(
      'DELETE phone_call_inbound_call',
    );
    // The first table named: the code check's UPDATE, not the event its CTE writes.
    expect(
      statementSummary({ text: `WITH checked AS (UPDATE ${VERIFICATION_TABLE} SET x = 1) INSERT INTO ${EVENT_TABLE}` }),
    ).toBe('UPDATE phone_call_verification');
    expect(statementSummary({ text: 'SELECT pg_advisory_xact_lock(hashtext($1))' })).toBe('SELECT');
    expect(statementSummary({ text: 'LISTEN something' })).toBe('OTHER');
  });
});

describe('PhoneCallAuthTelemetry without an OpenTelemetry SDK', () => {
  const telemetry = new PhoneCallAuthTelemetry();

  it('runs the work as it is: its value, its error', async () => {
    await expect(telemetry.statement({ text: 'SELECT 1' }, async () => 42)).resolves.toBe(42);
    const failure = new Error('platform down');
    await expect(telemetry.platformRequest('ssms', 'requestCall', () => Promise.reject(failure))).rejects.toBe(failure);
    expect(() => telemetry.started({ channel: 'call', outcome: 'started' })).not.toThrow();
    expect(() => telemetry.observeWaiters(() => 0)).not.toThrow();
  });
});
