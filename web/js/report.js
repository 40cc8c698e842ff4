// Report a vacancy: pick the place on the map (or take the device's location), say what it
// is, describe it, add up to three photos, send it. The chosen place is confirmed by its
// nearest address. Validation happens here first (German messages), then the server's
// answer is shown.

import { get, post, postForm, query, ApiError } from './api.js';
import { h, fill, announce } from './dom.js';
import { t, has, formatCoord } from './i18n.js';
import { showFieldError } from './search.js';

const CATEGORIES = ['vacant_building', 'vacant_plot', 'brownfield', 'interim_use', 'other'];
const MAX_TEXT = 2000;
const MAX_CONTACT = 200;
// As the server takes them (workflow::photos).
const MAX_PHOTOS = 3;
const MAX_PHOTO_BYTES = 8 * 1024 * 1024;
const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

export class ReportView {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.vmap = app.vmap;
    this.point = null;
    this.render();
  }

  enter() {
    if (this.app.kiosk) return;
    this.vmap.closePopup();
    this.vmap.pick((lngLat) => this.setPoint(lngLat));
  }

  leave() {
    this.vmap.pick(null);
  }

  render() {
    if (this.app.kiosk) {
      // No free text at a kiosk: the public terminal only points to the other ways.
      fill(this.root, h('h2', {}, t('report.title')), h('p', {}, t('report.kiosk')));
      return;
    }
    this.pointText = h('p', { id: 'report-point-text', class: 'hint' }, t('report.pick.none'));
    const radios = CATEGORIES.map((c) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name: 'category', value: c }), t(`report.category.${c}`)));
    this.textArea = h('textarea', { id: 'report-text', name: 'text', rows: '5', 'aria-describedby': 'report-text-hint report-text-count report-text-error' });
    this.count = h('p', { id: 'report-text-count', class: 'hint', 'aria-live': 'polite' }, t('report.text.count', { n: 0 }));
    this.textArea.addEventListener('input', () => {
      this.count.textContent = t('report.text.count', { n: this.textArea.value.length });
    });
    this.contact = h('input', { id: 'report-contact', name: 'contact', type: 'text', autocomplete: 'email', 'aria-describedby': 'report-contact-hint report-contact-error' });
    this.photos = h('input', { id: 'report-photos', name: 'photo', type: 'file', multiple: true, accept: PHOTO_TYPES.join(','), 'aria-describedby': 'report-photos-hint report-photos-chosen report-photos-error' });
    this.photoList = h('p', { id: 'report-photos-chosen', class: 'hint', 'aria-live': 'polite' });
    this.photos.addEventListener('change', () => {
      const names = [...this.photos.files].map((f) => f.name);
      this.photoList.textContent = names.length ? t('report.photos.chosen', { names: names.join(', ') }) : '';
      showFieldError(this.photos, this.photoErrors()[0] || '');
    });
    this.errorBox = h('div', { id: 'report-errors', class: 'form-error', role: 'alert', hidden: true });
    this.form = h('form', { id: 'report-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); this.submit(); } },
      h('fieldset', { id: 'report-point' },
        h('legend', {}, t('report.step.pick')),
        this.pointText,
        h('div', { class: 'buttons' },
          h('button', { type: 'button', class: 'secondary', id: 'report-locate', onclick: () => this.locate() }, t('report.locate')),
          h('button', { type: 'button', class: 'secondary', onclick: () => this.setPoint(this.vmap.map.getCenter()) }, t('report.pick.keyboard'))),
        h('p', { id: 'report-point-error', class: 'field-error', hidden: true })),
      h('fieldset', { id: 'report-category', 'aria-describedby': 'report-category-error' },
        h('legend', {}, t('report.category'), ' ', h('span', { class: 'req' }, `(${t('form.required')})`)),
        radios,
        h('p', { id: 'report-category-error', class: 'field-error', hidden: true })),
      h('div', { class: 'field' },
        h('label', { for: 'report-text' }, t('report.text'), ' ', h('span', { class: 'req' }, `(${t('form.required')})`)),
        this.textArea,
        h('p', { id: 'report-text-hint', class: 'hint' }, t('report.text.hint')),
        this.count,
        h('p', { id: 'report-text-error', class: 'field-error', hidden: true })),
      h('div', { class: 'field' },
        h('label', { for: 'report-contact' }, t('report.contact')),
        this.contact,
        h('p', { id: 'report-contact-hint', class: 'hint' }, t('report.contact.hint')),
        h('p', { id: 'report-contact-error', class: 'field-error', hidden: true })),
      h('div', { class: 'field' },
        h('label', { for: 'report-photos' }, t('report.photos')),
        this.photos,
        h('p', { id: 'report-photos-hint', class: 'hint' }, t('report.photos.hint')),
        this.photoList,
        h('p', { id: 'report-photos-error', class: 'field-error', hidden: true })),
      this.errorBox,
      h('button', { type: 'submit', class: 'primary', id: 'report-submit' }, t('report.submit')));
    this.done = h('div', { id: 'report-done', class: 'success-box', hidden: true, tabindex: '-1' });
    fill(this.root, h('h2', {}, t('report.title')), h('p', { class: 'intro' }, t('report.intro')), this.form, this.done);
  }

  setPoint(lngLat) {
    this.point = { lng: lngLat.lng, lat: lngLat.lat };
    this.pointText.textContent = t('report.pick.chosen', { lat: formatCoord(lngLat.lat), lon: formatCoord(lngLat.lng) });
    this.root.dataset.point = `${lngLat.lng},${lngLat.lat}`;
    if (this.marker) this.marker.setLngLat(lngLat);
    else this.marker = this.vmap.marker(lngLat, 'report');
    showFieldError({ id: 'report-point', setAttribute() {} }, '');
    this.nameAddress(this.point);
  }

  /** Confirms the chosen place by its nearest address ("Nähe Marktplatz 15, Sömmerda"). */
  async nameAddress(point) {
    const coords = { lat: formatCoord(point.lat), lon: formatCoord(point.lng) };
    let text;
    try {
      const a = await get(`/addresses/nearest${query({ lon: point.lng.toFixed(6), lat: point.lat.toFixed(6) })}`);
      text = t('report.pick.near', { address: a.label });
      this.root.dataset.address = a.label;
    } catch (e) {
      text = t('report.pick.noaddress', coords);
      delete this.root.dataset.address;
    }
    // A later choice wins over a slow answer for an earlier one.
    if (this.point !== point) return;
    this.pointText.textContent = text;
    announce(text);
  }

  /** "Mein Standort": the device's position, when the browser and the person allow it. */
  locate() {
    const button = this.form.querySelector('#report-locate');
    const fail = (key) => {
      button.disabled = false;
      button.textContent = t('report.locate');
      showFieldError({ id: 'report-point', setAttribute() {} }, t(key));
      announce(t(key));
    };
    if (!('geolocation' in navigator)) return fail('report.locate.unavailable');
    button.disabled = true;
    button.textContent = t('report.locate.busy');
    navigator.geolocation.getCurrentPosition((position) => {
      button.disabled = false;
      button.textContent = t('report.locate');
      const lngLat = { lng: position.coords.longitude, lat: position.coords.latitude };
      this.vmap.goTo([lngLat.lng, lngLat.lat], Math.max(this.vmap.map.getZoom(), 17));
      this.setPoint(lngLat);
    }, (error) => fail(error.code === 1 ? 'report.locate.denied' : 'report.locate.unavailable'),
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  /** What is wrong with the chosen photos, before anything is sent. */
  photoErrors() {
    const files = [...this.photos.files];
    const errors = [];
    if (files.length > MAX_PHOTOS) errors.push(t('report.invalid.photos.count'));
    for (const f of files) {
      if (!PHOTO_TYPES.includes(f.type)) errors.push(t('report.invalid.photos.type', { name: f.name }));
      else if (f.size > MAX_PHOTO_BYTES) errors.push(t('report.invalid.photos.size', { name: f.name }));
    }
    return errors;
  }

  /** German (or English) messages for what is missing or wrong; empty when all is well. */
  validate() {
    const errors = {};
    if (!this.point) errors.point = t('report.invalid.point');
    if (!this.form.querySelector('input[name=category]:checked')) errors.category = t('report.invalid.category');
    const text = this.textArea.value.trim();
    if (!text) errors.text = t('report.invalid.text');
    else if (text.length > MAX_TEXT) errors.text = t('report.invalid.long');
    if (this.contact.value.trim().length > MAX_CONTACT) errors.contact = t('report.invalid.contact');
    const photos = this.photoErrors();
    if (photos.length) errors.photos = photos.join(' ');
    return errors;
  }

  showErrors(errors) {
    showFieldError({ id: 'report-point', setAttribute() {} }, errors.point || '');
    showFieldError({ id: 'report-category', setAttribute() {} }, errors.category || '');
    showFieldError(this.textArea, errors.text || '');
    showFieldError(this.contact, errors.contact || '');
    showFieldError(this.photos, errors.photos || '');
    const list = Object.values(errors);
    this.errorBox.hidden = !list.length;
    fill(this.errorBox, list.length ? [h('p', {}, t('form.errors')), h('ul', {}, list.map((m) => h('li', {}, m)))] : []);
  }

  async submit() {
    const errors = this.validate();
    this.showErrors(errors);
    if (Object.keys(errors).length) {
      const first = errors.point ? this.form.querySelector('#report-point button')
        : errors.category ? this.form.querySelector('input[name=category]')
          : errors.text ? this.textArea : errors.contact ? this.contact : this.photos;
      first.focus();
      return;
    }
    const button = this.form.querySelector('#report-submit');
    button.disabled = true;
    button.textContent = t('form.sending');
    const body = {
      lon: this.point.lng,
      lat: this.point.lat,
      category: this.form.querySelector('input[name=category]:checked').value,
      text: this.textArea.value.trim(),
    };
    const contact = this.contact.value.trim();
    if (contact) body.contact = contact;
    const files = [...this.photos.files];
    try {
      let r;
      if (files.length) {
        // With photos the report goes as a form; the server re-encodes them.
        const form = new FormData();
        for (const [k, v] of Object.entries(body)) form.append(k, String(v));
        for (const f of files) form.append('photo', f, f.name);
        r = await postForm('/reports', form);
      } else {
        r = await post('/reports', body);
      }
      this.confirm(r.id);
    } catch (e) {
      let message;
      const reason = e instanceof ApiError ? e.body?.reason : null;
      if (e instanceof ApiError && e.status === 429) message = t('report.rate');
      else if (reason && has(`report.photo.${reason}`)) {
        const text = t(`report.photo.${reason}`);
        message = e.body.photo ? t('report.photo.refused', { n: e.body.photo, reason: text }) : text;
        showFieldError(this.photos, message);
      } else if (e instanceof ApiError && e.status === 413) {
        message = t('report.photo.too_large');
        showFieldError(this.photos, message);
      } else if (e instanceof ApiError && e.status === 422 && /outside/i.test(e.detail || '')) {
        message = t('report.invalid.outside');
        showFieldError({ id: 'report-point', setAttribute() {} }, message);
      } else message = t('report.error', { detail: e.detail || e.message });
      this.errorBox.hidden = false;
      fill(this.errorBox, h('p', {}, message));
    } finally {
      button.disabled = false;
      button.textContent = t('report.submit');
    }
  }

  confirm(id) {
    this.form.hidden = true;
    this.done.hidden = false;
    this.done.dataset.reportId = String(id);
    fill(this.done,
      h('h3', {}, t('report.sent.title')),
      h('p', {}, t('report.sent', { id })),
      h('button', { type: 'button', class: 'secondary', onclick: () => this.again() }, t('report.again')));
    this.done.focus();
    announce(t('report.sent', { id }));
  }

  again() {
    this.form.reset();
    this.point = null;
    if (this.marker) this.marker.remove();
    this.marker = null;
    this.pointText.textContent = t('report.pick.none');
    this.photoList.textContent = '';
    delete this.root.dataset.address;
    this.count.textContent = t('report.text.count', { n: 0 });
    this.form.hidden = false;
    this.done.hidden = true;
    this.textArea.focus();
  }

  reset() {
    if (this.app.kiosk) return;
    this.again();
  }
}
