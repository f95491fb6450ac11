// lotcheck's inspector app: plain JavaScript, no build step, nothing from
// outside the service.
//
// Every entry (readings of a unit, a grid cell, a correction, a passed
// range, a unit's defects with photos) is first kept on the device in
// IndexedDB with its client UUID and the device's time, shown as pending,
// and sent to the JSON API oldest first whenever there is a connection.
// The API stores a client UUID once, so sending twice stores once. An
// entry the server refuses stays on the device, shown with the server's
// reason and both values, until the inspector decides what to do with it.
// Entries belong to the user who made them and are sent only under that
// user's session.
'use strict';

(function () {
  // ---------------------------------------------------------------- basics
  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));

  /** Makes an element: el('button', {class: 'x', onclick: f}, 'text', child). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (key === 'class') node.className = value;
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else if (value === true) node.setAttribute(key, '');
      else node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** A random (v4) UUID; crypto.randomUUID needs HTTPS, getRandomValues does not. */
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /**
   * What a Chinese keyboard types as ASCII: full-width forms (０–９, ．,
   * －, ｅ…) are the ASCII ones moved by U+FEE0, and the ideographic full
   * stop 。 is what its "." key gives. The full-width comma is left as it
   * is: in Chinese it groups thousands, never marks decimals.
   */
  function halfWidth(text) {
    return String(text)
      .replace(/[\uFF01-\uFF0B\uFF0D-\uFF5E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xFEE0))
      .replace(/\u3002/g, '.');
  }

  /**
   * A typed number: a decimal comma is read as a point, but a comma before
   * exactly three digits (1,200) could group thousands and is refused; ''
   * is null; NaN when not a number.
   */
  function parseNumber(text) {
    const typed = halfWidth(text).trim();
    if (/^[-+]?\d+,\d{3}$/.test(typed)) return NaN;
    const t = typed.replace(',', '.');
    if (t === '') return null;
    return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : NaN;
  }

  /** Pass/fail typed in a grid cell: 0 / p / ok / pass, 1 / f / ng / fail. */
  function parseVerdict(text) {
    const t = halfWidth(text).trim().toLowerCase();
    if (t === '') return null;
    if (['0', 'p', 'ok', 'pass', '合格'].includes(t)) return 0;
    if (['1', 'f', 'ng', 'fail', '不合格'].includes(t)) return 1;
    return NaN;
  }

  function format(value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return '—';
    const text = Number(value).toFixed(digits === undefined ? 4 : digits);
    return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  }

  /** A derived value with a fixed number of decimals (never "-0.0000"). */
  function fixed(value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return '—';
    const text = Number(value).toFixed(digits);
    return Number(text) === 0 ? (0).toFixed(digits) : text;
  }

  /**
   * Redraws `container` without losing what is being typed: values not yet
   * saved, pressed pass/fail buttons and the focus (with the caret) are
   * found again by their `data-key` after `draw()`.
   */
  function keepTyping(container, draw) {
    if (!container) return;
    const typed = {};
    for (const input of $$('input[data-key]:not([readonly])', container)) if (input.value) typed[input.dataset.key] = input.value;
    const pressed = $$('button[aria-pressed=true][data-key]', container).map((b) => b.dataset.key);
    const active = document.activeElement;
    const focus = active && container.contains(active) && active.dataset.key ? active.dataset.key : null;
    const caret = focus && typeof active.selectionStart === 'number' ? active.selectionStart : null;
    draw();
    for (const [key, value] of Object.entries(typed)) {
      const input = $(`input[data-key="${key}"]`, container);
      if (input && !input.readOnly && !input.value) { input.value = value; input.dispatchEvent(new Event('input')); }
    }
    for (const key of pressed) {
      const button = $(`button[data-key="${key}"]`, container);
      if (button) button.setAttribute('aria-pressed', 'true');
    }
    if (focus) {
      const target = $(`[data-key="${focus}"]`, container);
      if (target) {
        target.focus();
        if (caret !== null && !target.readOnly && target.setSelectionRange) target.setSelectionRange(caret, caret);
      }
    }
  }

  /** A camera drawn inline (no icon font, no emoji font needed). */
  function cameraIcon() {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.innerHTML = '<path fill="currentColor" d="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9zm3 5a5 5 0 1 1 0 10 5 5 0 0 1 0-10zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"/>';
    return svg;
  }

  const meta = (name) => ($(`meta[name="${name}"]`) || {}).content || '';

  // The page's language: its messages come with the page (one Fluent
  // catalogue per language on the server), with `{$name}` for arguments.
  const messages = (() => { try { return JSON.parse($('#messages').textContent); } catch (e) { return {}; } })();
  function t(key, args) {
    let text = messages[`app-${key}`] || messages[key] || key;
    for (const [name, value] of Object.entries(args || {})) text = text.split(`{$${name}}`).join(String(value));
    return text;
  }
  const user = meta('username');

  // ------------------------------------------------------------ the device
  const DB_NAME = 'lotcheck';
  let dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          const store = request.result.createObjectStore('entries', { keyPath: 'key', autoIncrement: true });
          store.createIndex('batch', 'batch');
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }

  async function tx(mode, work, durability) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const t = db.transaction('entries', mode, { durability: durability || 'default' });
      const result = work(t.objectStore('entries'));
      t.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  }

  // An entry kept here is the only copy of what the inspector typed until
  // the server has it: it is written to disk before it counts as kept
  // ('strict'). Forgetting a sent entry may wait ('relaxed'): were it lost
  // in a crash, it would be sent again, and the server stores it once.
  const device = {
    add: (entry) => tx('readwrite', (s) => s.add(entry), 'strict'),
    put: (entry) => tx('readwrite', (s) => s.put(entry), 'strict'),
    remove: (key) => tx('readwrite', (s) => s.delete(key), 'relaxed'),
    all: () => tx('readonly', (s) => s.getAll()),
  };

  /** Keeps an entry on the device (oldest first by key), then tries to send. */
  async function keep(entry) {
    entry.user = user;
    entry.state = 'pending';
    entry.created = new Date().toISOString();
    await device.add(entry);
    await refreshEntries();
    flush();
  }

  // --------------------------------------------------------------- sending
  let entries = [];
  let online = navigator.onLine;

  async function refreshEntries() {
    entries = (await device.all()).sort((a, b) => a.key - b.key);
    renderStatus();
    if (page.render) page.render();
  }

  /** The signed-in user and the session's CSRF token, or null. */
  async function currentSession() {
    try {
      const response = await fetch('/inspect/session', { credentials: 'same-origin', cache: 'no-store' });
      if (response.status === 401) return { signedOut: true };
      if (!response.ok) return null;
      return await response.json();
    } catch (error) {
      return null;
    }
  }

  async function api(method, path, body, csrf) {
    // A refusal is told in the language the inspector chose here, whatever
    // the tablet's own.
    const headers = { 'X-CSRF-Token': csrf, Accept: 'application/json', 'Accept-Language': document.documentElement.lang || 'en' };
    let payload = body;
    if (!(body instanceof FormData) && body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    try {
      const response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
      let json = null;
      try { json = await response.json(); } catch (e) { json = null; }
      return { status: response.status, ok: response.ok, json };
    } catch (error) {
      return { network: true };
    }
  }

  /** Sends one entry: its request, then its photos. */
  async function send(entry, csrf) {
    const answer = await api('POST', entry.path, entry.body, csrf);
    if (!answer.ok || !entry.photos || entry.photos.length === 0) return answer;
    const inspection = entry.body.inspections[0].id;
    for (const photo of entry.photos) {
      const form = new FormData();
      form.append('photo', photo.blob, photo.name || 'photo.jpg');
      const sent = await api('POST', `/api/v1/inspections/${inspection}/photos`, form, csrf);
      if (!sent.ok) return sent;
    }
    return answer;
  }

  let running = null;
  let again = false;

  /**
   * Sends the signed-in user's pending entries, oldest first. A call while
   * a flush runs makes it go round once more (an entry made meanwhile is
   * not left for the next timer) and answers the running flush.
   */
  function flush() {
    if (running) { again = true; return running; }
    running = (async () => {
      try {
        do { again = false; await flushOnce(); } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  async function flushOnce() {
    let stored = 0;
    let reload = false;
    let session = await currentSession();
    if (!session) { setOnline(false); return; }
    setOnline(true);
    if (session.signedOut) { renderStatus(t('sign-in-to-send')); return; }
    const queue = (await device.all())
      .filter((e) => e.user === session.username && e.state === 'pending')
      .sort((a, b) => a.key - b.key);
    let drawn = performance.now();
    for (const entry of queue) {
      let answer = await send(entry, session.csrf);
      if (answer.status === 403 && answer.json && answer.json.code === 'csrf_token') {
        session = await currentSession();
        if (!session || session.signedOut) break;
        answer = await send(entry, session.csrf);
      }
      if (answer.network) { setOnline(false); break; }
      if (answer.ok) {
        await device.remove(entry.key);
        entries = entries.filter((e) => e.key !== entry.key);
        stored += 1;
        if (page.stored && !page.stored(entry, answer.json)) reload = true;
      } else if (answer.status === 401 || answer.status === 429 || answer.status >= 500) {
        break; // not the entry's fault: try again later
      } else {
        entry.state = 'refused';
        entry.problem = answer.json || { detail: `the server answered ${answer.status}` };
        await device.put(entry);
        reload = true; // to show what the server holds beside it
        entries = entries.map((e) => (e.key === entry.key ? entry : e));
      }
      // The count on every entry, the page at most once a second: a
      // long queue is not slowed by redrawing it.
      renderStatus();
      if (page.render && performance.now() - drawn > 1000) { page.render(); drawn = performance.now(); }
    }
    if (reload && page.reload) await page.reload();
    await refreshEntries();
  }

  function setOnline(value) {
    online = value;
    renderStatus();
  }

  window.addEventListener('online', () => { online = true; flush(); });
  window.addEventListener('offline', () => setOnline(false));
  setInterval(() => { if (entries.some((e) => e.state === 'pending' && e.user === user)) flush(); }, 15000);

  // ---------------------------------------------------------------- status
  function renderStatus(message) {
    const connection = $('#connection');
    if (!connection) return;
    connection.textContent = online ? t('online') : t('offline');
    connection.classList.toggle('offline', !online);
    const mine = entries.filter((e) => e.user === user);
    const pending = mine.filter((e) => e.state === 'pending').length;
    const others = entries.filter((e) => e.user !== user && e.state === 'pending').length;
    const parts = [];
    if (pending) parts.push(t('pending', { count: pending }));
    if (others) parts.push(t('pending-other-user', { count: others }));
    if (message) parts.push(message);
    $('#pending').textContent = parts.join(' · ');
    $('#send').hidden = pending === 0;
    renderRefused(mine.filter((e) => e.state === 'refused'));
    for (const badge of $$('.pending-count')) {
      const n = mine.filter((e) => String(e.batch) === badge.dataset.batch).length;
      badge.hidden = n === 0;
      badge.textContent = n ? t('waiting-on-tablet', { count: n }) : '';
    }
  }

  function problemText(problem) {
    const lines = [problem.detail || problem.title || t('refused')];
    for (const error of problem.errors || []) {
      if (error.message && error.message !== problem.detail) lines.push(`${error.field}: ${error.message}`);
    }
    return lines.join(' — ');
  }

  /** What the server holds for a reading, as text. */
  function serverValue(unit, code) {
    const stored = page.sheet ? page.readingOf(unit, code) : null;
    return stored ? format(stored.value) : t('nothing');
  }

  function renderRefused(refused) {
    const section = $('#attention');
    if (!section) return;
    section.hidden = refused.length === 0;
    const list = $('#refused');
    list.replaceChildren();
    for (const entry of refused) {
      const reason = el('input', { type: 'text', placeholder: t('correction-reason'), 'aria-label': t('correction-reason') });
      const values = el('div', { class: 'values' });
      for (const reading of entry.readings || []) {
        values.append(el('span', {}, `${t('unit', { unit: reading.unit })} · ${reading.characteristic}`),
          el('span', {}, `${t('yours')} `, el('strong', {}, format(reading.value)), ` · ${t('on-the-server')} `, el('strong', {}, serverValue(reading.unit, reading.characteristic))));
      }
      const actions = el('div', { class: 'actions' });
      if (entry.readings && entry.readings.length) {
        actions.append(reason, el('button', {
          type: 'button',
          onclick: async () => {
            if (!reason.value.trim()) { reason.focus(); reason.placeholder = t('reason-required'); return; }
            await resolveAsCorrection(entry, reason.value.trim());
          },
        }, t('record-mine-as-correction')));
      }
      actions.append(
        el('button', { type: 'button', class: 'quiet', onclick: async () => { entry.state = 'pending'; delete entry.problem; await device.put(entry); await refreshEntries(); flush(); } }, t('send-again')),
        el('button', { type: 'button', class: 'quiet', onclick: async () => { if (confirm(t('discard-confirm'))) { await device.remove(entry.key); await refreshEntries(); } } }, t('discard-mine')));
      list.append(el('li', { dataset: { key: entry.key } },
        el('strong', {}, entry.label || entry.path),
        el('div', { class: 'bad' }, problemText(entry.problem || {})),
        values, actions));
    }
  }

  /** A refused reading becomes a correction of what the server holds (or a new reading where it holds none). */
  async function resolveAsCorrection(entry, reason) {
    for (const reading of entry.readings) {
      const stored = page.readingOf(reading.unit, reading.characteristic);
      if (stored && stored.value === reading.value) continue;
      if (stored) {
        await device.add({
          user, state: 'pending', created: new Date().toISOString(), batch: entry.batch, kind: 'correction',
          label: t('correction-label', { unit: reading.unit, characteristic: reading.characteristic, value: format(reading.value) }),
          path: `/api/v1/measurements/${stored.id}/corrections`,
          body: { id: uuid(), value: reading.value, reason, taken_at: reading.taken_at },
          readings: [],
          correction: { unit: reading.unit, characteristic: reading.characteristic, value: reading.value },
        });
      } else {
        await device.add(readingsEntry(entry.batch, reading.unit, [{ ...reading, id: uuid() }]));
      }
    }
    await device.remove(entry.key);
    await refreshEntries();
    flush();
  }

  function readingsEntry(batch, unit, readings) {
    return {
      user, state: 'pending', created: new Date().toISOString(), batch, kind: 'readings',
      label: `${t('unit', { unit })}: ${readings.map((r) => `${r.characteristic} ${format(r.value)}`).join(', ')}`,
      path: `/api/v1/batches/${batch}/measurements`,
      body: { measurements: readings.map((r) => ({ id: r.id, unit: r.unit, characteristic: r.characteristic, value: r.value, taken_at: r.taken_at })) },
      readings,
    };
  }

  // ------------------------------------------------------------ work list
  const page = {};

  function startWorkList() {
    // Open each batch once so its page is kept for work without a connection.
    for (const link of $$('a.work').slice(0, 20)) {
      fetch(link.getAttribute('href'), { credentials: 'same-origin' }).catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------- entry
  function startEntry(app) {
    const sheet = JSON.parse($('#sheet').textContent);
    const batch = sheet.batch.id;
    const recorded = sheet.characteristics.filter((c) => !c.derived);
    const derived = sheet.characteristics.filter((c) => c.derived);
    let order = 'draw';
    let current = null;
    let tab = recorded.length ? 'unit' : 'visual';
    let gridPage = 0;
    const GRID_ROWS = 50;

    Object.assign(page, {
      sheet,
      readingOf(unit, code) {
        return page.sheet.readings.find((r) => r.unit === unit && r.characteristic === code) || null;
      },
      /**
       * Takes the server's answer to a stored entry into the sheet; false
       * when the sheet must be read again (colours, visual inspection).
       */
      stored(entry, answer) {
        const coloured = new Set(sheet.characteristics.filter((c) => c.quantity === 'cie_x' || c.quantity === 'cie_y').map((c) => c.code));
        const put = (m) => {
          sheet.readings = sheet.readings.filter((r) => !(r.unit === m.unit && r.characteristic === m.characteristic));
          sheet.readings.push({ id: m.id, unit: m.unit, characteristic: m.characteristic, value: m.value });
          return !coloured.has(m.characteristic);
        };
        valueCache = null;
        if (entry.kind === 'readings' && answer && answer.measurements) return answer.measurements.map(put).every(Boolean);
        if (entry.kind === 'correction' && answer && answer.id) return put(answer);
        return false;
      },
      async reload() {
        try {
          const response = await fetch(`/api/v1/batches/${batch}/worksheet`, { credentials: 'same-origin' });
          if (response.ok) Object.assign(sheet, await response.json());
          valueCache = null;
        } catch (error) { /* offline: keep the sheet we have */ }
        page.sheet = sheet;
      },
      render,
    });

    const drawn = new Set(sheet.units);
    /** Most units a tray may stand for (the service refuses more in one request). */
    const MAX_TRAY = 10000;
    const units = () => (order === 'draw' ? sheet.units : [...sheet.units].sort((a, b) => a - b));
    const mine = () => entries.filter((e) => e.user === user && String(e.batch) === String(batch));

    /** A unit's values: stored, or kept on the tablet (pending / refused). */
    let valueCache = null;

    function valuesOf(unit) {
      if (!valueCache) valueCache = allValues();
      return valueCache.get(unit) || {};
    }

    /** Every unit's values, in one pass over the sheet and the device's entries. */
    function allValues() {
      const byUnit = new Map();
      const of = (unit) => { if (!byUnit.has(unit)) byUnit.set(unit, {}); return byUnit.get(unit); };
      for (const r of sheet.readings) of(r.unit)[r.characteristic] = { value: r.value, state: 'stored', id: r.id };
      for (const e of mine()) {
        for (const r of e.readings || []) {
          const values = of(r.unit);
          if (!(values[r.characteristic] && e.state === 'refused')) values[r.characteristic] = { value: r.value, state: e.state };
        }
        if (e.correction) {
          const values = of(e.correction.unit);
          values[e.correction.characteristic] = { ...(values[e.correction.characteristic] || {}), value: e.correction.value, state: e.state };
        }
      }
      return byUnit;
    }

    function outside(c, value) {
      if (value === null || value === undefined || Number.isNaN(value)) return false;
      if (c.kind === 'attribute') return value !== 0;
      return (c.lsl !== null && value < c.lsl) || (c.usl !== null && value > c.usl);
    }

    function limitsText(c) {
      if (c.kind === 'attribute') return t('pass-fail');
      if (c.lsl !== null && c.usl !== null) return `${c.lsl} – ${c.usl}`;
      if (c.lsl !== null) return `≥ ${c.lsl}`;
      if (c.usl !== null) return `≤ ${c.usl}`;
      return t('no-limits');
    }

    function unitState(unit) {
      const values = valuesOf(unit);
      const found = recorded.filter((c) => values[c.code]);
      const state = [];
      if (found.length === recorded.length) state.push('done');
      else if (found.length) state.push('partial');
      if (found.some((c) => values[c.code].state !== 'stored')) state.push('pending');
      if (found.some((c) => outside(c, values[c.code].value))) state.push('out');
      return state;
    }

    /** The unit saved last, said on the form it moved on to (and only there). */
    let lastSaved = null;

    function nextOpenUnit(after) {
      const list = units();
      const start = list.indexOf(after) + 1;
      for (let i = 0; i < list.length; i += 1) {
        const unit = list[(start + i) % list.length];
        if (!unitState(unit).includes('done')) return unit;
      }
      return null;
    }

    // ---------------------------------------------------- unit by unit
    function renderUnitList() {
      const box = $('#unit-list');
      if (!box) return;
      const list = units();
      const buttons = $$('button', box);
      const same = buttons.length === list.length && buttons.every((b, i) => b.dataset.unit === String(list[i]));
      if (!same) {
        box.replaceChildren(...list.map((unit) => el('button', {
          type: 'button', dataset: { unit }, onclick: () => selectUnit(unit),
        }, String(unit))));
      }
      for (const button of $$('button', box)) {
        const unit = Number(button.dataset.unit);
        const state = unitState(unit).join(' ');
        if (button.className !== state) button.className = state;
        button.setAttribute('aria-current', unit === current ? 'true' : 'false');
        button.setAttribute('aria-label', `${t('unit', { unit })} ${state}`);
      }
      const selected = $('[aria-current=true]', box);
      if (selected && !same) selected.scrollIntoView({ block: 'nearest' });
    }

    function selectUnit(unit, focus) {
      current = unit;
      if (lastSaved && lastSaved.shownOn !== unit) lastSaved = null;
      openCorrection = null;
      renderUnitList();
      renderUnitForm();
      if (focus !== false) {
        const first = $('#unit-form input:not([readonly]), #unit-form .passfail button');
        if (first) first.focus();
      }
    }

    function colourBlock(unit) {
      const colour = sheet.colours.find((c) => c.unit === unit);
      if (!colour) return null;
      const limit = (quantity) => derived.find((c) => c.quantity === quantity);
      const cell = (label, value, digits, quantity) => {
        const c = limit(quantity);
        const cls = c ? (outside(c, value) ? 'value out' : 'value in') : 'value';
        return el('div', {}, el('span', { class: 'label' }, label), el('span', { class: cls }, fixed(value, digits),
          c ? (outside(c, value) ? ' ✗' : ' ✓') : ''));
      };
      return el('div', { class: 'colour', 'aria-label': t('colour-of-unit') },
        cell(t('cct'), colour.cct_k, 0, 'cct_k'),
        cell('Duv', colour.duv, 4, 'duv'),
        colour.macadam_steps !== null && colour.macadam_steps !== undefined ? cell(t('macadam-steps'), colour.macadam_steps, 1, 'macadam_steps') : null,
        el('div', {}, el('span', { class: 'label' }, t('ansi-bin')), el('span', { class: 'value' },
          colour.ansi_nominal_cct_k ? `${colour.ansi_nominal_cct_k} K` : t('outside-bins'))));
    }

    async function showHistory(id, box) {
      box.replaceChildren(el('p', { class: 'muted' }, t('loading')));
      try {
        const response = await fetch(`/api/v1/measurements/${id}/history`, { credentials: 'same-origin' });
        const history = await response.json();
        box.replaceChildren(el('ol', { class: 'history' }, history.versions.map((v) => el('li', {},
          el('strong', {}, format(v.value)), ` · ${new Date(v.recorded_at).toLocaleString(document.documentElement.lang || undefined)}`,
          v.recorded_by ? ` · ${v.recorded_by}` : '', v.reason ? ` · “${v.reason}”` : ''))));
      } catch (error) {
        box.replaceChildren(el('p', { class: 'muted' }, t('history-offline')));
      }
    }

    /** The correction open in the unit form (it survives redraws), if any. */
    let openCorrection = null;

    function correctionForm(c, stored, box, focus = true) {
      openCorrection = { unit: current, code: c.code };
      const key = `correct:${current}:${c.code}`;
      const value = el('input', { type: 'text', inputmode: c.kind === 'attribute' ? 'text' : 'decimal', enterkeyhint: 'next', autocomplete: 'off',
        'aria-label': t('corrected', { name: c.name }), dataset: { key: `${key}:value` } });
      const reason = el('input', { type: 'text', enterkeyhint: 'done', autocomplete: 'off',
        'aria-label': t('reason'), placeholder: t('reason-placeholder'), dataset: { key: `${key}:reason` } });
      const error = el('p', { class: 'bad', role: 'alert' });
      const parsed = () => (c.kind === 'attribute' ? parseVerdict(value.value) : parseNumber(value.value));
      const save = async () => {
        const number = parsed();
        if (number === null || Number.isNaN(number)) { error.textContent = t('type-corrected-value'); value.focus(); value.select(); return; }
        if (!reason.value.trim()) { error.textContent = t('say-why-value'); reason.focus(); return; }
        openCorrection = null;
        await keep({
          batch, kind: 'correction', readings: [],
          label: t('correction-label', { unit: current, characteristic: c.code, value: format(number) }),
          path: `/api/v1/measurements/${stored.id}/corrections`,
          body: { id: uuid(), value: number, reason: reason.value.trim(), taken_at: new Date().toISOString() },
          correction: { unit: current, characteristic: c.code, value: number },
        });
      };
      // Enter: from the value to the reason, then saves (as everywhere else).
      value.addEventListener('keydown', (event) => {
        if (event.key !== 'Enter') return;
        event.preventDefault();
        const number = parsed();
        if (number === null || Number.isNaN(number)) { error.textContent = t('type-corrected-value'); value.select(); return; }
        error.textContent = '';
        reason.focus();
      });
      reason.addEventListener('keydown', (event) => { if (event.key === 'Enter') { event.preventDefault(); save(); } });
      box.replaceChildren(el('div', { class: 'correction' },
        el('label', {}, t('corrected', { name: c.name })), value, reason, error,
        el('div', { class: 'stored-actions' },
          el('button', { type: 'button', onclick: save }, t('save-correction')),
          el('button', { type: 'button', class: 'quiet', onclick: () => { openCorrection = null; box.replaceChildren(); } }, t('cancel')))));
      if (focus) value.focus();
    }

    function fieldFor(c, values) {
      const have = values[c.code];
      const label = el('label', { for: `f-${c.code}` }, c.name, c.unit ? ` (${c.unit})` : '', ' ', el('span', { class: 'limits' }, limitsText(c)));
      if (have) {
        const extra = el('div', { class: 'extra' });
        const stored = el('div', { class: `stored ${outside(c, have.value) ? 'out' : ''}` },
          c.kind === 'attribute' ? (have.value === 0 ? t('pass') : t('fail')) : format(have.value),
          outside(c, have.value) ? ' ✗' : '',
          have.state !== 'stored' ? el('span', { class: 'tag' }, have.state === 'refused' ? t('refused') : t('pending-tag')) : null);
        const actions = have.state === 'stored' && have.id ? el('div', { class: 'stored-actions' },
          el('button', { type: 'button', class: 'quiet', onclick: () => correctionForm(c, have, extra) }, t('correct')),
          el('button', { type: 'button', class: 'quiet', onclick: () => showHistory(have.id, extra) }, t('history'))) : null;
        if (openCorrection && openCorrection.unit === current && openCorrection.code === c.code && have.state === 'stored' && have.id) {
          correctionForm(c, have, extra, false);
        }
        return el('div', { class: 'field', dataset: { code: c.code } }, label, stored, actions, extra);
      }
      if (c.kind === 'attribute') {
        const buttons = [0, 1].map((v) => el('button', {
          type: 'button', 'aria-pressed': 'false', dataset: { value: v, key: `${current}:${c.code}:${v}` },
          onclick: (event) => {
            for (const b of $$('button', event.target.parentNode)) b.setAttribute('aria-pressed', b === event.target ? 'true' : 'false');
            // A tap chooses; it does not save: after the last field the
            // save button takes the focus, to be pressed when the unit is
            // complete (a tap that saved and opened the next unit left the
            // inspector's next tap on "save" to skip that unit).
            moveOn(event.target, false);
          },
        }, v === 0 ? t('pass') : t('fail')));
        return el('div', { class: 'field', dataset: { code: c.code, kind: 'attribute' } }, el('label', {}, c.name), el('div', { class: 'passfail', role: 'group', 'aria-label': c.name }, buttons));
      }
      const verdict = el('div', { class: 'verdict', 'aria-live': 'polite' });
      const input = el('input', {
        id: `f-${c.code}`, type: 'text', inputmode: 'decimal', autocomplete: 'off', enterkeyhint: 'next',
        dataset: { key: `${current}:${c.code}` },
        oninput: () => {
          const v = parseNumber(input.value);
          input.classList.toggle('in', v !== null && !Number.isNaN(v) && !outside(c, v));
          input.classList.toggle('out', v !== null && (Number.isNaN(v) || outside(c, v)));
          verdict.className = `verdict ${input.classList.contains('out') ? 'out' : input.classList.contains('in') ? 'in' : ''}`;
          verdict.textContent = v === null ? '' : Number.isNaN(v) ? t('not-a-number') : outside(c, v) ? t('outside-limits') : t('within-limits');
        },
        onkeydown: (event) => {
          if (event.key !== 'Enter') return;
          event.preventDefault();
          // A typo stays where it is, selected, so the next keys replace it.
          if (Number.isNaN(parseNumber(input.value))) { input.select(); return; }
          moveOn(input);
        },
      });
      return el('div', { class: 'field', dataset: { code: c.code } }, label, input, verdict);
    }

    /**
     * The next field; after the last one the unit is saved (Enter in a
     * number field, from the keyboard or a scanner) or the save button is
     * focused (a pass/fail button pressed, by a tap or by Enter).
     */
    function moveOn(from, saveAtEnd = true) {
      const controls = $$('#unit-form input:not([readonly]):not([type=file]), #unit-form .passfail');
      const index = controls.findIndex((node) => node === from || node.contains(from));
      const next = controls[index + 1];
      if (next) (next.matches('.passfail') ? $('button', next) : next).focus();
      else if (saveAtEnd) saveUnit();
      else $('#unit-form .form-actions button')?.focus();
    }

    async function saveUnit() {
      const form = $('#unit-form');
      const readings = [];
      let problem = null;
      const takenAt = new Date().toISOString();
      for (const field of $$('.field', form)) {
        const code = field.dataset.code;
        let value = null;
        if (field.dataset.kind === 'attribute') {
          const pressed = $('button[aria-pressed=true]', field);
          value = pressed ? Number(pressed.dataset.value) : null;
        } else {
          const input = $('input', field);
          if (!input) continue;
          value = parseNumber(input.value);
          if (Number.isNaN(value)) { problem = problem || input; continue; }
        }
        if (value !== null) readings.push({ id: uuid(), unit: current, characteristic: code, value, taken_at: takenAt });
      }
      const message = $('#unit-message');
      if (problem) { message.textContent = t('value-not-number'); problem.focus(); problem.select(); return; }
      if (readings.length === 0) {
        // A unit with nothing recorded is not passed over unsaid: the
        // inspector picks another unit from the list to leave it.
        const state = unitState(current);
        if (!state.includes('done')) {
          message.textContent = t(state.includes('partial') ? 'nothing-new-entered' : 'nothing-entered', { unit: current });
          $('#unit-form input:not([readonly]), #unit-form .passfail button')?.focus();
          return;
        }
        const next = nextOpenUnit(current);
        if (next !== null && next !== current) selectUnit(next);
        return;
      }
      const saved = { unit: current, n: readings.length };
      await keep(readingsEntry(batch, current, readings));
      const next = nextOpenUnit(current);
      lastSaved = { ...saved, shownOn: next ?? current };
      if (next !== null) selectUnit(next);
      else renderUnitForm();
    }

    function renderUnitForm() {
      const form = $('#unit-form');
      if (!form) return;
      if (current === null) {
        form.replaceChildren(el('p', { class: 'muted' }, sheet.units.length ? t('pick-unit') : t('no-units')));
        return;
      }
      const values = valuesOf(current);
      const state = unitState(current);
      form.replaceChildren(...[
        el('h2', {}, el('span', {}, t('unit', { unit: current })), el('span', { class: 'muted' },
          state.includes('done') ? t('all-recorded') : t('n-of-m-recorded', { n: recorded.filter((c) => values[c.code]).length, m: recorded.length }))),
        el('div', { class: 'fields' }, recorded.map((c) => fieldFor(c, values))),
        colourBlock(current),
        el('p', { id: 'unit-message', class: 'bad', role: 'alert' }),
        el('p', { id: 'unit-saved', role: 'status' },
          lastSaved && lastSaved.shownOn === current ? t('unit-saved', { unit: lastSaved.unit, n: lastSaved.n }) : ''),
        el('div', { class: 'form-actions' },
          el('button', { type: 'button', onclick: saveUnit }, state.includes('done') ? t('next-unit') : t('save-next-unit'))),
      ].filter(Boolean));
    }

    // ------------------------------------------------------------ grid
    /** The grid's cells as the sheet and the device say. */
    function cellState(c, have) {
      if (!have) return { value: '', readOnly: false, className: '' };
      return {
        value: c.kind === 'attribute' ? (have.value === 0 ? t('pass') : t('fail')) : format(have.value),
        readOnly: true,
        className: `${outside(c, have.value) ? 'out' : 'in'} ${have.state !== 'stored' ? 'pending' : ''}`.trim(),
      };
    }

    const gridKeyOf = () => `${gridPage}:${order}:${sheet.units.length}`;

    /** Brings the drawn grid up to date in place; false when it must be drawn anew. */
    function patchGrid() {
      const wrap = $('#grid');
      if (!wrap || wrap.dataset.drawn !== gridKeyOf()) return false;
      for (const input of $$('input[data-key]', wrap)) {
        const c = recorded.find((x) => x.code === input.dataset.code);
        const want = cellState(c, valuesOf(Number(input.dataset.unit))[c.code]);
        if (!want.readOnly && !input.readOnly) continue; // being typed, or empty
        if (committing.has(input) && !want.readOnly) continue;
        if (input.value !== want.value) input.value = want.value;
        input.readOnly = want.readOnly;
        if (input.className !== want.className) input.className = want.className;
      }
      return true;
    }

    function renderGrid() {
      const wrap = $('#grid');
      if (!wrap) return;
      wrap.dataset.drawn = gridKeyOf();
      const list = units();
      const pages = Math.max(1, Math.ceil(list.length / GRID_ROWS));
      gridPage = Math.min(gridPage, pages - 1);
      const rows = list.slice(gridPage * GRID_ROWS, (gridPage + 1) * GRID_ROWS);
      const table = el('table', { class: 'grid' },
        el('thead', {}, el('tr', {}, el('th', {}, t('unit-heading')), recorded.map((c) => el('th', {}, c.name, c.unit ? ` (${c.unit})` : '', el('span', { class: 'limits' }, limitsText(c)))))),
        el('tbody', {}, rows.map((unit, r) => {
          const values = valuesOf(unit);
          return el('tr', {}, el('td', {}, String(unit)), recorded.map((c, col) => {
            const cell = cellState(c, values[c.code]);
            const input = el('input', {
              type: 'text', inputmode: c.kind === 'attribute' ? 'text' : 'decimal', autocomplete: 'off',
              'aria-label': `${t('unit', { unit })} ${c.name}`, dataset: { row: r, col, unit, code: c.code, key: `${unit}:${c.code}` },
              value: cell.value,
              readonly: cell.readOnly,
              placeholder: c.kind === 'attribute' ? t('grid-pass-fail') : '',
              title: c.kind === 'attribute' ? t('grid-pass-fail') : null,
              class: cell.className,
              onkeydown: gridKey,
              onchange: (event) => commitCell(event.target),
              oninput: (event) => {
                const v = c.kind === 'attribute' ? parseVerdict(event.target.value) : parseNumber(event.target.value);
                event.target.classList.toggle('in', v !== null && !Number.isNaN(v) && !outside(c, v));
                event.target.classList.toggle('out', v !== null && (Number.isNaN(v) || outside(c, v)));
              },
            });
            return el('td', {}, input);
          }));
        })));
      const pager = el('div', { class: 'pager' },
        el('button', { type: 'button', class: 'quiet', disabled: gridPage === 0, onclick: () => { gridPage -= 1; render(); } }, t('previous')),
        el('span', {}, t('units-range', { first: gridPage * GRID_ROWS + 1, last: gridPage * GRID_ROWS + rows.length, total: list.length })),
        el('button', { type: 'button', class: 'quiet', disabled: gridPage >= pages - 1, onclick: () => { gridPage += 1; render(); } }, t('next')),
        el('span', { class: 'muted' }, t('grid-help')));
      wrap.replaceChildren(pager, el('p', { id: 'grid-note', class: 'bad', role: 'alert' }), table);
    }

    const committing = new Set();

    async function commitCell(input) {
      if (input.readOnly || committing.has(input)) return;
      const c = recorded.find((x) => x.code === input.dataset.code);
      const value = c.kind === 'attribute' ? parseVerdict(input.value) : parseNumber(input.value);
      if (value === null) return;
      if (Number.isNaN(value)) {
        input.classList.add('out');
        input.title = t('not-a-number');
        const note = $('#grid-note');
        if (note) note.textContent = `${t('unit', { unit: input.dataset.unit })} · ${c.name}: “${input.value}” ${t('not-a-number')}`;
        return;
      }
      committing.add(input);
      input.readOnly = true;
      const unit = Number(input.dataset.unit);
      await keep(readingsEntry(batch, unit, [{ id: uuid(), unit, characteristic: c.code, value, taken_at: new Date().toISOString() }]));
      committing.delete(input);
    }

    function focusCell(row, col) {
      const target = $(`#grid input[data-row="${row}"][data-col="${col}"]`);
      if (target) { target.focus(); if (!target.readOnly) target.select(); }
    }

    function gridKey(event) {
      const input = event.target;
      const row = Number(input.dataset.row);
      const col = Number(input.dataset.col);
      const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
      const atEnd = input.selectionStart === input.value.length;
      let target = null;
      if (event.key === 'Enter' || event.key === 'ArrowDown') target = [row + 1, col];
      else if (event.key === 'ArrowUp') target = [row - 1, col];
      else if (event.key === 'ArrowRight' && (atEnd || input.readOnly)) target = [row, col + 1];
      else if (event.key === 'ArrowLeft' && (atStart || input.readOnly)) target = [row, col - 1];
      if (!target) return;
      event.preventDefault();
      if (target[1] < 0 || target[1] >= recorded.length) return; // the grid's edge
      focusCell(target[0], target[1]);
      commitCell(input);
    }

    // ---------------------------------------------------------- visual
    const visual = { unit: null, counts: {}, photos: [], correcting: null };

    function inspectedUnits() {
      const passed = new Set();
      for (const [first, last] of sheet.visual.passed) for (let u = first; u <= last; u += 1) passed.add(u);
      const failed = new Map(sheet.visual.failed.map((f) => [f.unit, f]));
      const pending = new Set();
      for (const e of mine()) {
        if (e.kind === 'range') {
          for (let u = e.range.first; u <= e.range.last; u += 1) if (sheet.visual.every_unit || drawn.has(u)) pending.add(u);
        }
        if (e.kind === 'inspection') pending.add(e.body.inspections[0].unit);
      }
      return { passed, failed, pending };
    }

    function firstOpenVisualUnit() {
      const { passed, failed, pending } = inspectedUnits();
      const candidates = sheet.visual.every_unit ? null : [...drawn].sort((a, b) => a - b);
      if (candidates) return candidates.find((u) => !passed.has(u) && !failed.has(u) && !pending.has(u)) || null;
      for (let u = 1; u <= sheet.batch.lot_size; u += 1) if (!passed.has(u) && !failed.has(u) && !pending.has(u)) return u;
      return null;
    }

    /**
     * The units a tray from `a` to `b` stands for: how many are open, the
     * inspected (or waiting) ones, and the trays of open units around them.
     */
    function trayOf(a, b, { passed, failed, pending }) {
      const units = [];
      if (sheet.visual.every_unit) for (let u = a; u <= b; u += 1) units.push(u);
      else units.push(...[...drawn].filter((u) => u >= a && u <= b).sort((x, y) => x - y));
      const inspected = [];
      const trays = [];
      let tray = null;
      for (const u of units) {
        if (passed.has(u) || failed.has(u) || pending.has(u)) {
          inspected.push(u);
          tray = null;
        } else if (tray) tray[1] = u;
        else { tray = [u, u]; trays.push(tray); }
      }
      return { open: units.length - inspected.length, trays, inspected };
    }

    function renderVisual() {
      const box = $('#visual');
      if (!box) return;
      const { passed, failed, pending } = inspectedUnits();
      const done = passed.size + failed.size;
      const first = firstOpenVisualUnit();
      // The first open unit is offered as a hint, never as a value: a tray
      // is marked only with both ends typed, and the button says how many.
      const from = el('input', { type: 'text', inputmode: 'numeric', id: 'range-first', dataset: { key: 'range-first' }, placeholder: first === null ? '' : String(first) });
      const to = el('input', { type: 'text', inputmode: 'numeric', id: 'range-last', dataset: { key: 'range-last' } });
      const rangeMessage = el('p', { class: 'bad', role: 'alert' });
      const rangeCard = el('div', { class: 'card' },
        el('h2', {}, t('tray-passed')),
        el('p', { class: 'muted' }, sheet.visual.every_unit ? t('tray-every-unit') : t('tray-drawn-units')),
        el('div', { class: 'range' },
          el('div', {}, el('label', { for: 'range-first' }, t('first-unit')), from),
          el('div', {}, el('label', { for: 'range-last' }, t('last-unit')), to),
          rangeMessage,
          el('button', {
            type: 'button', id: 'mark-range',
            onclick: async () => {
              const a = parseNumber(from.value);
              const b = parseNumber(to.value);
              if (!Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b < a || b > sheet.batch.lot_size) {
                rangeMessage.textContent = t('range-invalid', { lot: sheet.batch.lot_size });
                return;
              }
              const taken = new Date().toISOString();
              await keep({
                batch, kind: 'range', label: t('range-label', { first: a, last: b }), range: { first: a, last: b },
                path: `/api/v1/batches/${batch}/inspections`,
                body: { passed_range: { id: uuid(), first: a, last: b, taken_at: taken } },
              });
              // Marked: the ends are cleared, so the same tray is not sent twice.
              for (const input of [$('#range-first'), $('#range-last')]) {
                if (input) { input.value = ''; input.dispatchEvent(new Event('input')); }
              }
            },
          }, t('mark-passed'))));
      const markButton = $('#mark-range', rangeCard);
      const countRange = () => {
        const a = parseNumber(from.value);
        const b = parseNumber(to.value);
        const ok = Number.isInteger(a) && Number.isInteger(b) && a >= 1 && b >= a && b <= sheet.batch.lot_size;
        // A tray longer than the service takes is only counted (it refuses it).
        const walk = ok && b - a < MAX_TRAY;
        const { open, trays, inspected } = walk ? trayOf(a, b, { passed, failed, pending })
          : { open: ok ? (sheet.visual.every_unit ? b - a + 1 : [...drawn].filter((u) => u >= a && u <= b).length) : 0, trays: [], inspected: [] };
        markButton.textContent = ok ? t('mark-n-passed', { first: a, last: b, count: open + inspected.length }) : t('mark-passed');
        // A tray holding a unit inspected already (a unit with defects taken
        // out first, say) would be refused whole: the trays around it are
        // offered instead.
        const list = (items, most) => items.slice(0, most).join(t('list-separator')) + (items.length > most ? t('list-separator') + '…' : '');
        const units = list(inspected, 5);
        rangeMessage.textContent = inspected.length === 0 ? ''
          : trays.length === 0 ? t('range-all-inspected', { units })
            : t('range-has-inspected', { units, trays: list(trays.map(([f, l]) => (f === l ? String(f) : `${f}–${l}`)), 3) });
        markButton.disabled = !ok || open === 0 || inspected.length > 0;
      };
      from.addEventListener('input', countRange);
      to.addEventListener('input', countRange);
      countRange();

      const unitInput = el('input', { type: 'text', inputmode: 'numeric', id: 'visual-unit', dataset: { key: 'visual-unit' }, value: visual.unit === null ? '' : visual.unit,
        onchange: () => { visual.unit = parseNumber(unitInput.value); } });
      const defectName = (code) => sheet.visual.catalogue.find((d) => d.code === code)?.name ?? code;
      const defectButtons = sheet.visual.catalogue.map((d) => el('button', {
        type: 'button', class: visual.counts[d.code] ? 'on' : '', dataset: { defect: d.code },
        'aria-label': `${d.name}, ${t(`severity-${d.severity}`)}${visual.counts[d.code] ? `, ${t('found', { count: visual.counts[d.code] })}` : ''}`,
        onclick: () => { visual.counts[d.code] = (visual.counts[d.code] || 0) + 1; renderVisual(); $(`#visual button[data-defect="${d.code}"]`).focus(); },
      }, el('span', {}, d.name), el('span', { class: 'sev' }, t(`severity-${d.severity}`)), visual.counts[d.code] ? el('span', { class: 'count' }, String(visual.counts[d.code])) : null));
      const less = Object.entries(visual.counts).filter(([, n]) => n > 0).map(([code, n]) => el('button', {
        type: 'button', onclick: () => { visual.counts[code] = n - 1; if (!visual.counts[code]) delete visual.counts[code]; renderVisual(); },
      }, `− ${defectName(code)} (${n})`));
      const photoInput = el('input', {
        type: 'file', accept: 'image/*', capture: 'environment', multiple: true, id: 'photo',
        onchange: () => { for (const file of photoInput.files) visual.photos.push({ name: file.name, type: file.type, blob: file }); renderVisual(); },
      });
      const reason = el('input', { type: 'text', id: 'visual-reason', dataset: { key: 'visual-reason' }, placeholder: t('reason-for-correction') });
      const defectMessage = el('p', { class: 'bad', role: 'alert' });
      const defectCard = el('div', { class: 'card' },
        el('h2', {}, visual.correcting ? t('correct-unit', { unit: visual.correcting.unit }) : t('unit-with-defects')),
        el('label', { for: 'visual-unit' }, t('unit-heading')), unitInput,
        el('p', { class: 'muted' }, t('tap-defects')),
        el('div', { class: 'defects' }, defectButtons),
        less.length ? el('div', { class: 'less' }, less) : null,
        el('label', { class: 'photo-input', for: 'photo' }, cameraIcon(), visual.photos.length ? t('add-another-photo') : t('add-photo'), photoInput),
        el('div', { class: 'thumbs', id: 'new-photos' }, visual.photos.map((p) => el('img', { src: URL.createObjectURL(p.blob), alt: t('photo-alt', { name: p.name }) }))),
        visual.correcting ? reason : null,
        defectMessage,
        el('div', { class: 'form-actions' },
          el('button', { type: 'button', id: 'save-defects', onclick: () => saveDefects(unitInput, reason, defectMessage) }, visual.correcting ? t('save-correction') : t('save-unit')),
          visual.correcting || Object.keys(visual.counts).length || visual.photos.length
            ? el('button', { type: 'button', class: 'quiet', onclick: () => { Object.assign(visual, { counts: {}, photos: [], correcting: null }); renderVisual(); } }, t('clear')) : null));

      const findings = (defects) => Object.entries(defects).map(([code, n]) => `${defectName(code)} × ${n}`).join(t('list-separator'));
      const waiting = mine().filter((e) => e.kind === 'inspection').map((e) => el('div', { class: 'unit' },
        el('span', {}, el('strong', {}, t('unit', { unit: e.body.inspections[0].unit })), ' · ',
          findings(Object.fromEntries(e.body.inspections[0].defects.map((d) => [d.defect, d.count]))),
          ' ', el('span', { class: 'tag' }, e.state === 'refused' ? t('refused') : t('pending-tag'))),
        el('span', { class: 'thumbs' }, (e.photos || []).map((p) => el('img', { src: URL.createObjectURL(p.blob), alt: t('photo-of-unit', { unit: e.body.inspections[0].unit }) })))));
      const failedList = el('div', { class: 'failed-list' }, waiting, sheet.visual.failed.map((f) => el('div', { class: 'unit' },
        el('span', {}, el('strong', {}, t('unit', { unit: f.unit })), ' · ', findings(f.defects)),
        el('span', { class: 'thumbs' }, (f.photos || []).map((id) => el('a', { href: `/photos/${id}` },
          el('img', { src: `/photos/${id}/thumbnail`, alt: t('photo-of-unit', { unit: f.unit }), loading: 'lazy' })))),
        el('button', { type: 'button', class: 'quiet', onclick: () => { Object.assign(visual, { unit: f.unit, counts: { ...f.defects }, photos: [], correcting: f }); renderVisual(); } }, t('correct')))));

      box.replaceChildren(...[
        el('p', { class: 'summary-line' }, t('visual-summary', { done, total: sheet.visual.units_to_inspect, failed: failed.size }),
          pending.size ? ` · ${t('pending-on-tablet', { count: pending.size })}` : ''),
        el('div', { class: 'visual-grid' }, rangeCard, defectCard),
        failedList.childElementCount ? el('div', { class: 'card' }, el('h2', {}, t('units-with-defects')), failedList) : null,
      ].filter(Boolean));
    }

    async function saveDefects(unitInput, reason, message) {
      const unit = parseNumber(unitInput.value);
      if (!Number.isInteger(unit) || unit < 1 || unit > sheet.batch.lot_size) { message.textContent = t('give-unit', { lot: sheet.batch.lot_size }); unitInput.focus(); return; }
      if (!sheet.visual.every_unit && !drawn.has(unit)) { message.textContent = t('not-drawn', { unit }); unitInput.focus(); return; }
      const defects = Object.entries(visual.counts).filter(([, n]) => n > 0).map(([defect, count]) => ({ defect, count }));
      const taken = new Date().toISOString();
      if (visual.correcting) {
        if (!reason.value.trim()) { message.textContent = t('say-why-inspection'); reason.focus(); return; }
        await keep({
          batch, kind: 'inspection-correction', label: t('inspection-correction-label', { unit }),
          path: `/api/v1/inspections/${visual.correcting.id}/corrections`,
          body: { id: uuid(), defects, reason: reason.value.trim(), taken_at: taken },
        });
      } else {
        if (defects.length === 0 && visual.photos.length === 0) { message.textContent = t('tap-defects-first'); return; }
        await keep({
          batch, kind: 'inspection', label: `${t('unit', { unit })}: ${defects.map((d) => `${d.defect} × ${d.count}`).join(', ')}${visual.photos.length ? ` + ${t('photos', { count: visual.photos.length })}` : ''}`,
          path: `/api/v1/batches/${batch}/inspections`,
          body: { inspections: [{ id: uuid(), unit, defects, taken_at: taken }] },
          photos: visual.photos,
        });
      }
      Object.assign(visual, { unit: null, counts: {}, photos: [], correcting: null });
      renderVisual();
    }

    // ---------------------------------------------------------- import
    function renderImport() {
      const box = $('#import');
      if (!box || box.dataset.ready) return;
      box.dataset.ready = '1';
      const file = el('input', { type: 'file', id: 'import-file', accept: '.csv,text/csv' });
      const instrument = el('select', { id: 'import-instrument' },
        el('option', { value: '' }, t('no-saved-instrument')),
        sheet.instruments.map((i) => el('option', { value: i.name }, i.name)));
      if (sheet.instruments.length) instrument.value = sheet.instruments[0].name;
      const newInstrument = el('input', { type: 'text', id: 'import-new-instrument', placeholder: t('new-instrument-placeholder') });
      const unitColumn = el('input', { type: 'text', id: 'import-unit-column', value: sheet.instruments.length ? sheet.instruments[0].unit_column : 'unit' });
      const mapping = el('div', { class: 'import-map' });
      const result = el('div', { id: 'import-result', 'aria-live': 'polite' });
      let headers = [];

      function savedMapping() {
        const saved = sheet.instruments.find((i) => i.name === instrument.value);
        return saved ? saved.mapping : {};
      }

      function guess(header) {
        const saved = savedMapping();
        if (saved[header]) return saved[header];
        const h = header.trim().toLowerCase();
        const match = recorded.find((c) => c.code.toLowerCase() === h || c.name.toLowerCase() === h);
        return match ? match.code : '';
      }

      function renderMapping() {
        mapping.replaceChildren();
        const saved = sheet.instruments.find((i) => i.name === instrument.value);
        if (saved) unitColumn.value = saved.unit_column;
        for (const header of headers) {
          if (header === unitColumn.value) continue;
          const select = el('select', { dataset: { header }, 'aria-label': t('column', { header }) },
            el('option', { value: '' }, t('not-read')),
            recorded.map((c) => el('option', { value: c.code }, `${c.name} (${c.code})`)));
          select.value = guess(header);
          mapping.append(el('span', {}, el('strong', {}, header)), select);
        }
      }

      file.addEventListener('change', async () => {
        result.replaceChildren();
        const chosen = file.files[0];
        if (!chosen) return;
        const head = await chosen.slice(0, 65536).text();
        const line = head.split(/\r?\n/)[0].replace(/^\uFEFF/, '');
        // The server reads commas, semicolons and tabs: split as it will.
        const delimiter = [',', ';', '\t'].reduce((best, d) => (line.split(d).length > line.split(best).length ? d : best), ',');
        headers = line.split(delimiter).map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
        renderMapping();
      });
      instrument.addEventListener('change', renderMapping);

      const send = el('button', {
        type: 'button', id: 'import-send',
        onclick: async () => {
          const chosen = file.files[0];
          if (!chosen) { result.replaceChildren(el('p', { class: 'notice bad' }, t('choose-file'))); return; }
          const session = await currentSession();
          if (!session || session.signedOut) {
            result.replaceChildren(el('p', { class: 'notice bad' }, t('import-needs-connection')));
            return;
          }
          const map = {};
          for (const select of $$('select[data-header]', mapping)) if (select.value) map[select.dataset.header] = select.value;
          const form = new FormData();
          form.append('file', chosen, chosen.name);
          form.append('mapping', JSON.stringify(map));
          form.append('unit_column', unitColumn.value.trim() || 'unit');
          const name = newInstrument.value.trim() || instrument.value;
          if (name) form.append('instrument', name);
          send.disabled = true;
          const answer = await api('POST', `/api/v1/batches/${batch}/imports`, form, session.csrf);
          send.disabled = false;
          if (answer.network) { result.replaceChildren(el('p', { class: 'notice bad' }, t('import-dropped'))); return; }
          if (answer.ok) {
            const imp = answer.json.import;
            result.replaceChildren(el('p', { class: 'notice ok' }, answer.json.duplicate
              ? t('import-duplicate', { file: imp.filename })
              : t('import-stored', { readings: imp.readings, rows: imp.rows, file: imp.filename })));
            await page.reload();
            render();
            return;
          }
          const problem = answer.json || {};
          const rows = (problem.errors || []).map((e) => {
            const m = /^rows\[(\d+)\](?:\.(.*))?$/.exec(e.field || '');
            return el('tr', {}, el('td', {}, m ? m[1] : '—'), el('td', {}, m ? (m[2] || '—') : (e.field || '—')), el('td', {}, e.message));
          });
          result.replaceChildren(...[
            el('p', { class: 'notice bad' }, rows.length
              ? t('import-refused-rows', { count: rows.length })
              : t('import-refused', { detail: problem.detail || '' })),
            rows.length ? el('table', { class: 'import-errors' }, el('thead', {}, el('tr', {}, el('th', {}, t('line')), el('th', {}, t('column-heading')), el('th', {}, t('problem')))), el('tbody', {}, rows)) : null,
          ].filter(Boolean));
        },
      }, t('import'));

      box.replaceChildren(el('div', { class: 'card' },
        el('h2', {}, t('import-title')),
        el('p', { class: 'muted' }, t('import-help')),
        el('label', { for: 'import-file' }, t('file')), file,
        el('label', { for: 'import-instrument' }, t('instrument')), instrument,
        el('label', { for: 'import-new-instrument' }, t('new-instrument')), newInstrument,
        el('label', { for: 'import-unit-column' }, t('unit-column')), unitColumn,
        mapping,
        el('div', { class: 'form-actions' }, send),
        result));
    }

    // ------------------------------------------------------------- tabs
    function showTab(name) {
      tab = name;
      for (const button of $$('nav.tabs .tab')) button.setAttribute('aria-selected', button.dataset.tab === name ? 'true' : 'false');
      for (const panel of $$('.panel')) panel.hidden = panel.id !== `tab-${name}`;
      render();
    }

    function render() {
      valueCache = null;
      if (tab === 'unit') { renderUnitList(); keepTyping($('#unit-form'), renderUnitForm); }
      if (tab === 'grid' && !patchGrid()) keepTyping($('#grid'), renderGrid);
      if (tab === 'visual') keepTyping($('#visual'), renderVisual);
      if (tab === 'import') renderImport();
    }

    for (const button of $$('nav.tabs .tab')) button.addEventListener('click', () => showTab(button.dataset.tab));
    for (const button of $$('[data-order]')) {
      button.addEventListener('click', () => {
        order = button.dataset.order;
        for (const b of $$('[data-order]')) b.setAttribute('aria-pressed', b === button ? 'true' : 'false');
        render();
      });
    }

    $('#scan').addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      const unit = parseNumber(event.target.value.replace(/[^0-9]/g, ''));
      event.target.value = '';
      if (!Number.isInteger(unit)) return;
      if (tab === 'visual') {
        visual.unit = unit;
        renderVisual();
        $('#visual-unit').focus();
      } else if (drawn.has(unit)) {
        if (tab !== 'unit') showTab('unit');
        selectUnit(unit);
      } else {
        renderStatus(t('not-drawn', { unit }));
      }
    });

    current = nextOpenUnit(null);
    if (current === null && sheet.units.length) current = sheet.units[0];
    showTab(tab);
    // Ready to type: the open unit's first empty field.
    const first = tab === 'unit' && $('#unit-form input:not([readonly])');
    if (first) first.focus({ preventScroll: true });
  }

  // ----------------------------------------------------------------- start
  async function start() {
    const app = $('#app');
    if (!app) return;
    $('#send').addEventListener('click', () => flush());
    if ('serviceWorker' in navigator) {
      // Once the worker controls this page, fetch the page again through it
      // so that a copy is kept for work without a connection.
      const warm = () => fetch(location.href, { credentials: 'same-origin' }).catch(() => undefined);
      if (navigator.serviceWorker.controller) warm();
      else navigator.serviceWorker.addEventListener('controllerchange', warm, { once: true });
      navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
      // A worker already active (installed by an earlier visit) may not
      // control a page opened while it was activating: ask it to.
      navigator.serviceWorker.ready.then((registration) => {
        if (!navigator.serviceWorker.controller && registration.active) {
          registration.active.postMessage('claim');
        }
      }).catch(() => undefined);
    }
    if (app.dataset.page === 'entry') startEntry(app);
    else startWorkList();
    await refreshEntries();
    flush();
  }

  // For the browser tests and the benchmark: what waits on the device.
  window.lotcheck = { entries: () => entries, flush, refreshEntries, keep, readingsEntry, uuid };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}());
