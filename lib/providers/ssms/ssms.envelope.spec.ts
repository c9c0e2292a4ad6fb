import { pickParam, readEnvelope } from './ssms.envelope.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const WAIT_DATA = { id_call: '17', call_to_number: '74993990001', waiting_call_from: '79670311122' };

/** An SSMS answer as the platform writes it. */
function envelope(msg: Record<string, unknown>, data?: unknown): string {
  return JSON.stringify({ response: { msg, ...(data !== undefined && { data }) } });
}

describe('readEnvelope', () => {
  describe('success', () => {
    it('accepts err_code as the string "0" and returns the data object', () => {
      const text = envelope({ err_code: '0', text: 'OK', type: 'message' }, WAIT_DATA);
      expect(readEnvelope(text, 200, JSON_TYPE)).toEqual({ ok: true, data: WAIT_DATA });
    });

    it('accepts err_code as the number 0', () => {
      const text = envelope({ err_code: 0, text: 'OK', type: 'message' }, WAIT_DATA);
      expect(readEnvelope(text, 200, JSON_TYPE)).toEqual({ ok: true, data: WAIT_DATA });
    });
  });

  describe('platform errors', () => {
    it('reports a non-zero string err_code with its code and the platform text', () => {
      const result = readEnvelope(
        envelope({ err_code: '7', text: 'Недостаточно средств', type: 'error' }),
        200,
        JSON_TYPE,
      );
      expect(result).toEqual({ ok: false, code: '7', detail: expect.stringContaining('Недостаточно средств') });
      expect(result.ok === false && result.detail).toContain('"7"');
    });

    it('reports a non-zero numeric err_code as a string code', () => {
      const result = readEnvelope(
        envelope({ err_code: 12, text: 'Неверный ключ', type: 'error' }, null),
        200,
        JSON_TYPE,
      );
      expect(result).toEqual({ ok: false, code: '12', detail: expect.stringContaining('Неверный ключ') });
    });

    it('never treats an error as success even when it carries data', () => {
      const result = readEnvelope(envelope({ err_code: '3', text: 'Ошибка' }, WAIT_DATA), 200, JSON_TYPE);
      expect(result.ok).toBe(false);
    });

    it.each([
      ['missing', {}],
      ['null', { err_code: null }],
      ['a boolean', { err_code: false }],
      ['an object', { err_code: { value: 0 } }],
    ])('refuses an envelope whose err_code is %s', (_label, msg) => {
      const result = readEnvelope(envelope(msg, WAIT_DATA), 200, JSON_TYPE);
      expect(result).toEqual({ ok: false, detail: expect.stringContaining('err_code') });
    });
  });

  describe('answers that are not the JSON API', () => {
    it('reports an HTML error page with the HTTP status, the content type and the page text', () => {
      const result = readEnvelope('<html>Bad gateway</html>\n', 503, 'text/html');
      expect(result.ok).toBe(false);
      const detail = result.ok ? '' : result.detail;
      expect(detail).toContain('HTTP 503');
      expect(detail).toContain('text/html');
      expect(detail).toContain('<html>Bad gateway</html>');
    });

    it('quotes only the start of a huge page', () => {
      const page = `<html>${'x'.repeat(10_000)}</html>`;
      const result = readEnvelope(page, 500, 'text/html');
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.detail.length).toBeLessThan(300);
    });

    it('reports an empty body', () => {
      const result = readEnvelope('', 200, JSON_TYPE);
      expect(result).toEqual({ ok: false, detail: expect.stringContaining('HTTP 200') });
    });

    it('reports the XML the platform sends without format=json', () => {
      const xml = '<?xml version="1.0"?><response><msg err_code="0">OK</msg></response>';
      expect(readEnvelope(xml, 200, 'text/xml').ok).toBe(false);
    });

    it.each([
      ['null', 'null'],
      ['a string', '"OK"'],
      ['a number', '0'],
      ['an array', '[]'],
      ['another JSON shape', '{"error":"oops","error_code":1}'],
    ])('refuses JSON that is %s', (_label, text) => {
      expect(readEnvelope(text, 200, JSON_TYPE)).toEqual({ ok: false, detail: expect.any(String) });
    });
  });

  describe('envelopes without data', () => {
    it.each([
      ['no data', undefined],
      ['data null', null],
      ['data an array', [WAIT_DATA]],
      ['data a string', 'OK'],
    ])('refuses a successful envelope with %s', (_label, data) => {
      const result = readEnvelope(envelope({ err_code: '0', text: 'OK' }, data), 200, JSON_TYPE);
      expect(result).toEqual({ ok: false, detail: expect.stringContaining('no data object') });
    });
  });
});

describe('pickParam', () => {
  it('returns the first of the names that is present, in the order of the names', () => {
    expect(pickParam({ caller: '79670311199', phone: '79670311122' }, ['phone', 'caller'])).toBe('79670311122');
    expect(pickParam({ caller: '79670311199' }, ['phone', 'caller'])).toBe('79670311199');
  });

  it('returns undefined when none of the names is present', () => {
    expect(pickParam({ other: '1' }, ['phone', 'caller'])).toBeUndefined();
    expect(pickParam({}, [])).toBeUndefined();
  });

  it('skips a repeated parameter (an array) and falls through to the next name', () => {
    expect(pickParam({ phone: ['79670311122', '79670311199'] }, ['phone'])).toBeUndefined();
    expect(pickParam({ phone: ['79670311122'], caller: '79670311199' }, ['phone', 'caller'])).toBe('79670311199');
  });

  it('skips objects and null', () => {
    expect(pickParam({ phone: { $gt: '' } }, ['phone'])).toBeUndefined();
    expect(pickParam({ phone: null }, ['phone'])).toBeUndefined();
  });

  it('skips empty and overlong strings, and keeps a string of exactly 128 characters', () => {
    expect(pickParam({ phone: '' }, ['phone'])).toBeUndefined();
    expect(pickParam({ phone: '7'.repeat(129) }, ['phone'])).toBeUndefined();
    expect(pickParam({ phone: '7'.repeat(128) }, ['phone'])).toBe('7'.repeat(128));
  });

  it('turns finite numbers into strings and skips NaN and infinities', () => {
    expect(pickParam({ id_call: 17 }, ['id_call'])).toBe('17');
    expect(pickParam({ id_call: 0 }, ['id_call'])).toBe('0');
    expect(pickParam({ id_call: Number.NaN }, ['id_call'])).toBeUndefined();
    expect(pickParam({ id_call: Number.POSITIVE_INFINITY }, ['id_call'])).toBeUndefined();
  });

  it('ignores inherited properties such as constructor and toString', () => {
    expect(pickParam({}, ['constructor', 'toString', '__proto__'])).toBeUndefined();
  });
});
