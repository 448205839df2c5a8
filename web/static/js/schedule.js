// The organisation's report schedule (issue #14): the diagnosis report
// written every N days by serve's hourly round and mailed to the
// recipients, as `mamori-collector report schedule` sets it. Org admins and
// operators set, change or remove it; the runs so far are listed with their
// mail status. Recipients and mail errors are shown as text only (dom.js).
import {api, ApiError} from './api.js';
import {h, clear, table, safeText} from './dom.js';
import {t, formatTime} from './i18n.js';

export async function schedule(ctx, orgId, orgNav, notice) {
  const org = await api('GET', `orgs/${orgId}`);
  const title = t('sched.heading', {org: safeText(org.org.name)});
  const show = (...parts) => {
    clear(ctx.main);
    ctx.main.appendChild(h('h1', {}, title));
    document.title = `${title} — mamori`;
    ctx.main.append(...parts.filter((x) => x !== null && x !== undefined));
  };
  let data;
  try {
    data = await api('GET', `orgs/${orgId}/report-schedule`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) {
      show(orgNav, h('p', {class: 'card', id: 'schedule-forbidden'}, t('sched.forbidden')));
      return;
    }
    throw err;
  }
  const alert = h('div', {'aria-live': 'assertive'});
  const reload = (message) => schedule(ctx, orgId, orgNav, message);
  const s = data.schedule;
  const days = h('input', {id: 'sched-days', name: 'interval_days', type: 'number', min: 1, max: 366,
    required: true, value: String(s ? s.interval_days : 30)});
  const recipients = h('textarea', {id: 'sched-recipients', name: 'recipients', rows: 3,
    placeholder: 'it@example.jp\nboss@example.jp'}, s ? s.recipients.join('\n') : '');
  const lang = h('select', {id: 'sched-lang', name: 'lang'},
    h('option', {value: 'ja', selected: !s || s.lang === 'ja'}, '日本語'),
    h('option', {value: 'en', selected: s && s.lang === 'en'}, 'English'));
  const field = (label, input) => h('div', {class: 'field'}, h('label', {for: input.id}, label), input);
  const form = h('form', {class: 'card', id: 'schedule-form', onsubmit: async (e) => {
    e.preventDefault();
    form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
    const list = recipients.value.split(/[\n,]/).map((r) => r.trim()).filter((r) => r);
    try {
      await api('PUT', `orgs/${orgId}/report-schedule`,
        {interval_days: Number(days.value), recipients: list, lang: lang.value});
      await reload(t('sched.saved'));
    } catch (err) {
      ctx.showError(alert, err);
      if (err instanceof ApiError && err.field) {
        const bad = form.querySelector(`[name="${err.field}"]`);
        if (bad) { bad.setAttribute('aria-invalid', 'true'); bad.focus(); }
      }
    }
  }}, h('h2', {}, t(s ? 'sched.edit' : 'sched.add')),
  field(t('sched.every_days'), days), field(t('sched.recipients'), recipients), field(t('sched.lang'), lang),
  h('button', {type: 'submit', id: 'schedule-save'}, t('dev.save')),
  s ? h('button', {type: 'button', class: 'danger', id: 'schedule-delete', onclick: async () => {
    try {
      await api('DELETE', `orgs/${orgId}/report-schedule`);
      await reload(t('sched.deleted'));
    } catch (err) { ctx.showError(alert, err); }
  }}, t('sched.delete')) : null);

  const current = s
    ? h('p', {id: 'schedule-current'}, t('sched.current', {days: s.interval_days,
      to: s.recipients.length ? s.recipients.join(', ') : t('sched.nobody'), next: formatTime(s.next_due)}))
    : h('p', {id: 'schedule-none'}, t('sched.none'));
  const runs = data.runs.map((r) => [formatTime(r.generated_at), t(`sched.mail.${r.mail_status}`),
    r.mail_error ? h('code', {}, safeText(r.mail_error)) : '', h('code', {}, r.sha256.slice(0, 16))]);
  show(orgNav, h('p', {}, t('sched.intro')), alert,
    notice ? h('p', {class: 'notice', id: 'schedule-saved', role: 'status'}, notice) : null,
    h('section', {class: 'card'}, current), form,
    h('section', {class: 'card', id: 'schedule-runs'}, h('h2', {}, t('sched.runs')),
      runs.length ? table(null, [t('sched.generated'), t('sched.mail'), t('alert.last_error'), 'SHA-256'], runs,
        {class: 'list compact'}) : h('p', {}, t('sched.no_runs'))));
}
