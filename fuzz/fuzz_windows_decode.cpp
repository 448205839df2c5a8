// Fuzz target: the platform-neutral decoders of Windows data (registry
// values, WMI strings and numbers, WLAN profiles, USBSTOR instance ids,
// FILETIMEs). Registry and WMI values come from the machine and from
// software installed on it, so every decoder takes any string or number.
// The input is read with libFuzzer's FuzzedDataProvider.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>

#include "agent/facts/decode/bitlocker.h"
#include "agent/facts/decode/current_version.h"
#include "agent/facts/decode/security_center.h"
#include "agent/facts/decode/usb_device_id.h"
#include "agent/facts/decode/usb_policy.h"
#include "agent/facts/decode/windows_release.h"
#include "agent/facts/decode/windows_time.h"
#include "agent/facts/decode/wlan.h"

namespace {

using namespace mamori::facts;       // NOLINT(google-build-using-namespace)
using namespace mamori::facts::win;  // NOLINT(google-build-using-namespace)

template <typename T>
std::optional<T> MaybeIntegral(FuzzedDataProvider& in) {
  if (!in.ConsumeBool()) return std::nullopt;
  return in.ConsumeIntegral<T>();
}

void Strings(FuzzedDataProvider& in) {
  const std::string text = in.ConsumeRandomLengthString(4096);
  (void)ParseCimDatetime(text);
  (void)ParseYyyymmdd(text);
  (void)ParseUsbstorInstanceId(text);
  (void)EditionDisplayName(text);
  (void)IsServerInstall(text, in.ConsumeRandomLengthString(64));
  (void)FiletimeFromBytes(text);
}

void Numbers(FuzzedDataProvider& in) {
  (void)DecodeProductState(in.ConsumeIntegral<uint32_t>());
  (void)FromFiletime(in.ConsumeIntegral<uint64_t>());
  (void)BitLockerState(MaybeIntegral<int64_t>(in), MaybeIntegral<int64_t>(in));
  (void)BitLockerMethod(in.ConsumeIntegral<int64_t>());
  (void)FirewallActionFromNetFw(in.ConsumeIntegral<int64_t>());
  (void)FromDot11(in.ConsumeIntegral<uint32_t>(),
                  in.ConsumeIntegral<uint32_t>());
  const WindowsRelease release = DescribeWindowsBuild(
      in.ConsumeIntegral<uint32_t>(), in.ConsumeIntegral<uint32_t>(),
      in.ConsumeIntegral<uint32_t>(), in.ConsumeBool());
  (void)WindowsProductName(release, in.ConsumeRandomLengthString(64),
                           in.ConsumeRandomLengthString(256));
}

void CurrentVersion(FuzzedDataProvider& in) {
  KernelVersion kernel{in.ConsumeIntegral<uint32_t>(),
                       in.ConsumeIntegral<uint32_t>(),
                       in.ConsumeIntegral<uint32_t>()};
  CurrentVersionValues cv;
  cv.product_name = in.ConsumeRandomLengthString(256);
  cv.edition_id = in.ConsumeRandomLengthString(64);
  cv.display_version = in.ConsumeRandomLengthString(64);
  cv.release_id = in.ConsumeRandomLengthString(64);
  cv.current_build = in.ConsumeRandomLengthString(64);
  cv.installation_type = in.ConsumeRandomLengthString(64);
  cv.ubr = MaybeIntegral<uint32_t>(in);
  cv.install_date = MaybeIntegral<uint32_t>(in);
  SystemFacts facts;
  ApplyCurrentVersion(kernel, cv, &facts);
}

void Profile(FuzzedDataProvider& in) {
  WlanProfileValues profile;
  profile.name = in.ConsumeRandomLengthString(256);
  profile.ssid = in.ConsumeRandomLengthString(64);
  profile.connection_mode = in.ConsumeRandomLengthString(16);
  profile.non_broadcast = in.ConsumeRandomLengthString(16);
  profile.authentication = in.ConsumeRandomLengthString(16);
  profile.encryption = in.ConsumeRandomLengthString(16);
  profile.use_one_x = in.ConsumeRandomLengthString(16);
  (void)FromProfile(profile);
}

RemovableStoragePolicy Hive(FuzzedDataProvider& in, std::string name) {
  return {std::move(name), MaybeIntegral<uint32_t>(in),
          MaybeIntegral<uint32_t>(in), MaybeIntegral<uint32_t>(in)};
}

void UsbPolicy(FuzzedDataProvider& in) {
  WindowsUsbSettings settings;
  settings.usbstor_start = MaybeIntegral<uint32_t>(in);
  settings.write_protect = MaybeIntegral<uint32_t>(in);
  settings.machine = Hive(in, "HKLM");
  const int users = in.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < users; ++i) {
    settings.users.push_back(Hive(in, in.ConsumeRandomLengthString(64)));
  }
  (void)DecideWindowsUsbPolicy(settings);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange(0, 4)) {
    case 0:
      Strings(in);
      break;
    case 1:
      Numbers(in);
      break;
    case 2:
      CurrentVersion(in);
      break;
    case 3:
      Profile(in);
      break;
    default:
      UsbPolicy(in);
      break;
  }
  return 0;
}
