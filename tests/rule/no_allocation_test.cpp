// Proves the performance promise of the rule layer: an event that no stage
// matches (nearly every event on a real host) costs no heap allocation.
// Its own program, because it replaces the global operator new to count.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "rule/rule_file.h"
#include "rule/rule_set.h"
#include "test_events.h"

#if defined(__SANITIZE_ADDRESS__)
#define IMDS_COUNT_ALLOCATIONS 0  // the sanitizer owns operator new
#else
#define IMDS_COUNT_ALLOCATIONS 1
#endif

namespace {
bool counting = false;
long allocations = 0;
}  // namespace

#if IMDS_COUNT_ALLOCATIONS
// Replacement operators pair malloc with free by design; GCC cannot tell.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace imds {
namespace {

using testing_events::At;
using testing_events::Connect;
using testing_events::Exec;

TEST(NoAllocationTest, EventsThatNoStageMatchesAllocateNothing) {
#if !IMDS_COUNT_ALLOCATIONS
  GTEST_SKIP() << "allocation counting is off under sanitizers";
#endif
  std::vector<Rule> loaded;
  for (const char* path :
       {IMDS_SOURCE_DIR "/rules/imds_v3.toml",
        IMDS_SOURCE_DIR "/rules/upstream/"
                        "credential_access_unusual_instance_metadata_service_api_request.toml"}) {
    auto result = LoadRuleFile(path);
    ASSERT_TRUE(std::holds_alternative<Rule>(result));
    loaded.push_back(std::get<Rule>(std::move(result)));
  }
  RuleSet rules(std::move(loaded));
  std::vector<Alert> alerts;
  EcsEvent ls = Exec(0, 1, "/usr/bin/ls", "ls -l /home/user/some/longer/directory/name");
  EcsEvent connect = Connect(0, 2, "10.20.30.40");
  // Scratch buffers grow on first use.
  rules.OnEvent(ls, alerts);
  rules.OnEvent(connect, alerts);

  counting = true;
  for (int i = 1; i <= 1000; ++i) {
    ls.stamp = At(i * 10, 2 * i + 1);
    connect.stamp = At(i * 10 + 5, 2 * i + 2);
    rules.OnEvent(ls, alerts);
    rules.OnEvent(connect, alerts);
  }
  counting = false;
  EXPECT_EQ(allocations, 0);
  EXPECT_TRUE(alerts.empty());

  // The counter works: a matching exec is copied into pending state.
  counting = true;
  rules.OnEvent(Exec(20000, 5000), alerts);
  counting = false;
  EXPECT_GT(allocations, 0);
}

}  // namespace
}  // namespace imds
