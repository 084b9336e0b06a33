// Feeds every file of the shared real-world corpus (../shared/corpus/real,
// public audit logs from other projects, see its PROVENANCE.md) through the
// input and audit stages exactly as stdin would be: whatever the format
// (RAW, ENRICHED, node= prefixes, JSON-, YAML- and syslog-wrapped, hand-
// broken files), nothing may crash or trip a sanitizer, and the audit-text
// files must yield the events they hold. Counts are printed per file.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "audit/event_builder.h"
#include "input/audit_feed.h"

namespace imds {
namespace {

std::string CorpusDir() {
  if (const char* dir = std::getenv("IMDS_CORPUS_DIR")) return dir;
  return IMDS_SOURCE_DIR "/../shared/corpus/real";
}

void ListFiles(const std::string& dir, const std::string& rel, std::vector<std::string>& out) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = dir + "/" + name;
    struct stat st;
    if (stat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      ListFiles(path, rel + name + "/", out);
    } else if (S_ISREG(st.st_mode) && name.size() > 4 && name.substr(name.size() - 4) != ".zip" &&
               name.rfind("PROVENANCE", 0) != 0) {
      out.push_back(rel + name);
    }
  }
  closedir(d);
}

struct Counts {
  uint64_t seen = 0;
  uint64_t rebuilt = 0;
  uint64_t exec = 0;
  uint64_t connect = 0;
  uint64_t errors = 0;
  uint64_t skipped = 0;  // records no rule can need, dropped before libauparse
};

Counts FeedFile(const std::string& path, size_t chunk) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  Counts c;
  auto feed = AuditFeed::Create(EventBuilder(HostIdentity{"corpus", "corpus"}), [&c](EcsEvent&& e) {
    (e.category == EventCategory::kProcess ? c.exec : c.connect)++;
    // Touch every string so a sanitizer sees any bad memory behind them.
    size_t total = e.command_line.size() + e.destination_ip.size();
    for (const auto& a : e.args) total += a.size();
    for (const auto& x : e.executable) total += x.size();
    EXPECT_LT(total, 1u << 30);
  });
  for (size_t at = 0; at < text.size(); at += chunk) feed->Feed(text.data() + at, std::min(chunk, text.size() - at));
  feed->Flush();
  c.seen = feed->stats().events_seen;
  c.rebuilt = feed->stats().events_rebuilt;
  c.errors = feed->stats().parse_errors;
  c.skipped = feed->stats().records_skipped;
  return c;
}

class CorpusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ListFiles(CorpusDir(), "", files_);
    std::sort(files_.begin(), files_.end());
    if (files_.empty()) GTEST_SKIP() << "no corpus at " << CorpusDir() << " (set IMDS_CORPUS_DIR)";
  }
  std::vector<std::string> files_;
};

TEST_F(CorpusTest, EveryFileParsesWithoutCrashAndAuditTextYieldsEvents) {
  std::map<std::string, Counts> by_file;
  Counts total;
  for (const auto& rel : files_) {
    const Counts c = FeedFile(CorpusDir() + "/" + rel, 65536);
    by_file[rel] = c;
    total.seen += c.seen;
    total.rebuilt += c.rebuilt;
    total.exec += c.exec;
    total.connect += c.connect;
    total.errors += c.errors;
    total.skipped += c.skipped;
    std::printf("corpus %-70s events=%-6llu skipped_records=%-6llu exec=%-4llu connect=%-4llu errors=%llu\n",
                rel.c_str(), static_cast<unsigned long long>(c.seen), static_cast<unsigned long long>(c.skipped),
                static_cast<unsigned long long>(c.exec),
                static_cast<unsigned long long>(c.connect), static_cast<unsigned long long>(c.errors));
  }
  std::printf("corpus TOTAL files=%zu events=%llu skipped_records=%llu rebuilt=%llu exec=%llu connect=%llu errors=%llu\n",
              files_.size(), static_cast<unsigned long long>(total.seen), static_cast<unsigned long long>(total.skipped),
              static_cast<unsigned long long>(total.rebuilt), static_cast<unsigned long long>(total.exec),
              static_cast<unsigned long long>(total.connect), static_cast<unsigned long long>(total.errors));
  EXPECT_EQ(total.rebuilt, total.exec + total.connect);
  // Known contents of plain audit-text files.
  EXPECT_GE(by_file["laurel/record-connect.txt"].connect, 1u);
  EXPECT_GE(by_file["laurel/record-execve-long.txt"].exec, 1u);
  EXPECT_GE(by_file["laurel/record-execve.txt"].exec, 1u);
  EXPECT_GE(by_file["go-libaudit/aucoalesce_testdata_sockaddr.log"].seen +
                by_file["go-libaudit/aucoalesce_testdata_sockaddr.log"].skipped,
            1u);
  EXPECT_GE(by_file["spade/audit_wget_unit.log"].connect, 1u);
  EXPECT_GE(by_file["spade/audit_wget_unit.log"].exec, 1u);
  EXPECT_GE(total.seen + total.skipped, 10000u);  // records read, whichever way they went
  EXPECT_GE(total.exec, 50u);
  EXPECT_GE(total.connect, 5u);
}

TEST_F(CorpusTest, TinyChunksGiveTheSameCountsAsWholeFiles) {
  // Every 7th file, fed 13 bytes at a time: lines cut anywhere must not
  // change what is parsed.
  for (size_t i = 0; i < files_.size(); i += 7) {
    const std::string path = CorpusDir() + "/" + files_[i];
    const Counts whole = FeedFile(path, 1 << 20);
    const Counts tiny = FeedFile(path, 13);
    EXPECT_EQ(whole.seen, tiny.seen) << files_[i];
    EXPECT_EQ(whole.exec, tiny.exec) << files_[i];
    EXPECT_EQ(whole.connect, tiny.connect) << files_[i];
  }
}

}  // namespace
}  // namespace imds
