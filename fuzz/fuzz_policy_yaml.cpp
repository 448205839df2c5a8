// Fuzz target: the YAML (and JSON) files the collector reads from people:
// custom policy files, questionnaires, answer files and the end-of-support
// table. The first byte chooses the file kind (see kKinds); the rest is the
// file. Answers are validated against the built-in questionnaires and checks.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "collector/policy/answers.h"
#include "collector/policy/policy.h"
#include "collector/policy/questionnaire.h"
#include "fuzz/fuzz_input.h"

namespace {

namespace policy = mamori::policy;

struct Builtins {
  policy::Questionnaires questionnaires;
  policy::PolicySet policies;
};

const Builtins& LoadBuiltins() {
  static const Builtins* builtins = [] {
    auto q = policy::ParseQuestionnaires(policy::BuiltinQuestionnaireSources());
    auto p = policy::BuildPolicySet(policy::BuiltinPolicySources(), true);
    if (!q.ok() || !p.ok()) std::abort();  // the built-in files must parse
    return new Builtins{std::move(q).value(), std::move(p).value()};
  }();
  return *builtins;
}

void PolicyFile(std::string text) {
  (void)policy::ParsePolicyFile({"custom.yaml", std::move(text)}, false);
}

// One of the three questionnaires replaced by the input.
void Questionnaire(std::string text) {
  std::vector<policy::PolicySource> sources =
      policy::BuiltinQuestionnaireSources();
  const size_t which = text.size() % sources.size();
  sources[which].text = std::move(text);
  (void)policy::ParseQuestionnaires(sources);
}

void AnswersYaml(std::string text) {
  const Builtins& b = LoadBuiltins();
  (void)policy::ParseAnswers({"answers.yaml", std::move(text)},
                             b.questionnaires, b.policies);
}

void AnswersJson(std::string text) {
  const Builtins& b = LoadBuiltins();
  (void)policy::ParseAnswers({"answers.json", std::move(text)},
                             b.questionnaires, b.policies);
}

void EndOfSupport(std::string text) {
  (void)policy::ParseEndOfSupport({"end_of_support.yaml", std::move(text)});
}

using Kind = void (*)(std::string);

// Append only: the first byte of every seed file indexes this table.
constexpr Kind kKinds[] = {PolicyFile, Questionnaire, AnswersYaml, AnswersJson,
                           EndOfSupport};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  LoadBuiltins();
  const size_t kind = data[0] % (sizeof kKinds / sizeof kKinds[0]);
  kKinds[kind](std::string(mamori::fuzz::AsText(data + 1, size - 1)));
  return 0;
}
