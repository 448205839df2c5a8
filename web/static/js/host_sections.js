// The endpoint page's sections beyond facts and checks: pending updates,
// changes over time (history tables) and revoking the endpoint. Each reads
// its own API resource; every endpoint string is a text node (dom.js).
import {api, query} from './api.js';
import {h, table, safeText} from './dom.js';
import {t, formatTime} from './i18n.js';

// A fact family's name in the page's language; a family the catalogue does
// not know (a newer agent's) shows its own name, as text.
export function familyName(name) {
  const key = `family.${name}`;
  const text = t(key);
  return text === key ? safeText(name) : text;
}

// A family's collection state in words: collected; not applicable (neutral,
// e.g. Wi-Fi without an adapter); or not collected, with the agent's reason
// (English, from the endpoint: a text node) when there is one.
export function familyState(state, facts) {
  if (state === 'STATUS_OK') return h('span', {class: 'ok'}, t('state.STATUS_OK'));
  const known = ['STATUS_NOT_APPLICABLE', 'STATUS_UNSUPPORTED', 'STATUS_PERMISSION_DENIED', 'STATUS_ERROR'];
  const words = known.includes(state) ? t(`state.${state}`) : t('state.other', {state: safeText(state)});
  const neutral = state === 'STATUS_NOT_APPLICABLE' || state === 'STATUS_UNSUPPORTED';
  const reason = facts && facts.status && typeof facts.status.message === 'string' ? facts.status.message : '';
  return [h('span', {class: neutral ? 'muted' : 'bad'}, words),
    reason ? h('div', {class: 'muted small'}, safeText(reason)) : null];
}

function updatesSection(u) {
  const body = [];
  if (u.state === null) {
    body.push(h('p', {class: 'bad'}, t('host.updates_never')));
  } else if (u.state !== 'STATUS_OK') {
    body.push(h('p', {class: 'bad'}, t('host.updates_unknown', {state: u.state})));
  } else {
    body.push(h('p', {id: 'updates-summary'}, t('host.updates_summary',
      {n: u.pending_count ?? u.items.length, security: u.security_pending_count ?? '-'})));
    if (u.reboot_required) body.push(h('p', {class: 'tag warn'}, t('host.reboot_required')));
    const list = u.items.length ? table(null,
      [t('host.name'), t('host.installed_version'), t('host.candidate_version'), t('host.security'), t('host.origin')],
      u.items.map((i) => [safeText(i.name), safeText(i.installed_version), safeText(i.candidate_version),
        i.security ? h('span', {class: 'bad'}, t('common.yes')) : t('common.no'),
        safeText([i.origin, i.severity, ...i.kb_ids].filter(Boolean).join(' '))]),
      {class: 'list compact', id: 'updates-table'}) : h('p', {}, t('host.no_updates'));
    // A long list folds away so the history below stays in reach.
    body.push(u.items.length > 20
      ? h('details', {}, h('summary', {}, t('host.updates_show', {n: u.items.length})), list) : list);
  }
  return h('section', {class: 'card', 'aria-labelledby': 'updates-h'},
    h('h2', {id: 'updates-h'}, t('host.updates')), body);
}

function historySection(hist) {
  const facts = hist.facts.length ? table(t('host.history_facts'),
    [t('host.received'), t('host.family'), t('host.state'), t('host.changed_members')],
    hist.facts.map((f) => [formatTime(f.received_at), familyName(f.family),
      familyState(f.state, null),
      f.first ? h('em', {}, t('host.first_report')) : safeText(f.changed.join(', '))]),
    {class: 'list compact', id: 'fact-history'}) : null;
  const packages = hist.packages.length ? table(t('host.history_packages'),
    [t('host.received'), t('host.name'), t('host.change_kind'), t('host.old_version'), t('host.new_version')],
    hist.packages.map((p) => [formatTime(p.changed_at), safeText(p.name), t(`pkgkind.${p.kind}`),
      safeText(p.old_version ?? '-'), safeText(p.new_version ?? '-')]),
    {class: 'list compact', id: 'package-history'}) : null;
  return h('section', {class: 'card', 'aria-labelledby': 'history-h'},
    h('h2', {id: 'history-h'}, t('host.history')),
    hist.truncated ? h('p', {class: 'muted'}, t('host.history_truncated')) : null,
    facts || packages ? [facts, packages] : h('p', {}, t('host.no_history')));
}

function revokeSection(ctx, orgId, hostId, detail, rerender) {
  const alert = h('div', {'aria-live': 'assertive'});
  if (detail.revoked) {
    return h('section', {class: 'card', id: 'revoke'},
      h('p', {class: 'bad', id: 'revoked-banner', role: 'status'}, t('host.revoked')));
  }
  if (!detail.can_write) return null;
  return h('section', {class: 'card', id: 'revoke'}, alert,
    h('p', {class: 'muted'}, t('host.revoke_note')),
    h('button', {type: 'button', class: 'danger', id: 'revoke-host', onclick: async () => {
      if (!confirm(t('host.revoke_confirm', {name: safeText(detail.endpoint.hostname)}))) return;
      try {
        await api('POST', `orgs/${orgId}/endpoints/${hostId}/revoke`, {});
        await rerender();
      } catch (err) { ctx.showError(alert, err); }
    }}, t('host.revoke')));
}

// Appends the sections to the endpoint page in `main`.
export async function hostSections(ctx, orgId, hostId, detail, rerender) {
  const path = `orgs/${encodeURIComponent(orgId)}/endpoints/${encodeURIComponent(hostId)}`;
  const [updates, history] = await Promise.all([
    api('GET', `${path}/updates`), api('GET', `${path}/history${query({})}`)]);
  const revoke = revokeSection(ctx, orgId, hostId, detail, rerender);
  const summary = ctx.main.querySelector('#host-summary');
  if (revoke && summary) summary.after(revoke);
  else if (revoke) ctx.main.appendChild(revoke);
  // Before the (long) software list.
  const software = ctx.main.querySelector('#software')?.closest('section');
  for (const section of [updatesSection(updates), historySection(history)]) {
    if (software) ctx.main.insertBefore(section, software);
    else ctx.main.appendChild(section);
  }
}

