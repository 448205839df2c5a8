#include "agent/facts/registry.h"

#include <chrono>
#include <exception>

namespace mamori::facts {

namespace {

// Runs one gatherer into its EndpointFacts member, timing it and turning an
// escaped exception into STATUS_ERROR so one family cannot sink the others.
template <auto Member, auto Gather>
void Run(const GatherContext& ctx, EndpointFacts* out) {
  const TimePoint collected_at = ctx.clock->Now();
  const auto start = std::chrono::steady_clock::now();
  auto& slot = out->*Member;
  try {
    slot = Gather(ctx);
  } catch (const std::exception& e) {
    slot.emplace();
    slot->status = ErrorStatus(std::string("gatherer threw: ") + e.what());
  }
  slot->status.collected_at = collected_at;
  slot->status.duration_us =
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start)
          .count();
}

// A member pointer (&EndpointFacts::name) cannot take parentheses, and the
// function's name is only ever an identifier from families.h.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define MAMORI_FACT_ENTRY(name, Struct, Gather) \
  {#name, &Run<&EndpointFacts::name, &Gather>},
// NOLINTEND(bugprone-macro-parentheses)
constexpr Family kFamilies[] = {MAMORI_FACT_FAMILIES(MAMORI_FACT_ENTRY)};
#undef MAMORI_FACT_ENTRY

}  // namespace

std::span<const Family> Families() { return kFamilies; }

const Family* FindFamily(std::string_view name) {
  for (const Family& f : kFamilies) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string FamilyNames() {
  std::string out;
  for (const Family& f : kFamilies) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

Result<EndpointFacts> CollectFamilies(const GatherContext& ctx,
                                      const std::vector<std::string>& names) {
  std::vector<const Family*> selected;
  for (const std::string& name : names) {
    const Family* f = FindFamily(name);
    if (f == nullptr) {
      return InvalidArgumentError("unknown family \"" + SanitizeUtf8(name) +
                                  "\"; valid families: " + FamilyNames());
    }
    selected.push_back(f);
  }
  if (selected.empty()) {
    for (const Family& f : kFamilies) selected.push_back(&f);
  }
  EndpointFacts out;
  out.agent_version = MAMORI_VERSION;
  out.collected_at = ctx.clock->Now();
  for (const Family* f : selected) f->gather(ctx, &out);
  out.identity = BuildIdentity(out);
  return out;
}

}  // namespace mamori::facts
