// Hostile register files (issue #13.9): files small on disk that would
// decode to gigabytes are refused before the memory is taken. Each import
// runs in a forked child, whose peak RSS the parent reads with wait4().

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "collector/register/decode_budget.h"
#include "collector/register/import_file.h"
#include "collector/register/test_workbook.h"

namespace mamori::asset_register {
namespace {

// Exit codes of the child.
constexpr int kRefusedAsExpected = 0;
constexpr int kAccepted = 1;
constexpr int kRefusedOtherwise = 2;
constexpr int kThrew = 3;  // e.g. std::bad_alloc at the address-space limit

// ASan's shadow memory and quarantine inflate RSS: the bound is checked in
// the normal build; sanitized builds check the refusal only.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssIsMeaningful = false;
#else
constexpr bool kRssIsMeaningful = true;
#endif
constexpr long kPeakRssLimitKib = 256 * 1024;
constexpr rlim_t kAddressSpaceLimit = rlim_t{2} << 30;

struct ChildResult {
  int exit_code = -1;
  long peak_rss_kib = 0;
};

// Builds the file with `make` and imports it, in a child process.
ChildResult ImportInChild(const std::function<std::string()>& make) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    if (kRssIsMeaningful) {
      // Should the bound regress, the child fails alone instead of taking
      // the machine's memory.
      const rlimit limit{kAddressSpaceLimit, kAddressSpaceLimit};
      setrlimit(RLIMIT_AS, &limit);
    }
    // The child must never return into gtest (it would run the other tests).
    try {
      const std::string bytes = make();
      const Result<ImportPlan> plan = PlanImport(bytes, "2026-12-07");
      if (plan.ok()) _exit(kAccepted);
      const std::string message = plan.status().message();
      const bool budget =
          plan.status().code() == StatusCode::kInvalidArgument &&
          message.find("MiB of cell data once decoded") != std::string::npos &&
          message.find("展開後のセルデータ") != std::string::npos;
      if (!budget) std::fprintf(stderr, "%s\n", message.c_str());
      _exit(budget ? kRefusedAsExpected : kRefusedOtherwise);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "import threw: %s\n", e.what());
      _exit(kThrew);
    }
  }
  ChildResult result;
  int status = 0;
  rusage usage{};
  if (pid < 0 || wait4(pid, &status, 0, &usage) != pid) return result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  result.peak_rss_kib = usage.ru_maxrss;
  return result;
}

void ExpectRefusedSmall(const ChildResult& r) {
  EXPECT_EQ(r.exit_code, kRefusedAsExpected);
  if (kRssIsMeaningful) {
    EXPECT_LT(r.peak_rss_kib, kPeakRssLimitKib);
  }
  std::printf("peak RSS of the importing child: %ld KiB\n", r.peak_rss_kib);
}

TEST(HostileImportTest, SharedStringUsedByManyCellsIsRefusedSmall) {
  const ChildResult r = ImportInChild([] {
    const std::string shared =
        "<sst><si><t>" + std::string(10u << 20, 'x') + "</t></si></sst>";
    std::string sheet = "<worksheet><sheetData>";
    for (int i = 1; i <= 1000; ++i) {
      sheet +=
          "<row r=\"" + std::to_string(i) + "\"><c t=\"s\"><v>0</v></c></row>";
    }
    sheet += "</sheetData></worksheet>";
    return HandMadeWorkbook(sheet, shared);
  });
  ExpectRefusedSmall(r);
}

TEST(HostileImportTest, RowsPaddedToColumnXfdAreRefusedSmall) {
  const ChildResult r = ImportInChild([] {
    std::string sheet = "<worksheet><sheetData>";
    for (int i = 1; i <= 10000; ++i) {
      const std::string n = std::to_string(i);
      sheet += "<row r=\"" + n + "\"><c r=\"XFD" + n + "\"><v>1</v></c></row>";
    }
    sheet += "</sheetData></worksheet>";
    return HandMadeWorkbook(sheet);
  });
  ExpectRefusedSmall(r);
}

TEST(HostileImportTest, CsvOfCommasIsRefusedSmall) {
  const ChildResult r =
      ImportInChild([] { return std::string(60u << 20, ','); });
  ExpectRefusedSmall(r);
}

// A ZIP64 end-of-central-directory record declaring an absurd size (found
// by fuzz_register_import: the earlier ZIP reader allocated whatever such a
// record declared, here 11 EiB, before reading it). Wherever the record is
// put, the import either refuses the file as a broken ZIP container or, where
// the record lies outside what the central directory describes, ignores it;
// it never allocates the declared size (the ASan build aborts on that).
std::string Zip64Record(uint64_t declared_size) {
  std::string record("PK\x06\x06", 4);
  for (int i = 0; i < 8; ++i) {
    record.push_back(static_cast<char>((declared_size >> (8 * i)) & 0xFF));
  }
  record.append(44, '\0');
  return record;
}

TEST(HostileImportTest, Zip64RecordWithAbsurdSizeIsNeverTrusted) {
  const std::string workbook = HandMadeWorkbook(
      "<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>資産名</t>"
      "</is></c></row></sheetData></worksheet>");
  const size_t central = workbook.find(std::string("PK\x01\x02", 4));
  ASSERT_NE(central, std::string::npos);
  const size_t end = workbook.rfind(std::string("PK\x05\x06", 4));
  ASSERT_NE(end, std::string::npos);
  const std::string record = Zip64Record(0x99258939a945fa3aULL);
  struct Case {
    const char* where;
    std::string bytes;
    bool must_refuse;
  };
  const Case cases[] = {
      {"between the entries and the central directory",
       workbook.substr(0, central) + record + workbook.substr(central), true},
      {"just before the end record",
       workbook.substr(0, end) + record + workbook.substr(end), false},
      {"right after a first entry's signature",
       std::string("PK\x03\x04", 4) + record, true},
  };
  for (const Case& c : cases) {
    const Result<ImportPlan> plan = PlanImport(c.bytes, "2026-12-07");
    if (plan.ok()) {
      EXPECT_FALSE(c.must_refuse) << c.where;
      continue;
    }
    EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument) << c.where;
    EXPECT_NE(plan.status().message().find("ZIP"), std::string::npos)
        << c.where << ": " << plan.status().message();
  }
}

// The control: a workbook just under the budget is read (the budget counts
// what the tests above count, not more).
TEST(HostileImportTest, PaddedRowsWithinTheBudgetAreRead) {
  std::string sheet = "<worksheet><sheetData>";
  for (int i = 1; i <= 40; ++i) {
    const std::string n = std::to_string(i);
    sheet += "<row r=\"" + n + "\"><c r=\"XFD" + n + "\"><v>1</v></c></row>";
  }
  sheet += "</sheetData></worksheet>";
  const Result<ImportPlan> plan =
      PlanImport(HandMadeWorkbook(sheet), "2026-12-07");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
}

TEST(DecodeBudgetTest, RefusesPastTheLimitAndStaysSpent) {
  DecodeBudget budget(100);
  EXPECT_TRUE(budget.Fits(100));
  EXPECT_TRUE(budget.Charge(60));
  EXPECT_FALSE(budget.Fits(41));
  EXPECT_TRUE(budget.Charge(40));
  EXPECT_FALSE(budget.spent());
  EXPECT_FALSE(budget.Charge(1));
  EXPECT_TRUE(budget.spent());
  EXPECT_FALSE(budget.Charge(0));
  EXPECT_FALSE(budget.Fits(0));
  const Status st = budget.Exceeded("CSV record 7");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message().rfind("CSV record 7: ", 0), 0u) << st.message();
}

}  // namespace
}  // namespace mamori::asset_register
