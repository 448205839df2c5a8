// API tokens for scripts: the caller's own tokens, create (role, one
// organisation or all of the caller's, expiry) and revoke. The secret is
// shown once, right after it is created; the list shows only its prefix.
import {api, ApiError} from './api.js';
import {h, clear, table, safeText} from './dom.js';
import {t, formatTime} from './i18n.js';

const RANK = {viewer: 0, auditor: 1, org_admin: 2, operator: 3};

function field(label, input) {
  return h('div', {class: 'field'}, h('label', {for: input.id}, label), input);
}

export async function apiTokens(ctx, created) {
  const [list, orgsData] = await Promise.all([api('GET', 'api-tokens'), api('GET', 'orgs')]);
  const orgNames = Object.fromEntries(orgsData.items.map((o) => [o.id, o.name]));
  const me = ctx.state.session.account;
  const alert = h('div', {'aria-live': 'assertive'});
  const name = h('input', {id: 'tok-name', name: 'name', required: true, maxlength: 100});
  const role = h('select', {id: 'tok-role', name: 'role'},
    Object.keys(RANK).filter((r) => RANK[r] <= RANK[me.role]).map((r) =>
      h('option', {value: r, selected: r === 'viewer'}, t(`role.${r}`))));
  const org = h('select', {id: 'tok-org', name: 'org_ids'},
    h('option', {value: ''}, t('apitok.all_orgs')),
    orgsData.items.map((o) => h('option', {value: o.id}, safeText(o.name))));
  const days = h('input', {id: 'tok-days', name: 'expires_days', type: 'number', min: 1, max: 365, value: 30});
  const form = h('form', {class: 'card', id: 'api-token-form', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const body = {name: name.value, role: role.value, expires_days: Number(days.value)};
      if (org.value) body.org_ids = [Number(org.value)];
      const r = await api('POST', 'api-tokens', body);
      await apiTokens(ctx, r.token);
    } catch (err) {
      ctx.showError(alert, err);
      if (err instanceof ApiError && err.field) {
        const input = form.querySelector(`[name="${CSS.escape(err.field)}"]`);
        if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
      }
    }
  }}, field(t('apitok.name'), name), field(t('apitok.role'), role), field(t('apitok.org'), org),
  field(t('apitok.expires_days'), days), h('button', {type: 'submit', id: 'create-api-token'}, t('apitok.create')));
  const rows = list.items.map((tk) => [safeText(tk.name), h('code', {}, tk.prefix), t(`role.${tk.role}`),
    tk.org_ids.length ? tk.org_ids.map((id) => safeText(orgNames[id] || id)).join(', ') : t('apitok.all_orgs'),
    formatTime(tk.created_at), formatTime(tk.expires_at), t(`apitokstate.${tk.state}`),
    tk.state === 'valid' && list.can_create ? h('button', {type: 'button', class: 'danger', onclick: async () => {
      if (!confirm(t('apitok.revoke_confirm', {prefix: tk.prefix}))) return;
      try { await api('DELETE', `api-tokens/${tk.id}`); await apiTokens(ctx); }
      catch (err) { ctx.showError(alert, err); }
    }}, t('apitok.revoke')) : '']);
  clear(ctx.main);
  ctx.main.appendChild(h('h1', {}, t('apitok.heading')));
  document.title = `${t('apitok.heading')} — mamori`;
  ctx.main.append(h('p', {}, t('apitok.intro')), alert,
    list.can_create ? form : h('p', {class: 'muted'}, t('apitok.via_token')),
    created ? h('div', {id: 'api-token-created', class: 'card', 'aria-live': 'polite'},
      h('p', {class: 'notice'}, t('apitok.created')), h('pre', {}, h('code', {id: 'new-api-token'}, created))) : '',
    h('section', {class: 'card'}, list.items.length ? table(null,
      [t('apitok.name'), t('apitok.prefix'), t('apitok.role'), t('apitok.orgs'), t('apitok.created_at'),
        t('apitok.expires_at'), t('apitok.state'), ''], rows, {class: 'list', id: 'api-token-table'})
      : h('p', {}, t('apitok.none'))));
}
