#include "event/field.h"

#include <gtest/gtest.h>

namespace imds {
namespace {

std::vector<std::string> Values(const EcsEvent& e, FieldId id) {
  FieldValues v;
  CollectFieldValues(e, id, v);
  return {v.values().begin(), v.values().end()};
}

TEST(FieldTest, NamesRoundTripForEveryField) {
  for (FieldId id : AllFields()) {
    auto back = FieldFromName(FieldName(id));
    ASSERT_TRUE(back.has_value()) << FieldName(id);
    EXPECT_EQ(*back, id);
  }
  EXPECT_FALSE(FieldFromName("process.hash.sha256").has_value());
}

TEST(FieldTest, ProcessNameIsTheBasenameOfTheCanonicalExecutableOnly) {
  // The relative spelling as typed is a second executable value, never a
  // second name: Defend names the resolved program.
  EcsEvent e;
  e.executable = {"/dev/shm/payload", "./x"};
  EXPECT_EQ(Values(e, FieldId::kProcessName), (std::vector<std::string>{"payload"}));
  EXPECT_EQ(Values(e, FieldId::kProcessExecutable), (std::vector<std::string>{"/dev/shm/payload", "./x"}));
}

TEST(FieldTest, MissingOptionalFieldsAreNull) {
  EcsEvent e;
  EXPECT_TRUE(Values(e, FieldId::kProcessParentExecutable).empty());
  EXPECT_TRUE(Values(e, FieldId::kProcessEntryLeaderExecutable).empty());
  EXPECT_TRUE(Values(e, FieldId::kProcessWorkingDirectory).empty());
}

TEST(FieldTest, CategoryDecidesEventTypeAndAction) {
  EcsEvent exec;
  exec.category = EventCategory::kProcess;
  EXPECT_EQ(Values(exec, FieldId::kEventType), std::vector<std::string>{"start"});
  EXPECT_EQ(Values(exec, FieldId::kEventAction), std::vector<std::string>{"exec"});
  EcsEvent connect;
  connect.category = EventCategory::kNetwork;
  connect.destination_ip = "169.254.169.254";
  connect.destination_port = 80;
  EXPECT_TRUE(Values(connect, FieldId::kEventType).empty());
  EXPECT_EQ(Values(connect, FieldId::kEventAction), std::vector<std::string>{"connection_attempted"});
  EXPECT_EQ(Values(connect, FieldId::kDestinationPort), std::vector<std::string>{"80"});
  EXPECT_EQ(Values(connect, FieldId::kHostOsType), std::vector<std::string>{"linux"});
}

}  // namespace
}  // namespace imds
