// The console's shell: session, hash router, header with navigation,
// language switch and logout. Each view renders into <main>.
import {api, ApiError, setCsrf} from './api.js';
import {h, clear} from './dom.js';
import {loadLanguage, currentLanguage, t} from './i18n.js';
import * as views from './views.js';
import {apiTokens} from './api_tokens.js';
import * as followup from './followup.js';
import {alerts} from './alerts.js';
import {schedule} from './schedule.js';

const state = {session: null};

const routes = [
  [/^\/login$/, () => views.login(ctx)],
  [/^\/password$/, () => views.changePassword(ctx)],
  [/^\/$/, (m, q) => views.orgs(ctx, q)],
  [/^\/orgs\/(\d+)$/, (m) => views.dashboard(ctx, m[1])],
  [/^\/orgs\/(\d+)\/endpoints$/, (m, q) => views.endpoints(ctx, m[1], q)],
  [/^\/orgs\/(\d+)\/endpoints\/(\d+)$/, (m) => views.endpoint(ctx, m[1], m[2])],
  [/^\/orgs\/(\d+)\/enroll$/, (m) => views.enroll(ctx, m[1])],
  [/^\/orgs\/(\d+)\/rules$/, (m) => views.rules(ctx, m[1])],
  [/^\/orgs\/(\d+)\/software$/, (m, q) => views.software(ctx, m[1], q)],
  [/^\/orgs\/(\d+)\/questionnaire$/, (m) => views.questionnaire(ctx, m[1])],
  [/^\/orgs\/(\d+)\/improvements$/, (m) => followup.improvements(ctx, m[1])],
  [/^\/accounts$/, () => views.accounts(ctx)],
  [/^\/audit$/, () => views.audit(ctx)],
  [/^\/api-tokens$/, () => apiTokens(ctx)],
  [/^\/orgs\/(\d+)\/register$/, (m) => views.registerView(ctx, m[1])],
  [/^\/orgs\/(\d+)\/devices$/, (m, q) => views.devicesView(ctx, m[1], q)],
  [/^\/orgs\/(\d+)\/report-schedule$/, (m) => schedule(ctx, m[1], views.orgNav(m[1], 'nav.schedule'))],
  [/^\/orgs\/(\d+)\/alerts$/, (m, q) => alerts(ctx, m[1], views.orgNav(m[1], 'nav.alerts'), q)],
  [/^\/orgs\/(\d+)\/questionnaire\/first$/, (m) => views.firstDiagnosisView(ctx, m[1])],
  [/^\/orgs\/(\d+)\/questionnaire\/ipa$/, (m) => views.ipaView(ctx, m[1])],
];

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, q] = raw.split('?');
  return {path, params: new URLSearchParams(q || '')};
}

export const ctx = {
  state,
  go(path) {
    if (location.hash === `#${path}`) render();
    else location.hash = path;
  },
  setSession(session) {
    state.session = session;
    setCsrf(session ? session.csrf_token : '');
  },
  main: null,
  // Shows an error from the API in the view's alert region.
  showError(region, error) {
    clear(region);
    const text = error instanceof ApiError ? error.message : String(error);
    region.appendChild(h('p', {class: 'error', role: 'alert'}, text));
  },
  rerender: () => render(),
};

function header() {
  const s = state.session;
  const nav = [];
  if (s && !s.must_change_password) {
    nav.push(h('a', {href: '#/'}, t('nav.orgs')));
    if (['operator', 'org_admin'].includes(s.account.role)) {
      nav.push(h('a', {href: '#/accounts'}, t('nav.accounts')));
    }
    if (['operator', 'org_admin', 'auditor'].includes(s.account.role)) {
      nav.push(h('a', {href: '#/audit'}, t('nav.audit')));
    }
    nav.push(h('a', {href: '#/api-tokens'}, t('nav.api_tokens')));
  }
  const select = h('select', {id: 'lang', 'aria-label': t('app.language'),
    onchange: async (e) => { await loadLanguage(e.target.value); render(); }},
  h('option', {value: 'ja', selected: currentLanguage() === 'ja'}, '日本語'),
  h('option', {value: 'en', selected: currentLanguage() === 'en'}, 'English'));
  const right = [h('label', {class: 'lang'}, t('app.language'), ' ', select)];
  if (s) {
    right.push(h('span', {class: 'who'}, t('app.signed_in_as',
      {name: s.account.name, role: t(`role.${s.account.role}`)})));
    right.push(h('button', {type: 'button', id: 'logout', onclick: async () => {
      try { await api('DELETE', 'session'); } catch (e) { /* already gone */ }
      ctx.setSession(null);
      ctx.go('/login');
    }}, t('app.logout')));
  }
  return h('header', {class: 'top'},
    h('a', {class: 'skip', href: '#main'}, t('app.skip')),
    h('span', {class: 'brand'}, t('app.title')),
    h('nav', {'aria-label': 'main'}, nav),
    h('div', {class: 'right'}, right));
}

async function render() {
  const {path, params} = parseHash();
  if (!state.session && path !== '/login') {
    try {
      ctx.setSession(await api('GET', 'session'));
    } catch (e) {
      ctx.go('/login');
      return;
    }
  }
  if (state.session && state.session.must_change_password && path !== '/password') {
    ctx.go('/password');
    return;
  }
  const root = document.getElementById('app');
  clear(root);
  const main = h('main', {id: 'main', tabindex: '-1'});
  root.appendChild(header());
  root.appendChild(main);
  ctx.main = main;
  for (const [pattern, view] of routes) {
    const m = path.match(pattern);
    if (m) {
      main.appendChild(h('p', {class: 'loading'}, t('app.loading')));
      try {
        await view(m, params);
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) {
          ctx.setSession(null);
          ctx.go('/login');
          return;
        }
        clear(main);
        main.appendChild(h('h1', {}, t('error.title')));
        ctx.showError(main.appendChild(h('div')), e);
      }
      const heading = main.querySelector('h1');
      if (heading) heading.setAttribute('tabindex', '-1');
      return;
    }
  }
  clear(main);
  main.appendChild(h('h1', {}, t('problem.404')));
}

window.addEventListener('hashchange', render);
loadLanguage().then(render);
