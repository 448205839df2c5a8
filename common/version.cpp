#include "common/version.h"

#include <vector>

namespace mamori {
namespace {

struct Run {
  bool digits = false;
  std::string_view text;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

// Splits off "N:" when the text starts with digits and a colon.
std::string_view Epoch(std::string_view* text) {
  size_t i = 0;
  while (i < text->size() && IsDigit((*text)[i])) ++i;
  if (i > 0 && i < text->size() && (*text)[i] == ':') {
    std::string_view epoch = text->substr(0, i);
    text->remove_prefix(i + 1);
    return epoch;
  }
  return "0";
}

std::vector<Run> Runs(std::string_view text) {
  std::vector<Run> runs;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (!IsDigit(c) && !IsLetter(c)) {
      ++i;
      continue;
    }
    const bool digits = IsDigit(c);
    size_t j = i;
    while (j < text.size() && (digits ? IsDigit(text[j]) : IsLetter(text[j]))) {
      ++j;
    }
    runs.push_back({digits, text.substr(i, j - i)});
    i = j;
  }
  return runs;
}

int CompareNumbers(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int CompareLetters(std::string_view a, std::string_view b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    const char x = Lower(a[i]);
    const char y = Lower(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

}  // namespace

int CompareVersions(std::string_view a, std::string_view b) {
  const std::string_view epoch_a = Epoch(&a);
  const std::string_view epoch_b = Epoch(&b);
  if (const int c = CompareNumbers(epoch_a, epoch_b); c != 0) return c;
  const std::vector<Run> x = Runs(a);
  const std::vector<Run> y = Runs(b);
  const size_t n = x.size() < y.size() ? x.size() : y.size();
  for (size_t i = 0; i < n; ++i) {
    if (x[i].digits != y[i].digits) return x[i].digits ? 1 : -1;
    const int c = x[i].digits ? CompareNumbers(x[i].text, y[i].text)
                              : CompareLetters(x[i].text, y[i].text);
    if (c != 0) return c;
  }
  if (x.size() == y.size()) return 0;
  if (x.size() > y.size()) return x[n].digits ? 1 : -1;
  return y[n].digits ? -1 : 1;
}

}  // namespace mamori
