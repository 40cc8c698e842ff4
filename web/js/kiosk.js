// Kiosk mode (?kiosk=1) for the alliance's information terminals: full screen, large touch
// targets, no text input (the views offer on-screen controls only), and back to the start
// view after a time without touch (config idleSeconds, or ?idle=SECONDS).

import { $, h } from './dom.js';
import { t } from './i18n.js';

const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart'];

export class Kiosk {
  constructor(app) {
    this.app = app;
    const fromUrl = Number(new URLSearchParams(location.search).get('idle'));
    this.idleMs = 1000 * (fromUrl > 0 ? fromUrl : (app.config.idleSeconds || 120));
    this.resets = 0;
    $('#kiosk-bar').hidden = false;
    $('#planner-link').hidden = true;
    $('#kiosk-home').addEventListener('click', () => this.reset());
    $('#kiosk-zoomin').addEventListener('click', () => app.vmap.map.zoomIn());
    $('#kiosk-zoomout').addEventListener('click', () => app.vmap.map.zoomOut());
    $('#kiosk-fullscreen').addEventListener('click', () => this.fullscreen());
    for (const type of ACTIVITY) document.addEventListener(type, () => this.activity(), { capture: true, passive: true });
    this.addReportCode();
    // Browsers allow full screen only after a user gesture: the first touch asks for it.
    document.addEventListener('pointerdown', () => this.fullscreen(), { once: true });
    this.activity();
  }

  /** The report tab of a kiosk takes no typing: a QR code and a short address lead to the
   *  report form on the visitor's phone (the server draws the code for its own address). */
  addReportCode() {
    const url = `${location.host}/melden`;
    $('#panel').append(h('section', { class: 'kiosk-qr', 'aria-labelledby': 'kiosk-qr-title' },
      h('h3', { id: 'kiosk-qr-title' }, t('kiosk.qr.title')),
      h('img', { src: '/melden/qr.svg', width: '260', height: '260', alt: t('kiosk.qr.alt', { url }) }),
      h('p', {}, t('kiosk.qr.text', { url }))));
  }

  fullscreen() {
    if (!document.fullscreenElement && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(() => {});
    }
  }

  activity() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reset(), this.idleMs);
  }

  /** The start view: map tab, all four towns, no popup, no selection. */
  reset() {
    const app = this.app;
    app.vmap.closePopup();
    app.vmap.select(null);
    app.vmap.pick(null);
    app.views.suche?.closeDetail?.();
    app.show('karte');
    app.setTown('', true);
    $('#panel').scrollTop = 0;
    this.resets += 1;
    document.body.dataset.kioskResets = String(this.resets);
    this.activity();
  }
}
