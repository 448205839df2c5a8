// The message catalogue (/i18n/ja.json, /i18n/en.json — the same files the
// server uses for its error messages), the chosen language and time zone.

const SUPPORTED = ['ja', 'en'];
let lang = 'en';
let texts = {};

function initialLanguage() {
  const saved = localStorage.getItem('mamori.lang');
  if (SUPPORTED.includes(saved)) return saved;
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const code = String(l).slice(0, 2).toLowerCase();
    if (SUPPORTED.includes(code)) return code;
  }
  return 'en';
}

export async function loadLanguage(chosen) {
  lang = SUPPORTED.includes(chosen) ? chosen : initialLanguage();
  const response = await fetch(`/i18n/${lang}.json`, {cache: 'no-cache'});
  texts = await response.json();
  document.documentElement.lang = lang;
  localStorage.setItem('mamori.lang', lang);
}

export function currentLanguage() {
  return lang;
}

// The text of `key` with {name} replaced from `args`. A missing key shows as
// the key itself (a test keeps both catalogues complete).
//
// English says "1 endpoint" but "2 endpoints": a key may have a `KEY.one`
// variant, used when the count (`n` or `total`) is what the language's
// plural rules call "one" (never in Japanese, whose catalogue repeats the
// text so both catalogues keep the same keys).
export function t(key, args) {
  const count = args ? (args.n ?? args.total) : undefined;
  if (count !== undefined && `${key}.one` in texts &&
      new Intl.PluralRules(lang).select(Number(count)) === 'one') {
    key = `${key}.one`;
  }
  let text = texts[key] ?? key;
  for (const [name, value] of Object.entries(args || {})) {
    text = text.split(`{${name}}`).join(String(value));
  }
  return text;
}

// A localised field from the API ({ja, en}).
export function loc(value) {
  if (value && typeof value === 'object') return value[lang] || value.en || '';
  return value ?? '';
}

// Japanese users see Tokyo time by default; others their browser's zone.
export function timeZone() {
  return lang === 'ja' ? 'Asia/Tokyo' : undefined;
}

export function formatTime(iso) {
  if (!iso) return '-';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '-';
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium', timeStyle: 'short', timeZone: timeZone(),
  }).format(date);
}
