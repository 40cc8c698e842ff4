// The public web map: loads the configuration, builds the map and the four views (map with
// legend, investor search, report a vacancy, Teilkultur), the town switcher and kiosk mode.

import { t, translatePage, switchLanguage, formatPercent, formatNumber } from './i18n.js';
import { allItems, get } from './api.js';
import { h, fill, $, $$ } from './dom.js';
import { VacancyMap, COLORS, RATE_STEPS, BUILDING_CLASSES, PLOT_CLASSES, PALETTE, classLabel } from './map.js';
import { SearchView } from './search.js';
import { ReportView } from './report.js';
import { TeilkulturView } from './teilkultur.js';
import { Kiosk } from './kiosk.js';
import { Permalink } from './permalink.js';
import { AddressSearch } from './addresses.js';

const VIEWS = ['karte', 'suche', 'melden', 'teilkultur'];

class App {
  constructor(config) {
    this.config = config;
    this.kiosk = new URLSearchParams(location.search).get('kiosk') === '1';
    this.town = '';
    this.views = {};
    this.link = new Permalink(VIEWS);
  }

  async start() {
    translatePage();
    document.body.classList.toggle('kiosk', this.kiosk);
    $('#lang').addEventListener('click', switchLanguage);
    // The button is in the language it switches to (its code shows on phones).
    $('#lang').lang = document.documentElement.lang === 'de' ? 'en' : 'de';
    this.buildTownSwitcher();
    this.buildTabs();
    this.vmap = new VacancyMap($('#map'), this.config);
    await this.vmap.start();
    window.leerstand = { app: this, vmap: this.vmap, map: this.vmap.map };
    this.vmap.onPlotDetails = (id) => { this.show('suche'); this.views.suche.openDetail(id); };
    this.views.karte = { enter() {}, leave() {} };
    this.buildMapPanel();
    // Kiosks take no typing: the address search stays hidden there.
    if (this.kiosk) $('#address-search').remove();
    else this.addresses = new AddressSearch($('#address-search'), this.vmap);
    this.views.suche = new SearchView($('#panel-suche'), this);
    this.views.melden = new ReportView($('#panel-melden'), this);
    this.views.teilkultur = new TeilkulturView($('#panel-teilkultur'), this);
    if (this.kiosk) this.kioskMode = new Kiosk(this);
    this.restore(this.link.state);
    window.addEventListener('popstate', () => this.show(this.link.reread().view || 'karte', false));
    document.body.dataset.ready = 'true';
  }

  /** Opens what the address names (see permalink.js), then keeps the address in step. */
  restore(state) {
    const map = this.vmap.map;
    if (state.town && this.config.towns.some((x) => x.ags === state.town)) this.setTown(state.town, !state.map);
    if (state.map) map.jumpTo({ center: [state.map.lon, state.map.lat], zoom: state.map.zoom });
    for (const key of state.off) this.setLayer(key, false);
    if (Object.keys(state.search).length) this.views.suche.applyFilters(state.search);
    if (state.map || state.plot) this.views.suche.keepView = true;
    map.on('moveend', () => {
      const c = map.getCenter();
      this.link.update({ map: { zoom: map.getZoom(), lat: c.lat, lon: c.lng } });
    });
    this.show(state.view || 'karte', false);
    if (state.plot) this.views.suche.openDetail(state.plot);
  }

  /** Shows or hides a map layer, with its legend checkbox and the address. */
  setLayer(key, visible) {
    this.vmap.setLayerVisible(key, visible);
    const box = document.querySelector(`input[data-layer="${CSS.escape(key)}"]`);
    if (box) box.checked = visible;
    const off = new Set(this.link.state.off);
    if (visible) off.delete(key); else off.add(key);
    this.link.update({ off: [...off] });
  }

  buildTownSwitcher() {
    const select = $('#town');
    fill(select, h('option', { value: '' }, t('app.town.all')),
      this.config.towns.map((town) => h('option', { value: town.ags }, town.name)));
    select.addEventListener('change', () => this.setTown(select.value));
  }

  /** Switches to a town ('' = all four): view, district table, search default. */
  setTown(ags, move = true) {
    this.town = ags;
    $('#town').value = ags;
    this.link.update({ town: ags });
    const town = this.config.towns.find((x) => x.ags === ags);
    if (move) {
      this.vmap.closePopup();
      if (town) this.vmap.goTo(town.center, town.zoom);
      else this.vmap.goToStart();
    }
    this.renderDistricts();
    for (const v of Object.values(this.views)) v.townChanged?.(ags);
  }

  buildTabs() {
    const tabs = $$('[role=tab]');
    const bar = $('.tabs');
    const edges = () => {
      bar.classList.toggle('more-left', bar.scrollLeft > 2);
      bar.classList.toggle('more-right', bar.scrollLeft + bar.clientWidth < bar.scrollWidth - 2);
    };
    bar.addEventListener('scroll', edges, { passive: true });
    window.addEventListener('resize', edges);
    edges();
    for (const tab of tabs) {
      tab.addEventListener('click', () => this.show(tab.dataset.view));
      tab.addEventListener('keydown', (e) => {
        const i = tabs.indexOf(tab);
        let next = null;
        if (e.key === 'ArrowRight') next = tabs[(i + 1) % tabs.length];
        else if (e.key === 'ArrowLeft') next = tabs[(i - 1 + tabs.length) % tabs.length];
        else if (e.key === 'Home') next = tabs[0];
        else if (e.key === 'End') next = tabs[tabs.length - 1];
        if (next) {
          e.preventDefault();
          next.focus();
          this.show(next.dataset.view);
        }
      });
    }
  }

  /** Shows one view; `push` records it in the address (so Back works and links can point to it). */
  show(view, push = true) {
    if (this.current === view) return;
    const previous = this.current;
    this.current = view;
    for (const tab of $$('[role=tab]')) {
      const on = tab.dataset.view === view;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on) tab.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
    for (const v of VIEWS) $(`#panel-${v}`).hidden = v !== view;
    if (previous) this.views[previous]?.leave?.();
    this.views[view]?.enter?.();
    this.link.update({ view }, push);
    document.body.dataset.view = view;
  }

  buildMapPanel() {
    const panel = $('#panel-karte');
    const toggle = (key, label, swatch, checked = true) => h('li', {},
      h('label', { class: 'toggle' },
        h('input', { type: 'checkbox', checked, 'data-layer': key, onchange: (e) => this.setLayer(key, e.target.checked) }),
        h('span', { class: `swatch ${swatch.shape || ''}`, style: `--c:${swatch.color}`, 'aria-hidden': 'true' }),
        label));
    const ramp = h('ul', { class: 'ramp' }, RATE_STEPS.map(([v, c], i) => {
      const next = RATE_STEPS[i + 1]?.[0];
      const text = next === undefined ? `≥ ${formatPercent(v, 0)}` : `${formatNumber(v * 100)}–${formatPercent(next, 0)}`;
      return h('li', {}, h('span', { class: 'swatch', style: `--c:${c}`, 'aria-hidden': 'true' }), text);
    }), h('li', {}, h('span', { class: 'swatch', style: `--c:${PALETTE.vacancy_rate.suppressed}`, 'aria-hidden': 'true' }), t('map.districts.suppressed')));
    fill(panel,
      h('p', { class: 'intro' }, t('map.intro')),
      h('h2', {}, t('map.legend')),
      h('fieldset', { class: 'legend' },
        h('legend', {}, t('map.layers')),
        h('ul', {},
          [...BUILDING_CLASSES, ...PLOT_CLASSES].map((c) => toggle(c, classLabel(c), { color: COLORS[c], shape: BUILDING_CLASSES.includes(c) ? 'solid' : 'plot' })),
          toggle('teilkultur', t('map.teilkultur'), { color: COLORS.teilkultur, shape: 'plot' }),
          toggle('reports', t('map.reports'), { color: COLORS.reports, shape: 'dot' }),
          toggle('districts', t('map.districts'), { color: RATE_STEPS[3][1] }))),
      h('p', { class: 'note', id: 'reports-note' }, t('map.reports.note')),
      h('h3', {}, t('map.districts')), ramp,
      h('p', { class: 'hint' }, t('map.districts.hint')),
      h('h2', {}, t('map.table')),
      h('div', { id: 'district-table', class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('map.table') }, t('app.loading')));
    this.loadDistricts();
  }

  async loadDistricts() {
    try {
      this.districts = (await allItems('districts')).features.map((f) => f.properties);
    } catch {
      this.districts = null;
    }
    this.renderDistricts();
  }

  renderDistricts() {
    const box = $('#district-table');
    if (!box) return;
    if (!this.districts) { fill(box, t('app.error')); return; }
    const rows = this.districts
      .filter((d) => !this.town || d.ags === this.town)
      .sort((a, b) => (a.town + a.district).localeCompare(b.town + b.district, 'de'));
    const dash = t('map.table.none');
    fill(box, h('table', {},
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('map.table.district')),
        h('th', { scope: 'col' }, t('map.table.rate')),
        h('th', { scope: 'col' }, t('map.table.gaps')),
        h('th', { scope: 'col' }, t('map.table.brownfields')))),
      h('tbody', {}, rows.map((d) => h('tr', {},
        h('th', { scope: 'row' }, this.town ? d.district : `${d.district} (${d.town})`),
        h('td', {}, d.suppressed ? dash : formatPercent(d.vacancy_rate)),
        h('td', {}, d.suppressed ? dash : formatNumber(d.gaps ?? 0)),
        h('td', {}, d.suppressed ? dash : formatNumber(d.brownfields ?? 0)))))));
  }
}

/** Whether the browser offers WebGL, which the map draws with. */
function canDrawMaps() {
  try {
    const canvas = document.createElement('canvas');
    return Boolean(canvas.getContext('webgl2') || canvas.getContext('webgl'));
  } catch {
    return false;
  }
}

async function main() {
  let config;
  try {
    config = await get('config.json');
  } catch {
    config = null;
  }
  if (!config) {
    document.body.append(h('p', { class: 'error', role: 'alert' }, t('app.error')));
    return;
  }
  if (!canDrawMaps()) {
    // Without WebGL the map cannot start; say so, and point to what works without it.
    document.body.dataset.ready = 'nowebgl';
    $('#map').append(h('div', { class: 'nowebgl', role: 'alert' },
      h('p', {}, t('app.nowebgl')),
      h('p', {}, h('a', { class: 'button', href: '/grundstuecke' }, t('app.nowebgl.list')))));
    return;
  }
  const app = new App(config);
  try {
    await app.start();
  } catch (e) {
    console.error(e);
    document.body.dataset.ready = 'error';
    $('#panel').prepend(h('p', { class: 'error', role: 'alert' }, t('app.error')));
  }
}

main();
