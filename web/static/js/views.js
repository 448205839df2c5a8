// The console's views. Each fetches its API resource and renders with h():
// endpoint-provided strings are always text nodes (see dom.js).
import {api, ApiError, query} from './api.js';
import {h, clear, table, safeText} from './dom.js';
import {t, loc, formatTime, currentLanguage} from './i18n.js';
import {radar, trendChart} from './radar.js';
import {hostSections, familyName, familyState} from './host_sections.js';
import {register} from './register.js';
import {devices} from './devices.js';
import {firstDiagnosis, ipaSelfCheck, formsNav} from './forms.js';
import {trendSection} from './followup.js';

export function page(ctx, title, ...children) {
  clear(ctx.main);
  ctx.main.appendChild(h('h1', {}, title));
  children.forEach((c) => c && ctx.main.appendChild(c));
  document.title = `${title} — mamori`;
}

export function gradeBadge(grade) {
  if (!grade) return h('span', {class: 'grade none'}, t('grade.none'));
  return h('span', {class: `grade g${grade}`, 'aria-label': `${t('dash.grade')} ${grade}`}, grade);
}

function field(label, input) {
  return h('div', {class: 'field'}, h('label', {for: input.id}, label), input);
}

export function orgNav(orgId, current) {
  const link = (path, key) => h('a', {href: `#/orgs/${orgId}${path}`,
    'aria-current': current === key ? 'page' : null}, t(key));
  return h('nav', {class: 'sub', 'aria-label': 'organisation'},
    link('', 'nav.dashboard'), link('/rules', 'nav.rules'), link('/questionnaire', 'nav.questionnaire'),
    link('/endpoints', 'nav.endpoints'), link('/software', 'nav.software'),
    link('/enroll', 'nav.enroll'), link('/improvements', 'nav.improvements'),
    link('/register', 'nav.register'), link('/devices', 'nav.devices'), link('/alerts', 'nav.alerts'),
    link('/report-schedule', 'nav.schedule'));
}

// The first-diagnosis and IPA forms (forms.js) under the questionnaire menu.
export function firstDiagnosisView(ctx, orgId) {
  return firstDiagnosis(ctx, orgId, orgNav(orgId, 'nav.questionnaire'));
}
export function ipaView(ctx, orgId) {
  return ipaSelfCheck(ctx, orgId, orgNav(orgId, 'nav.questionnaire'));
}

// The register view (register.js) with this page's organisation menu.
export function registerView(ctx, orgId) {
  return register(ctx, orgId, orgNav(orgId, 'nav.register'));
}

// The devices seen on the LAN without the agent (devices.js).
export function devicesView(ctx, orgId, params) {
  return devices(ctx, orgId, orgNav(orgId, 'nav.devices'), undefined, params);
}

// Marks the input named by a problem's `field` and shows the message.
export function formError(ctx, region, form, error) {
  ctx.showError(region, error);
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  if (error instanceof ApiError && error.field) {
    const input = form.querySelector(`[name="${CSS.escape(error.field)}"]`);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }
}

// --- login and password ----------------------------------------------------

export async function login(ctx) {
  const alert = h('div', {'aria-live': 'assertive'});
  const name = h('input', {id: 'name', name: 'name', autocomplete: 'username', required: true});
  const password = h('input', {id: 'password', name: 'password', type: 'password',
    autocomplete: 'current-password', required: true});
  const form = h('form', {class: 'card narrow', onsubmit: async (e) => {
    e.preventDefault();
    try {
      ctx.setSession(await api('POST', 'session', {name: name.value, password: password.value}));
      ctx.go(ctx.state.session.must_change_password ? '/password' : '/');
    } catch (err) {
      formError(ctx, alert, form, err);
    }
  }}, field(t('login.name'), name), field(t('login.password'), password),
  h('button', {type: 'submit'}, t('login.submit')));
  page(ctx, t('login.heading'), alert, form);
  name.focus();
}

export async function changePassword(ctx) {
  const alert = h('div', {'aria-live': 'assertive'});
  const current = h('input', {id: 'current', name: 'current_password', type: 'password',
    autocomplete: 'current-password', required: true});
  const next = h('input', {id: 'new', name: 'new_password', type: 'password',
    autocomplete: 'new-password', required: true, minlength: 12});
  const again = h('input', {id: 'again', name: 'again', type: 'password',
    autocomplete: 'new-password', required: true});
  const form = h('form', {class: 'card narrow', onsubmit: async (e) => {
    e.preventDefault();
    if (next.value !== again.value) {
      formError(ctx, alert, form, new ApiError(400, {detail: t('password.mismatch'), field: 'again'}));
      return;
    }
    try {
      ctx.setSession(await api('POST', 'session/password',
        {current_password: current.value, new_password: next.value}));
      ctx.go('/');
    } catch (err) {
      formError(ctx, alert, form, err);
    }
  }}, h('p', {}, t('password.intro')),
  field(t('password.current'), current), field(t('password.new'), next),
  field(t('password.repeat'), again), h('button', {type: 'submit'}, t('password.submit')));
  page(ctx, t('password.heading'), alert, form);
  current.focus();
}

// --- organisations -----------------------------------------------------------

const RULE_ORDER = ['basic_policy', 'software_updates', 'antivirus', 'passwords', 'email',
  'wifi', 'web_browsing', 'physical_access', 'removable_media', 'confidentiality'];

export async function orgs(ctx, params) {
  const data = await api('GET', 'orgs');
  if (data.items.length === 1 && ctx.state.session.account.role !== 'operator') {
    ctx.go(`/orgs/${data.items[0].id}`);
    return;
  }
  const p = params ? Object.fromEntries(params.entries()) : {};
  const distinct = (key) => [...new Set(data.items.map((o) => o[key]).filter((v) => v))].sort();
  const select = (id, label, values, current) => field(label, h('select', {id, name: id},
    h('option', {value: ''}, t('ep.any')),
    values.map((v) => h('option', {value: v, selected: current === v}, safeText(v)))));
  const industry = select('industry', t('orgs.industry'), distinct('industry'), p.industry);
  const size = select('size', t('orgs.size'), distinct('size_band'), p.size);
  const region = select('region', t('orgs.region'), distinct('region'), p.region);
  const form = h('form', {class: 'filters card', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    const value = (f) => f.querySelector('select').value;
    ctx.go(`/${query({industry: value(industry), size: value(size), region: value(region)})}`);
  }}, industry, size, region, h('button', {type: 'submit'}, t('ep.apply')));
  const shown = data.items.filter((o) => (!p.industry || o.industry === p.industry) &&
    (!p.size || o.size_band === p.size) && (!p.region || o.region === p.region));
  const rows = shown.map((o) => [
    h('a', {href: `#/orgs/${o.id}`}, safeText(o.name)), gradeBadge(o.overall),
    h('span', {class: 'rule-grades', 'aria-label': t('orgs.rule_grades')},
      RULE_ORDER.map((id) => h('span', {class: `mini g${o.rules[id] || 'none'}`, title: id}, o.rules[id] || '-'))),
    `${o.reporting}/${o.hosts}`, String(o.silent), formatTime(o.last_report),
    o.peers ? [gradeBadge(o.peers.grade), ` ${t('orgs.peer_count', {n: o.peers.count})}`]
      : h('span', {class: 'muted'}, t('orgs.no_peers'))]);
  page(ctx, t('orgs.heading'), form, shown.length ? table(null,
    [t('orgs.name'), t('orgs.overall'), t('orgs.rule_grades'), t('orgs.coverage'), t('orgs.silent'),
      t('orgs.last_report'), t('orgs.peers')], rows, {class: 'list', id: 'org-table'})
    : h('p', {}, t('orgs.none')), h('p', {class: 'muted'}, t('orgs.peers_note')));
}

function viewpoint(value) {
  if (value === null || value === undefined) return h('span', {class: 'muted'}, t('vp.unanswered'));
  return value ? t('vp.yes') : t('vp.no');
}

function technical(rule) {
  const tech = rule.technical;
  if (tech.source === 'evidence' && tech.measure) {
    const m = tech.measure;
    return t('tech.measured', {verdict: t(`verdict.${m.verdict}`), passing: m.passing,
      fresh: m.fresh_in_scope});
  }
  if (tech.source === 'answer') return t('tech.answer', {answer: viewpoint(tech.answer)});
  return h('span', {class: 'muted'}, t('vp.unanswered'));
}

export async function dashboard(ctx, orgId) {
  const d = await api('GET', `orgs/${orgId}`);
  const ruleName = (r) => loc(r.name);
  const ruleRows = d.rules.map((r) => [
    ruleName(r), gradeBadge(r.grade), viewpoint(r.written),
    r.spread ? t(`spread.${r.spread}`) : h('span', {class: 'muted'}, t('vp.unanswered')),
    viewpoint(r.managed), technical(r)]);
  const rulesTable = table(t('dash.rules'),
    [t('dash.rule'), t('dash.grade'), t('dash.written'), t('dash.spread'),
      t('dash.managed'), t('dash.technical')], ruleRows, {class: 'list', id: 'rules-table'});
  const failing = d.failing_checks.length ? h('ul', {class: 'failing', id: 'failing-checks'},
    d.failing_checks.map((c) => h('li', {},
      h('strong', {}, loc(c.title)), ' — ', t('dash.failing_count', {n: c.failing}), ': ',
      c.hosts.map((host, i) => [i ? ', ' : '',
        h('a', {href: `#/orgs/${orgId}/endpoints/${host.id}`}, safeText(host.hostname))]))))
    : h('p', {}, t('dash.no_failing'));
  const silent = d.silent_hosts.length ? h('ul', {id: 'silent-hosts'}, d.silent_hosts.map((s) =>
    h('li', {}, h('a', {href: `#/orgs/${orgId}/endpoints/${s.id}`}, safeText(s.hostname)),
      ' — ', formatTime(s.last_seen)))) : h('p', {}, t('dash.no_silent'));
  const names = Object.fromEntries(d.rules.map((r) => [r.id, ruleName(r)]));
  // A discrepancy in the IPA self-check names its item ("ipa:3" meant
  // nothing to a reader): the titles come from the IPA form's resource,
  // read only when there is such a discrepancy.
  if (d.discrepancies.some((x) => String(x.subject).startsWith('ipa:'))) {
    const ipa = await api('GET', `orgs/${orgId}/questionnaire/ipa`);
    for (const item of ipa.items) {
      names[`ipa:${item.number}`] = t('dash.ipa_item', {number: item.number, title: loc(item.title)});
    }
  }
  const discrepancies = d.discrepancies.length ? h('ul', {id: 'discrepancies'}, d.discrepancies.map((x) =>
    h('li', {}, `${names[x.subject] || x.subject}: ${t(`direction.${x.direction}`)} (${x.passing}/${x.in_scope})`)))
    : h('p', {}, t('dash.no_discrepancies'));
  const checkTitles = Object.fromEntries(d.failing_checks.map((c) => [c.check_id, loc(c.title)]));
  const improvements = h('ol', {}, d.improvements.map((i) => h('li', {},
    `${names[i.rule] || i.rule}: ${t(`improvement.${i.kind}`, {check: checkTitles[i.check_id] || i.check_id})}`)));
  const points = {A: 4, B: 3, C: 2, D: 1};
  const history = d.history.filter((x) => points[x.overall]).reverse();
  const trend = history.length > 1 ? trendChart(history.map((x) => points[x.overall]),
    t('dash.trend'), t('dash.trend_desc', {n: history.length,
      from: formatTime(history[0].evaluated_at), to: formatTime(history[history.length - 1].evaluated_at)}))
    : h('p', {class: 'muted'}, t('dash.trend_none'));
  const summary = h('section', {class: 'summary card', 'aria-labelledby': 'overall-h'},
    h('h2', {id: 'overall-h'}, t('dash.overall')),
    h('p', {class: 'overall', id: 'overall-grade'}, gradeBadge(d.overall)),
    h('p', {}, t('dash.evaluated', {time: formatTime(d.evaluated_at)})),
    h('p', {}, t('dash.coverage', {reporting: d.org.reporting, registered: d.org.hosts})),
    d.org.peers ? h('p', {}, t('dash.peers', {grade: d.org.peers.grade, n: d.org.peers.count})) : null,
    h('h3', {}, t('dash.trend')), trend);
  page(ctx, t('dash.heading', {org: safeText(d.org.name)}), orgNav(orgId, 'nav.dashboard'),
    h('div', {class: 'grid'}, summary,
      h('section', {class: 'card chart'}, radar(d.rules, ruleName, t('dash.radar'), t('dash.radar_desc')))),
    h('section', {class: 'card'}, rulesTable),
    h('section', {class: 'card', 'aria-labelledby': 'failing-h'},
      h('h2', {id: 'failing-h'}, t('dash.failing')), failing),
    h('section', {class: 'card', 'aria-labelledby': 'silent-h'},
      h('h2', {id: 'silent-h'}, t('dash.silent', {days: d.silent_after_days})), silent),
    h('section', {class: 'card'}, h('h2', {}, t('dash.discrepancies')), discrepancies),
    await trendSection(orgId),
    h('section', {class: 'card'}, h('h2', {}, t('dash.improvements')), improvements,
      h('p', {}, h('a', {href: `#/orgs/${orgId}/improvements`, id: 'plan-link'}, t('imp.link')))),
    downloads(ctx, orgId));
}

// The diagnosis report (every role that reads the organisation) and the
// signed evidence pack (operators, org admins, auditors): plain downloads
// from the API with the session cookie.
function downloads(ctx, orgId) {
  const base = `/api/v1/orgs/${encodeURIComponent(orgId)}`;
  const lang = currentLanguage();
  const items = [h('li', {}, h('a', {href: `${base}/report?format=pdf&lang=${lang}`,
    id: 'report-link', download: ''}, t('dash.report_pdf')))];
  if (['operator', 'org_admin', 'auditor'].includes(ctx.state.session.account.role)) {
    items.push(h('li', {}, h('a', {href: `${base}/evidence-pack?lang=${lang}`,
      id: 'evidence-link', download: ''}, t('dash.evidence_pack')),
    ' — ', h('span', {class: 'muted'}, t('dash.evidence_note'))));
  }
  return h('section', {class: 'card', 'aria-labelledby': 'downloads-h'},
    h('h2', {id: 'downloads-h'}, t('dash.downloads')), h('ul', {id: 'downloads'}, items));
}

// --- endpoints -----------------------------------------------------------------

const RULE_IDS = ['basic_policy', 'software_updates', 'antivirus', 'passwords', 'email',
  'wifi', 'web_browsing', 'physical_access', 'removable_media', 'confidentiality'];

export async function endpoints(ctx, orgId, params) {
  const p = Object.fromEntries(params.entries());
  const [org, list] = await Promise.all([
    api('GET', `orgs/${orgId}`),
    api('GET', `orgs/${orgId}/endpoints${query(p)}`),
  ]);
  const ruleNames = Object.fromEntries(org.rules.map((r) => [r.id, loc(r.name)]));
  const q = h('input', {id: 'q', name: 'q', type: 'search', value: p.q || ''});
  const os = h('input', {id: 'os', name: 'os', value: p.os || ''});
  const rule = h('select', {id: 'failing_rule', name: 'failing_rule'},
    h('option', {value: ''}, t('ep.any')),
    RULE_IDS.map((id) => h('option', {value: id, selected: p.failing_rule === id}, ruleNames[id] || id)));
  const silent = h('input', {id: 'silent', name: 'silent', type: 'checkbox', checked: p.silent === 'true'});
  const clone = h('input', {id: 'clone', name: 'clone', type: 'checkbox', checked: p.clone === 'true'});
  const filters = () => ({q: q.value, os: os.value, failing_rule: rule.value,
    silent: silent.checked ? 'true' : '', clone: clone.checked ? 'true' : '',
    sort: p.sort || '', order: p.order || ''});
  const form = h('form', {class: 'filters card', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    ctx.go(`/orgs/${orgId}/endpoints${query(filters())}`);
  }}, field(t('ep.search'), q), field(t('ep.os'), os), field(t('ep.failing_rule'), rule),
  h('div', {class: 'field check'}, silent, h('label', {for: 'silent'}, t('ep.silent_only'))),
  h('div', {class: 'field check'}, clone, h('label', {for: 'clone'}, t('ep.clones_only'))),
  h('button', {type: 'submit'}, t('ep.apply')),
  h('a', {class: 'button', id: 'csv-link', download: '',
    href: `/api/v1/orgs/${orgId}/endpoints.csv${query({...filters(), sort: '', order: ''})}`}, t('ep.csv')),
  h('a', {class: 'button', id: 'xlsx-link', download: '',
    href: `/api/v1/orgs/${orgId}/endpoints.xlsx${query({...filters(), sort: '', order: ''})}`}, t('ep.xlsx')));
  const sortHeader = (key, label) => {
    const active = (p.sort || 'hostname') === key;
    const order = active && p.order !== 'desc' ? 'desc' : 'asc';
    return h('a', {href: `#/orgs/${orgId}/endpoints${query({...filters(), sort: key, order})}`,
      'aria-label': t('ep.sort_by', {column: label}),
      'aria-sort': active ? (p.order === 'desc' ? 'descending' : 'ascending') : null},
    label, active ? (p.order === 'desc' ? ' ▼' : ' ▲') : '');
  };
  const rows = list.items.map((e) => [
    h('a', {href: `#/orgs/${orgId}/endpoints/${e.id}`, class: 'host'}, safeText(e.hostname)),
    safeText(`${e.os_name} ${e.os_version}`), formatTime(e.last_seen),
    e.failing ? h('span', {class: 'bad'}, String(e.failing)) : '0', String(e.unknown),
    [e.silent ? h('span', {class: 'tag warn'}, t('ep.silent')) : h('span', {class: 'tag'}, t('ep.ok')),
      e.is_clone ? h('span', {class: 'tag warn'}, t('ep.clone')) : null]]);
  const pager = h('nav', {class: 'pager', 'aria-label': 'pages'},
    p.cursor ? h('a', {href: `#/orgs/${orgId}/endpoints${query({...p, cursor: ''})}`}, t('ep.first')) : null,
    list.next_cursor ? h('a', {id: 'next-page', href: `#/orgs/${orgId}/endpoints${query({...p, cursor: list.next_cursor})}`}, t('ep.next')) : null);
  page(ctx, t('ep.heading', {org: safeText(org.org.name)}), orgNav(orgId, 'nav.endpoints'), form,
    h('p', {id: 'ep-total', 'aria-live': 'polite'}, t('ep.total', {total: list.total})),
    list.items.length ? table(null, [sortHeader('hostname', t('ep.hostname')),
      sortHeader('os', t('ep.os')), sortHeader('last_seen', t('ep.last_seen')),
      sortHeader('failing', t('ep.failing')), t('ep.unknown'), t('ep.state')], rows,
    {class: 'list', id: 'endpoint-table'}) : h('p', {}, t('ep.none')), pager);
}

function evidenceList(evidence) {
  if (!evidence.length) return '';
  return h('dl', {class: 'evidence'}, evidence.map((e) =>
    [h('dt', {}, safeText(e.name)), h('dd', {}, safeText(e.value))]));
}

export async function endpoint(ctx, orgId, hostId) {
  const d = await api('GET', `orgs/${orgId}/endpoints/${hostId}`);
  const e = d.endpoint;
  const summary = h('dl', {class: 'card summary-list', id: 'host-summary'},
    h('dt', {}, t('host.os')), h('dd', {}, safeText(`${e.os_name} ${e.os_version}`)),
    h('dt', {}, t('host.agent')), h('dd', {}, safeText(e.agent_version)),
    h('dt', {}, t('host.serial')), h('dd', {}, safeText(e.serial || '-')),
    h('dt', {}, t('host.enrolled')), h('dd', {}, formatTime(e.enrolled_at)),
    h('dt', {}, t('host.last_seen')), h('dd', {}, formatTime(e.last_seen)),
    h('dt', {}, t('host.collected')), h('dd', {}, formatTime(e.last_collected_at)));
  const families = table(t('host.families'), [t('host.family'), t('host.state'), t('host.collected')],
    d.families.map((f) => [familyName(f.family), familyState(f.state, f.facts),
      formatTime(f.collected_at)]), {class: 'list', id: 'family-table'});
  const order = {fail: 0, error: 1, unknown: 2, pass: 3, not_applicable: 4};
  const checks = [...d.checks].sort((a, b) => (order[a.status] ?? 9) - (order[b.status] ?? 9));
  const checkTable = checks.length ? table(t('host.checks'),
    [t('host.check'), t('host.status'), t('host.evidence'), t('host.remediation')],
    checks.map((c) => [loc(c.title),
      h('span', {class: `status s-${c.status}`}, t(`status.${c.status}`)),
      // What to do only where something is to be done: a check that does not
      // apply (a laptop check on a server) listed long advice for nothing.
      evidenceList(c.evidence), ['pass', 'not_applicable'].includes(c.status) ? '' : loc(c.remediation)]),
    {class: 'list', id: 'check-table'}) : h('p', {}, t('host.no_checks'));
  const softwareBody = h('div', {id: 'software'});
  const search = h('input', {id: 'software-q', type: 'search', name: 'q'});
  const loadSoftware = async () => {
    const s = await api('GET', `orgs/${orgId}/endpoints/${hostId}/software${query({q: search.value})}`);
    clear(softwareBody);
    softwareBody.appendChild(h('p', {}, t('host.software_count', {n: s.items.length})));
    softwareBody.appendChild(table(null, [t('host.name'), t('host.version'), t('host.publisher')],
      s.items.slice(0, 500).map((p) => [safeText(p.name), safeText(p.version), safeText(p.publisher)]),
      {class: 'list compact'}));
  };
  const softwareForm = h('form', {role: 'search', onsubmit: (ev) => { ev.preventDefault(); loadSoftware(); }},
    field(t('host.software_search'), search));
  page(ctx, t('host.heading', {name: safeText(e.hostname)}), orgNav(orgId, 'nav.endpoints'),
    summary, h('section', {class: 'card'}, checkTable), h('section', {class: 'card'}, families),
    h('section', {class: 'card'}, h('h2', {}, t('host.software')), softwareForm, softwareBody));
  await loadSoftware();
  await hostSections(ctx, orgId, hostId, d, () => endpoint(ctx, orgId, hostId));
}

// --- enrollment --------------------------------------------------------------------

export async function enroll(ctx, orgId) {
  const [org, data] = await Promise.all([api('GET', `orgs/${orgId}`), api('GET', `orgs/${orgId}/tokens`)]);
  const alert = h('div', {'aria-live': 'assertive'});
  const created = h('div', {id: 'created-token', 'aria-live': 'polite'});
  const commands = (c) => h('div', {class: 'commands'},
    h('h3', {}, t('enroll.linux')), h('pre', {}, h('code', {class: 'cmd-linux'}, c.linux)),
    h('h3', {}, t('enroll.windows')), h('pre', {}, h('code', {class: 'cmd-windows'}, c.windows)));
  let form = h('p', {class: 'muted'}, t('enroll.readonly'));
  if (data.can_write) {
    const days = h('input', {id: 'expires_days', name: 'expires_days', type: 'number', min: 1, max: 90, value: 7});
    const uses = h('input', {id: 'uses', name: 'uses', type: 'number', min: 1});
    form = h('form', {class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const body = {expires_days: Number(days.value)};
        if (uses.value) body.uses = Number(uses.value);
        const r = await api('POST', `orgs/${orgId}/tokens`, body);
        await enroll(ctx, orgId);
        const region = document.getElementById('created-token');
        region.appendChild(h('p', {class: 'notice'}, t('enroll.created')));
        region.appendChild(h('pre', {}, h('code', {id: 'new-token'}, r.token)));
        region.appendChild(commands(r.commands));
      } catch (err) {
        formError(ctx, alert, form, err);
      }
    }}, field(t('enroll.expires_days'), days), field(t('enroll.uses'), uses),
    h('button', {type: 'submit', id: 'create-token'}, t('enroll.create')));
  }
  const rows = data.items.map((tk) => [h('code', {}, tk.prefix), formatTime(tk.created_at),
    tk.expires_at ? formatTime(tk.expires_at) : t('enroll.never'),
    `${tk.uses}${tk.uses_left !== null ? ` / ${tk.uses + tk.uses_left}` : ''}`,
    t(`tokenstate.${tk.state}`),
    data.can_write && tk.state === 'valid' ? h('button', {type: 'button', class: 'danger',
      onclick: async () => {
        if (!confirm(t('enroll.revoke_confirm', {prefix: tk.prefix}))) return;
        try {
          await api('DELETE', `orgs/${orgId}/tokens/${tk.id}`);
          await enroll(ctx, orgId);
        } catch (err) { ctx.showError(alert, err); }
      }}, t('enroll.revoke')) : '']);
  page(ctx, t('enroll.heading', {org: safeText(org.org.name)}), orgNav(orgId, 'nav.enroll'),
    h('p', {}, t('enroll.intro')),
    h('dl', {class: 'card summary-list'},
      h('dt', {}, t('enroll.server')), h('dd', {}, h('code', {}, data.server)),
      h('dt', {}, t('enroll.fingerprint')), h('dd', {}, h('code', {id: 'ca-fingerprint'}, data.ca_sha256))),
    alert, form, created, commands(data.commands),
    h('section', {class: 'card'}, data.items.length ? table(t('enroll.tokens'),
      [t('enroll.prefix'), t('enroll.created_at'), t('enroll.expires_at'), t('enroll.used'),
        t('enroll.state'), ''], rows, {class: 'list', id: 'token-table'})
      : h('p', {}, t('enroll.no_tokens'))));
}

// --- accounts and audit --------------------------------------------------------------

export async function accounts(ctx) {
  const [list, orgsData] = await Promise.all([api('GET', 'accounts'), api('GET', 'orgs')]);
  const orgNames = Object.fromEntries(orgsData.items.map((o) => [o.id, o.name]));
  const alert = h('div', {'aria-live': 'assertive'});
  const name = h('input', {id: 'acc-name', name: 'name', required: true});
  const role = h('select', {id: 'acc-role', name: 'role'},
    ['viewer', 'auditor', 'org_admin', 'operator'].map((r) => h('option', {value: r}, t(`role.${r}`))));
  const org = h('select', {id: 'acc-org', name: 'org_ids'},
    orgsData.items.map((o) => h('option', {value: o.id}, safeText(o.name))));
  const form = h('form', {class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const body = {name: name.value, role: role.value};
      if (role.value !== 'operator') body.org_ids = [Number(org.value)];
      const r = await api('POST', 'accounts', body);
      await accounts(ctx);
      document.getElementById('account-created').appendChild(
        h('p', {class: 'notice'}, t('accounts.created', {password: r.one_time_password})));
    } catch (err) { formError(ctx, alert, form, err); }
  }}, field(t('accounts.name'), name), field(t('accounts.role'), role),
  field(t('accounts.org'), org), h('button', {type: 'submit'}, t('accounts.create')));
  const rows = list.items.map((a) => [a.name, t(`role.${a.role}`),
    a.org_ids.length ? a.org_ids.map((id) => safeText(orgNames[id] || id)).join(', ') : t('accounts.all_orgs'),
    a.disabled ? t('accounts.disabled') : a.must_change_password ? t('accounts.must_change') : t('accounts.active'),
    !a.disabled && a.id !== ctx.state.session.account.id ? h('button', {type: 'button', class: 'danger',
      onclick: async () => {
        try { await api('POST', `accounts/${a.id}/disable`, {}); await accounts(ctx); }
        catch (err) { ctx.showError(alert, err); }
      }}, t('accounts.disable')) : '']);
  page(ctx, t('accounts.heading'), alert, form, h('div', {id: 'account-created', 'aria-live': 'polite'}),
    table(null, [t('accounts.name'), t('accounts.role'), t('accounts.orgs'), t('accounts.state'), ''],
      rows, {class: 'list', id: 'account-table'}));
}

export async function audit(ctx) {
  const data = await api('GET', 'audit');
  const change = (e) => `${JSON.stringify(e.before)} → ${JSON.stringify(e.after)}`;
  // The action in words; its name (what the API and exports carry) on hover.
  // An action this catalogue does not know yet shows its name.
  const action = (name) => {
    const key = `audit.act.${name}`;
    const words = t(key);
    return words === key ? name : h('span', {title: name}, words);
  };
  page(ctx, t('audit.heading'), table(null,
    [t('audit.at'), t('audit.actor'), t('audit.source'), t('audit.action'), t('audit.target'), t('audit.change')],
    data.items.map((e) => [formatTime(e.at), safeText(e.actor), e.source, action(e.action),
      safeText(e.target), h('code', {}, safeText(change(e)))]), {class: 'list', id: 'audit-table'}));
}

// --- rules ---------------------------------------------------------------------

export async function rules(ctx, orgId, notice) {
  const [org, data] = await Promise.all([api('GET', `orgs/${orgId}`), api('GET', `orgs/${orgId}/rules`)]);
  const other = currentLanguage() === 'ja' ? 'en' : 'ja';
  const alert = h('div', {'aria-live': 'assertive'});
  const canWrite = ['operator', 'org_admin'].includes(ctx.state.session.account.role);
  // The value in force, editable by org admins and operators (audited,
  // re-graded at once by the API).
  const paramValue = (c, p) => {
    if (!canWrite) return p.overridden ? h('strong', {}, `${p.value} (${t('rules.overridden')})`) : p.value;
    const shown = p.overridden ? h('strong', {}, `(${t('rules.overridden')})`) : null;
    const input = h('input', {name: 'value', value: p.value, 'aria-label': `${c.check_id} ${p.name}`,
      class: 'param-input', dataset: {check: c.check_id, param: p.name}, size: 8});
    const form = h('form', {class: 'inline', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const r = await api('PUT', `orgs/${orgId}/parameters`, {check_id: c.check_id, name: p.name, value: input.value});
        await rules(ctx, orgId, t('rules.param_saved', {check: c.check_id, name: p.name, value: r.value,
          overall: r.overall || t('grade.none')}));
      } catch (err) { formError(ctx, alert, form, err); }
    }}, input, h('button', {type: 'submit'}, t('rules.param_save')), ' ', shown);
    return form;
  };
  // This rule's signed evidence pack (operators, org admins, auditors).
  const mayDownload = ['operator', 'org_admin', 'auditor'].includes(ctx.state.session.account.role);
  const packLink = (rule) => mayDownload ? h('p', {}, h('a', {class: 'evidence-rule-link', download: '',
    href: `/api/v1/orgs/${encodeURIComponent(orgId)}/evidence-pack${query({rule: rule.id, lang: currentLanguage()})}`},
  t('rules.evidence_pack'))) : null;
  const sections = data.rules.map((rule) => h('section', {class: 'card', id: `rule-${rule.id}`},
    h('h2', {}, gradeBadge(rule.grade), ' ', loc(rule.name)), packLink(rule),
    rule.checks.length ? rule.checks.map((c) => h('div', {class: 'check'},
      h('h3', {}, loc(c.title)),
      h('p', {class: 'counts'},
        ['pass', 'fail', 'unknown', 'not_applicable', 'error'].map((k) =>
          h('span', {class: `tag s-${k}`}, `${t(`status.${k}`)} ${c.counts[k]}`))),
      h('p', {}, loc(c.description)),
      h('p', {}, h('strong', {}, t('host.remediation')), ' ', loc(c.remediation)),
      h('details', {}, h('summary', {}, t('rules.other_language')), h('p', {lang: other}, c.remediation[other])),
      c.parameters.length ? table(t('rules.parameters'),
        [t('rules.param_name'), t('rules.param_value'), t('rules.param_default'), t('rules.param_about')],
        c.parameters.map((p) => [h('code', {}, p.name),
          paramValue(c, p),
          p.default, loc(p.description)]), {class: 'list compact'}) : null,
      c.failing.length ? table(t('rules.failing'), [t('ep.hostname'), t('host.evidence')],
        c.failing.map((f) => [h('a', {href: `#/orgs/${orgId}/endpoints/${f.id}`}, safeText(f.hostname)),
          evidenceList(f.evidence)]), {class: 'list compact'}) : null))
      : h('p', {class: 'muted'}, t('rules.questionnaire_only'))));
  page(ctx, t('rules.heading', {org: safeText(org.org.name)}), orgNav(orgId, 'nav.rules'), alert,
    notice ? h('p', {class: 'notice', id: 'param-saved', role: 'status'}, notice) : null, ...sections);
}

// --- questionnaire (second diagnosis) ------------------------------------------------

export async function questionnaire(ctx, orgId, notice) {
  const [org, data] = await Promise.all([api('GET', `orgs/${orgId}`), api('GET', `orgs/${orgId}/questionnaire`)]);
  const alert = h('div', {'aria-live': 'assertive'});
  const yesNo = (id, value) => h('select', {id, name: id, disabled: !data.can_write},
    h('option', {value: '', selected: value === null}, t('vp.unanswered')),
    h('option', {value: 'yes', selected: value === true}, t('vp.yes')),
    h('option', {value: 'no', selected: value === false}, t('vp.no')));
  const spread = (id, value) => h('select', {id, name: id, disabled: !data.can_write},
    h('option', {value: '', selected: value === null}, t('vp.unanswered')),
    ['spread', 'partly', 'not', 'unknown'].map((v) => h('option', {value: v, selected: value === v}, t(`spread.${v}`))));
  const rows = data.rules.map((r) => [
    h('span', {}, loc(r.name), h('br'), h('small', {class: 'muted'}, loc(r.example))),
    yesNo(`${r.id}.written`, r.written), spread(`${r.id}.spread`, r.spread),
    yesNo(`${r.id}.managed`, r.managed), yesNo(`${r.id}.technical`, r.technical),
    r.measure ? t('tech.measured', {verdict: t(`verdict.${r.measure.verdict}`), passing: r.measure.passing,
      fresh: r.measure.fresh_in_scope}) : h('span', {class: 'muted'}, t('q.no_evidence')),
    r.discrepancy ? h('span', {class: 'bad'}, t(`direction.${r.discrepancy}`)) : '',
    h('span', {class: 'q-grade', dataset: {rule: r.id}}, gradeBadge(r.grade))]);
  const form = h('form', {onsubmit: async (e) => {
    e.preventDefault();
    const body = {rules: {}};
    const bool = (v) => (v === '' ? null : v === 'yes');
    for (const r of data.rules) {
      const value = (k) => form.querySelector(`[name="${CSS.escape(`${r.id}.${k}`)}"]`).value;
      body.rules[r.id] = {written: bool(value('written')), spread: value('spread') || null,
        managed: bool(value('managed')), technical: bool(value('technical'))};
    }
    try {
      await api('PUT', `orgs/${orgId}/questionnaire`, body);
      await questionnaire(ctx, orgId, t('q.saved'));
    } catch (err) { formError(ctx, alert, form, err); }
  }}, table(t('q.second'), [t('dash.rule'), t('dash.written'), t('dash.spread'), t('dash.managed'),
    t('q.technical_answer'), t('q.technical_measured'), t('q.discrepancy'), t('dash.grade')], rows,
  {class: 'list', id: 'questionnaire-table'}),
  data.can_write ? h('button', {type: 'submit', id: 'save-answers'}, t('q.save')) : h('p', {class: 'muted'}, t('q.readonly')));
  page(ctx, t('q.heading', {org: safeText(org.org.name)}), orgNav(orgId, 'nav.questionnaire'),
    formsNav(orgId, 'qf.second'),
    h('p', {}, t('q.intro')), alert, notice ? h('p', {class: 'notice', id: 'saved'}, notice) : null,
    h('section', {class: 'card'}, form));
}

// --- software across the organisation -------------------------------------------------

// The software ledger: dictionary titles with category, the organisation's
// rule and hosts against licences owned (names come from endpoints: text only).
function ledgerSection(ledger) {
  const rows = ledger.rows.map((r) => [safeText(r.category_name), safeText(r.name), safeText(r.rule),
    [String(r.installed), r.owned === null ? '' : ` / ${r.owned}`,
      r.over_deployed > 0 ? h('strong', {class: 'over'}, ' ' + t('sw.over', {n: r.over_deployed})) : ''],
    r.min_version ? `${r.below_minimum} (< ${safeText(r.min_version)})` : '']);
  return h('section', {class: 'card', id: 'software-ledger'}, h('h2', {}, t('sw.ledger')),
    ledger.hosts_not_inventoried > 0 ? h('p', {class: 'notice'}, t('sw.not_inventoried', {n: ledger.hosts_not_inventoried})) : null,
    rows.length ? table(null, [t('sw.category'), t('sw.title'), t('sw.rule'), t('sw.installed_owned'), t('sw.below_minimum')],
      rows, {class: 'list', id: 'software-ledger-table'}) : h('p', {}, t('sw.ledger_none')));
}

// The support column: past its end (date, the vendor's page), a browser
// below the lowest version still fixed, or a date still ahead.
function supportCell(e) {
  if (!e) return '';
  if (e.min_major !== null) {
    return h('strong', {class: 'eos'}, t('sw.eos_browser', {min: String(e.min_major)}));
  }
  const text = t(e.ended ? 'sw.eos_ended' : 'sw.eos_ends', {label: safeText(e.label), date: e.ends_on});
  return [e.ended ? h('strong', {class: 'eos'}, text) : text,
    e.source ? [' ', h('a', {href: e.source, rel: 'noreferrer noopener', target: '_blank'}, t('sw.eos_source'))] : ''];
}

export async function software(ctx, orgId, params) {
  const q = params.get('q') || '';
  const eos = params.get('eos') === 'true';
  const cursor = params.get('cursor') || '';
  const [org, data, ledger] = await Promise.all([api('GET', `orgs/${orgId}`),
    api('GET', `orgs/${orgId}/software${query({q, eos: eos ? 'true' : '', cursor})}`),
    api('GET', `orgs/${orgId}/software/ledger`)]);
  const search = h('input', {id: 'sw-q', name: 'q', type: 'search', value: q});
  const eosOnly = h('input', {id: 'sw-eos', name: 'eos', type: 'checkbox', checked: eos});
  const form = h('form', {class: 'filters card', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    ctx.go(`/orgs/${orgId}/software${query({q: search.value, eos: eosOnly.checked ? 'true' : ''})}`);
  }}, field(t('sw.search'), search),
  h('div', {class: 'field check'}, eosOnly, h('label', {for: 'sw-eos'}, t('sw.eos_only'))),
  h('button', {type: 'submit'}, t('ep.apply')));
  const rows = data.items.map((s) => [safeText(s.name), safeText(s.version), String(s.hosts),
    supportCell(s.end_of_support),
    s.endpoints.map((e, i) => [i ? ', ' : '', h('a', {href: `#/orgs/${orgId}/endpoints/${e.id}`}, safeText(e.hostname))])]);
  page(ctx, t('sw.heading', {org: safeText(org.org.name)}), orgNav(orgId, 'nav.software'), ledgerSection(ledger), form,
    data.ended_total > 0 ? h('p', {class: 'notice', id: 'sw-eos-notice'},
      h('a', {href: `#/orgs/${orgId}/software?eos=true`}, t('sw.eos_notice', {n: String(data.ended_total)}))) : null,
    h('p', {class: 'muted', id: 'sw-as-of'}, t('sw.as_of', {time: formatTime(data.computed_at)})),
    data.truncated ? h('p', {class: 'notice'}, t('sw.truncated')) : null,
    data.items.length ? table(null, [t('host.name'), t('host.version'), t('sw.hosts'), t('sw.support'), t('nav.endpoints')],
      rows, {class: 'list', id: 'software-table'}) : h('p', {}, t('sw.none')),
    h('nav', {class: 'pager', 'aria-label': 'pages'},
      cursor ? h('a', {href: `#/orgs/${orgId}/software${query({q, eos: eos ? 'true' : ''})}`}, t('ep.first')) : null,
      data.next_cursor ? h('a', {id: 'sw-next-page', href: `#/orgs/${orgId}/software${query({q, eos: eos ? 'true' : '', cursor: data.next_cursor})}`}, t('ep.next')) : null));
}
