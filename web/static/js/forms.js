// The first-diagnosis checklist and the IPA 5-minute self-check as forms,
// beside the second-diagnosis questionnaire (views.js). Saving returns the
// form with the scores the grading engine computes; IPA items the agents
// measure show a contradiction with the evidence at once.
import {api, ApiError} from './api.js';
import {h, clear, table, safeText} from './dom.js';
import {t, loc} from './i18n.js';

// The three questionnaires' tabs (second diagnosis is the existing page).
export function formsNav(orgId, current) {
  const link = (path, key) => h('a', {href: `#/orgs/${orgId}/questionnaire${path}`,
    'aria-current': current === key ? 'page' : null}, t(key));
  return h('nav', {class: 'sub forms', 'aria-label': t('qf.forms')},
    link('', 'qf.second'), link('/first', 'qf.first'), link('/ipa', 'qf.ipa'));
}

function markField(form, error) {
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  if (error instanceof ApiError && error.field) {
    const input = form.querySelector(`[name="${CSS.escape(error.field.replace(/^answers\./, ''))}"]`);
    if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
  }
}

function show(ctx, title, ...children) {
  clear(ctx.main);
  ctx.main.appendChild(h('h1', {}, title));
  children.forEach((c) => c && ctx.main.appendChild(c));
  document.title = `${title} — mamori`;
}

export async function firstDiagnosis(ctx, orgId, orgNav, notice) {
  const [org, data] = await Promise.all([api('GET', `orgs/${orgId}`), api('GET', `orgs/${orgId}/questionnaire/first`)]);
  const alert = h('div', {'aria-live': 'assertive'});
  const categoryName = Object.fromEntries(data.categories.map((c) => [c.id, loc(c.name)]));
  const scale = Object.keys(data.scale).sort().reverse();
  const rows = data.questions.map((q) => [categoryName[q.category] || q.category, loc(q.text),
    h('select', {name: q.id, id: `first-${q.id}`, 'aria-label': loc(q.text), disabled: !data.can_write},
      h('option', {value: '', selected: q.score === null}, t('qf.unanswered')),
      scale.map((v) => h('option', {value: v, selected: q.score === Number(v)}, `${v} ${loc(data.scale[v])}`)))]);
  const form = h('form', {id: 'first-form', onsubmit: async (e) => {
    e.preventDefault();
    const answers = {};
    for (const q of data.questions) {
      const v = form.querySelector(`[name="${CSS.escape(q.id)}"]`).value;
      if (v !== '') answers[q.id] = Number(v);
    }
    try {
      await api('PUT', `orgs/${orgId}/questionnaire/first`, {answers});
      await firstDiagnosis(ctx, orgId, orgNav, t('qf.saved'));
    } catch (err) { ctx.showError(alert, err); markField(form, err); }
  }}, table(null, [t('qf.category'), t('qf.question'), t('qf.score')], rows, {class: 'list', id: 'first-table'}),
  data.can_write ? h('button', {type: 'submit', id: 'save-first'}, t('qf.save')) : h('p', {class: 'muted'}, t('q.readonly')));
  const r = data.result;
  const scores = r ? table(null, [t('qf.category'), t('qf.counted'), t('qf.average'), t('dash.grade')],
    [...r.categories, {...r.overall, category: 'overall'}].map((c) => [
      c.category === 'overall' ? h('strong', {}, t('qf.overall')) : categoryName[c.category] || c.category,
      `${c.counted} / ${c.answered}`, c.average === null ? '-' : c.average.toFixed(1),
      h('span', {class: `grade g${c.grade || 'none'}`, dataset: {category: c.category}}, c.grade || t('grade.none'))]),
    {class: 'list compact', id: 'first-scores'}) : h('p', {class: 'muted'}, t('qf.not_scored'));
  show(ctx, t('qf.first_heading', {org: safeText(org.org.name)}), orgNav, formsNav(orgId, 'qf.first'),
    h('p', {}, t('qf.first_intro')), alert,
    notice ? h('p', {class: 'notice', id: 'saved', role: 'status'}, notice) : null,
    h('section', {class: 'card'}, scores), h('section', {class: 'card'}, form));
}

const IPA_ANSWERS = ['done', 'partly', 'not_done', 'dont_know', 'not_applicable'];

export async function ipaSelfCheck(ctx, orgId, orgNav, notice) {
  const [org, data] = await Promise.all([api('GET', `orgs/${orgId}`), api('GET', `orgs/${orgId}/questionnaire/ipa`)]);
  const alert = h('div', {'aria-live': 'assertive'});
  const rows = data.items.map((item) => [String(item.number),
    h('span', {}, h('strong', {}, loc(item.title)), h('br'), h('small', {class: 'muted'}, loc(item.text))),
    h('select', {name: String(item.number), id: `ipa-${item.number}`, 'aria-label': loc(item.title),
      disabled: !data.can_write},
    h('option', {value: '', selected: item.answer === null}, t('qf.unanswered')),
    IPA_ANSWERS.map((a) => h('option', {value: a, selected: item.answer === a}, t(`ipaanswer.${a}`)))),
    item.national_average.toFixed(2),
    item.discrepancy ? h('span', {class: 'bad', dataset: {item: item.number}},
      t(`direction.${item.discrepancy.direction}`), ` (${t(`verdict.${item.discrepancy.verdict}`)}, ` +
      `${item.discrepancy.passing}/${item.discrepancy.in_scope})`)
      : item.has_evidence ? h('span', {class: 'muted'}, t('qf.measured')) : '']);
  const form = h('form', {id: 'ipa-form', onsubmit: async (e) => {
    e.preventDefault();
    const answers = {};
    for (const item of data.items) {
      const v = form.querySelector(`[name="${item.number}"]`).value;
      if (v !== '') answers[String(item.number)] = v;
    }
    try {
      await api('PUT', `orgs/${orgId}/questionnaire/ipa`, {answers});
      await ipaSelfCheck(ctx, orgId, orgNav, t('qf.saved'));
    } catch (err) { ctx.showError(alert, err); markField(form, err); }
  }}, table(null, [t('qf.item'), '', t('qf.answer'), t('qf.national'), t('qf.evidence')], rows,
    {class: 'list', id: 'ipa-table'}),
  data.can_write ? h('button', {type: 'submit', id: 'save-ipa'}, t('qf.save')) : h('p', {class: 'muted'}, t('q.readonly')));
  const r = data.result;
  show(ctx, t('qf.ipa_heading', {org: safeText(org.org.name)}), orgNav, formsNav(orgId, 'qf.ipa'),
    h('p', {}, t('qf.ipa_intro')), alert,
    notice ? h('p', {class: 'notice', id: 'saved', role: 'status'}, notice) : null,
    h('p', {class: 'card', id: 'ipa-total'}, r ? t('qf.total', {total: r.total, band: r.band,
      p1: r.parts[0], p2: r.parts[1], p3: r.parts[2], answered: r.answered}) : t('qf.not_scored')),
    h('section', {class: 'card'}, form));
}
