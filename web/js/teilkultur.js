// Teilkultur: interim-use offers as a list beside their own map layer.

import { allItems } from './api.js';
import { h, fill, facts } from './dom.js';
import { t, formatArea, formatEur, formatDate } from './i18n.js';
import { bbox } from './map.js';

export class TeilkulturView {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.vmap = app.vmap;
    this.offers = null;
    this.list = h('ul', { id: 'teilkultur-list', class: 'cards' }, h('li', {}, t('app.loading')));
    fill(root, h('h2', {}, t('teilkultur.title')), h('p', { class: 'intro' }, t('teilkultur.intro')), this.list);
  }

  async enter() {
    this.vmap.setLayerVisible('teilkultur', true);
    if (!this.offers) {
      try {
        this.offers = (await allItems('teilkultur')).features;
      } catch {
        fill(this.list, h('li', { class: 'error' }, t('app.error')));
        return;
      }
    }
    this.render();
  }

  townChanged() {
    if (this.offers) this.render();
  }

  render() {
    const town = this.app.town;
    const offers = this.offers.filter((f) => !town || f.properties.ags === town);
    this.root.dataset.count = String(offers.length);
    if (!offers.length) {
      fill(this.list, h('li', {}, t('teilkultur.none')));
      return;
    }
    fill(this.list, offers.map((f) => {
      const p = f.properties;
      return h('li', { class: 'card', 'data-id': f.id },
        h('h3', {}, p.title),
        p.description ? h('p', {}, p.description) : null,
        facts([
          [t('popup.area'), formatArea(p.area_m2)],
          [t('popup.price'), formatEur(p.price_eur)],
          [t('popup.town'), p.town],
          [t('popup.district'), p.district],
          [t('popup.verified'), formatDate(p.updated_on)],
        ]),
        h('button', { type: 'button', class: 'secondary', onclick: () => this.show(f) }, t('teilkultur.show')));
    }));
  }

  show(f) {
    this.vmap.fitFeature(f);
    this.vmap.select(f);
    const b = bbox(f.geometry);
    if (b) this.vmap.showPopup([(b[0][0] + b[1][0]) / 2, (b[0][1] + b[1][1]) / 2], 'teilkultur-fill', f.properties, f.id);
  }
}
