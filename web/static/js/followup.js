// Follow-up over time (#15): the per-rule grade trend on the organisation's
// dashboard and the tracked improvement plan, which operators and org
// admins edit (status, owner, due date). Endpoint strings stay text nodes.
import {api} from './api.js';
import {h, table, safeText} from './dom.js';
import {t, loc, formatTime} from './i18n.js';
import {page, gradeBadge, orgNav, formError} from './views.js';

// Columns the dashboard's trend table shows (the API keeps up to 24).
const TREND_COLUMNS = 8;

function day(iso) {
  return formatTime(iso).slice(0, 10);
}

// The trend section: rules as rows, each change of grades as a column,
// then what changed since the earlier grades.
export async function trendSection(orgId) {
  const trend = await api('GET', `orgs/${orgId}/trend`);
  const names = Object.fromEntries(trend.rules.map((r) => [r.id, loc(r.name)]));
  names.overall = t('dash.overall');
  const points = trend.points.slice(-TREND_COLUMNS);
  const cell = (grade) => (grade ? gradeBadge(grade)
    : h('span', {class: 'muted'}, t('trend.ungraded')));
  const rows = [['overall', (p) => p.overall],
    ...trend.rules.map((r) => [r.id, (p) => p.grades[r.id]])];
  const grid = points.length ? h('table', {class: 'list compact', id: 'trend-table'},
    h('caption', {}, t('trend.caption')),
    h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, t('dash.rule')),
      points.map((p) => h('th', {scope: 'col'}, h('time', {datetime: p.evaluated_at}, formatTime(p.evaluated_at)))))),
    h('tbody', {}, rows.map(([id, of]) => h('tr', {dataset: {rule: id}},
      h('th', {scope: 'row'}, names[id]), points.map((p) => h('td', {}, cell(of(p))))))))
    : null;
  let summary;
  if (!trend.previous) {
    summary = h('p', {class: 'muted', id: 'trend-summary'}, t('trend.none'));
  } else if (!trend.changes.length) {
    summary = h('p', {id: 'trend-summary'}, t('trend.no_change', {date: day(trend.previous.evaluated_at)}));
  } else {
    summary = h('div', {id: 'trend-summary'},
      h('p', {}, t('trend.compared', {date: day(trend.previous.evaluated_at)})),
      h('ul', {id: 'trend-changes'}, trend.changes.map((c) => h('li', {dataset: {rule: c.subject}},
        t('trend.change', {rule: names[c.subject] || c.subject, from: c.from,
          to: c.to || t('trend.ungraded')})))));
  }
  return h('section', {class: 'card', 'aria-labelledby': 'trend-h'},
    h('h2', {id: 'trend-h'}, t('trend.heading')), summary, grid);
}

function actionText(item) {
  const check = item.title ? loc(item.title) : item.check_id;
  return t(`improvement.${item.kind}`, {check});
}

// One row's edit form: status, owner and due date, saved with PATCH.
function itemForm(ctx, orgId, item, alert) {
  const id = (name) => `item-${item.id}-${name}`;
  const status = h('select', {id: id('status'), name: 'status'},
    ['open', 'in_progress', 'done'].map((s) =>
      h('option', {value: s, selected: item.status === s}, t(`status.${s}`))));
  const owner = h('input', {id: id('owner'), name: 'owner', value: item.owner, maxlength: '80',
    autocomplete: 'off'});
  const due = h('input', {id: id('due'), name: 'due', type: 'date', value: item.due || ''});
  const form = h('form', {class: 'item-edit', dataset: {item: String(item.id)},
    'aria-label': `${t('imp.edit')}: ${actionText(item)}`,
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api('PATCH', `orgs/${orgId}/improvements/${item.id}`,
          {status: status.value, owner: owner.value, due: due.value || null});
        await improvements(ctx, orgId, t('imp.saved'));
      } catch (err) { formError(ctx, alert, form, err); }
    }},
  h('div', {class: 'pair'}, h('label', {for: id('status')}, t('imp.status')), status),
  h('div', {class: 'pair'}, h('label', {for: id('owner')}, t('imp.owner')), owner),
  h('div', {class: 'pair'}, h('label', {for: id('due')}, t('imp.due')), due),
  h('button', {type: 'submit'}, t('imp.save')));
  return form;
}

export async function improvements(ctx, orgId, notice) {
  const [org, data] = await Promise.all([api('GET', `orgs/${orgId}`),
    api('GET', `orgs/${orgId}/improvements`)]);
  const names = Object.fromEntries(org.rules.map((r) => [r.id, loc(r.name)]));
  const alert = h('div', {'aria-live': 'assertive'});
  const endpoints = (item) => {
    if (!item.endpoints.length) return '';
    const more = item.endpoint_count - item.endpoints.length;
    return [item.endpoints.map((n) => safeText(n)).join(', '),
      more > 0 ? ` ${t('imp.more', {n: more})}` : ''];
  };
  const rows = data.items.map((item) => [
    h('span', {}, h('strong', {}, names[item.rule] || item.rule), h('br'), actionText(item),
      item.automatic ? [h('br'), h('small', {class: 'muted'}, t('imp.automatic'))] : null,
      item.in_plan ? null : [h('br'), h('small', {class: 'muted'}, t('imp.not_in_plan'))]),
    endpoints(item),
    data.can_write ? itemForm(ctx, orgId, item, alert)
      : h('span', {}, t(`status.${item.status}`), item.owner ? ` — ${item.owner}` : '',
        item.due ? ` (${item.due})` : ''),
    day(item.updated_at)]);
  const list = rows.length ? table(t('imp.caption'),
    [t('imp.action'), t('imp.endpoints'), data.can_write ? t('imp.edit') : t('imp.status'), t('imp.updated')],
    rows, {class: 'list', id: 'improvements-table'}) : h('p', {id: 'improvements-none'}, t('imp.none'));
  page(ctx, t('imp.heading', {org: safeText(org.org.name)}), orgNav(orgId, 'nav.improvements'),
    h('p', {}, t('imp.intro')), alert,
    notice ? h('p', {class: 'notice', id: 'saved', role: 'status'}, notice) : null,
    data.can_write ? null : h('p', {class: 'muted'}, t('imp.readonly')),
    h('section', {class: 'card'}, list));
}
