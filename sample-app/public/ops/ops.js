/* global document, fetch, navigator, sessionStorage, setInterval, Chart */
/*
 * The operator dashboard. It asks for the operator token once (kept in sessionStorage, gone with
 * the tab), reads /ops/summary with `Authorization: Bearer`, and draws the numbers with Chart.js
 * (served by this app). The support history reads /ops/history/:id. Every text comes from the
 * ru/en catalogue below, in the language of the switch (at first the browser's).
 */
'use strict';

const TEXTS = {
  en: {
    title: 'Phone verification: operations',
    windowLabel: 'Window',
    lastHour: 'Last hour',
    lastDay: 'Last 24 hours',
    refresh: 'Refresh',
    language: 'Language',
    tokenLabel: 'Operator token (PHONE_CALL_OPS_TOKEN)',
    open: 'Open',
    tokenRefused: 'This token is not accepted.',
    failed: 'The server did not answer; try again.',
    updated: (at) => `Updated ${at}`,
    funnel: 'Started → proven → redeemed',
    byChannel: 'By channel',
    byCountry: 'By country',
    byProvider: 'By provider',
    started: 'Started',
    proven: 'Proven',
    redeemed: 'Redeemed',
    platforms: 'Platforms: latency and errors',
    provider: 'Provider',
    requests: 'Requests',
    errors: 'Errors',
    errorRate: 'Error rate',
    sms: 'SMS sent against the budget',
    sent: 'Sent',
    left: 'Left in the budget',
    smsText: ({ hour, day, used, limit, seconds }) =>
      limit === null
        ? `${hour} in the last hour, ${day} in 24 hours; no global SMS budget.`
        : `${used} of ${limit} in the last ${seconds} s; ${hour} in the last hour, ${day} in 24 hours.`,
    refused: 'Refused starts',
    reason: 'Reason',
    refusedPrefixes: 'Refused, by number prefix',
    blocked: 'Blocked prefixes',
    noneBlocked: 'None: the SMS fraud guard blocks no prefix now.',
    blockedEntry: ({ prefix, sent, entered, until }) =>
      `${prefix}: ${entered} of ${sent} codes entered; blocked until ${until}`,
    allow: 'Allow',
    allowFailed: 'Could not allow it; try again.',
    history: 'Support history',
    historyLabel: 'Verification id',
    find: 'Find',
    time: 'Time',
    what: 'What',
    outcome: 'Outcome',
    number: 'Number',
    duration: 'ms',
    detail: 'Detail',
    summaryOf: ({ phone, channel, provider, status }) => `${phone}, ${channel} on ${provider}: ${status}`,
    nothing: 'Nothing yet.',
    whats: {
      platform: 'platform answered',
      started: 'started',
      call: 'call reported',
      code: 'code entered',
      verified: 'proven',
      redeemed: 'redeemed',
      canceled: 'canceled',
      failed: 'failed',
      expired: 'expired',
    },
  },
  ru: {
    title: 'Проверка телефона: эксплуатация',
    windowLabel: 'Период',
    lastHour: 'Последний час',
    lastDay: 'Последние 24 часа',
    refresh: 'Обновить',
    language: 'Язык',
    tokenLabel: 'Токен оператора (PHONE_CALL_OPS_TOKEN)',
    open: 'Открыть',
    tokenRefused: 'Этот токен не принят.',
    failed: 'Сервер не ответил; попробуйте ещё раз.',
    updated: (at) => `Обновлено ${at}`,
    funnel: 'Начато → подтверждено → обменяно на токен',
    byChannel: 'По каналу',
    byCountry: 'По стране',
    byProvider: 'По провайдеру',
    started: 'Начато',
    proven: 'Подтверждено',
    redeemed: 'Обменяно',
    platforms: 'Платформы: задержка и ошибки',
    provider: 'Провайдер',
    requests: 'Запросы',
    errors: 'Ошибки',
    errorRate: 'Доля ошибок',
    sms: 'SMS отправлено из бюджета',
    sent: 'Отправлено',
    left: 'Осталось в бюджете',
    smsText: ({ hour, day, used, limit, seconds }) =>
      limit === null
        ? `${hour} за последний час, ${day} за 24 часа; общего бюджета SMS нет.`
        : `${used} из ${limit} за последние ${seconds} с; ${hour} за последний час, ${day} за 24 часа.`,
    refused: 'Отказы в начале проверки',
    reason: 'Причина',
    refusedPrefixes: 'Отказы по префиксу номера',
    blocked: 'Заблокированные префиксы',
    noneBlocked: 'Нет: защита от SMS-фрода сейчас не блокирует ни одного префикса.',
    blockedEntry: ({ prefix, sent, entered, until }) =>
      `${prefix}: введено ${entered} кодов из ${sent}; заблокирован до ${until}`,
    allow: 'Разрешить',
    allowFailed: 'Не удалось разрешить; попробуйте ещё раз.',
    history: 'История проверки',
    historyLabel: 'Id проверки',
    find: 'Найти',
    time: 'Время',
    what: 'Что',
    outcome: 'Итог',
    number: 'Номер',
    duration: 'мс',
    detail: 'Подробности',
    summaryOf: ({ phone, channel, provider, status }) => `${phone}, ${channel} через ${provider}: ${status}`,
    nothing: 'Пока ничего.',
    whats: {
      platform: 'ответ платформы',
      started: 'начата',
      call: 'звонок',
      code: 'введён код',
      verified: 'подтверждена',
      redeemed: 'обменяна на токен',
      canceled: 'отменена',
      failed: 'не удалась',
      expired: 'истекла',
    },
  },
};

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'phone-call-ops-token';
const COLORS = ['#0b5cad', '#1a7f37', '#8250df', '#b42318', '#8a4b00', '#57606a'];

let language = browserLanguage();
let period = '1h';
let summary;
let history;
const charts = new Map();

function browserLanguage() {
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language ?? 'en'];
  for (const tag of preferred) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (primary in TEXTS) return primary;
  }
  return 'en';
}

function t(key, values) {
  const entry = TEXTS[language][key] ?? TEXTS.en[key];
  return typeof entry === 'function' ? entry(values) : entry;
}

function applyLanguage() {
  document.documentElement.lang = language;
  document.title = t('title');
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of document.querySelectorAll('[data-i18n-label]')) {
    element.setAttribute('aria-label', t(element.dataset.i18nLabel));
  }
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === language));
  }
  for (const button of document.querySelectorAll('[data-window]')) {
    button.setAttribute('aria-pressed', String(button.dataset.window === period));
  }
  if (summary) drawSummary();
  if (history) drawHistory();
}

/** A GET (or a POST) with the token; a 401 forgets it and asks again. */
async function get(path, method = 'GET') {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'accept-language': language },
  });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    askForToken(t('tokenRefused'));
    throw new Error('token refused');
  }
  return { status: response.status, body: await response.json() };
}

function askForToken(message = '') {
  $('dashboard').hidden = true;
  $('token-form').hidden = false;
  $('token-error').textContent = message;
  $('token').focus();
}

async function refresh() {
  try {
    const { status, body } = await get('/ops/summary');
    if (status !== 200) throw new Error(String(status));
    summary = body;
    $('token-form').hidden = true;
    $('dashboard').hidden = false;
    drawSummary();
  } catch (error) {
    if (error.message !== 'token refused') $('updated').textContent = t('failed');
  }
}

/* ---------- Drawing ---------- */

function chart(id, config) {
  charts.get(id)?.destroy();
  charts.set(id, new Chart($(id), { ...config, options: { animation: false, responsive: true, ...config.options } }));
}

function cell(tag, text, number = false) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (number) element.className = 'number';
  return element;
}

/** Fills a table: a header row and one row per item; `columns` are [title key, value of an item, numeric?]. */
function table(id, columns, items) {
  const element = $(id);
  element.replaceChildren();
  const head = element.createTHead().insertRow();
  for (const [key, , number] of columns) head.append(cell('th', t(key), number));
  const body = element.createTBody();
  for (const item of items) {
    const row = body.insertRow();
    for (const [, value, number] of columns) row.append(cell('td', String(value(item) ?? '—'), number));
  }
  if (items.length === 0) body.insertRow().append(cell('td', t('nothing')));
}

function drawFunnel(dimension) {
  const rows = summary.funnel.filter((row) => row.window === period && row.dimension === dimension);
  chart(`chart-${dimension}`, {
    type: 'bar',
    data: {
      labels: rows.map((row) => row.key),
      datasets: ['started', 'proven', 'redeemed'].map((step, index) => ({
        label: t(step),
        data: rows.map((row) => row[step]),
        backgroundColor: COLORS[index],
      })),
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
}

function drawSummary() {
  const percent = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 });
  $('updated').textContent = t('updated', new Date(summary.at).toLocaleString(language));
  for (const dimension of ['channel', 'country', 'provider']) drawFunnel(dimension);

  const platforms = summary.platforms.filter((row) => row.window === period);
  chart('chart-latency', {
    type: 'bar',
    data: {
      labels: platforms.map((row) => row.provider),
      datasets: [
        { label: `p50, ${t('duration')}`, data: platforms.map((row) => row.p50Ms), backgroundColor: COLORS[0] },
        { label: `p95, ${t('duration')}`, data: platforms.map((row) => row.p95Ms), backgroundColor: COLORS[2] },
      ],
    },
    options: { scales: { y: { beginAtZero: true } } },
  });
  table(
    'platforms-table',
    [
      ['provider', (row) => row.provider],
      ['requests', (row) => row.requests, true],
      ['errors', (row) => row.errors, true],
      ['errorRate', (row) => percent.format(row.errorRate), true],
    ],
    platforms,
  );

  const { sms } = summary;
  const limit = sms.budget?.limit ?? null;
  chart('chart-sms', {
    type: 'doughnut',
    data: {
      labels: [t('sent'), t('left')],
      datasets: [
        {
          data: limit === null ? [sms.lastHour, 0] : [sms.inBudgetWindow, Math.max(0, limit - sms.inBudgetWindow)],
          backgroundColor: [COLORS[3], '#d0d7de'],
        },
      ],
    },
  });
  $('sms-text').textContent = t('smsText', {
    hour: sms.lastHour,
    day: sms.lastDay,
    used: sms.inBudgetWindow,
    limit,
    seconds: sms.budget?.windowSeconds,
  });

  chart('chart-prefixes', {
    type: 'bar',
    data: {
      labels: summary.refusedPrefixes.map((row) => row.prefix),
      datasets: [
        {
          label: t('refusedPrefixes'),
          data: summary.refusedPrefixes.map((row) => row.count),
          backgroundColor: COLORS[3],
        },
      ],
    },
    options: { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  table(
    'refusals-table',
    [
      ['reason', (row) => row.reason],
      [period === '1h' ? 'lastHour' : 'lastDay', (row) => (period === '1h' ? row.lastHour : row.lastDay), true],
    ],
    summary.refusals,
  );

  const blocked = $('blocked-list');
  blocked.replaceChildren();
  for (const entry of summary.fraudGuard) {
    const until = entry.blockedUntil ? new Date(entry.blockedUntil).toLocaleString(language) : '—';
    const item = cell('li', t('blockedEntry', { ...entry, until }));
    const allow = cell('button', t('allow'));
    allow.type = 'button';
    allow.addEventListener('click', async () => {
      allow.disabled = true;
      const { status } = await get(`/ops/fraud-guard/${encodeURIComponent(entry.prefix)}/allow`, 'POST');
      if (status === 200) await refresh();
      else {
        allow.disabled = false;
        $('updated').textContent = t('allowFailed');
      }
    });
    item.append(' ', allow);
    blocked.append(item);
  }
  if (summary.fraudGuard.length === 0) blocked.append(cell('li', t('noneBlocked')));
}

function drawHistory() {
  const result = $('history-result');
  result.replaceChildren();
  const heading = document.createElement('p');
  heading.textContent = t('summaryOf', history);
  const list = document.createElement('table');
  list.id = 'history-table';
  result.append(heading, list);
  table(
    'history-table',
    [
      [
        'time',
        (entry) =>
          new Date(entry.at).toLocaleTimeString(language, {
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
            fractionalSecondDigits: 3,
            hour12: false,
          }),
      ],
      ['what', (entry) => TEXTS[language].whats[entry.what] ?? entry.what],
      ['outcome', (entry) => entry.outcome],
      ['provider', (entry) => entry.provider],
      ['number', (entry) => entry.number],
      ['duration', (entry) => entry.durationMs, true],
      ['detail', (entry) => entry.detail],
    ],
    history.entries,
  );
}

async function findHistory(event) {
  event.preventDefault();
  const id = $('history-id').value.trim();
  $('history-error').textContent = '';
  try {
    const { status, body } = await get(`/ops/history/${encodeURIComponent(id)}`);
    if (status !== 200) {
      history = undefined;
      $('history-result').replaceChildren();
      $('history-error').textContent = body.message ?? t('failed');
      return;
    }
    history = body;
    drawHistory();
  } catch (error) {
    if (error.message !== 'token refused') $('history-error').textContent = t('failed');
  }
}

/* ---------- Start ---------- */

function start() {
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.addEventListener('click', () => {
      language = button.dataset.lang;
      applyLanguage();
    });
  }
  for (const button of document.querySelectorAll('[data-window]')) {
    button.addEventListener('click', () => {
      period = button.dataset.window;
      applyLanguage();
    });
  }
  $('refresh').addEventListener('click', () => void refresh());
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    void refresh();
  });
  $('history-form').addEventListener('submit', (event) => void findHistory(event));
  applyLanguage();
  if (sessionStorage.getItem(TOKEN_KEY)) void refresh();
  else askForToken();
  setInterval(() => {
    if (!$('dashboard').hidden) void refresh();
  }, 30_000);
  document.body.dataset.ready = 'true';
}

start();
