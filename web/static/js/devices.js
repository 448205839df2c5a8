// Devices on the LAN without the agent (issue #20): what the organisation's
// agents saw in their own neighbour tables, with the vendor from the IEEE
// registry, the hosts that saw each device and the administrators' mark.
// Org admins mark a device "not a PC" (printer, router, NAS, phone, other)
// or "should run the agent", or clear the mark. MACs, addresses and host
// names come from endpoints: text nodes only (dom.js). The list is filtered
// (PCs without the agent / known, not a PC / should run the agent / all),
// searched by vendor, MAC or address, paged by cursor and exported as CSV
// or XLSX with the same filter, like the endpoint list.
import {api, query} from './api.js';
import {h, clear, table, safeText} from './dom.js';
import {t, formatTime} from './i18n.js';

const KINDS = ['printer', 'router', 'nas', 'phone', 'other'];
const FILTERS = ['all', 'unmanaged_pc', 'known', 'needs_agent'];

function vendorCell(d) {
  if (d.locally_administered) return h('span', {class: 'muted'}, t('dev.randomised'));
  return d.vendor ? safeText(d.vendor) : h('span', {class: 'muted'}, t('dev.vendor_unknown'));
}

function markCell(d) {
  if (!d.mark) return h('span', {class: 'muted'}, t('dev.unmarked'));
  const label = d.mark === 'not_pc' ? t('dev.mark_not_pc', {kind: t(`dev.kind.${d.mark_kind || 'other'}`)})
    : t('dev.mark_needs_agent');
  return h('span', {class: `mark ${d.mark}`, title: safeText(`${d.marked_by} ${d.mark_note}`)}, label);
}

function filterForm(ctx, orgId, p) {
  const filter = h('select', {id: 'dev-filter', name: 'filter'},
    FILTERS.map((f) => h('option', {value: f, selected: (p.filter || 'all') === f}, t(`dev.filter.${f}`))));
  const q = h('input', {id: 'dev-q', name: 'q', type: 'search', maxlength: 200, value: p.q || ''});
  const chosen = () => ({filter: filter.value === 'all' ? '' : filter.value, q: q.value});
  return h('form', {class: 'filters card', role: 'search', id: 'device-filters', onsubmit: (e) => {
    e.preventDefault();
    ctx.go(`/orgs/${orgId}/devices${query(chosen())}`);
  }},
  h('div', {class: 'field'}, h('label', {for: 'dev-filter'}, t('dev.filter')), filter),
  h('div', {class: 'field'}, h('label', {for: 'dev-q'}, t('dev.search')), q),
  h('button', {type: 'submit'}, t('ep.apply')),
  h('a', {class: 'button', id: 'dev-csv', download: '',
    href: `/api/v1/orgs/${orgId}/devices.csv${query({filter: p.filter || '', q: p.q || ''})}`}, t('ep.csv')),
  h('a', {class: 'button', id: 'dev-xlsx', download: '',
    href: `/api/v1/orgs/${orgId}/devices.xlsx${query({filter: p.filter || '', q: p.q || ''})}`}, t('ep.xlsx')));
}

export async function devices(ctx, orgId, orgNav, notice, params) {
  const p = Object.fromEntries((params || new URLSearchParams()).entries());
  const listQuery = query({filter: p.filter || '', q: p.q || '', cursor: p.cursor || ''});
  const [org, data] = await Promise.all([api('GET', `orgs/${orgId}`), api('GET', `orgs/${orgId}/devices${listQuery}`)]);
  const alert = h('div', {'aria-live': 'assertive'});
  const reload = (message) => devices(ctx, orgId, orgNav, message, params);
  const path = (mac) => `orgs/${orgId}/devices/${encodeURIComponent(mac).replace(/%3A/gi, ':')}/mark`;

  const markForm = (d) => {
    const choice = h('select', {name: 'verdict', 'aria-label': `${t('dev.mark')} ${d.mac}`},
      h('option', {value: ''}, t('dev.choose')),
      KINDS.map((k) => h('option', {value: `not_pc:${k}`}, t('dev.mark_not_pc', {kind: t(`dev.kind.${k}`)}))),
      h('option', {value: 'needs_agent'}, t('dev.mark_needs_agent')));
    const note = h('input', {name: 'note', maxlength: 500, placeholder: t('dev.note'),
      'aria-label': `${t('dev.note')} ${d.mac}`});
    const buttons = [h('button', {type: 'submit'}, t('dev.save'))];
    if (d.mark) {
      buttons.push(h('button', {type: 'button', class: 'secondary', onclick: async () => {
        try {
          await api('DELETE', path(d.mac));
          await reload(t('dev.cleared', {mac: d.mac}));
        } catch (err) { ctx.showError(alert, err); }
      }}, t('dev.clear')));
    }
    return h('form', {class: 'inline', dataset: {mac: d.mac}, onsubmit: async (e) => {
      e.preventDefault();
      if (!choice.value) { choice.setAttribute('aria-invalid', 'true'); choice.focus(); return; }
      const [verdict, kind] = choice.value.split(':');
      try {
        await api('PUT', path(d.mac), {verdict, kind: kind || '', note: note.value});
        await reload(t('dev.saved', {mac: d.mac}));
      } catch (err) { ctx.showError(alert, err); }
    }}, choice, note, buttons);
  };

  const rows = data.items.map((d) => [
    h('code', {}, d.mac), vendorCell(d), safeText(d.ips),
    safeText(d.witnesses.map((w) => w.hostname).join(', ')),
    formatTime(d.first_seen), formatTime(d.last_seen),
    d.looks_like_pc ? h('strong', {class: 'warn'}, t('dev.pc_yes')) : t(d.gateway ? 'dev.gateway' : 'dev.pc_no'),
    markCell(d),
    data.can_write ? markForm(d) : '']);
  const list = data.items.length ? table(t('dev.caption', {count: data.total}),
    [t('dev.mac'), t('dev.vendor'), t('dev.ips'), t('dev.witnesses'), t('dev.first_seen'), t('dev.last_seen'),
      t('dev.looks_like_pc'), t('dev.mark'), data.can_write ? t('dev.change') : ''],
    rows, {class: 'list compact', id: 'device-list'})
    : h('p', {id: 'no-devices'}, t(p.filter || p.q ? 'dev.none_match' : 'dev.none'));
  const here = (extra) => `#/orgs/${orgId}/devices${query({filter: p.filter || '', q: p.q || '', ...extra})}`;
  const pager = h('nav', {class: 'pager', 'aria-label': 'pages'},
    p.cursor ? h('a', {href: here({})}, t('ep.first')) : null,
    data.next_cursor ? h('a', {id: 'dev-next', href: here({cursor: data.next_cursor})}, t('ep.next')) : null);

  clear(ctx.main);
  const title = t('dev.heading', {org: safeText(org.org.name)});
  ctx.main.appendChild(h('h1', {}, title));
  document.title = `${title} — mamori`;
  // Element.append() would write a skipped (null) part as the text "null".
  ctx.main.append(...[orgNav, h('p', {}, t('dev.intro')), alert,
    h('div', {}, notice ? h('p', {class: 'notice', id: 'devices-saved', role: 'status'}, notice) : null),
    h('p', {class: 'card', id: 'unmanaged-pcs'}, t('dev.summary', {pcs: data.unmanaged_pcs, total: data.all_devices})),
    data.registry_loaded ? null : h('p', {class: 'muted', id: 'no-registry'}, t('dev.no_registry')),
    filterForm(ctx, orgId, p),
    h('section', {class: 'card'}, list, pager),
    data.can_write ? null : h('p', {class: 'muted'}, t('dev.readonly'))].filter((x) => x !== null));
}
