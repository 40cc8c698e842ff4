// The planner view: log in, review the verdicts with their evidence and override them,
// moderate citizen reports, and move cases on. The session token lives in sessionStorage
// only (gone when the tab closes).

import { t, has, translatePage, switchLanguage, className, formatParcel, formatDate, formatNumber, formatArea, landUseName } from './i18n.js';
import { get, getBlob, post, del, query, setToken, ApiError } from './api.js';
import { h, fill, facts, $, $$, announce } from './dom.js';

const BUILDING_CLASSES = ['occupied', 'vacant', 'partly_vacant', 'risk', 'unknown'];
const PLOT_CLASSES = ['building_gap', 'vacant_building_plot', 'brownfield', 'underused'];
const DECISIONS = ['approve', 'reject', 'duplicate'];
const STORE = 'leerstand.planner';
// The towns of the alliance by AGS: the town filter offers the planner's own only.
const TOWNS = { '16068051': 'Sömmerda', '16068063': 'Buttstädt', '16068064': 'Kindelbrück', '16068053': 'Straußfurt' };

const caseName = (s) => (has(`case.${s}`) ? t(`case.${s}`) : s);
const categoryName = (c) => (has(`report.category.${c}`) ? t(`report.category.${c}`) : c);

class Planner {
  constructor() {
    this.view = null;
  }

  start() {
    translatePage();
    $('#lang').addEventListener('click', switchLanguage);
    // Revoke the token on the server too; the request takes the token before it is dropped.
    $('#logout').addEventListener('click', () => { post('/planner/logout').catch(() => {}); this.logout(); });
    $('#login-form').addEventListener('submit', (e) => { e.preventDefault(); this.login(); });
    for (const tab of $$('[role=tab]')) tab.addEventListener('click', () => this.show(tab.dataset.view));
    const tabs = $$('[role=tab]');
    for (const tab of tabs) {
      tab.addEventListener('keydown', (e) => {
        const shown = tabs.filter((x) => !x.hidden);
        const i = shown.indexOf(tab);
        const next = e.key === 'ArrowRight' ? shown[(i + 1) % shown.length] : e.key === 'ArrowLeft' ? shown[(i - 1 + shown.length) % shown.length] : null;
        if (next) { e.preventDefault(); next.focus(); this.show(next.dataset.view); }
      });
    }
    let session = null;
    try { session = JSON.parse(sessionStorage.getItem(STORE) || 'null'); } catch { /* ignore */ }
    if (session && new Date(session.expires_at) > new Date()) this.enter(session);
    else this.showLogin();
    document.body.dataset.ready = 'true';
  }

  showLogin(message) {
    $('#login').hidden = false;
    $('#work').hidden = true;
    $('#logout').hidden = true;
    $('#who').textContent = '';
    const err = $('#login-error');
    err.hidden = !message;
    err.textContent = message || '';
    $('#login-name').focus();
  }

  async login() {
    const login = $('#login-name').value.trim();
    const password = $('#login-password').value;
    try {
      const session = await post('/planner/login', { login, password });
      try { sessionStorage.setItem(STORE, JSON.stringify(session)); } catch { /* ignore */ }
      $('#login-password').value = '';
      this.enter(session);
    } catch (e) {
      this.showLogin(e.status === 401 || e.status === 400 || e.status === 422 ? t('planner.login.failed') : t('planner.error', { detail: e.detail || e.message }));
    }
  }

  logout() {
    try { sessionStorage.removeItem(STORE); } catch { /* ignore */ }
    setToken(null);
    this.view = null;
    this.showLogin();
  }

  enter(session) {
    setToken(session.token);
    this.user = session.user || {};
    // A moderator works on citizen reports only.
    const views = this.user.role === 'moderator' ? ['moderation'] : ['review', 'moderation', 'cases'];
    for (const tab of $$('[role=tab]')) tab.hidden = !views.includes(tab.dataset.view);
    // The town filter is built for this planner's towns.
    delete $('#ppanel-review').dataset.built;
    $('#login').hidden = true;
    $('#work').hidden = false;
    $('#logout').hidden = false;
    $('#who').textContent = t('planner.hello', { name: session.user?.display_name || session.user?.login || '' });
    const view = location.hash.replace('#', '');
    this.show(views.includes(view) ? view : views[0]);
  }

  /** The names of the towns the planner works on. */
  townNames() {
    const towns = this.user?.towns;
    const list = towns && towns.some ? towns.some : Object.keys(TOWNS);
    return list.map((ags) => TOWNS[ags]).filter(Boolean);
  }

  show(view) {
    this.view = view;
    for (const tab of $$('[role=tab]')) {
      const on = tab.dataset.view === view;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
    }
    for (const v of ['review', 'moderation', 'cases']) $(`#ppanel-${v}`).hidden = v !== view;
    history.replaceState(null, '', `#${view}`);
    document.body.dataset.view = view;
    return ({ review: () => this.review(), moderation: () => this.moderation(), cases: () => this.cases() })[view]();
  }

  /** Runs an API call; a lost session sends back to the login, other errors are shown in `box`. */
  async call(promise, box) {
    try {
      return await promise;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        this.logout();
        this.showLogin(t('planner.expired'));
      } else if (box) {
        fill(box, h('p', { class: 'error', role: 'alert' }, e.status === 404 || e.status === 405 ? t('planner.unavailable') : t('planner.error', { detail: e.detail || e.message })));
      }
      throw e;
    }
  }

  // --- Review of verdicts -------------------------------------------------------------

  async review() {
    const panel = $('#ppanel-review');
    if (!panel.dataset.built) {
      panel.dataset.built = 'true';
      const classSel = h('select', { id: 'review-class', onchange: () => this.loadVerdicts() },
        h('option', { value: '' }, t('class.any')),
        [...BUILDING_CLASSES, ...PLOT_CLASSES].map((c) => h('option', { value: c, selected: c === 'vacant' }, className(c))));
      const townSel = h('select', { id: 'review-town', onchange: () => this.loadVerdicts() },
        h('option', { value: '' }, t('app.town.all')),
        this.townNames().map((n) => h('option', { value: n }, n)));
      fill(panel,
        h('div', {},
          h('p', { class: 'intro' }, t('planner.review.intro')),
          h('div', { class: 'filters-row' },
            h('div', { class: 'field' }, h('label', { for: 'review-class' }, t('planner.review.filter')), classSel),
            h('div', { class: 'field' }, h('label', { for: 'review-town' }, t('app.town')), townSel)),
          h('p', { id: 'review-status', class: 'status', 'aria-live': 'polite' }),
          h('ul', { id: 'review-list', class: 'list' })),
        h('div', { id: 'review-detail', tabindex: '-1' }));
    }
    await this.loadVerdicts();
  }

  async loadVerdicts() {
    const list = $('#review-list');
    const status = $('#review-status');
    status.textContent = t('app.loading');
    const page = await this.call(get(`/planner/verdicts${query({ class: $('#review-class').value, town: $('#review-town').value, limit: 100 })}`), status).catch(() => null);
    if (!page) return;
    status.textContent = t('planner.count', { matched: formatNumber(page.numberMatched), returned: formatNumber(page.items.length) });
    fill(list, page.items.length ? page.items.map((v) => h('li', { 'data-id': v.alkis_id },
      h('button', { type: 'button', class: 'result', onclick: () => this.openVerdict(v.kind, v.alkis_id) },
        h('span', { class: 'result-title' }, className(v.class), v.overridden ? h('span', { class: 'badge' }, ` ${t('planner.review.overridden')}`) : null),
        h('span', { class: 'result-sub' }, v.address || (v.kennzeichen ? formatParcel(v.kennzeichen) : v.alkis_id)),
        h('span', { class: 'result-sub' }, [v.district, v.town].filter(Boolean).join(', '))))) : h('li', {}, t('planner.review.none')));
  }

  async openVerdict(kind, id) {
    const box = $('#review-detail');
    for (const li of $$('#review-list li')) li.classList.toggle('active', li.dataset.id === id);
    const d = await this.call(get(`/planner/verdicts/${kind}/${encodeURIComponent(id)}`), box).catch(() => null);
    if (!d) return;
    const s = d.subject || {};
    const classes = kind === 'building' ? BUILDING_CLASSES : PLOT_CLASSES;
    const note = h('textarea', { id: 'override-note', rows: '3', required: true, 'aria-describedby': 'override-note-error' });
    const cls = h('select', { id: 'override-class' }, classes.map((c) => h('option', { value: c, selected: c === d.class }, className(c))));
    const result = h('p', { role: 'status', class: 'form-result' });
    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      const err = $('#override-note-error');
      err.hidden = !!note.value.trim();
      err.textContent = note.value.trim() ? '' : t('report.invalid.text');
      if (!note.value.trim()) { note.focus(); return; }
      const r = await this.call(post(`/planner/verdicts/${kind}/${encodeURIComponent(id)}/override`, { class: cls.value, note: note.value.trim() }), result).catch(() => null);
      if (r) {
        announce(t('planner.review.override.done'));
        await this.openVerdict(kind, id);
        $('#review-detail .form-result').textContent = t('planner.review.override.done');
        this.loadVerdicts();
      }
    } },
    h('h4', {}, t('planner.review.override')),
    h('div', { class: 'field' }, h('label', { for: 'override-class' }, t('planner.review.override.class')), cls),
    h('div', { class: 'field' }, h('label', { for: 'override-note' }, t('planner.review.override.note')), note,
      h('p', { id: 'override-note-error', class: 'field-error', hidden: true })),
    h('button', { type: 'submit', class: 'primary' }, t('planner.review.override.submit')), result);
    const evidence = Array.isArray(d.evidence) ? d.evidence : [];
    const withdraw = d.override ? h('button', { type: 'button', class: 'secondary', id: 'override-withdraw', onclick: async () => {
      const r = await this.call(del(`/planner/verdicts/${kind}/${encodeURIComponent(id)}/override`), result).catch(() => null);
      if (r) {
        await this.openVerdict(kind, id);
        $('#review-detail .form-result').textContent = t('planner.review.withdrawn');
        this.loadVerdicts();
      }
    } }, t('planner.review.withdraw')) : null;
    const open = (d.cases || []).find((c) => c.status !== 'closed');
    const caseBox = open
      ? h('p', {}, h('button', { type: 'button', class: 'link', onclick: async () => { await this.show('cases'); this.openCase(open.id); } }, t('planner.case.existing', { id: open.id, status: caseName(open.status) })))
      : h('p', {}, h('button', { type: 'button', class: 'secondary', id: 'case-open', onclick: async () => {
        const c = await this.call(post('/planner/cases', { kind, alkis_id: id, note: '' }), result).catch(() => null);
        if (c) {
          announce(t('planner.case.opened', { id: c.id }));
          await this.show('cases');
          await this.openCase(c.id);
        }
      } }, t('planner.case.open')));
    fill(box,
      h('h3', {}, `${className(d.class)} – ${s.kennzeichen ? formatParcel(s.kennzeichen) : s.alkis_id || id}`),
      facts([
        [t('planner.review.filter'), d.class !== d.analysed_class ? `${className(d.class)} (${t('planner.review.overridden')}; ${className(d.analysed_class)})` : className(d.class)],
        [t('planner.review.score'), d.score == null ? '–' : formatNumber(d.score, 2)],
        [t('planner.review.confidence'), d.confidence == null ? '–' : formatNumber(d.confidence, 2)],
        [t('popup.parcel'), s.kennzeichen ? formatParcel(s.kennzeichen) : null],
        [t('popup.area'), s.area_m2 != null ? formatArea(s.area_m2) : null],
        [t('popup.land_use'), s.land_use ? landUseName(s.land_use) : null],
        [t('popup.town'), s.town], [t('popup.district'), s.district],
        [t('popup.verified'), formatDate(d.as_of)],
      ]),
      h('h4', {}, t('planner.review.evidence')),
      h('ul', { class: 'evidence', id: 'evidence' }, evidence.map((ev) => {
        const c = typeof ev.contribution === 'number' ? ev.contribution : null;
        const kindClass = ev.source === 'planner_override' ? 'planner' : c > 0 ? 'plus' : c < 0 ? 'minus' : '';
        return h('li', { class: kindClass },
          h('span', {}, ev.summary || ev.text || JSON.stringify(ev)),
          h('br'),
          h('span', { class: 'hint' }, [ev.source, ev.observed_on ? formatDate(ev.observed_on) : null, c != null ? `${c > 0 ? '+' : ''}${formatNumber(c, 2)}` : null].filter(Boolean).join(' · ')));
      })),
      caseBox,
      form,
      withdraw);
    box.focus();
  }

  // --- Moderation ---------------------------------------------------------------------

  async moderation() {
    const panel = $('#ppanel-moderation');
    fill(panel, h('p', { class: 'intro' }, t('planner.moderation.intro')), h('p', { id: 'moderation-status', 'aria-live': 'polite' }, t('app.loading')), h('ul', { id: 'moderation-queue', class: 'queue' }));
    const status = $('#moderation-status');
    const page = await this.call(get('/planner/reports?status=pending&limit=200'), status).catch(() => null);
    if (!page) return;
    status.textContent = page.items.length ? t('planner.count', { matched: formatNumber(page.numberMatched), returned: formatNumber(page.items.length) }) : t('planner.moderation.none');
    fill($('#moderation-queue'), page.items.map((r) => this.reportItem(r)));
  }

  reportItem(r) {
    const id = `report-${r.id}`;
    const text = h('textarea', { id: `${id}-public`, rows: '3', maxlength: '2000' });
    const result = h('p', { role: 'status', class: 'form-result' });
    const decide = async (decision) => {
      const body = { decision };
      if (text.value.trim()) body.public_text = text.value.trim();
      const ok = await this.call(post(`/planner/reports/${r.id}/moderate`, body), result).catch(() => null);
      if (ok !== null) {
        const done = t('planner.moderation.done', { id: r.id, decision: t(`planner.moderation.decision.${decision}`) });
        fill(li, h('p', { class: 'success', role: 'status' }, done));
        li.dataset.decided = decision;
        announce(done);
      }
    };
    const li = h('li', { 'data-id': r.id },
      h('h3', {}, `${categoryName(r.category)} · Nr. ${r.id}`),
      facts([
        [t('popup.reported'), formatDate(r.reported_at)],
        [t('planner.moderation.place'), r.lat != null ? `${formatNumber(r.lat, 5)}, ${formatNumber(r.lon, 5)}` : null],
        [t('planner.moderation.contact'), r.contact],
      ]),
      h('blockquote', {}, r.body),
      r.photos ? this.reportPhotos(r) : null,
      h('div', { class: 'field' }, h('label', { for: text.id }, t('planner.moderation.public_text')), text),
      h('div', { class: 'buttons' }, DECISIONS.map((d) => h('button', { type: 'button', class: d === 'approve' ? 'primary' : 'secondary', 'data-decision': d, onclick: () => decide(d) }, t(`planner.moderation.${d}`)))),
      result);
    return li;
  }

  /** The report's photos, fetched with the token (an <img> cannot send it) and shown from
   * object URLs; each opens full size in a new tab. */
  reportPhotos(r) {
    const figures = [];
    for (let n = 1; n <= r.photos; n += 1) {
      const alt = t('planner.moderation.photo', { n, id: r.id });
      const figure = h('figure', { class: 'report-photo' }, h('figcaption', {}, alt));
      getBlob(`/planner/reports/${r.id}/photos/${n}`).then((blob) => {
        const url = URL.createObjectURL(blob);
        figure.prepend(h('a', { href: url, target: '_blank', rel: 'noopener' }, h('img', { src: url, alt })));
      }).catch(() => figure.append(h('p', { class: 'field-error' }, t('planner.moderation.photo.failed', { n }))));
      figures.push(figure);
    }
    return h('div', { class: 'report-photos', role: 'group', 'aria-label': t('planner.moderation.photos') }, figures);
  }

  // --- Cases --------------------------------------------------------------------------

  async cases() {
    const panel = $('#ppanel-cases');
    fill(panel,
      h('div', {}, h('p', { class: 'intro' }, t('planner.cases.intro')), h('p', { id: 'cases-status', 'aria-live': 'polite' }, t('app.loading')), h('ul', { id: 'cases-list', class: 'list' })),
      h('div', { id: 'case-detail', tabindex: '-1' }));
    const status = $('#cases-status');
    const page = await this.call(get('/planner/cases?limit=200'), status).catch(() => null);
    if (!page) return;
    status.textContent = page.items.length ? t('planner.count', { matched: formatNumber(page.numberMatched), returned: formatNumber(page.items.length) }) : t('planner.cases.none');
    fill($('#cases-list'), page.items.map((c) => h('li', { 'data-id': c.id },
      h('button', { type: 'button', class: 'result', onclick: () => this.openCase(c.id) },
        h('span', { class: 'result-title' }, `Nr. ${c.id} · ${caseName(c.status)}`),
        h('span', { class: 'result-sub' }, c.address || (c.kennzeichen ? formatParcel(c.kennzeichen) : c.alkis_id)),
        h('span', { class: 'result-sub' }, [c.class ? className(c.class) : null, c.town].filter(Boolean).join(' · '))))));
  }

  async openCase(id) {
    const box = $('#case-detail');
    for (const li of $$('#cases-list li')) li.classList.toggle('active', li.dataset.id === String(id));
    const c = await this.call(get(`/planner/cases/${id}`), box).catch(() => null);
    if (!c) return;
    const next = Array.isArray(c.next) ? c.next : [];
    const sel = h('select', { id: 'case-next' }, next.map((s) => h('option', { value: s }, caseName(s))));
    const note = h('textarea', { id: 'case-note', rows: '3' });
    const result = h('p', { role: 'status', class: 'form-result' });
    const form = next.length ? h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      const r = await this.call(post(`/planner/cases/${id}/status`, { status: sel.value, note: note.value.trim() }), result).catch(() => null);
      if (r) {
        await this.openCase(id);
        $('#case-detail .form-result').textContent = t('planner.cases.done');
        announce(t('planner.cases.done'));
      }
    } },
    h('h4', {}, t('planner.cases.change')),
    h('div', { class: 'field' }, h('label', { for: 'case-next' }, t('planner.cases.status')), sel),
    h('div', { class: 'field' }, h('label', { for: 'case-note' }, t('planner.cases.note')), note),
    h('button', { type: 'submit', class: 'primary' }, t('planner.cases.submit')), result) : h('p', { class: 'form-result' });
    fill(box,
      h('h3', {}, `Nr. ${c.id} · ${caseName(c.status)}`),
      facts([
        [t('popup.parcel'), c.kennzeichen ? formatParcel(c.kennzeichen) : null], [t('popup.town'), c.town], [t('planner.review.filter'), c.class ? className(c.class) : null],
        [t('planner.address'), c.address],
      ]),
      h('h4', {}, t('planner.cases.history')),
      h('ol', { class: 'history' }, (c.history || []).map((e) => h('li', {},
        `${formatDate(e.at)} · ${e.author}: ${e.from_status ? `${caseName(e.from_status)} → ` : ''}${caseName(e.to_status)}`,
        e.note ? ` – ${e.note}` : ''))),
      form);
    box.focus();
  }
}

new Planner().start();
