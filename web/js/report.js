// Report a vacancy: pick the place on the map, say what it is, describe it, send it.
// Validation happens here first (German messages), then the server's answer is shown.

import { post, ApiError } from './api.js';
import { h, fill, announce } from './dom.js';
import { t, formatCoord } from './i18n.js';
import { showFieldError } from './search.js';

const CATEGORIES = ['vacant_building', 'vacant_plot', 'brownfield', 'interim_use', 'other'];
const MAX_TEXT = 2000;
const MAX_CONTACT = 200;

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
    this.errorBox = h('div', { id: 'report-errors', class: 'form-error', role: 'alert', hidden: true });
    this.form = h('form', { id: 'report-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); this.submit(); } },
      h('fieldset', { id: 'report-point' },
        h('legend', {}, t('report.step.pick')),
        this.pointText,
        h('button', { type: 'button', class: 'secondary', onclick: () => this.setPoint(this.vmap.map.getCenter()) }, t('report.pick.keyboard')),
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
    announce(this.pointText.textContent);
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
    return errors;
  }

  showErrors(errors) {
    showFieldError({ id: 'report-point', setAttribute() {} }, errors.point || '');
    showFieldError({ id: 'report-category', setAttribute() {} }, errors.category || '');
    showFieldError(this.textArea, errors.text || '');
    showFieldError(this.contact, errors.contact || '');
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
          : errors.text ? this.textArea : this.contact;
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
    try {
      const r = await post('/reports', body);
      this.confirm(r.id);
    } catch (e) {
      let message;
      if (e instanceof ApiError && e.status === 429) message = t('report.rate');
      else if (e instanceof ApiError && e.status === 422 && /outside/i.test(e.detail || '')) {
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
