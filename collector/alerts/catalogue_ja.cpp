// 日本語のアラート文面 (catalogue.h)。
#include "collector/alerts/catalogue.h"

namespace mamori::alerts {

const AlertCatalogue kAlertCatalogueJa{
    .language = "ja",
    .subject_single = "[mamori] {org}: {event}",
    .subject_batch = "[mamori] {org}: アラート {count} 件",
    .subject_daily = "[mamori] {org}: 本日のアラートのまとめ ({count} 件)",
    .subject_weekly = "[mamori] {org}: 今週のアラートのまとめ ({count} 件)",
    .subject_test = "[mamori] {org}: テスト通知",
    .intro_single = "{org} で次のアラートが発生しました。",
    .intro_batch =
        "{org} でアラートが多数発生したため、1 時間の送信上限を超えた分を"
        "まとめてお知らせします ({count} 件)。",
    .intro_digest = "{org} で期間中に発生したアラートは {count} 件です。",
    .intro_test =
        "mamori からのテスト通知です。このメールが届いていれば、"
        "アラートの送信設定は正しく動作しています。",
    .line_check_failing = "{host}: チェック「{subject}」が不合格になりました",
    .line_banned_software =
        "{host}: 禁止ソフトウェア「{subject}」がインストールされています",
    .line_host_silent = "{host}: {detail} 以降、報告がありません",
    .line_grade_changed = "ルール「{subject}」の評価が変わりました: {detail}",
    .line_unmanaged_device =
        "未管理の機器が見つかりました: {detail} ({subject}、{host} が検出)",
    .line_test = "テスト通知",
    .label_detail = "証跡",
    .label_raised = "発生",
    .label_cleared = "解消",
    .footer =
        "このメールは mamori collector が自動送信しています。詳細はコンソール"
        "または `mamori-collector alerts list` で確認できます。",
};

}  // namespace mamori::alerts
