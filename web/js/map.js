// The public map: the style the server serves (/tiles/style.json: cadastral background,
// vacancy layers, district choropleth at low zoom, moderated reports, Teilkultur offers) over
// its vector tiles (the GeoJSON collections when no tiles are served), search results, the
// legend and the popups.

import * as maplibregl from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { allItems, get, query } from './api.js';
import { h, fill, facts } from './dom.js';
import { t, lang, className, formatParcel, landUseName, formatArea, formatDate, formatPercent, formatEur } from './i18n.js';

export { maplibregl };

// The classes of the vector layers, the colours and the legend texts: all from the served
// style (its metadata carries tiles/palette.json and the classes of the layer table), filled
// in by start(), before the legend and the search view are built.
export const BUILDING_CLASSES = [];
export const PLOT_CLASSES = [];
export const COLORS = {};
// Vacancy rate classes of the district choropleth: [rate from, colour].
export const RATE_STEPS = [];
export const PALETTE = {};

/** The legend text of a class, from the palette. */
export function classLabel(c) {
  return PALETTE.classes?.[c]?.[lang] ?? className(c);
}

/** Room around the four towns in the start view, in pixels. */
const START_PADDING = 16;

/** Layer ids whose features open a popup, in priority order (topmost first). */
const INTERACTIVE = ['search-fill', 'reports-point', 'teilkultur-fill', 'vacancy-fill', 'plots-fill', 'districts-fill'];

export class VacancyMap {
  constructor(container, config) {
    this.config = config;
    this.mode = 'geojson';
    this.hidden = new Set();
    this.picker = null;
    this.popup = null;
    this.onFeatureClick = null;
    this.container = container;
  }

  /** Builds the map; resolves when the style and the first data are loaded. */
  async start() {
    const layers = await this.tileLayers();
    this.mode = layers ? 'tiles' : 'geojson';
    this.tileLayerNames = layers;
    const start = this.config.start;
    const served = await get(this.config.style || '/tiles/style.json');
    usePalette(served.metadata);
    const base = this.config.basemap ? await get(this.config.basemap).catch(() => null) : null;
    this.map = new maplibregl.Map({
      container: this.container,
      style: this.style(served, base),
      // The start view: all four towns, whatever the screen (desktop, phone, kiosk).
      ...(start.bounds ? { bounds: start.bounds, fitBoundsOptions: { padding: START_PADDING } } : { center: start.center, zoom: start.zoom }),
      maxZoom: 19,
      minZoom: 8,
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      // Keeps the canvas readable for screenshots and the tests' pixel checks.
      canvasContextAttributes: { preserveDrawingBuffer: true },
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.keyboard.disableRotation();
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    // The tiles name their sources in the TileJSON; the collections do not.
    this.map.addControl(new maplibregl.AttributionControl({
      compact: true,
      customAttribution: this.mode === 'tiles' ? undefined : t('map.source.geojson'),
    }), 'bottom-right');
    this.map.getCanvas().setAttribute('aria-label', t('map.region'));
    this.map.on('click', (e) => this.click(e));
    for (const id of INTERACTIVE) {
      this.map.on('mouseenter', id, () => { this.map.getCanvas().style.cursor = 'pointer'; });
      this.map.on('mouseleave', id, () => { this.map.getCanvas().style.cursor = this.picker ? 'crosshair' : ''; });
    }
    await new Promise((resolve) => this.map.once('load', resolve));
    // Compact attribution starts unfolded; folded it leaves the map free on small screens.
    this.map.getContainer().querySelector('.maplibregl-ctrl-attrib')?.classList.remove('maplibregl-compact-show');
    if (this.mode === 'geojson') await this.loadCollections();
    return this;
  }

  /** The vector layer names of the public tileset, or null when the server serves no tiles. */
  async tileLayers() {
    if (!this.config.tiles) return null;
    try {
      const tilejson = await get(this.config.tiles);
      const names = (tilejson.vector_layers || []).map((l) => l.id);
      this.tilejson = tilejson;
      return names.length ? names : null;
    } catch {
      return null;
    }
  }

  /**
   * The served style as this page draws it: in tiles mode its source reads the TileJSON of
   * this page's server (the served tile URL names the server's configured base URL); without
   * tiles each source layer becomes a GeoJSON source of the same name, filled from the
   * collections. On top come the layers that are not data: search results and the selection.
   */
  style(served, base = null) {
    const empty = { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, promoteId: 'id' };
    const sources = {};
    let layers = served.layers;
    if (this.mode === 'tiles') {
      sources.leerstand = { type: 'vector', url: this.config.tiles };
    } else {
      layers = layers.map(({ 'source-layer': name, ...layer }) => {
        if (layer.source !== 'leerstand') return layer;
        sources[name] ??= { ...empty };
        return { ...layer, source: name };
      });
    }
    sources.search = { ...empty };
    sources.selected = { ...empty };
    const own = [
      { id: 'search-fill', type: 'fill', source: 'search', paint: { 'fill-color': COLORS.search, 'fill-opacity': 0.25 } },
      { id: 'search-line', type: 'line', source: 'search',
        paint: { 'line-color': COLORS.search, 'line-width': ['case', ['boolean', ['feature-state', 'hover'], false], 5, 2.5] } },
      { id: 'selected-line', type: 'line', source: 'selected', paint: { 'line-color': '#000', 'line-width': 4, 'line-dasharray': [2, 1] } },
    ];
    if (base) {
      // An optional basemap (a MapLibre style over tiles the towns host themselves): its
      // layers replace our plain background and lie under the cadastre.
      return {
        ...base,
        version: 8,
        sources: { ...base.sources, ...sources },
        layers: [...base.layers, ...layers.filter((l) => l.type !== 'background'), ...own],
      };
    }
    return { version: 8, name: served.name, metadata: served.metadata, glyphs: served.glyphs, sources, layers: [...layers, ...own] };
  }

  /** Without vector tiles: the public collections as GeoJSON (the four towns are small). */
  async loadCollections() {
    const withIds = (fc) => {
      for (const f of fc.features) f.properties.id = f.id;
      return fc;
    };
    const [vacancy, plots, districts, reports, teilkultur] = await Promise.all(
      ['vacancy', 'plots', 'districts', 'reports', 'teilkultur'].map((c) => allItems(c).catch(() => ({ type: 'FeatureCollection', features: [] }))),
    );
    this.map.getSource('vacancy').setData(withIds(vacancy));
    this.map.getSource('plots').setData(withIds(plots));
    this.map.getSource('districts').setData(withIds(districts));
    this.map.getSource('reports').setData(withIds(reports));
    this.map.getSource('teilkultur').setData(withIds(teilkultur));
    // Parcels only at close zoom, for the visible box.
    const loadParcels = async () => {
      if (this.map.getZoom() < 15) return;
      const b = this.map.getBounds();
      const fc = await get(`/collections/parcels/items${query({ bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(','), limit: 1000 })}`).catch(() => null);
      if (fc) this.map.getSource('parcels').setData(withIds(fc));
    };
    this.map.on('moveend', loadParcels);
    loadParcels();
  }

  setLayerVisible(key, visible) {
    const ids = { districts: ['districts-fill', 'districts-line'], reports: ['reports-point'], teilkultur: ['teilkultur-fill', 'teilkultur-line'] }[key];
    if (ids) {
      for (const id of ids) this.map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
      return;
    }
    // A vacancy class.
    if (visible) this.hidden.delete(key); else this.hidden.add(key);
    const shown = (classes) => classes.filter((c) => !this.hidden.has(c));
    for (const id of ['plots-fill', 'plots-line']) this.map.setFilter(id, ['in', ['get', 'class'], ['literal', shown(PLOT_CLASSES)]]);
    for (const id of ['vacancy-fill', 'vacancy-line']) this.map.setFilter(id, ['in', ['get', 'class'], ['literal', shown(BUILDING_CLASSES)]]);
  }

  /** The next map click goes to `callback(lngLat)` instead of opening a popup. */
  pick(callback) {
    this.picker = callback;
    this.map.getCanvas().style.cursor = callback ? 'crosshair' : '';
  }

  click(e) {
    if (this.picker) {
      this.picker(e.lngLat);
      return;
    }
    const present = INTERACTIVE.filter((id) => this.map.getLayer(id));
    const hits = this.map.queryRenderedFeatures(e.point, { layers: present });
    if (!hits.length) {
      this.closePopup();
      return;
    }
    // Topmost by our priority, not by draw order of overlapping polygons.
    hits.sort((a, b) => INTERACTIVE.indexOf(a.layer.id) - INTERACTIVE.indexOf(b.layer.id));
    const hit = hits[0];
    if (hit.layer.id === 'search-fill') {
      this.onSearchHit?.(featureKey(hit));
      return;
    }
    this.showPopup(e.lngLat, hit.layer.id, hit.properties, featureKey(hit));
  }

  showPopup(lngLat, layerId, p, id) {
    this.closePopup();
    const content = popupContent(layerId, p, id, (plotId) => this.onPlotDetails?.(plotId));
    this.popup = new maplibregl.Popup({ maxWidth: '320px', focusAfterOpen: true, closeButton: true })
      .setLngLat(lngLat)
      .setDOMContent(content)
      .addTo(this.map);
    const close = this.popup.getElement().querySelector('.maplibregl-popup-close-button');
    if (close) close.setAttribute('aria-label', t('popup.close'));
  }

  closePopup() {
    if (this.popup) this.popup.remove();
    this.popup = null;
  }

  /** While searching, the results stand out: the other plots step back. */
  emphasiseSearch(on) {
    this.map.setPaintProperty('plots-fill', 'fill-opacity', on ? 0.12 : 0.45);
    this.map.setLayoutProperty('plots-line', 'visibility', on ? 'none' : 'visible');
    for (const id of ['search-fill', 'search-line']) this.map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  }

  setSearchResults(fc) {
    for (const f of fc.features) f.properties.id = f.id;
    this.map.getSource('search').setData(fc);
  }

  hoverResult(id, on) {
    if (id == null) return;
    this.map.setFeatureState({ source: 'search', id }, { hover: on });
  }

  select(feature) {
    this.map.getSource('selected').setData(feature ? { type: 'FeatureCollection', features: [feature] } : { type: 'FeatureCollection', features: [] });
  }

  fitFeature(feature, maxZoom = 17) {
    const b = bbox(feature.geometry);
    if (b) this.map.fitBounds(b, { padding: 60, maxZoom, duration: 600 });
  }

  /** A marker at `lngLat` (the report's place, the search's reference point). */
  marker(lngLat, kind) {
    const el = document.createElement('div');
    el.className = `marker marker-${kind}`;
    el.setAttribute('aria-hidden', 'true');
    return new maplibregl.Marker({ element: el, anchor: 'bottom' }).setLngLat(lngLat).addTo(this.map);
  }

  goTo(center, zoom) {
    this.map.jumpTo({ center, zoom });
  }

  /** Back to the start view (all four towns). */
  goToStart() {
    const start = this.config.start;
    if (start.bounds) this.map.fitBounds(start.bounds, { padding: START_PADDING, animate: false });
    else this.goTo(start.center, start.zoom);
  }
}

/** Takes the classes and the palette from the served style's metadata. */
function usePalette(metadata) {
  const palette = metadata['leerstand:palette'];
  const classes = metadata['leerstand:classes'];
  BUILDING_CLASSES.splice(0, BUILDING_CLASSES.length, ...classes.vacancy);
  PLOT_CLASSES.splice(0, PLOT_CLASSES.length, ...classes.plots);
  for (const [c, entry] of Object.entries(palette.classes)) COLORS[c] = entry.colour;
  Object.assign(COLORS, palette.layers);
  RATE_STEPS.splice(0, RATE_STEPS.length, ...palette.vacancy_rate.steps);
  Object.assign(PALETTE, palette);
}

/** The public id of a rendered feature: the ALKIS id of buildings and plots (tiles carry it
 * as a property, their feature id is a hash of it), else the feature's own id. */
export function featureKey(f) {
  return f.properties.alkis_id ?? f.id ?? f.properties.id;
}

/** [[w, s], [e, n]] of any GeoJSON geometry. */
export function bbox(geometry) {
  let w = Infinity; let s = Infinity; let e = -Infinity; let n = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  if (!geometry) return null;
  walk(geometry.coordinates);
  return Number.isFinite(w) ? [[w, s], [e, n]] : null;
}

/** The popup of one feature: public facts only, with the "zuletzt geprüft" date. */
export function popupContent(layerId, p, id, onDetails) {
  const box = h('div', { class: 'popup', 'data-feature-id': id ?? '' });
  if (layerId === 'vacancy-fill') {
    fill(box, h('h2', {}, className(p.class)), facts([
      [t('popup.town'), p.town], [t('popup.district'), p.district], [t('popup.verified'), formatDate(p.last_verified)],
    ]));
  } else if (layerId === 'plots-fill') {
    const details = p.class && id ? h('button', { type: 'button', class: 'link', onclick: () => onDetails(id) }, t('popup.details')) : null;
    fill(box, h('h2', {}, className(p.class)), facts([
      [t('popup.parcel'), formatParcel(p.kennzeichen, p.district)], [t('popup.area'), formatArea(p.area_m2)], [t('popup.land_use'), landUseName(p.land_use)],
      [t('popup.town'), p.town], [t('popup.district'), p.district], [t('popup.verified'), formatDate(p.last_verified)],
    ]), details);
  } else if (layerId === 'teilkultur-fill') {
    fill(box, h('h2', {}, p.title), h('p', {}, p.description), facts([
      [t('popup.area'), formatArea(p.area_m2)], [t('popup.price'), formatEur(p.price_eur)],
      [t('popup.town'), p.town], [t('popup.district'), p.district], [t('popup.verified'), formatDate(p.updated_on)],
    ]));
  } else if (layerId === 'reports-point') {
    fill(box, h('h2', {}, t(`report.category.${p.category}`)), p.text ? h('p', {}, p.text) : null,
      facts([[t('popup.reported'), formatDate(p.reported_on)]]), h('p', { class: 'note' }, t('map.reports.note')));
  } else if (layerId === 'districts-fill') {
    const suppressed = p.suppressed === true || p.suppressed === 'true';
    fill(box, h('h2', {}, `${p.district} (${p.town})`), suppressed ? h('p', {}, t('popup.suppressed')) : facts([
      [t('popup.rate'), formatPercent(p.vacancy_rate)], [t('popup.vacant'), p.vacant], [t('popup.gaps'), p.gaps],
      [t('popup.verified'), formatDate(p.last_verified)],
    ]), h('p', { class: 'note' }, t('map.districts.hint')));
  }
  return box;
}
