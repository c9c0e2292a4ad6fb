import { fillTemplate, matchAcceptLanguage, PHONE_CALL_AUTH_MESSAGES } from 'nestjs-phone-call-auth';

const LOCALES = ['ru', 'en'] as const;

describe('matchAcceptLanguage', () => {
  it.each([
    ['ru', 'ru'],
    ['ru-RU', 'ru'],
    ['RU-ru', 'ru'],
    ['en-US,en;q=0.9', 'en'],
    ['de-DE, ru;q=0.5, en;q=0.8', 'en'],
    ['en;q=0.3, ru-RU;q=0.7', 'ru'],
    ['fr, en-GB;q=0.1', 'en'],
    ['ru;q=0, en', 'en'],
    ['en, ru', 'en'],
  ])('%s -> %s', (header, locale) => {
    expect(matchAcceptLanguage(header, LOCALES)).toBe(locale);
  });

  it.each([[undefined], [''], ['*'], ['de, fr;q=0.5'], ['ru;q=0'], ['1ru, ;;;'], ['x'.repeat(2000)]])(
    'finds nothing in %p',
    (header) => {
      expect(matchAcceptLanguage(header, LOCALES)).toBeUndefined();
    },
  );

  it('reads a header repeated as an array', () => {
    expect(matchAcceptLanguage(['de', 'ru-RU;q=0.4'], LOCALES)).toBe('ru');
  });
});

describe('fillTemplate', () => {
  it('fills placeholders, keeps unknown ones, and writes braces from doubled ones', () => {
    expect(
      fillTemplate('{code} for {site}, {seconds} s, {nope}, {{code}}', { code: '0123', site: 'x.ru', seconds: 60 }),
    ).toBe('0123 for x.ru, 60 s, {nope}, {code}');
  });

  it('has both catalogues, with the code in each SMS text', () => {
    for (const locale of LOCALES) {
      const text = fillTemplate(PHONE_CALL_AUTH_MESSAGES[locale].smsText, { code: '482913' });
      expect(text).toContain('482913');
    }
    expect(PHONE_CALL_AUTH_MESSAGES.ru.smsText).toMatch(/[а-я]/);
    expect(Object.keys(PHONE_CALL_AUTH_MESSAGES.ru).sort()).toEqual(Object.keys(PHONE_CALL_AUTH_MESSAGES.en).sort());
  });
});
