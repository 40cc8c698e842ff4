// Investor search: filters (town, kind, use, area, distance from a point, suitability),
// a result list kept in step with the map, a plot's detail panel and the enquiry form.

import { get, post, query, ApiError } from './api.js';
import { h, fill, facts, announce } from './dom.js';
import { t, has, className, formatParcel, landUseName, formatArea, formatDate, formatDistance, formatPercent, formatEur, formatCoord, formatNumber } from './i18n.js';
import { PLOT_CLASSES, bbox } from './map.js';

const LAND_USES = ['AX_Wohnbauflaeche', 'AX_FlaecheGemischterNutzung', 'AX_IndustrieUndGewerbeflaeche', 'AX_FlaecheBesondererFunktionalerPraegung'];
const AREA_RANGES = [['', ''], ['', '500'], ['500', '1000'], ['1000', '2500'], ['2500', '']];
const SCORES = ['', '0.25', '0.5', '0.75'];
const DISTANCES = ['500', '1000', '2000', '5000'];
const PAGE = 20;

/** The land value of the plot's zone and the rough land price, as two facts. */
function landValueFacts(lv) {
  if (!lv || lv.eur_m2 == null) return [[t('detail.land_value'), t('detail.land_value.none')]];
  const use = lv.use && has(`landvalue.use.${lv.use}`) ? t(`landvalue.use.${lv.use}`) : (lv.use_name || lv.use || '–');
  const value = t('detail.land_value.value', { value: formatNumber(lv.eur_m2, lv.eur_m2 % 1 ? 2 : 0), date: formatDate(lv.stichtag), use });
  return [
    [t('detail.land_value'), value],
    lv.indicative_price_eur != null
      ? [t('detail.land_value.price'), t('detail.land_value.price.value', { price: formatEur(lv.indicative_price_eur) })]
      : [null, null],
  ];
}

export class SearchView {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.vmap = app.vmap;
    this.near = null;
    this.results = [];
    this.matched = 0;
    this.searched = false;
    this.vmap.onSearchHit = (id) => this.focusResult(id, true);
    this.render();
  }

  enter() {
    this.vmap.emphasiseSearch(true);
    if (!this.searched) this.search();
  }

  leave() {
    this.vmap.pick(null);
    this.vmap.select(null);
    this.vmap.emphasiseSearch(false);
  }

  townChanged(ags) {
    this.form.town.value = ags;
    if (this.searched) this.search();
  }

  select(name, label, options, value = '') {
    const id = `search-${name}`;
    return h('div', { class: 'field' },
      h('label', { for: id }, label),
      h('select', { id, name, onchange: () => this.search() },
        options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
  }

  number(name, label) {
    const id = `search-${name}`;
    return h('div', { class: 'field' },
      h('label', { for: id }, label),
      h('input', { id, name, type: 'number', min: '0', step: '1', inputmode: 'numeric', 'aria-describedby': `${id}-error` }),
      h('p', { id: `${id}-error`, class: 'field-error', hidden: true }));
  }

  render() {
    const kiosk = this.app.kiosk;
    const towns = [['', t('app.town.all')], ...this.app.config.towns.map((x) => [x.ags, x.name])];
    const area = kiosk
      ? this.select('area', t('search.area'), AREA_RANGES.map(([a, b]) => [`${a}-${b}`, areaLabel(a, b)]), '-')
      : h('div', { class: 'field-row' }, this.number('min_area', t('search.min_area')), this.number('max_area', t('search.max_area')));
    this.nearText = h('p', { class: 'hint', id: 'search-near-text' }, '');
    this.pickButton = h('button', { type: 'button', class: 'secondary', id: 'search-near-pick', onclick: () => this.pickNear() }, t('search.near.pick'));
    this.clearButton = h('button', { type: 'button', class: 'secondary', id: 'search-near-clear', hidden: true, onclick: () => this.setNear(null) }, t('search.near.clear'));
    this.form = h('form', { class: 'filters', novalidate: true, onsubmit: (e) => { e.preventDefault(); this.search(); } },
      this.select('town', t('search.town'), towns, this.app.town),
      this.select('class', t('search.class'), [['', t('class.any')], ...PLOT_CLASSES.map((c) => [c, className(c)])]),
      this.select('land_use', t('search.land_use'), [['', t('search.land_use.any')], ...LAND_USES.map((c) => [c, landUseName(c)])]),
      area,
      this.select('min_score', t('search.min_score'), SCORES.map((s) => [s, s ? `${formatPercent(+s, 0)}` : t('search.score.any')])),
      h('fieldset', { class: 'near' },
        h('legend', {}, t('search.near')),
        h('div', { class: 'buttons' }, this.pickButton, this.clearButton),
        this.nearText,
        this.select('max_distance_m', t('search.max_distance'), [['', t('search.area.any')], ...DISTANCES.map((d) => [d, formatDistance(+d)])])),
      this.select('sort', t('search.sort'), [['score', t('search.sort.score')], ['area', t('search.sort.area')], ['distance', t('search.sort.distance')]]),
      h('p', { class: 'form-error', id: 'search-error', role: 'alert', hidden: true }),
      h('div', { class: 'buttons' },
        h('button', { type: 'submit', class: 'primary' }, t('search.submit')),
        h('button', { type: 'button', class: 'secondary', onclick: () => this.reset() }, t('search.reset'))));
    this.form.elements.max_distance_m.disabled = true;
    this.form.elements.sort.querySelector('option[value=distance]').disabled = true;
    this.status = h('p', { id: 'search-status', class: 'status', 'aria-live': 'polite' });
    this.list = h('ol', { id: 'results', class: 'results' });
    this.more = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => this.search(true) }, t('search.more'));
    this.listBox = h('section', { class: 'result-box', 'aria-labelledby': 'results-title' },
      h('h3', { id: 'results-title' }, t('search.results')), this.status, this.list, this.more);
    this.detail = h('section', { id: 'plot-detail', class: 'detail', hidden: true, tabindex: '-1', 'aria-labelledby': 'plot-detail-title' });
    fill(this.root, h('h2', {}, t('search.title')), h('p', { class: 'intro' }, t('search.intro')), this.form, this.listBox, this.detail);
  }

  /** Fills the form from a permalink's filters (the next search runs with them). */
  applyFilters(filters) {
    const f = this.form.elements;
    // The point first: distance and its sort are choosable only with one.
    const [lon, lat] = (filters.near || '').split(',').map(Number);
    if (Number.isFinite(lon) && Number.isFinite(lat)) this.setNear({ lng: lon, lat });
    for (const [name, value] of Object.entries(filters)) {
      if (name === 'near') continue;
      if (name === 'min_area' || name === 'max_area') {
        if (this.app.kiosk) continue;
        f[name].value = value;
      } else if (f[name] && f[name].tagName === 'SELECT' && [...f[name].options].some((o) => o.value === value && !o.disabled)) {
        f[name].value = value;
      }
    }
  }

  reset() {
    this.form.reset();
    this.form.town.value = this.app.town;
    this.setNear(null);
    this.search();
  }

  pickNear() {
    this.pickButton.textContent = t('search.near.picking');
    this.vmap.pick((lngLat) => {
      this.vmap.pick(null);
      this.setNear(lngLat);
      this.search();
    });
  }

  setNear(lngLat) {
    this.near = lngLat;
    this.pickButton.textContent = t('search.near.pick');
    this.clearButton.hidden = !lngLat;
    this.nearText.textContent = lngLat ? t('search.near.chosen', { lat: formatCoord(lngLat.lat), lon: formatCoord(lngLat.lng) }) : '';
    const f = this.form.elements;
    f.max_distance_m.disabled = !lngLat;
    f.sort.querySelector('option[value=distance]').disabled = !lngLat;
    if (!lngLat) {
      f.max_distance_m.value = '';
      if (f.sort.value === 'distance') f.sort.value = 'score';
    }
    if (this.nearMarker) this.nearMarker.remove();
    this.nearMarker = null;
    if (lngLat) {
      this.nearMarker = this.vmap.marker(lngLat, 'near');
    }
  }

  /** The query parameters from the form, or null after showing what is wrong. */
  params() {
    const f = this.form.elements;
    let min = ''; let max = '';
    if (this.app.kiosk) [min, max] = f.area.value.split('-');
    else {
      min = f.min_area.value.trim();
      max = f.max_area.value.trim();
    }
    const errors = [];
    const check = (name, value) => {
      const el = f[name];
      const bad = value !== '' && !(Number(value) >= 0);
      if (el && !this.app.kiosk) showFieldError(el, bad ? t('search.invalid.number') : '');
      if (bad) errors.push(t('search.invalid.number'));
    };
    check('min_area', min);
    check('max_area', max);
    if (!errors.length && min !== '' && max !== '' && Number(min) > Number(max)) {
      errors.push(t('search.invalid.area'));
      if (!this.app.kiosk) showFieldError(f.max_area, t('search.invalid.area'));
    }
    const box = this.form.querySelector('#search-error');
    box.hidden = !errors.length;
    box.textContent = errors.length ? `${t('form.errors')} ${errors[0]}` : '';
    if (errors.length) return null;
    return {
      town: f.town.value,
      class: f.class.value,
      land_use: f.land_use.value,
      min_area: min,
      max_area: max,
      min_score: f.min_score.value,
      near: this.near ? `${this.near.lng.toFixed(6)},${this.near.lat.toFixed(6)}` : '',
      max_distance_m: this.near ? f.max_distance_m.value : '',
      sort: f.sort.value,
    };
  }

  async search(more = false) {
    const params = this.params();
    if (!params) return;
    this.searched = true;
    this.app.link.update({ search: Object.fromEntries(Object.entries(params).filter(([k, v]) => v !== '' && k !== 'town')) });
    const offset = more ? this.results.length : 0;
    const seq = (this.seq = (this.seq || 0) + 1);
    this.status.textContent = t('app.loading');
    this.root.dataset.loading = 'true';
    let fc;
    try {
      fc = await get(`/search/plots${query({ ...params, limit: PAGE, offset })}`);
    } catch (e) {
      if (seq !== this.seq) return;
      this.status.textContent = e instanceof ApiError && e.status === 404 ? t('planner.unavailable') : t('report.error', { detail: e.detail || e.message });
      this.root.dataset.loading = 'false';
      return;
    }
    if (seq !== this.seq) return;
    this.results = more ? [...this.results, ...fc.features] : fc.features;
    this.matched = fc.numberMatched ?? this.results.length;
    this.renderResults();
    this.vmap.setSearchResults({ type: 'FeatureCollection', features: this.results });
    // A permalink's map position stands; later searches fit their results.
    if (!more && this.results.length && this.app.current === 'suche' && !this.keepView) this.fitResults();
    this.keepView = false;
    this.root.dataset.loading = 'false';
    this.root.dataset.results = String(this.results.length);
    this.root.dataset.matched = String(this.matched);
    this.done = (this.done || 0) + 1;
    this.root.dataset.done = String(this.done);
  }

  fitResults() {
    let w = Infinity; let s = Infinity; let e = -Infinity; let n = -Infinity;
    for (const f of this.results) {
      const b = bbox(f.geometry);
      if (!b) continue;
      w = Math.min(w, b[0][0]); s = Math.min(s, b[0][1]); e = Math.max(e, b[1][0]); n = Math.max(n, b[1][1]);
    }
    if (Number.isFinite(w)) this.vmap.map.fitBounds([[w, s], [e, n]], { padding: 40, maxZoom: 16, duration: 0 });
  }

  renderResults() {
    const text = t('search.count', { matched: formatNumber(this.matched), returned: formatNumber(this.results.length) });
    this.status.textContent = this.results.length ? text : t('search.none');
    announce(this.status.textContent);
    fill(this.list, this.results.map((f) => {
      const p = f.properties;
      const item = h('li', { 'data-id': f.id },
        h('button', {
          type: 'button', class: 'result',
          onclick: () => this.openDetail(f.id),
          onmouseenter: () => this.vmap.hoverResult(f.id, true),
          onmouseleave: () => this.vmap.hoverResult(f.id, false),
          onfocus: () => this.vmap.hoverResult(f.id, true),
          onblur: () => this.vmap.hoverResult(f.id, false),
        },
        h('span', { class: 'result-title' }, `${className(p.class)} · ${formatArea(p.area_m2)}`),
        h('span', { class: 'result-sub' }, [p.district, p.town].filter(Boolean).join(', ')),
        h('span', { class: 'result-sub' },
          `${t('search.score')}: ${p.suitability == null ? t('search.score.none') : formatPercent(p.suitability, 0)}`,
          p.distance_m != null ? ` · ${t('search.distance')}: ${formatDistance(p.distance_m)}` : '',
          p.offer_id != null ? ` · ${t('search.offer')}` : '')));
      return item;
    }));
    this.more.hidden = this.results.length >= this.matched;
    // A search started after the detail opened shows its list; one already running when a
    // permalink opened the detail leaves it open.
    if ((this.seq || 0) > (this.detailSeq ?? -1)) {
      this.detail.hidden = true;
      this.listBox.hidden = false;
    }
  }

  /** A click on a result in the map: mark it in the list. */
  focusResult(id, scroll) {
    const li = this.list.querySelector(`li[data-id="${CSS.escape(String(id))}"]`);
    for (const el of this.list.querySelectorAll('li.active')) el.classList.remove('active');
    if (li) {
      li.classList.add('active');
      if (scroll) li.scrollIntoView({ block: 'nearest' });
    }
    this.openDetail(id);
  }

  async openDetail(id) {
    let f;
    try {
      f = await get(`/plots/${encodeURIComponent(id)}`);
    } catch (e) {
      this.status.textContent = t('report.error', { detail: e.detail || e.message });
      return;
    }
    const p = f.properties;
    this.vmap.select(f);
    this.vmap.fitFeature(f);
    const parts = Array.isArray(p.suitability_parts) ? p.suitability_parts : [];
    const offers = Array.isArray(p.offers) ? p.offers : [];
    fill(this.detail,
      h('button', { type: 'button', class: 'secondary', onclick: () => this.closeDetail() }, `← ${t('detail.back')}`),
      h('h3', { id: 'plot-detail-title' }, t('detail.title', { kennzeichen: formatParcel(p.kennzeichen) })),
      h('h4', {}, t('detail.facts')),
      facts([
        [t('search.class'), className(p.class)],
        [t('popup.area'), formatArea(p.area_m2)],
        [t('popup.land_use'), landUseName(p.land_use)],
        [t('popup.town'), p.town],
        [t('popup.district'), p.district],
        [t('popup.verified'), formatDate(p.last_verified)],
        [t('detail.suitability'), p.suitability == null ? t('search.score.none') : formatPercent(p.suitability, 0)],
        p.distance_m != null ? [t('search.distance'), formatDistance(p.distance_m)] : [null, null],
        ...landValueFacts(p.land_value),
      ]),
      parts.length ? [
        h('h4', {}, t('detail.suitability.parts')),
        h('ul', { class: 'parts' }, parts.map((part) => h('li', {},
          h('span', {}, has(`part.${part.name}`) ? t(`part.${part.name}`) : part.name),
          h('meter', { min: '0', max: '1', value: String(part.score ?? 0), 'aria-label': has(`part.${part.name}`) ? t(`part.${part.name}`) : part.name }),
          h('span', { class: 'hint' }, part.value == null ? t('detail.part.none') : partValue(part))))),
      ] : null,
      h('h4', {}, t('detail.offers')),
      offers.length ? offers.map((o) => this.offer(o)) : h('p', {}, t('detail.offers.none')));
    this.listBox.hidden = true;
    this.detail.hidden = false;
    this.detail.dataset.id = f.id;
    this.detailSeq = this.seq || 0;
    this.app.link.update({ plot: f.id });
    if (this.app.current !== 'suche') this.app.show('suche');
    this.detail.focus();
  }

  closeDetail() {
    this.app.link.update({ plot: null });
    this.detail.hidden = true;
    this.listBox.hidden = false;
    this.vmap.select(null);
    const li = this.list.querySelector(`li[data-id="${CSS.escape(String(this.detail.dataset.id || ''))}"] button`);
    (li || this.list).focus?.();
  }

  offer(o) {
    const box = h('article', { class: 'offer' },
      h('h5', {}, o.title),
      o.description ? h('p', {}, o.description) : null,
      facts([
        [t('search.class'), has(`detail.kind.${o.kind}`) ? t(`detail.kind.${o.kind}`) : o.kind],
        [t('popup.price'), formatEur(o.price_eur)],
        [t('detail.zoning'), o.zoning_note],
      ]));
    if (this.app.kiosk) {
      box.append(h('p', { class: 'note' }, t('enquiry.kiosk')));
      return box;
    }
    const id = `enquiry-${o.id}`;
    const message = h('textarea', { id: `${id}-message`, name: 'message', rows: '4', maxlength: '4000', required: true, 'aria-describedby': `${id}-message-error` });
    const contact = h('input', { id: `${id}-contact`, name: 'contact', type: 'text', autocomplete: 'email', maxlength: '200', required: true, 'aria-describedby': `${id}-contact-error` });
    const result = h('p', { class: 'form-result', role: 'status' });
    const form = h('form', { class: 'enquiry', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      const m = message.value.trim();
      const c = contact.value.trim();
      showFieldError(message, m ? '' : t('report.invalid.text'));
      showFieldError(contact, c.length >= 3 ? '' : t('enquiry.contact'));
      if (!m || c.length < 3) return;
      result.textContent = t('form.sending');
      try {
        const r = await post(`/offers/${o.id}/enquiries`, { message: m, contact: c });
        fill(form, h('p', { class: 'success', role: 'status' }, t('enquiry.sent', { id: r.id })));
      } catch (err) {
        result.textContent = err.status === 429 ? t('report.rate') : t('report.error', { detail: err.detail || err.message });
      }
    } },
    h('h5', {}, t('enquiry.title')),
    h('p', { class: 'hint' }, t('enquiry.intro')),
    h('div', { class: 'field' }, h('label', { for: message.id }, t('enquiry.message'), ' ', h('span', { class: 'req' }, `(${t('form.required')})`)), message, h('p', { id: `${message.id}-error`, class: 'field-error', hidden: true })),
    h('div', { class: 'field' }, h('label', { for: contact.id }, t('enquiry.contact'), ' ', h('span', { class: 'req' }, `(${t('form.required')})`)), contact, h('p', { id: `${contact.id}-error`, class: 'field-error', hidden: true })),
    h('button', { type: 'submit', class: 'primary' }, t('enquiry.submit')),
    result);
    box.append(form);
    return box;
  }
}

function areaLabel(a, b) {
  if (!a && !b) return t('search.area.any');
  if (!a) return `≤ ${formatArea(+b)}`;
  if (!b) return `≥ ${formatArea(+a)}`;
  return `${formatNumber(+a)}–${formatArea(+b)}`;
}

function partValue(part) {
  const v = part.value;
  if (typeof v === 'number') return /dist|_m$/.test(part.name) || v > 20 ? formatDistance(v) : formatNumber(v, 2);
  return String(v);
}

/** Shows (or clears) the message under a field and marks it invalid for assistive tech. */
export function showFieldError(el, message) {
  const box = document.getElementById(`${el.id}-error`);
  el.setAttribute('aria-invalid', message ? 'true' : 'false');
  if (box) {
    box.hidden = !message;
    box.textContent = message;
  }
}
