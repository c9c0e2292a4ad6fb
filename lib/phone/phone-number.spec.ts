import { maskNumbers, maskPhone, parsePhone, parsePlatformPhone, toDigits } from './phone-number.js';

const E164 = '+79670311122';

describe('parsePhone', () => {
  it.each(['+7 967 031-11-22', '8 (967) 031-11-22', '9670311122', '+79670311122', '+7 (967) 031 11 22'])(
    'reads %j as +79670311122',
    (input) => {
      expect(parsePhone(input, 'RU')?.number).toBe(E164);
    },
  );

  it('reads a number without a country code in the default country', () => {
    expect(parsePhone('(213) 373-4253', 'US')?.number).toBe('+12133734253');
  });

  it.each(['anonymous', 'restricted', '', '+', 'abc', '12345', '+7 000 000-00-00'])('rejects %j', (input) => {
    expect(parsePhone(input, 'RU')).toBeUndefined();
  });

  it('rejects a 100-character string even when it holds a valid number', () => {
    const padded = `+7 967 031-11-22${' '.repeat(84)}`;
    expect(padded).toHaveLength(100);
    expect(parsePhone(padded, 'RU')).toBeUndefined();
  });

  it.each([
    ['a number', 79670311122],
    ['null', null],
    ['undefined', undefined],
    ['an array', [E164]],
    ['an object', { phone: E164 }],
  ])('rejects %s', (_label, input) => {
    expect(parsePhone(input, 'RU')).toBeUndefined();
  });

  // Bad input of any shape must get a 4xx (security.md): a phone field is a number, not a text to search.
  it.each([
    ['a trailing null byte', `${E164}\u0000`],
    ['a leading null byte', `\u0000${E164}`],
    ['an SQL fragment', `${E164}; DROP TABLE phone_call_verification`],
    ['words around it', `call me at ${E164} please`],
  ])('rejects a valid number with %s', (_label, input) => {
    expect(parsePhone(input, 'RU')).toBeUndefined();
  });
});

describe('parsePlatformPhone', () => {
  it.each(['79670311122', '+79670311122', '89670311122', ' 79670311122 '])('reads %j as +79670311122', (input) => {
    expect(parsePlatformPhone(input, 'RU')?.number).toBe(E164);
  });

  // The 8-form national numbers of the Russian platforms (docs: SSMS, sms.ru and New-Tel write
  // numbers of Russia as 7..., and people and some platforms as 8...): Moscow, Moscow, Kaluga, not Vietnam.
  it.each([
    ['84951234567', '+74951234567'],
    ['84991234567', '+74991234567'],
    ['84841234567', '+74841234567'],
    ['8 (495) 123-45-67', '+74951234567'],
    ['87012345678', '+77012345678'],
  ])('reads %j on a Russian platform as %s, the national form with its trunk prefix', (input, number) => {
    expect(parsePlatformPhone(input, 'RU')?.number).toBe(number);
  });

  it('reads 84951234567 as Vietnam only with a +, or on a platform of no country', () => {
    expect(parsePlatformPhone('+84951234567', 'RU')?.number).toBe('+84951234567');
    expect(parsePlatformPhone('84951234567')?.number).toBe('+84951234567');
  });

  it.each([
    // Twilio's documented E.164 form, and its own numbers; withheld callers arrive as words or Twilio's placeholders.
    ['+14155550100', '+14155550100'],
    ['14155550100', '+14155550100'],
    ['+266696687', undefined],
    ['anonymous', undefined],
    ['client:alice', undefined],
  ])('reads %j on a platform of international numbers as %s', (input, number) => {
    expect(parsePlatformPhone(input)?.number).toBe(number);
  });

  it('prefers the international reading of bare digits', () => {
    // 12133734253 read in RU as national digits would be invalid; as international it is a US number.
    expect(parsePlatformPhone('12133734253', 'RU')?.number).toBe('+12133734253');
  });

  it.each(['anonymous', 'restricted', 'unknown', '', '+', 'abc', '12345', '7'.repeat(200)])(
    'rejects the caller ID %j',
    (input) => {
      expect(parsePlatformPhone(input, 'RU')).toBeUndefined();
    },
  );

  it.each([undefined, null, 79670311122, ['79670311122']])('rejects the non-string %j', (input) => {
    expect(parsePlatformPhone(input, 'RU')).toBeUndefined();
  });

  // "caller ID withheld or invalid (anonymous, restricted, empty, letters): never matches" (security.md).
  it.each(['anonymous 79670311122', '79670311122abc'])('rejects the caller ID with letters %j', (input) => {
    expect(parsePlatformPhone(input, 'RU')).toBeUndefined();
  });
});

describe('toDigits', () => {
  it('drops the plus of an E.164 number', () => {
    expect(toDigits(E164)).toBe('79670311122');
  });
});

describe('maskPhone', () => {
  it('keeps the first four and the last four digits', () => {
    expect(maskPhone(E164)).toBe('+7967***1122');
    expect(maskPhone('79670311122')).toBe('7967***1122');
  });

  it('never shows a whole number', () => {
    expect(maskPhone(E164)).not.toContain('0311');
    expect(maskPhone('+1234567')).not.toContain('234567');
  });

  it.each([null, undefined, ''])('says (none) for %j', (input) => {
    expect(maskPhone(input)).toBe('(none)');
  });

  it.each([
    'anonymous',
    '<script>alert(1)</script>',
    '79670311122\n[ERROR] forged log line',
    '+7967abc1122',
    '\u0000+79670311122',
    '1'.repeat(5000),
  ])('never returns the junk %j, nor any part of it verbatim', (input) => {
    const masked = maskPhone(input);
    expect(masked).not.toBe(input);
    expect(masked).not.toContain(input.slice(0, 6));
    expect(masked).not.toMatch(/[\n<>]/);
    expect(masked).not.toContain('\u0000');
    expect(masked.length).toBeLessThanOrEqual(40);
  });
});

describe('maskNumbers', () => {
  it('masks every number in a text someone else wrote, and leaves the rest', () => {
    expect(maskNumbers('Номер 79670311122 заблокирован, код 7; +79161234567.')).toBe(
      'Номер 7967***1122 заблокирован, код 7; +7916***4567.',
    );
  });
});
