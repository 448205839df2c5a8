// An organisation's alerts (issue #20), for org admins and operators: the
// mail relay in use, the channels (e-mail recipients and signed webhooks,
// each with its language and schedule: immediate, daily or weekly digest),
// the thresholds, the recent events and the deliveries with their retries,
// paged. A webhook's signing key is shown once, in the answer that created
// it; the API never returns it again. Host names, subjects, targets and
// delivery errors are shown as text only (dom.js).
import {api, ApiError, query} from './api.js';
import {h, clear, table, safeText} from './dom.js';
import {t, loc, formatTime} from './i18n.js';

const KINDS = ['check_failing', 'host_silent', 'banned_software', 'grade_changed', 'unmanaged_device', 'test'];

// sent; retrying (failed, another attempt due); pending (not tried yet);
// failed (given up, or its channel removed).
export function deliveryState(d) {
  if (d.state === 'sent') return 'sent';
  if (d.next_attempt_at) return d.attempts > 0 ? 'retrying' : 'pending';
  return 'failed';
}

function eventText(e) {
  if (!e) return '';
  const kind = KINDS.includes(e.kind) ? t(`alert.kind.${e.kind}`) : e.kind;
  const subject = loc(e.name) || e.subject;
  return safeText([kind, e.hostname, subject].filter((x) => x).join(' — '));
}

function channelForm(ctx, orgId, reload, alert) {
  const kind = h('select', {id: 'ch-kind', name: 'kind'},
    h('option', {value: 'email'}, t('alert.kind_email')), h('option', {value: 'webhook'}, t('alert.kind_webhook')));
  const target = h('input', {id: 'ch-target', name: 'target', maxlength: 2000, required: true,
    placeholder: 'it@example.jp / https://hooks.example.jp/…'});
  const language = h('select', {id: 'ch-language', name: 'language'},
    h('option', {value: 'ja'}, '日本語'), h('option', {value: 'en'}, 'English'));
  const schedule = h('select', {id: 'ch-schedule', name: 'schedule'},
    ['immediate', 'daily', 'weekly'].map((s) => h('option', {value: s}, t(`alert.schedule.${s}`))));
  const field = (label, input) => h('div', {class: 'field'}, h('label', {for: input.id}, label), input);
  const form = h('form', {class: 'card', id: 'channel-form', onsubmit: async (e) => {
    e.preventDefault();
    form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
    try {
      const added = await api('POST', `orgs/${orgId}/alerts/channels`,
        {kind: kind.value, target: target.value, language: language.value, schedule: schedule.value});
      await reload(t('alert.channel_added', {target: added.target}), added.secret);
    } catch (err) {
      ctx.showError(alert, err);
      if (err instanceof ApiError && err.field) {
        const bad = form.querySelector(`[name="${err.field}"]`);
        if (bad) { bad.setAttribute('aria-invalid', 'true'); bad.focus(); }
      }
    }
  }}, h('h2', {}, t('alert.add_channel')),
  field(t('alert.channel_kind'), kind), field(t('alert.target'), target),
  field(t('alert.language'), language), field(t('alert.schedule'), schedule),
  h('button', {type: 'submit', id: 'channel-add'}, t('alert.add')));
  return form;
}

function settingsForm(ctx, orgId, settings, reload, alert) {
  const input = (name, value, min, max) => h('input', {id: `set-${name}`, name, type: 'number',
    min, max, value: String(value), required: true});
  const silent = input('silent_days', settings.silent_days, 1, 365);
  const perHour = input('max_per_hour', settings.max_per_hour, 1, 1000);
  const form = h('form', {class: 'card', id: 'alert-settings', onsubmit: async (e) => {
    e.preventDefault();
    try {
      await api('PUT', `orgs/${orgId}/alerts/settings`,
        {silent_days: Number(silent.value), max_per_hour: Number(perHour.value)});
      await reload(t('alert.settings_saved'));
    } catch (err) {
      ctx.showError(alert, err);
      if (err instanceof ApiError && err.field) {
        const bad = form.querySelector(`[name="${err.field}"]`);
        if (bad) { bad.setAttribute('aria-invalid', 'true'); bad.focus(); }
      }
    }
  }}, h('h2', {}, t('alert.settings')),
  h('div', {class: 'field'}, h('label', {for: silent.id}, t('alert.silent_days')), silent),
  h('div', {class: 'field'}, h('label', {for: perHour.id}, t('alert.max_per_hour')), perHour),
  h('button', {type: 'submit', id: 'settings-save'}, t('dev.save')));
  return form;
}

function deliveriesSection(orgId, page, p) {
  const rows = page.items.map((d) => {
    const state = deliveryState(d);
    return [formatTime(d.created_at), eventText(d.event),
      d.events > 1 ? t('alert.more_events', {count: d.events - 1}) : t(`alert.purpose.${d.purpose}`),
      safeText(`${t(d.kind === 'webhook' ? 'alert.kind_webhook' : 'alert.kind_email')}: ${d.target}`),
      h('span', {class: `tag delivery-${state}${state === 'sent' ? '' : ' warn'}`}, t(`alert.state.${state}`)),
      String(d.attempts), d.next_attempt_at ? formatTime(d.next_attempt_at) : '',
      d.last_error ? h('code', {class: 'error-text'}, safeText(d.last_error)) : ''];
  });
  const here = (cursor) => `#/orgs/${orgId}/alerts${query({cursor})}`;
  const pager = h('nav', {class: 'pager', 'aria-label': 'pages'},
    p.cursor ? h('a', {href: here('')}, t('ep.first')) : null,
    page.next_cursor ? h('a', {id: 'deliveries-next', href: here(page.next_cursor)}, t('ep.next')) : null);
  return h('section', {class: 'card', id: 'deliveries'}, h('h2', {}, t('alert.deliveries')),
    rows.length ? table(null, [t('alert.created'), t('alert.event'), t('alert.purpose'), t('alert.channel'),
      t('alert.status'), t('alert.attempts'), t('alert.next_retry'), t('alert.last_error')], rows,
    {class: 'list compact', id: 'delivery-list'}) : h('p', {id: 'no-deliveries'}, t('alert.no_deliveries')),
    pager);
}

export async function alerts(ctx, orgId, orgNav, params, notice, secret) {
  const p = Object.fromEntries((params || new URLSearchParams()).entries());
  const org = await api('GET', `orgs/${orgId}`);
  const title = t('alert.heading', {org: safeText(org.org.name)});
  const show = (...parts) => {
    clear(ctx.main);
    ctx.main.appendChild(h('h1', {}, title));
    document.title = `${title} — mamori`;
    ctx.main.append(...parts.filter((x) => x !== null && x !== undefined));
  };
  let data;
  let page;
  try {
    [data, page] = await Promise.all([api('GET', `orgs/${orgId}/alerts`),
      api('GET', `orgs/${orgId}/alerts/deliveries${query({cursor: p.cursor || ''})}`)]);
  } catch (err) {
    // Recipients and delivery errors are for org admins and operators.
    if (err instanceof ApiError && err.status === 403) {
      show(orgNav, h('p', {class: 'card', id: 'alerts-forbidden'}, t('alert.forbidden')));
      return;
    }
    throw err;
  }
  const alert = h('div', {'aria-live': 'assertive'});
  const reload = (message, newSecret) => alerts(ctx, orgId, orgNav, params, message, newSecret);

  const relay = data.smtp
    ? h('p', {id: 'smtp-relay'}, t('alert.smtp', {server: data.smtp.server, from: data.smtp.from}))
    : h('p', {id: 'smtp-relay', class: 'warn'}, t('alert.no_smtp'));
  const channelRows = data.channels.map((c) => [
    t(c.kind === 'webhook' ? 'alert.kind_webhook' : 'alert.kind_email'), safeText(c.target),
    c.language === 'ja' ? '日本語' : 'English', t(`alert.schedule.${c.schedule}`),
    c.secret_hint ? h('code', {}, c.secret_hint) : '', formatTime(c.created_at),
    h('button', {type: 'button', class: 'secondary', 'aria-label': `${t('alert.remove')} ${c.target}`,
      dataset: {channel: String(c.id)}, onclick: async () => {
        try {
          await api('DELETE', `orgs/${orgId}/alerts/channels/${c.id}`);
          await reload(t('alert.channel_removed', {target: c.target}));
        } catch (err) { ctx.showError(alert, err); }
      }}, t('alert.remove'))]);
  const channels = h('section', {class: 'card', id: 'channels'}, h('h2', {}, t('alert.channels')), relay,
    channelRows.length ? table(null, [t('alert.channel_kind'), t('alert.target'), t('alert.language'),
      t('alert.schedule'), t('alert.key_hint'), t('alert.created'), ''], channelRows,
    {class: 'list compact', id: 'channel-list'}) : h('p', {id: 'no-channels'}, t('alert.no_channels')));
  const eventRows = data.events.map((e) => [formatTime(e.raised_at), eventText(e), safeText(e.detail),
    e.cleared_at ? formatTime(e.cleared_at) : h('span', {class: 'tag warn'}, t('alert.open'))]);
  const events = h('section', {class: 'card', id: 'events'}, h('h2', {}, t('alert.events')),
    eventRows.length ? table(null, [t('alert.raised'), t('alert.event'), t('alert.detail'), t('alert.cleared')],
      eventRows, {class: 'list compact', id: 'event-list'}) : h('p', {}, t('alert.no_events')));

  show(orgNav, h('p', {}, t('alert.intro')), alert,
    notice ? h('p', {class: 'notice', id: 'alerts-saved', role: 'status'}, notice) : null,
    secret ? h('div', {class: 'card secret', id: 'webhook-secret'}, h('p', {}, t('alert.secret_once')),
      h('code', {}, secret)) : null,
    channels, channelForm(ctx, orgId, reload, alert),
    settingsForm(ctx, orgId, data.settings, reload, alert), events,
    deliveriesSection(orgId, page, p));
}
