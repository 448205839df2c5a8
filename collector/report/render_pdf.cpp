// PDF rendering with cairo (Debian libcairo2) and pango: the collector draws
// the report itself, no browser. Text goes through pango_layout_set_text —
// never markup — so a host called "<b>…" prints as those characters. The
// Japanese font is IPAexGothic (fonts-ipaexfont-gothic); cairo embeds the
// glyphs used as a TrueType subset. Units are PDF points (A4 = 595 × 842).

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "collector/report/report.h"
#include "collector/report/report_messages.h"

namespace mamori::report {

namespace {

constexpr double kPageWidth = 595.276;
constexpr double kPageHeight = 841.89;
constexpr double kMargin = 45;
constexpr double kContentWidth = kPageWidth - 2 * kMargin;
constexpr double kBottom = kPageHeight - kMargin - 18;  // footer below
constexpr const char* kFontFamily = "IPAexGothic";

struct Rgb {
  double r, g, b;
};
constexpr Rgb kNavy{0.09, 0.21, 0.36};
constexpr Rgb kBorder{0.54, 0.59, 0.66};
constexpr Rgb kHeaderFill{0.87, 0.90, 0.94};
constexpr Rgb kText{0.10, 0.10, 0.10};
constexpr Rgb kMuted{0.35, 0.35, 0.35};
constexpr Rgb kAlert{0.69, 0.0, 0.13};
constexpr Rgb kAlertFill{0.98, 0.93, 0.93};

Rgb GradeFill(const std::string& g) {
  if (g == "A") return {0.85, 0.94, 0.85};
  if (g == "B") return {0.91, 0.95, 0.81};
  if (g == "C") return {0.98, 0.93, 0.78};
  if (g == "D") return {0.96, 0.82, 0.81};
  return {1, 1, 1};
}

// True when fontconfig resolves the family to itself (not a fallback).
bool FontInstalled(const char* family) {
  FcPattern* pattern = FcNameParse(reinterpret_cast<const FcChar8*>(family));
  FcConfigSubstitute(nullptr, pattern, FcMatchPattern);
  FcDefaultSubstitute(pattern);
  FcResult result;
  FcPattern* match = FcFontMatch(nullptr, pattern, &result);
  bool ok = false;
  FcChar8* name = nullptr;
  if (match &&
      FcPatternGetString(match, FC_FAMILY, 0, &name) == FcResultMatch) {
    ok = std::string(reinterpret_cast<char*>(name)) == family;
  }
  if (match) FcPatternDestroy(match);
  FcPatternDestroy(pattern);
  return ok;
}

cairo_status_t AppendToString(void* closure, const unsigned char* data,
                              unsigned int length) {
  static_cast<std::string*>(closure)->append(
      reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct Cell {
  Cell(std::string text_in, bool bold_in = false,
       std::optional<Rgb> fill_in = std::nullopt,
       std::optional<Rgb> color_in = std::nullopt, bool center_in = false)
      : text(std::move(text_in)),
        bold(bold_in),
        fill(fill_in),
        color(color_in),
        center(center_in) {}
  std::string text;
  bool bold;
  std::optional<Rgb> fill;
  std::optional<Rgb> color;
  bool center;
};

class PdfDocument {
 public:
  PdfDocument(std::string* out, const std::string& lang, std::string footer)
      : lang_(lang), footer_(std::move(footer)) {
    surface_ = cairo_pdf_surface_create_for_stream(AppendToString, out,
                                                   kPageWidth, kPageHeight);
    cr_ = cairo_create(surface_);
    context_ = pango_cairo_create_context(cr_);
    // One PDF point per font point.
    pango_cairo_context_set_resolution(context_, 72);
    cairo_font_options_t* fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(context_, fo);
    cairo_font_options_destroy(fo);
    layout_ = pango_layout_new(context_);
    pango_layout_set_wrap(layout_, PANGO_WRAP_WORD_CHAR);
    y_ = kMargin;
  }
  ~PdfDocument() {
    g_object_unref(layout_);
    g_object_unref(context_);
    cairo_destroy(cr_);
    cairo_surface_destroy(surface_);
  }
  PdfDocument(const PdfDocument&) = delete;
  PdfDocument& operator=(const PdfDocument&) = delete;

  void SetMetadata(const std::string& title, const std::string& date) {
    cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_TITLE,
                                   title.c_str());
    cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_CREATOR,
                                   "mamori");
    // A fixed creation date (the report's own) keeps the output a function
    // of the model.
    cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_CREATE_DATE,
                                   date.c_str());
  }

  cairo_t* cr() { return cr_; }
  double y() const { return y_; }
  void set_y(double y) { y_ = y; }

  // Lays out `text` `width` wide; returns its height.
  double Measure(const std::string& text, double size, bool bold,
                 double width) {
    Prepare(text, size, bold, width, false);
    int w = 0, h = 0;
    pango_layout_get_size(layout_, &w, &h);
    return static_cast<double>(h) / PANGO_SCALE;
  }
  // Draws `text` at (x, y) wrapped to `width`; returns its height.
  double Draw(const std::string& text, double x, double y, double size,
              bool bold, double width, Rgb color = kText, bool center = false) {
    Prepare(text, size, bold, width, center);
    int w = 0, h = 0;
    pango_layout_get_size(layout_, &w, &h);
    cairo_set_source_rgb(cr_, color.r, color.g, color.b);
    cairo_move_to(cr_, x, y);
    pango_cairo_show_layout(cr_, layout_);
    return static_cast<double>(h) / PANGO_SCALE;
  }

  // A paragraph in the flow; breaks the page when it does not fit.
  void Paragraph(const std::string& text, double size = 10, bool bold = false,
                 Rgb color = kText, double after = 4) {
    const double h = Measure(text, size, bold, kContentWidth);
    Need(h);
    y_ += Draw(text, kMargin, y_, size, bold, kContentWidth, color) + after;
  }

  void Heading(const std::string& text) {
    Need(60);  // keep a heading with what follows
    y_ += 6;
    const double h = Draw(text, kMargin, y_, 15, true, kContentWidth, kNavy);
    y_ += h + 2;
    cairo_set_source_rgb(cr_, kNavy.r, kNavy.g, kNavy.b);
    cairo_set_line_width(cr_, 1.4);
    cairo_move_to(cr_, kMargin, y_);
    cairo_line_to(cr_, kMargin + kContentWidth, y_);
    cairo_stroke(cr_);
    y_ += 8;
  }

  // A boxed notice (red border) in the flow.
  void Notice(const std::string& text) {
    const double h = Measure(text, 9.5, false, kContentWidth - 12);
    Need(h + 10);
    Box(kMargin, y_, kContentWidth, h + 8, kAlertFill, kAlert, 0.9);
    Draw(text, kMargin + 6, y_ + 4, 9.5, false, kContentWidth - 12, kText);
    y_ += h + 14;
  }

  // A table in the flow: `widths` are fractions of the content width. The
  // header row repeats after a page break.
  void Table(const std::vector<double>& widths, const std::vector<Cell>& header,
             const std::vector<std::vector<Cell>>& rows, double size = 9) {
    if (!header.empty()) {
      Need(RowHeight(widths, header, size) * 2);
      Row(widths, header, size, true);
    }
    for (const auto& row : rows) {
      const double h = RowHeight(widths, row, size);
      if (y_ + h > kBottom) {
        NewPage();
        if (!header.empty()) Row(widths, header, size, true);
      }
      Row(widths, row, size, false);
    }
    y_ += 8;
  }

  void Box(double x, double y, double w, double h, std::optional<Rgb> fill,
           Rgb stroke, double line) {
    cairo_rectangle(cr_, x, y, w, h);
    if (fill) {
      cairo_set_source_rgb(cr_, fill->r, fill->g, fill->b);
      cairo_fill_preserve(cr_);
    }
    cairo_set_source_rgb(cr_, stroke.r, stroke.g, stroke.b);
    cairo_set_line_width(cr_, line);
    cairo_stroke(cr_);
  }

  // Starts a new page when `height` does not fit below the cursor.
  void Need(double height) {
    if (y_ + height > kBottom) NewPage();
  }
  void NewPage() {
    Footer();
    cairo_show_page(cr_);
    ++page_;
    y_ = kMargin;
  }
  Status Finish() {
    Footer();
    cairo_show_page(cr_);
    cairo_surface_finish(surface_);
    const cairo_status_t s = cairo_surface_status(surface_);
    if (s != CAIRO_STATUS_SUCCESS) {
      return InternalError(std::string("cairo: ") + cairo_status_to_string(s));
    }
    return Status::Ok();
  }

 private:
  void Prepare(const std::string& text, double size, bool bold, double width,
               bool center) {
    PangoFontDescription* fd = pango_font_description_new();
    pango_font_description_set_family(fd, kFontFamily);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_font_description_set_weight(
        fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(layout_, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(layout_, static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_alignment(layout_,
                               center ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
    pango_layout_set_text(layout_, text.c_str(), -1);
  }

  double RowHeight(const std::vector<double>& widths,
                   const std::vector<Cell>& row, double size) {
    double h = 0;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      h = std::max(h, Measure(row[i].text, size, row[i].bold,
                              widths[i] * kContentWidth - 6));
    }
    return h + 6;
  }

  void Row(const std::vector<double>& widths, const std::vector<Cell>& row,
           double size, bool header) {
    const double h = RowHeight(widths, row, size);
    double x = kMargin;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      const double w = widths[i] * kContentWidth;
      std::optional<Rgb> fill = row[i].fill;
      if (header) fill = kHeaderFill;
      Box(x, y_, w, h, fill, kBorder, 0.5);
      Draw(row[i].text, x + 3, y_ + 3, size, header || row[i].bold, w - 6,
           row[i].color.value_or(kText), row[i].center);
      x += w;
    }
    y_ += h;
  }

  void Footer() {
    const std::string text =
        footer_ + "    " + Msg("page", lang_) + " " + std::to_string(page_);
    Draw(text, kMargin, kPageHeight - kMargin + 4, 7.5, false, kContentWidth,
         kMuted, true);
  }

  std::string lang_;
  std::string footer_;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
  PangoContext* context_ = nullptr;
  PangoLayout* layout_ = nullptr;
  double y_ = 0;
  int page_ = 1;
};

void Cover(PdfDocument& doc, const ReportModel& m, const std::string& lang) {
  cairo_t* cr = doc.cr();
  // A navy band across the top.
  cairo_set_source_rgb(cr, kNavy.r, kNavy.g, kNavy.b);
  cairo_rectangle(cr, 0, 0, kPageWidth, 12);
  cairo_fill(cr);
  double y = 150;
  y += doc.Draw(Msg("title", lang), kMargin, y, 26, true, kContentWidth, kNavy,
                true);
  y += 8;
  y += doc.Draw(Msg("subtitle", lang), kMargin, y, 11, false, kContentWidth,
                kMuted, true);
  y += 40;
  // Japanese reports address the company: 「株式会社〇〇 御中」.
  y += doc.Draw(lang == "ja" ? m.org + " 御中" : m.org, kMargin, y, 20, true,
                kContentWidth, kText, true);
  doc.set_y(y + 40);
  const std::string period = m.evidence_from.empty()
                                 ? Msg("none", lang)
                                 : m.evidence_from + " – " + m.evidence_to;
  std::vector<std::vector<Cell>> rows = {
      {{Msg("report_date", lang), true, kHeaderFill}, {m.generated_at}},
      {{Msg("evidence_period", lang), true, kHeaderFill}, {period}},
      {{Msg("endpoints", lang), true, kHeaderFill},
       {Fill(Msg("endpoints_line", lang),
             {{"m", std::to_string(m.hosts_registered)},
              {"n", std::to_string(m.hosts_reporting)}})}},
      {{Msg("policy_version", lang), true, kHeaderFill},
       {m.policy_version.substr(0, 16)}},
  };
  doc.Table({0.3, 0.7}, {}, rows, 10.5);
  for (const auto& n : m.notices) doc.Notice(n.In(lang));

  // The headline: the overall grade, large, with how many endpoints need
  // attention.
  int attention = 0;
  {
    std::set<std::string> hosts;
    for (const auto& r : m.rules) {
      for (const auto& f : r.findings) hosts.insert(f.hostname);
    }
    attention = static_cast<int>(hosts.size());
  }
  const double badge = 84;
  const double gy = doc.y() + 16;
  const double gx = kPageWidth / 2 - badge / 2;
  doc.Draw(Msg("overall_grade", lang), kMargin, gy, 11, true, kContentWidth,
           kNavy, true);
  doc.Box(gx, gy + 20, badge, badge, GradeFill(m.overall), kNavy, 2);
  doc.Draw(m.overall.empty() ? "-" : m.overall, gx, gy + 34, 44, true, badge,
           kNavy, true);
  doc.Draw(Fill(Msg("attention_line", lang),
                {{"n", std::to_string(attention)},
                 {"m", std::to_string(m.hosts_reporting)}}),
           kMargin, gy + badge + 28, 10, false, kContentWidth, kText, true);

  // Stamp boxes (作成 / 確認 / 承認), bottom right.
  const double box = 66;
  const double head = 18;
  const double x0 = kMargin + kContentWidth - 3 * box;
  const double y0 = kBottom - head - box - 10;
  const char* keys[] = {"stamp_prepared", "stamp_checked", "stamp_approved"};
  for (int i = 0; i < 3; ++i) {
    const double x = x0 + i * box;
    doc.Box(x, y0, box, head, kHeaderFill, kText, 0.8);
    doc.Draw(Msg(keys[i], lang), x, y0 + 3, 9.5, true, box, kText, true);
    doc.Box(x, y0 + head, box, box, std::nullopt, kText, 0.8);
  }
  doc.Draw(Msg("generated_by", lang), kMargin, y0 + head + box - 12, 8, false,
           kContentWidth / 2, kMuted);
}

void Radar(PdfDocument& doc, const ReportModel& m, const std::string& lang,
           double cx, double cy, double radius) {
  cairo_t* cr = doc.cr();
  const size_t n = m.rules.size();
  if (n == 0) return;
  cairo_set_line_width(cr, 0.6);
  for (int ring = 1; ring <= 4; ++ring) {
    for (size_t i = 0; i <= n; ++i) {
      const Point p = RadarPoint(i % n, n, ring / 4.0, cx, cy, radius);
      if (i == 0) {
        cairo_move_to(cr, p.x, p.y);
      } else {
        cairo_line_to(cr, p.x, p.y);
      }
    }
    cairo_set_source_rgb(cr, 0.72, 0.76, 0.82);
    cairo_stroke(cr);
    const Point label = RadarPoint(0, n, ring / 4.0, cx, cy, radius);
    const char* letters[] = {"D", "C", "B", "A"};
    doc.Draw(letters[ring - 1], label.x + 2, label.y - 5, 7, false, 10, kMuted);
  }
  for (size_t i = 0; i < n; ++i) {
    const Point end = RadarPoint(i, n, 1.0, cx, cy, radius);
    cairo_move_to(cr, cx, cy);
    cairo_line_to(cr, end.x, end.y);
    cairo_set_source_rgb(cr, 0.72, 0.76, 0.82);
    cairo_stroke(cr);
  }
  for (size_t i = 0; i <= n; ++i) {
    const Point p = RadarPoint(i % n, n, GradeFraction(m.rules[i % n].grade),
                               cx, cy, radius);
    if (i == 0) {
      cairo_move_to(cr, p.x, p.y);
    } else {
      cairo_line_to(cr, p.x, p.y);
    }
  }
  cairo_close_path(cr);
  cairo_set_source_rgba(cr, kNavy.r, kNavy.g, kNavy.b, 0.22);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, kNavy.r, kNavy.g, kNavy.b);
  cairo_set_line_width(cr, 1.8);
  cairo_stroke(cr);
  // Labels outside the rim, aligned away from the centre.
  const double label_width = 110;
  for (size_t i = 0; i < n; ++i) {
    const Point p = RadarPoint(i, n, 1.0, cx, cy, radius + 10);
    const std::string text =
        m.rules[i].name.In(lang) + " (" + m.rules[i].grade + ")";
    const double h = doc.Measure(text, 8.5, false, label_width);
    double x = p.x - label_width / 2;
    if (p.x > cx + 5) x = p.x;
    if (p.x < cx - 5) x = p.x - label_width;
    double y = p.y - h / 2;
    if (p.y < cy - radius * 0.9) y = p.y - h;
    if (p.y > cy + radius * 0.9) y = p.y;
    const bool center = std::abs(p.x - cx) <= 5;
    doc.Draw(text, x, y, 8.5, false, label_width, kText, center);
  }
}

void Summary(PdfDocument& doc, const ReportModel& m, const std::string& lang) {
  doc.Heading(Msg("summary", lang));
  // Overall grade badge.
  const double y = doc.y();
  doc.Box(kMargin, y, 44, 44, GradeFill(m.overall), kNavy, 1.5);
  doc.Draw(m.overall.empty() ? "-" : m.overall, kMargin, y + 6, 26, true, 44,
           kNavy, true);
  doc.Draw(Msg("overall_grade", lang), kMargin + 54, y + 14, 13, true, 300);
  doc.set_y(y + 56);
  std::vector<std::vector<Cell>> rows;
  for (const auto& r : m.rules) {
    rows.push_back({{r.name.In(lang)},
                    {ValueText(r.written, lang)},
                    {ValueText(r.spread, lang)},
                    {ValueText(r.managed, lang)},
                    {ValueText(r.technical, lang)},
                    {r.grade, true, GradeFill(r.grade), std::nullopt, true},
                    {r.previous_grade.empty() ? "-" : r.previous_grade, false,
                     std::nullopt, std::nullopt, true}});
  }
  doc.Table(
      {0.27, 0.12, 0.15, 0.12, 0.18, 0.08, 0.08},
      {{Msg("table_rule", lang)},
       {Msg("table_written", lang)},
       {Msg("table_spread", lang)},
       {Msg("table_managed", lang)},
       {Msg("table_technical", lang)},
       {Msg("table_grade", lang), true, std::nullopt, std::nullopt, true},
       {Msg("table_previous", lang), true, std::nullopt, std::nullopt, true}},
      rows, 8.5);
  const double radius = 95;
  doc.Need(2 * radius + 60);
  const double cy = doc.y() + radius + 25;
  Radar(doc, m, lang, kPageWidth / 2, cy, radius);
  doc.set_y(cy + radius + 30);
  doc.Paragraph(Msg("grade_legend", lang), 8.5, true, kMuted, 1);
  for (const char* k :
       {"legend_a", "legend_b", "legend_c", "legend_d", "legend_lift"}) {
    doc.Paragraph(Msg(k, lang), 8, false, kMuted, 0.5);
  }
}

void RuleDetails(PdfDocument& doc, const ReportModel& m,
                 const std::string& lang) {
  doc.NewPage();
  doc.Heading(Msg("rule_details", lang));
  for (const auto& r : m.rules) {
    doc.Need(90);
    const double y = doc.y();
    doc.Box(kMargin, y, 22, 18, GradeFill(r.grade), kNavy, 0.8);
    doc.Draw(r.grade, kMargin, y + 2, 12, true, 22, kNavy, true);
    std::string title = r.name.In(lang);
    if (!r.answered) title += "  (" + Msg("unanswered_rule", lang) + ")";
    doc.Draw(title, kMargin + 30, y + 2, 12, true, kContentWidth - 30);
    doc.set_y(y + 24);
    std::string grade_text = r.grade;
    if (r.technical_lifted) grade_text += "  " + Msg("lifted", lang);
    doc.Table({0.17, 0.33, 0.17, 0.33}, {},
              {{{Msg("table_written", lang), true, kHeaderFill},
                {ValueText(r.written, lang)},
                {Msg("table_spread", lang), true, kHeaderFill},
                {ValueText(r.spread, lang)}},
               {{Msg("table_managed", lang), true, kHeaderFill},
                {ValueText(r.managed, lang)},
                {Msg("table_technical", lang), true, kHeaderFill},
                {ValueText(r.technical, lang)}},
               {{Msg("base_grade", lang), true, kHeaderFill},
                {r.base},
                {Msg("table_grade", lang), true, kHeaderFill},
                {grade_text, true}}},
              9);
    if (!r.has_checks) {
      doc.Paragraph(Msg("no_checks", lang), 9, false, kMuted, 8);
    } else {
      doc.Paragraph(
          Fill(Msg("measure_line", lang), {{"n", std::to_string(r.passing)},
                                           {"m", std::to_string(r.in_scope)},
                                           {"f", std::to_string(r.failing)},
                                           {"u", std::to_string(r.unknown)}}),
          9.5, true, kText, 1);
      doc.Paragraph(Fill(Msg("coverage_line", lang),
                         {{"n", std::to_string(r.reporting)},
                          {"m", std::to_string(r.registered)}}) +
                        "   " + Msg("oldest_evidence", lang) + ": " +
                        (r.oldest_evidence.empty() ? Msg("none", lang)
                                                   : r.oldest_evidence),
                    8.5, false, kMuted, 4);
      if (r.findings.empty()) {
        doc.Paragraph(Msg("no_findings", lang), 9, false, kMuted, 6);
      } else {
        std::vector<std::vector<Cell>> rows;
        for (size_t k = 0; k < r.findings.size() && k < kMaxFindingsPerRule;
             ++k) {
          const auto& f = r.findings[k];
          rows.push_back(
              {{f.hostname},
               {f.check_title.In(lang)},
               {ValueText(f.status, lang), f.status == "fail", std::nullopt,
                f.status == "fail" ? std::optional<Rgb>(kAlert) : std::nullopt},
               {f.evidence},
               {f.collected_at.empty() ? "-" : f.collected_at}});
        }
        doc.Table({0.18, 0.24, 0.1, 0.34, 0.14},
                  {{Msg("col_host", lang)},
                   {Msg("col_check", lang)},
                   {Msg("col_status", lang)},
                   {Msg("col_values", lang)},
                   {Msg("col_collected", lang)}},
                  rows, 8);
        if (r.findings.size() > kMaxFindingsPerRule) {
          doc.Paragraph(Fill(Msg("more_hosts", lang),
                             {{"n", std::to_string(r.findings.size() -
                                                   kMaxFindingsPerRule)}}),
                        8.5, false, kMuted, 4);
        }
      }
      for (const auto& text : r.remediation) {
        doc.Paragraph(Msg("remediation", lang) + ": " + text.In(lang), 9, false,
                      kText, 3);
      }
    }
    if (r.discrepancy) {
      doc.Notice(Msg("discrepancy", lang) + ": " + r.discrepancy->In(lang));
    }
    doc.set_y(doc.y() + 8);
  }
}

void Closing(PdfDocument& doc, const ReportModel& m, const std::string& lang) {
  doc.NewPage();
  doc.Heading(Msg("first_diagnosis", lang));
  if (m.first_diagnosis.empty()) {
    doc.Paragraph(Msg("first_not_answered", lang));
  } else {
    std::vector<std::vector<Cell>> rows;
    for (const auto& c : m.first_diagnosis) {
      rows.push_back({{c.name.In(lang)},
                      {c.average.empty() ? "-" : c.average, false, std::nullopt,
                       std::nullopt, true},
                      {c.grade.empty() ? "-" : c.grade, true,
                       GradeFill(c.grade), std::nullopt, true}});
    }
    doc.Table(
        {0.6, 0.2, 0.2},
        {{Msg("col_category", lang)},
         {Msg("col_average", lang), true, std::nullopt, std::nullopt, true},
         {Msg("table_grade", lang), true, std::nullopt, std::nullopt, true}},
        rows);
  }
  doc.Heading(Msg("ipa", lang));
  if (m.ipa.empty()) {
    doc.Paragraph(Msg("ipa_not_answered", lang));
  } else {
    std::vector<std::vector<Cell>> rows;
    for (const auto& l : m.ipa) {
      rows.push_back({{l.name.In(lang)},
                      {std::to_string(l.score) + " / " + std::to_string(l.max),
                       false, std::nullopt, std::nullopt, true},
                      {l.national, false, std::nullopt, std::nullopt, true}});
    }
    doc.Table(
        {0.5, 0.25, 0.25},
        {{Msg("col_part", lang)},
         {Msg("col_score", lang), true, std::nullopt, std::nullopt, true},
         {Msg("col_national", lang), true, std::nullopt, std::nullopt, true}},
        rows);
    doc.Paragraph(Fill(Msg("ipa_answered", lang),
                       {{"n", std::to_string(m.ipa_answered)}}) +
                      " — " + Msg("ipa_source", lang),
                  8, false, kMuted, 6);
  }

  doc.Heading(Msg("plan", lang));
  doc.Paragraph(Msg("plan_note", lang), 8.5, false, kMuted, 4);
  if (m.improvements.empty()) {
    doc.Paragraph(Msg("no_plan", lang));
  } else {
    std::vector<std::vector<Cell>> rows;
    int no = 0;
    for (const auto& p : m.improvements) {
      std::string action = p.action.In(lang);
      if (!p.remediation.In(lang).empty()) {
        action += "\n" + p.remediation.In(lang);
      }
      std::string hosts;
      for (size_t k = 0; k < p.hostnames.size() && k < 6; ++k) {
        if (!hosts.empty()) hosts += ", ";
        hosts += p.hostnames[k];
      }
      if (p.hostnames.size() > 6) {
        hosts += " " + Fill(Msg("more_hosts", lang),
                            {{"n", std::to_string(p.hostnames.size() - 6)}});
      }
      rows.push_back(
          {{std::to_string(++no), false, std::nullopt, std::nullopt, true},
           {p.rule_name.In(lang)},
           {action},
           {hosts.empty() ? "-" : hosts},
           {ValueText(p.status, lang)},
           {p.owner.empty() ? "-" : p.owner},
           {p.due.empty() ? "-" : p.due}});
    }
    doc.Table({0.04, 0.13, 0.33, 0.16, 0.09, 0.13, 0.12},
              {{Msg("col_no", lang)},
               {Msg("table_rule", lang)},
               {Msg("col_action", lang)},
               {Msg("col_endpoints", lang)},
               {Msg("col_plan_status", lang)},
               {Msg("col_owner", lang)},
               {Msg("col_due", lang)}},
              rows, 8);
  }

  doc.Heading(Msg("trend", lang));
  if (m.trend.size() > 1) {
    std::vector<double> widths = {0.16, 0.09};
    std::vector<Cell> header = {
        {Msg("col_date", lang)},
        {Msg("overall_grade", lang), true, std::nullopt, std::nullopt, true}};
    for (size_t i = 0; i < m.rules.size(); ++i) {
      widths.push_back(0.075);
      header.push_back(
          {std::to_string(i + 1), true, std::nullopt, std::nullopt, true});
    }
    std::vector<std::vector<Cell>> rows;
    for (const auto& tp : m.trend) {
      std::vector<Cell> row = {{tp.date},
                               {tp.overall.empty() ? "-" : tp.overall, true,
                                GradeFill(tp.overall), std::nullopt, true}};
      for (const auto& g : tp.rule_grades) {
        row.push_back(
            {g.empty() ? "-" : g, false, GradeFill(g), std::nullopt, true});
      }
      rows.push_back(std::move(row));
    }
    doc.Table(widths, header, rows, 8.5);
    std::string key;
    for (size_t i = 0; i < m.rules.size(); ++i) {
      if (!key.empty()) key += "  ";
      key += std::to_string(i + 1) + ": " + m.rules[i].name.In(lang);
    }
    doc.Paragraph(key, 7.5, false, kMuted, 6);
  }
  if (!m.previous_date.empty()) {
    doc.Paragraph(Fill(Msg("compared_with", lang), {{"date", m.previous_date}}),
                  9.5, true);
  }
  for (const auto& c : m.changes) doc.Paragraph("• " + c.In(lang), 9.5);
  if (m.changes.empty()) {
    doc.Paragraph(
        Msg(m.previous_date.empty() ? "no_previous" : "no_changes", lang), 9.5);
  }
}

}  // namespace

Result<std::string> RenderReportPdf(const ReportModel& m,
                                    const std::string& lang) {
  if (!FontInstalled(kFontFamily)) {
    return FailedPreconditionError(
        "the Japanese font IPAexGothic is not installed (Debian package "
        "fonts-ipaexfont-gothic) / 日本語フォント IPAexGothic がありません");
  }
  std::string out;
  {
    PdfDocument doc(&out, lang, m.org + " — " + Msg("title", lang));
    // PDF date from "YYYY-MM-DD HH:MM UTC".
    std::string date = m.generated_at.size() >= 16
                           ? m.generated_at.substr(0, 10) + "T" +
                                 m.generated_at.substr(11, 5) + ":00Z"
                           : "";
    doc.SetMetadata(Msg("title", lang) + " — " + m.org, date);
    Cover(doc, m, lang);
    doc.NewPage();
    Summary(doc, m, lang);
    RuleDetails(doc, m, lang);
    Closing(doc, m, lang);
    MAMORI_RETURN_IF_ERROR(doc.Finish());
  }
  return out;
}

}  // namespace mamori::report
