#include "collector/store/identity.h"

#include <algorithm>

#include "common/text.h"

namespace mamori::store {

namespace {

std::string Normal(std::string_view value) { return ToLowerAscii(Trim(value)); }

// A UUID of only zeros or only Fs (and dashes) is a firmware placeholder.
bool IsPlaceholderUuid(const std::string& uuid) {
  const auto only = [&](char c) {
    return std::all_of(uuid.begin(), uuid.end(),
                       [&](char x) { return x == c || x == '-'; });
  };
  return only('0') || only('f');
}

struct Compared {
  bool both = false;
  bool same = false;
};

Compared Compare(std::string_view a, std::string_view b, bool uuid) {
  const std::string x = Normal(a);
  const std::string y = Normal(b);
  const bool x_present = !x.empty() && !(uuid && IsPlaceholderUuid(x));
  const bool y_present = !y.empty() && !(uuid && IsPlaceholderUuid(y));
  if (!x_present || !y_present) return {};
  return {true, x == y};
}

}  // namespace

IdentityComparison CompareIdentity(const IdentityKeys& a,
                                   const IdentityKeys& b) {
  IdentityComparison out;
  const Compared machine = Compare(a.machine_id, b.machine_id, false);
  const Compared uuid = Compare(a.smbios_uuid, b.smbios_uuid, true);
  const Compared serial = Compare(a.serial, b.serial, false);
  for (const Compared& c : {machine, uuid, serial}) {
    if (c.both && c.same) ++out.agree;
  }
  out.machine_agrees = machine.both && machine.same;
  out.machine_conflict = machine.both && !machine.same;
  out.hardware_conflict =
      (uuid.both && !uuid.same) || (serial.both && !serial.same);
  return out;
}

EnrollDecision DecideEnrollment(const IdentityKeys& request,
                                std::span<const KnownHost> candidates,
                                std::optional<int64_t> proven_host) {
  if (proven_host.has_value()) {
    return {EnrollMatch::kReattach, proven_host};
  }
  // Same machine, preferring an original over a flagged clone of it.
  const KnownHost* reattach = nullptr;
  const KnownHost* clone_of = nullptr;
  const KnownHost* overlap = nullptr;
  for (const KnownHost& host : candidates) {
    const IdentityComparison c = CompareIdentity(request, host.keys);
    if (c.agree >= 2 && !c.hardware_conflict) {
      if (reattach == nullptr || (reattach->is_clone && !host.is_clone)) {
        reattach = &host;
      }
      continue;
    }
    if (c.machine_agrees && c.hardware_conflict) {
      if (clone_of == nullptr) clone_of = &host;
      continue;
    }
    if (c.agree >= 1 && overlap == nullptr) overlap = &host;
  }
  if (reattach != nullptr) return {EnrollMatch::kReattach, reattach->id};
  if (clone_of != nullptr) return {EnrollMatch::kClone, clone_of->id};
  if (overlap != nullptr) {
    return {EnrollMatch::kPossibleDuplicate, overlap->id};
  }
  return {};
}

}  // namespace mamori::store
