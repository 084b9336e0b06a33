#include "config/file_trust.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

namespace imds {
namespace {

class FileTrustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/imds-trust-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    file_ = dir_ + "/rule.toml";
    std::ofstream(file_) << "x";
  }
  void TearDown() override {
    unlink(file_.c_str());
    rmdir(dir_.c_str());
  }
  std::string dir_, file_;
};

TEST_F(FileTrustTest, OwnFileWithoutGroupOrOtherWriteIsTrusted) {
  chmod(file_.c_str(), 0640);
  EXPECT_EQ(CheckTrustedPath(file_, geteuid()), std::nullopt);
}

TEST_F(FileTrustTest, WorldWritableFileIsRefusedWithTheFix) {
  chmod(file_.c_str(), 0666);
  auto error = CheckTrustedPath(file_, geteuid());
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find(file_ + ": writable by every user"), std::string::npos) << *error;
  EXPECT_NE(error->find("chmod o-w"), std::string::npos);
}

TEST_F(FileTrustTest, GroupWritableFileIsRefusedUnlessTheGroupIsRoot) {
  chmod(file_.c_str(), 0660);
  struct stat st;
  ASSERT_EQ(stat(file_.c_str(), &st), 0);
  if (st.st_gid == 0) {
    EXPECT_EQ(CheckTrustedPath(file_, geteuid()), std::nullopt);
    if (geteuid() == 0) {
      ASSERT_EQ(chown(file_.c_str(), 0, 4242), 0);
      auto error = CheckTrustedPath(file_, geteuid());
      ASSERT_TRUE(error.has_value());
      EXPECT_NE(error->find("writable by group 4242"), std::string::npos) << *error;
    }
  } else {
    EXPECT_TRUE(CheckTrustedPath(file_, geteuid()).has_value());
  }
}

TEST_F(FileTrustTest, FileOfAnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give the file away";
  ASSERT_EQ(chown(file_.c_str(), 4242, 0), 0);
  auto error = CheckTrustedPath(file_, 0);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("owned by uid 4242"), std::string::npos);
}

TEST_F(FileTrustTest, MissingPathIsLeftToTheLoader) {
  EXPECT_EQ(CheckTrustedPath(dir_ + "/absent.toml", geteuid()), std::nullopt);
}

}  // namespace
}  // namespace imds
