#include "agent/check/check_messages.h"

#include <cstdlib>

namespace mamori::agent {

namespace {

const CheckMessages kJapanese = {
    .heading = "mamori セルフチェック",
    .intro =
        "この PC で、組み込みのチェックを既定の設定で実行しました"
        "（コレクタには接続していません）。",
    .evidence = "根拠",
    .remediation = "対処",
    .needs_collector_note =
        "「コレクタで判定」の項目は、組織の回答・ソフトウェアの規則や"
        "ライセンス・未管理端末など、コレクタにしかない情報で判定します。",
    .topics = "参考項目（ルールの評価には含みません）",
    .summary_pass = "結果: 不合格・不明のチェックはありません。",
    .summary_fail =
        "結果: 不合格のチェックがあります。上の「対処」を"
        "ご確認ください。",
    .summary_unknown =
        "結果: 不合格はありませんが、確認できなかった"
        "チェックがあります（不明は合格ではありません）。",
    .unknown_platform = "不明",
    .pass = "合格",
    .fail = "不合格",
    .unknown = "不明",
    .not_applicable = "対象外",
    .error = "エラー",
    .needs_collector = "コレクタで判定",
};

const CheckMessages kEnglish = {
    .heading = "mamori self-check",
    .intro =
        "The built-in checks ran on this PC with the default settings "
        "(no collector was contacted).",
    .evidence = "evidence",
    .remediation = "what to do",
    .needs_collector_note =
        "\"needs the collector\" items are judged from what only the "
        "collector holds: the organisation's answers, software rules and "
        "licences, unmanaged devices.",
    .topics = "Topics (not part of the rules' grades)",
    .summary_pass = "Result: no check fails and none is unknown.",
    .summary_fail = "Result: some checks fail; see \"what to do\" above.",
    .summary_unknown =
        "Result: nothing fails, but some checks could not be "
        "confirmed (unknown is not a pass).",
    .unknown_platform = "unknown",
    .pass = "pass",
    .fail = "FAIL",
    .unknown = "unknown",
    .not_applicable = "n/a",
    .error = "error",
    .needs_collector = "needs the collector",
};

}  // namespace

std::string_view CheckMessages::Status(selfcheck::LocalStatus status) const {
  switch (status) {
    case selfcheck::LocalStatus::kPass:
      return pass;
    case selfcheck::LocalStatus::kFail:
      return fail;
    case selfcheck::LocalStatus::kUnknown:
      return unknown;
    case selfcheck::LocalStatus::kNotApplicable:
      return not_applicable;
    case selfcheck::LocalStatus::kError:
      return error;
    case selfcheck::LocalStatus::kNeedsCollector:
      return needs_collector;
  }
  return unknown;
}

const CheckMessages& MessagesFor(std::string_view lang) {
  return lang == "ja" ? kJapanese : kEnglish;
}

std::string LanguageFromEnvironment() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    return std::string_view(value).substr(0, 2) == "ja" ? "ja" : "en";
  }
  return SystemLanguage();
}

}  // namespace mamori::agent
