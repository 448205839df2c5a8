#!/usr/bin/env bash
# The diagnosis report's PDF as a reader sees it (#15): poppler's pdftotext
# (ja and en) must show the company, all ten rules with their grades and the
# failing host names; pdffonts must show the Japanese font embedded as a
# subset; pdftoppm renders pages 1–2 as PNG artefacts into ARTEFACT_DIR (kept
# for a person to look at). Hostile names must print as plain text and an
# empty organisation must still give a complete report.
#
# Usage: tests/report_pdf_test.sh SAMPLE_BIN ARTEFACT_DIR
set -euo pipefail
SAMPLE=$1
ART=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in pdftotext pdffonts pdftoppm; do
  command -v "$tool" >/dev/null || fail "$tool missing (poppler-utils, scripts/bootstrap.sh)"
done

"$SAMPLE" "$tmp"
mkdir -p "$ART"

check_text() {  # $1 = pdf, $2 = lang
  local txt="$tmp/$(basename "$1" .pdf).txt"
  pdftotext -layout "$1" "$txt"
  # pdftotext keeps CJK glyphs but -layout may pad: squeeze spaces for greps.
  tr -s ' ' <"$txt" >"$txt.s"
  grep -q "株式会社みほん製作所" "$txt.s" || fail "$1: company name missing"
  if [[ $2 == ja ]]; then
    rules=("基本方針・対策基準" "ソフトウェア最新化" "ウイルス対策ソフトウェア" "パスワード使用"
           "電子メールの使用" "無線接続の使用" "WEBサイトの閲覧" "物理アクセス" "記録媒体の利用" "守秘義務")
  else
    rules=("Basic policy" "Keeping software up to date" "Antivirus software" "Use of passwords"
           "Use of e-mail" "Use of wireless connections" "Web browsing" "Physical access"
           "Use of removable media" "Confidentiality")
  fi
  for r in "${rules[@]}"; do
    # Each rule in the summary table: its name, later on the line its grade.
    grep -Eq "$r.* [ABCD] +[ABCD-]\$" "$txt.s" || fail "$1: rule '$r' with its grade missing"
  done
  for host in PC-000 PC-003 PC-001 PC-002; do
    grep -q "$host" "$txt.s" || fail "$1: failing host $host missing"
  done
  grep -q "definitions_age_hours=100" "$txt.s" || fail "$1: evidence value missing"
  grep -q "67.67" "$txt.s" || fail "$1: national IPA average missing"
}
check_text "$tmp/report_ja.pdf" ja
check_text "$tmp/report_en.pdf" en

for f in report_ja report_en; do
  fonts=$(pdffonts "$tmp/$f.pdf")
  echo "$fonts" | grep -E 'IPAexGothic' | grep -Eq '^[A-Z]{6}\+IPAexGothic +CID TrueType +Identity-H +yes +yes' ||
    fail "$f: IPAexGothic not embedded as a subset:
$fonts"
done

# Hostile names: printed as text, not interpreted; no raw control bytes.
pdftotext "$tmp/hostile_en.pdf" "$tmp/hostile.txt"
grep -q '<script>alert(1)</script>=SUM(A1)' "$tmp/hostile.txt" || fail "hostile organisation name not printed literally"
if LC_ALL=C grep -q $'\x1b' "$tmp/hostile.txt"; then fail "escape byte reached the PDF text"; fi

# Empty organisation: a complete report that says so.
pdftotext "$tmp/empty_ja.pdf" "$tmp/empty.txt"
grep -q "登録された端末がありません" "$tmp/empty.txt" || fail "empty organisation not explained"
grep -q "質問票が未回答です" "$tmp/empty.txt" || fail "missing answers not explained"
pages=$(pdfinfo "$tmp/empty_ja.pdf" | awk '/^Pages:/ {print $2}')
[[ $pages -ge 3 ]] || fail "empty organisation's report has $pages pages"

rm -f "$ART"/report_ja-*.png "$ART"/report_en-*.png
pdftoppm -r 100 -f 1 -l 2 -png "$tmp/report_ja.pdf" "$ART/report_ja"
pdftoppm -r 100 -f 1 -l 2 -png "$tmp/report_en.pdf" "$ART/report_en"
cp "$tmp/report_ja.pdf" "$tmp/report_en.pdf" "$tmp/report_ja.html" "$ART/"
ls "$ART"/report_ja-*.png >/dev/null || fail "pdftoppm wrote no page"
echo "PASS (artefacts in $ART)"
