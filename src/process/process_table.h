// What the audit stream alone cannot tell an event: which program image its
// parent runs, the identity (entity id) of both, and the executable of the
// session's entry leader.
//
// Entries are keyed by (host, pid) so that node= streams from several hosts
// never mix. Every exec event records a new program image (its canonical
// executable: a `#!` script's own path); it keeps the entity id of the
// pid's entry when the parent pid is the same (the process re-exec'd
// itself) and gets a new one otherwise (the pid was reused). Processes
// never seen exec'ing come from /proc (seeded at start, or
// looked up on demand) when running live, and only for the local host.
// Where /proc cannot be asked (other nodes, replay), a process never seen
// exec'ing is learned from its first connect event (exe=, ppid=, ses=), so
// that a long-running parent that connects is known to its children.
// Replaying a file never reads /proc: the same input always gives the same
// output.
#ifndef AUDISP_IMDS_PROCESS_PROCESS_TABLE_H
#define AUDISP_IMDS_PROCESS_PROCESS_TABLE_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "event/ecs_event.h"
#include "process/lru_map.h"
#include "process/proc_source.h"

namespace imds {

class ProcessTable {
 public:
  // `live_source` is nullptr when replaying (never read /proc); it must
  // outlive the table. `local_host_id` is the host.id the audit layer gives
  // events without node=: only those may be looked up in the live source.
  ProcessTable(size_t capacity, ProcSource* live_source, std::string local_host_id);
  ProcessTable(const ProcessTable&) = delete;
  ProcessTable& operator=(const ProcessTable&) = delete;

  // Loads every current process from the live source (no-op in replay). May
  // be called again (on reload): an entry whose /proc start time changed is
  // a reused pid and is replaced; one that is unchanged keeps its entity id.
  void Seed();

  // Fills process.entity_id, process.parent.entity_id,
  // process.parent.executable and process.entry_leader.executable; a
  // connect by a process running a script gets the script as its
  // executable (its exe= is the interpreter), as its exec did. For an
  // exec event the parent is looked up first, then the process's own entry
  // is replaced by the new program image. A connect of a process the table
  // does not know, where /proc cannot be asked, adds it (see class comment).
  void Enrich(EcsEvent& event);

  size_t size() const { return processes_.size(); }
  uint64_t evictions() const { return evictions_; }
  uint64_t live_lookups() const { return live_lookups_; }
  uint64_t learned_from_connects() const { return learned_from_connects_; }
  size_t hosts() const { return host_names_.size(); }
  uint64_t host_resets() const { return host_resets_; }

  // Distinct host names (node=) kept at most. Each name is at most 255
  // bytes (the input layer refuses longer ones), so this bounds the names'
  // memory whatever a collector's senders write. Reaching it forgets
  // everything (counted in host_resets): far more hosts than any fleet
  // feeding one collector, so only forged streams get there.
  static constexpr size_t kMaxHosts = 1u << 16;

 private:
  struct Key {
    uint32_t host;  // index into host_names_
    int64_t id;     // pid, or session id for leaders_
    bool operator==(const Key& other) const { return host == other.host && id == other.id; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(static_cast<uint64_t>(k.id) * 0x9E3779B97F4A7C15ull ^ k.host);
    }
  };
  struct Process {
    int64_t ppid = -1;
    std::string executable;
    std::string interpreter;  // a script's exe=; empty for a binary
    std::string entity_id;
    std::optional<int64_t> session_id;
    std::optional<uint64_t> start_time;  // only for entries read from /proc
  };
  // A session's first process. A leader whose parent is known to be in
  // another session is "confirmed"; one whose parent is unknown may be
  // replaced by a confirmed one later.
  struct Leader {
    std::string executable;
    bool confirmed = false;
  };

  uint32_t InternHost(const std::string& host_id);
  // The entry of (host, pid), asking the live source when allowed.
  const Process* FindOrLoad(uint32_t host, int64_t pid, bool may_ask_live);
  const Process* InsertFromProc(uint32_t host, const ProcInfo& info);
  void PutProcess(const Key& key, Process process);
  void OfferLeader(uint32_t host, int64_t session, const std::string& executable, bool confirmed);
  void LearnFromConnect(uint32_t host, EcsEvent& event);

  ProcSource* live_source_;
  std::string local_host_id_;
  std::unordered_map<std::string, uint32_t> host_index_;
  std::vector<std::string> host_names_;
  LruMap<Key, Process, KeyHash> processes_;
  LruMap<Key, Leader, KeyHash> leaders_;
  uint64_t evictions_ = 0;
  uint64_t live_lookups_ = 0;
  uint64_t learned_from_connects_ = 0;
  uint64_t host_resets_ = 0;
};

}  // namespace imds

#endif  // AUDISP_IMDS_PROCESS_PROCESS_TABLE_H
