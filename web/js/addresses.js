// Address search in the header: a combobox (WAI-ARIA 1.2 pattern with a listbox popup) over
// `GET /search/addresses`. Typing asks the server after a short pause; arrows move through
// the hits, Enter chooses, Escape closes. A chosen address flies the map there and marks it.

import { t } from './i18n.js';
import { get } from './api.js';
import { h, fill } from './dom.js';

const DEBOUNCE_MS = 250;
const MIN_CHARS = 2;
const ZOOM = 18;

/** "Marktplatz 15, 99610 Sömmerda (Ortsteil Leubingen)" of a hit. */
export function addressLabel(p) {
  const place = [p.postcode, p.town].filter(Boolean).join(' ');
  const district = p.district && p.district !== p.town ? ` – ${p.district}` : '';
  return `${p.street} ${p.house_number}, ${place}${district}`;
}

export class AddressSearch {
  /** `form` holds the input `#address-q`, the list `#address-list` and the status line. */
  constructor(form, vmap) {
    this.vmap = vmap;
    this.input = form.querySelector('#address-q');
    this.list = form.querySelector('#address-list');
    this.status = form.querySelector('#address-status');
    this.hits = [];
    this.active = -1;
    this.timer = null;
    this.asked = 0;
    this.mark = null;
    form.addEventListener('submit', (e) => { e.preventDefault(); this.choose(Math.max(this.active, 0)); });
    this.input.addEventListener('input', () => this.schedule());
    this.input.addEventListener('keydown', (e) => this.key(e));
    this.input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
  }

  schedule() {
    clearTimeout(this.timer);
    const q = this.input.value.trim();
    if (q.length < MIN_CHARS) {
      this.asked += 1;
      this.show([]);
      return;
    }
    this.timer = setTimeout(() => this.ask(q), DEBOUNCE_MS);
  }

  async ask(q) {
    const n = ++this.asked;
    let hits = [];
    try {
      const answer = await get(`/search/addresses?q=${encodeURIComponent(q)}`);
      hits = answer.features;
    } catch (e) {
      if (n === this.asked) this.say(t('addresses.error'));
      return;
    }
    // An older answer arriving late must not replace a newer one.
    if (n !== this.asked) return;
    this.show(hits);
    this.say(hits.length ? t('addresses.count', { n: hits.length }) : t('addresses.none'));
  }

  say(text) {
    this.status.textContent = text;
  }

  show(hits) {
    this.hits = hits;
    this.active = -1;
    fill(this.list, hits.map((f, i) => h('li', {
      id: `address-hit-${i}`, role: 'option', 'aria-selected': 'false',
      onmousedown: (e) => e.preventDefault(),
      onclick: () => this.choose(i),
    }, addressLabel(f.properties))));
    const open = hits.length > 0;
    this.list.hidden = !open;
    this.input.setAttribute('aria-expanded', String(open));
    this.input.removeAttribute('aria-activedescendant');
    if (!hits.length && this.input.value.trim().length < MIN_CHARS) this.say('');
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
    this.active = -1;
  }

  highlight(i) {
    this.active = i;
    [...this.list.children].forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    const li = this.list.children[i];
    if (li) {
      this.input.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
    }
  }

  key(e) {
    const n = this.hits.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!n) return;
      e.preventDefault();
      if (this.list.hidden) { this.list.hidden = false; this.input.setAttribute('aria-expanded', 'true'); }
      const step = e.key === 'ArrowDown' ? 1 : -1;
      this.highlight(this.active < 0 ? (step > 0 ? 0 : n - 1) : (this.active + step + n) % n);
    } else if (e.key === 'Escape') {
      if (!this.list.hidden) { e.preventDefault(); this.close(); } else this.input.value = '';
    } else if (e.key === 'Enter' && n && !this.list.hidden) {
      e.preventDefault();
      this.choose(Math.max(this.active, 0));
    }
  }

  /** Flies to the hit and marks it. */
  choose(i) {
    const f = this.hits[i];
    if (!f) return;
    const label = addressLabel(f.properties);
    this.input.value = label;
    this.close();
    const [lon, lat] = f.geometry.coordinates;
    this.mark?.remove();
    this.mark = this.vmap.marker([lon, lat], 'address');
    this.mark.getElement().title = label;
    this.vmap.map.flyTo({ center: [lon, lat], zoom: ZOOM, essential: true });
    this.say(t('addresses.shown', { address: label }));
  }
}
