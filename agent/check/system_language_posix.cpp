#include "agent/check/check_messages.h"

namespace mamori::agent {

// The locale is the environment on POSIX: LanguageFromEnvironment read it.
std::string SystemLanguage() { return "en"; }

}  // namespace mamori::agent
