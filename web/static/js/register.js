// The information-asset register (情報資産管理台帳): assets with their
// computed importance, devices from the agents, links; add or edit an asset,
// link it, export, and import a file after previewing what it would change.
import {api, upload, ApiError} from './api.js';
import {h, clear, table, safeText} from './dom.js';
import {t, loc, formatTime} from './i18n.js';

const MAX_UPLOAD = 1 << 20;
// Which assets the list shows: 'active' (the default), 'retired' or 'all';
// kept across the page's reloads after a change.
let view = 'active';

// Today in the browser's time zone, YYYY-MM-DD (the server allows one day
// of slack over UTC for zones ahead of it).
function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function field(label, input) {
  return h('div', {class: 'field'}, h('label', {for: input.id}, label), input);
}

function check(id, label, checked) {
  const input = h('input', {id, name: id.replace(/^reg-/, ''), type: 'checkbox', checked});
  return [input, h('div', {class: 'field check'}, input, h('label', {for: id}, label))];
}

function markField(form, error) {
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  if (error instanceof ApiError && error.field) {
    const input = form.querySelector(`[name="${CSS.escape(error.field)}"]`);
    if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
  }
}

export async function register(ctx, orgId, orgNav, notice) {
  const [org, data] = await Promise.all([api('GET', `orgs/${orgId}`), api('GET', `orgs/${orgId}/register`)]);
  const alert = h('div', {'aria-live': 'assertive'});
  const reload = (message) => register(ctx, orgId, orgNav, message);
  const mediumLabel = Object.fromEntries(data.media.map((m) => [m.code, loc(m.label)]));
  const linked = {};
  const linkText = (l) => {
    if (l.kind === 'service') return `${l.target} (${t('linkkind.service')})`;
    // A device that was retired, stopped reporting or no longer exists is said plainly.
    if (['retired', 'revoked', 'stale', 'missing'].includes(l.target_status)) {
      return t(`reg.link_device_${l.target_status}`, {target: l.target});
    }
    return l.target;
  };
  for (const l of data.links) (linked[l.asset_name] ||= []).push(linkText(l));

  // --- add / edit form ---
  const text = (name, label, attrs) => {
    const input = h('input', {id: `reg-${name}`, name, maxlength: 500, ...attrs});
    return [input, field(label, input)];
  };
  const [name, nameField] = text('name', t('reg.name'), {required: true});
  const [area, areaField] = text('business_area', t('reg.business_area'));
  const [users, usersField] = text('users', t('reg.users'));
  const [dept, deptField] = text('owning_department', t('reg.owning_department'));
  const [retention, retentionField] = text('retention', t('reg.retention'));
  const [note, noteField] = text('note', t('reg.note'));
  const medium = h('select', {id: 'reg-medium', name: 'medium'},
    data.media.map((m) => h('option', {value: m.code}, loc(m.label))));
  const level = (name) => h('select', {id: `reg-${name}`, name}, [1, 2, 3].map((n) => h('option', {value: n}, String(n))));
  const c = level('confidentiality');
  const i = level('integrity');
  const a = level('availability');
  const [personal, personalField] = check('reg-personal', t('reg.personal'), false);
  const [sensitive, sensitiveField] = check('reg-sensitive_personal', t('reg.sensitive_personal'), false);
  const [myNumber, myNumberField] = check('reg-my_number', t('reg.my_number'), false);
  const form = h('form', {class: 'card', id: 'asset-form', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await api('PUT', `orgs/${orgId}/register/assets`, {
        name: name.value, business_area: area.value, users: users.value, owning_department: dept.value,
        retention: retention.value, note: note.value, medium: medium.value,
        confidentiality: Number(c.value), integrity: Number(i.value), availability: Number(a.value),
        personal: personal.checked, sensitive_personal: sensitive.checked, my_number: myNumber.checked});
      await reload(t(r.changed ? 'reg.saved' : 'reg.unchanged', {name: safeText(r.asset.name)}));
    } catch (err) { ctx.showError(alert, err); markField(form, err); }
  }}, h('h2', {}, t('reg.form')), nameField, areaField, usersField, deptField,
  field(t('reg.medium'), medium), field(t('reg.confidentiality'), c), field(t('reg.integrity'), i),
  field(t('reg.availability'), a), personalField, sensitiveField, myNumberField, retentionField, noteField,
  h('button', {type: 'submit', id: 'save-asset'}, t('reg.save')));
  const edit = (asset) => {
    name.value = asset.name; area.value = asset.business_area; users.value = asset.users;
    dept.value = asset.owning_department; retention.value = asset.retention; note.value = asset.note;
    medium.value = asset.medium; c.value = asset.confidentiality; i.value = asset.integrity;
    a.value = asset.availability; personal.checked = asset.personal;
    sensitive.checked = asset.sensitive_personal; myNumber.checked = asset.my_number;
    name.focus();
  };

  // --- link form ---
  const linkAsset = h('select', {id: 'link-asset', name: 'asset_name'},
    data.assets.map((x) => h('option', {value: x.name}, safeText(x.name))));
  const linkKind = h('select', {id: 'link-kind', name: 'kind'},
    h('option', {value: 'device'}, t('linkkind.device')), h('option', {value: 'service'}, t('linkkind.service')));
  const linkTarget = h('input', {id: 'link-target', name: 'target', list: 'device-names', maxlength: 500});
  const deviceNames = h('datalist', {id: 'device-names'}, data.devices.map((d) => h('option', {value: d.name})));
  const linkForm = h('form', {class: 'card', id: 'link-form', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await api('POST', `orgs/${orgId}/register/links`,
        {asset_name: linkAsset.value, kind: linkKind.value, target: linkTarget.value});
      await reload(t('reg.linked_done', {asset: safeText(r.link.asset_name), target: safeText(r.link.target)}));
    } catch (err) { ctx.showError(alert, err); markField(linkForm, err); }
  }}, h('h2', {}, t('reg.link_form')), field(t('reg.name'), linkAsset), field(t('reg.link_kind'), linkKind),
  field(t('reg.link_target'), linkTarget), deviceNames, h('button', {type: 'submit', id: 'add-link'}, t('reg.link_add')));

  // --- import: preview first, then apply the same file ---
  const file = h('input', {id: 'reg-file', name: 'file', type: 'file', accept: '.xlsx,.csv'});
  const importResult = h('div', {id: 'import-result', 'aria-live': 'polite'});
  const send = async (dryRun) => {
    const chosen = file.files[0];
    if (!chosen) { file.setAttribute('aria-invalid', 'true'); file.focus(); return; }
    if (chosen.size > MAX_UPLOAD) { ctx.showError(importResult, t('reg.too_large')); return; }
    try {
      const r = await upload(`orgs/${orgId}/register/import?dry_run=${dryRun}`, chosen);
      if (r.applied) { await reload(t('reg.applied', {created: r.created, updated: r.updated, links: r.links_added})); return; }
      clear(importResult);
      if (r.errors.length) {
        importResult.append(h('p', {class: 'error', role: 'alert'}, t('reg.import_errors')),
          h('ul', {id: 'import-errors'}, r.errors.map((x) => h('li', {},
            safeText(`${x.sheet} ${x.row ? `#${x.row}` : ''} ${x.column}: ${x.reason}`)))));
        return;
      }
      importResult.appendChild(h('div', {},
        h('p', {class: 'notice', id: 'import-preview'}, t('reg.preview_result',
          {created: r.created, updated: r.updated, unchanged: r.unchanged, links: r.links_added})),
        r.warnings.length ? h('ul', {}, r.warnings.map((w) => h('li', {}, safeText(w)))) : null,
        h('button', {type: 'button', id: 'import-apply', onclick: () => send(false)}, t('reg.apply'))));
    } catch (err) { ctx.showError(importResult, err); }
  };
  const importForm = h('form', {class: 'card', id: 'import-form', onsubmit: (e) => { e.preventDefault(); send(true); }},
    h('h2', {}, t('reg.import')), field(t('reg.import_file'), file),
    h('button', {type: 'submit', id: 'import-preview-button'}, t('reg.preview')), importResult);

  const base = `/api/v1/orgs/${encodeURIComponent(orgId)}`;
  const exports = h('p', {class: 'card'},
    h('a', {class: 'button', id: 'register-xlsx', download: '', href: `${base}/register.xlsx`}, t('reg.export_xlsx')), ' ',
    h('a', {class: 'button', id: 'register-csv', download: '', href: `${base}/register.csv`}, t('reg.export_csv')));
  // --- retire (with a confirmation form) and restore ---
  const retirePanel = h('div', {id: 'retire-panel', 'aria-live': 'polite'});
  const openRetire = (x) => {
    const date = h('input', {id: 'retire-date', name: 'retired_on', type: 'date', required: true, value: today(), max: today()});
    const reason = h('textarea', {id: 'retire-reason', name: 'reason', required: true, maxlength: 4000, rows: 3});
    const error = h('div', {'aria-live': 'assertive'});
    const retireForm = h('form', {class: 'card', id: 'retire-form', onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api('POST', `orgs/${orgId}/register/assets/retire`,
          {name: x.name, retired_on: date.value, reason: reason.value});
        await reload(t('reg.retired_done', {name: safeText(x.name)}));
      } catch (err) { markField(retireForm, err); ctx.showError(error, err); }
    }}, h('h2', {}, t('reg.retire_heading', {name: safeText(x.name)})), h('p', {}, t('reg.retire_intro')), error,
    field(t('reg.retired_on'), date), field(t('reg.retire_reason'), reason),
    h('button', {type: 'submit', id: 'retire-confirm', class: 'danger'}, t('reg.retire_confirm')), ' ',
    h('button', {type: 'button', id: 'retire-cancel', onclick: () => clear(retirePanel)}, t('reg.cancel')));
    clear(retirePanel);
    retirePanel.appendChild(retireForm);
    reason.focus();
  };
  const openRestore = (x) => {
    const error = h('div', {'aria-live': 'assertive'});
    const restoreForm = h('form', {class: 'card', id: 'restore-form', onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api('POST', `orgs/${orgId}/register/assets/restore`, {name: x.name});
        await reload(t('reg.restored_done', {name: safeText(x.name)}));
      } catch (err) { ctx.showError(error, err); }
    }}, h('p', {}, t('reg.restore_confirm', {name: safeText(x.name)})), error,
    h('button', {type: 'submit', id: 'restore-confirm'}, t('reg.restore')), ' ',
    h('button', {type: 'button', onclick: () => clear(retirePanel)}, t('reg.cancel')));
    clear(retirePanel);
    retirePanel.appendChild(restoreForm);
    restoreForm.querySelector('button').focus();
  };

  // --- the list, filtered: in service (default), retired, all ---
  const filter = h('select', {id: 'asset-filter', name: 'view', onchange: () => { view = filter.value; reload(notice); }},
    h('option', {value: 'active'}, t('reg.filter.active', {n: data.counts.assets})),
    h('option', {value: 'retired'}, t('reg.filter.retired', {n: data.counts.retired})),
    h('option', {value: 'all'}, t('reg.filter.all')));
  filter.value = view;
  const shown = view === 'retired' ? data.retired_assets
    : view === 'all' ? [...data.assets, ...data.retired_assets] : data.assets;
  const actions = (x) => {
    if (!data.can_write) return '';
    if (x.retired) {
      return h('button', {type: 'button', class: 'restore-button', onclick: () => openRestore(x)}, t('reg.restore'));
    }
    return [h('button', {type: 'button', onclick: () => edit(x)}, t('reg.edit')), ' ',
      h('button', {type: 'button', class: 'retire-button danger', onclick: () => openRetire(x)}, t('reg.retire'))];
  };
  // Columns per view: the IPA ones in service; in the retired and "all"
  // views fewer of them, so the retirement date, reason and who fit.
  const personalCell = (x) => [x.personal ? t('reg.personal') : '',
    x.sensitive_personal ? ` ${t('reg.sensitive_personal')}` : '', x.my_number ? ` ${t('reg.my_number')}` : ''];
  const columns = [
    [t('reg.name'), (x) => safeText(x.name)],
    [t('reg.business_area'), (x) => safeText(x.business_area)],
    [t('reg.medium'), (x) => mediumLabel[x.medium] || x.medium],
    ...(view === 'active' ? [['C', (x) => String(x.confidentiality)], ['I', (x) => String(x.integrity)],
      ['A', (x) => String(x.availability)]] : []),
    [t('reg.importance'), (x) => h('strong', {class: `importance i${x.importance}`}, String(x.importance))],
    ...(view === 'active' ? [[t('reg.personal'), personalCell],
      [t('reg.owning_department'), (x) => safeText(x.owning_department)]] : []),
    [t('reg.linked'), (x) => safeText((linked[x.name] || []).join(', '))],
    ...(view === 'active' ? [] : [
      ...(view === 'all' ? [[t('reg.status'), (x) => t(`reg.status.${x.retired ? 'retired' : 'active'}`)]] : []),
      [t('reg.retired_on'), (x) => (x.retired ? x.retired.retired_on : '')],
      [t('reg.retire_reason'), (x) => (x.retired ? safeText(x.retired.reason) : '')],
      [t('reg.retired_by'), (x) => (x.retired ? safeText(x.retired.retired_by) : '')]]),
    ['', actions]];
  const assets = shown.length ? table(view === 'retired' ? t('reg.retired_assets') : t('reg.assets'),
    columns.map(([head]) => head), shown.map((x) => columns.map(([, cell]) => cell(x))),
    {class: 'list', id: 'asset-table'}) : h('p', {}, t(view === 'retired' ? 'reg.no_retired' : 'reg.no_assets'));
  // --- device edit: owner, location, retired (PATCH, audited) ---
  const deviceEdit = h('div', {id: 'device-edit', 'aria-live': 'polite'});
  const editDevice = (d) => {
    const owner = h('input', {id: 'dev-owner', name: 'owner', maxlength: 500, value: d.owner});
    const location = h('input', {id: 'dev-location', name: 'location', maxlength: 500, value: d.location});
    const [retired, retiredField] = check('dev-retired', t('reg.device_retired'), d.status === 'retired');
    const error = h('div', {'aria-live': 'assertive'});
    const devForm = h('form', {class: 'card', id: 'device-form', onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api('PATCH', `orgs/${orgId}/register/devices/${encodeURIComponent(d.host_id)}`,
          {owner: owner.value, location: location.value, retired: retired.checked});
        await reload(t('reg.device_saved', {name: safeText(d.name)}));
      } catch (err) { markField(devForm, err); ctx.showError(error, err); }
    }}, h('h2', {}, t('reg.device_edit', {name: safeText(d.name)})), error,
    field(t('reg.device_owner'), owner), field(t('reg.device_location'), location), retiredField,
    h('button', {type: 'submit', id: 'device-save'}, t('reg.device_save')));
    clear(deviceEdit);
    deviceEdit.appendChild(devForm);
    owner.focus();
  };
  const devices = table(t('reg.devices'),
    [t('ep.hostname'), t('reg.device_role'), t('host.os'), t('reg.device_owner'), t('reg.device_location'),
      t('reg.device_status'), t('host.last_seen'), ''],
    data.devices.map((d) => [safeText(d.name), safeText(d.role), safeText(d.os), safeText(d.owner),
      safeText(d.location), t(`devstatus.${d.status}`), formatTime(d.last_seen),
      data.can_write ? h('button', {type: 'button', class: 'device-edit-button',
        onclick: () => editDevice(d)}, t('reg.edit')) : '']),
    {class: 'list compact', id: 'device-table'});

  clear(ctx.main);
  ctx.main.appendChild(h('h1', {}, t('reg.heading', {org: safeText(org.org.name)})));
  document.title = `${t('reg.heading', {org: safeText(org.org.name)})} — mamori`;
  ctx.main.append(orgNav, h('p', {}, t('reg.intro')), alert,
    h('div', {}, notice ? h('p', {class: 'notice', id: 'register-saved', role: 'status'}, notice) : null),
    exports, h('section', {class: 'card'}, field(t('reg.filter'), filter), assets), retirePanel,
    ...(data.can_write ? [form, linkForm, importForm] : [h('p', {class: 'muted'}, t('reg.readonly'))]),
    deviceEdit, h('section', {class: 'card'}, devices));
}
