// clang-format off
#include <windows.h>
// clang-format on

#include "agent/check/check_messages.h"

namespace mamori::agent {

std::string SystemLanguage() {
  return PRIMARYLANGID(GetUserDefaultUILanguage()) == LANG_JAPANESE ? "ja"
                                                                    : "en";
}

}  // namespace mamori::agent
