// The address of what the reader sees. The view, the map position, the town, the hidden
// layers, the open plot and the search filters live in the URL's fragment, so a link sent to
// a neighbour reopens the same view, and the language switch (which reloads the page) keeps
// it. The fragment reads like
//   #suche&map=16.5/51.15950/11.11930&town=16068051&off=reports,districts&plot=DETH…&s.min_area=500
// A bare view ("#melden") stays valid, as do the links of the server-rendered plot pages
// ("#map=18/…&plot=…"). Only the view is a history step (Back returns to the previous view);
// moving the map or changing a filter replaces the address.

const FILTER = 's.';

/** The state in a fragment; missing parts are null or empty. */
export function parse(hash = location.hash, views = []) {
  const state = { view: null, map: null, town: '', off: [], plot: null, search: {} };
  for (const part of hash.replace(/^#/, '').split('&')) {
    if (!part) continue;
    const at = part.indexOf('=');
    if (at < 0) {
      const view = decodeURIComponent(part);
      if (views.includes(view)) state.view = view;
      continue;
    }
    const key = decodeURIComponent(part.slice(0, at));
    const value = decodeURIComponent(part.slice(at + 1));
    if (key === 'map') {
      const [zoom, lat, lon] = value.split('/').map(Number);
      if ([zoom, lat, lon].every(Number.isFinite) && zoom >= 0 && zoom <= 22 && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
        state.map = { zoom, lat, lon };
      }
    } else if (key === 'town') state.town = /^\d{8}$/.test(value) ? value : '';
    else if (key === 'off') state.off = value.split(',').filter((x) => /^[a-z_]+$/.test(x));
    else if (key === 'plot') state.plot = value.slice(0, 32) || null;
    else if (key.startsWith(FILTER)) state.search[key.slice(FILTER.length)] = value.slice(0, 100);
  }
  return state;
}

/** The fragment of a state (without the empty parts). */
export function format(state) {
  const parts = [];
  const put = (k, v) => parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%2F/g, '/').replace(/%2C/g, ',')}`);
  if (state.view && state.view !== 'karte') parts.push(state.view);
  if (state.map) put('map', `${state.map.zoom.toFixed(2)}/${state.map.lat.toFixed(5)}/${state.map.lon.toFixed(5)}`);
  if (state.town) put('town', state.town);
  if (state.off?.length) put('off', state.off.join(','));
  if (state.plot) put('plot', state.plot);
  for (const [k, v] of Object.entries(state.search || {})) if (v !== '' && v != null) put(FILTER + k, v);
  return parts.length ? `#${parts.join('&')}` : '';
}

/** Keeps the address in step with the page. */
export class Permalink {
  constructor(views) {
    this.views = views;
    this.state = parse(location.hash, views);
  }

  /** Merges `patch` into the state and writes the address; `step` makes it a history entry. */
  update(patch, step = false) {
    this.state = { ...this.state, ...patch };
    const hash = format(this.state);
    if (hash === location.hash) return;
    const url = `${location.pathname}${location.search}${hash}`;
    if (step) history.pushState(null, '', url);
    else history.replaceState(null, '', url);
  }

  /** Reads the address again (after Back or Forward). */
  reread() {
    this.state = parse(location.hash, this.views);
    return this.state;
  }
}
