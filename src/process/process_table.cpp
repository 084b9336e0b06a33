#include "process/process_table.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace imds {

namespace {

// "<host>:<pid>:<kind><sec>.<ms3>:<serial>", named by one audit event.
std::string StampEntityId(const std::string& host, int64_t pid, const char* kind, const AuditStamp& stamp) {
  char tail[96];
  std::snprintf(tail, sizeof(tail), ":%lld:%s%lld.%03u:%llu", static_cast<long long>(pid), kind,
                static_cast<long long>(stamp.seconds), static_cast<unsigned>(stamp.millis),
                static_cast<unsigned long long>(stamp.serial));
  return host + tail;
}

// One program image of one process, named by the audit event of its exec.
std::string ExecEntityId(const std::string& host, int64_t pid, const AuditStamp& stamp) {
  return StampEntityId(host, pid, "", stamp);
}

// A process never seen exec'ing, learned from one of its connect events
// ("seen" before the time tells it apart from an exec's id).
std::string SeenEntityId(const std::string& host, int64_t pid, const AuditStamp& stamp) {
  return StampEntityId(host, pid, "seen", stamp);
}

// "<host>:<pid>:start<ticks>": a process first seen in /proc, named by its
// start time, which differs for every process that ever has that pid.
std::string ProcEntityId(const std::string& host, int64_t pid, uint64_t start_time) {
  return host + ":" + std::to_string(pid) + ":start" + std::to_string(start_time);
}

}  // namespace

ProcessTable::ProcessTable(size_t capacity, ProcSource* live_source, std::string local_host_id)
    : live_source_(live_source),
      local_host_id_(std::move(local_host_id)),
      processes_(capacity),
      leaders_(capacity) {}

uint32_t ProcessTable::InternHost(const std::string& host_id) {
  if (auto it = host_index_.find(host_id); it != host_index_.end()) return it->second;
  if (host_names_.size() >= kMaxHosts) {
    // Keys hold host indexes: forgetting names means forgetting their
    // entries. Live, the local host's processes come back from /proc.
    processes_ = LruMap<Key, Process, KeyHash>(processes_.capacity());
    leaders_ = LruMap<Key, Leader, KeyHash>(leaders_.capacity());
    host_index_.clear();
    host_names_.clear();
    ++host_resets_;
  }
  const auto index = static_cast<uint32_t>(host_names_.size());
  host_names_.push_back(host_id);
  host_index_.emplace(host_id, index);
  return index;
}

void ProcessTable::PutProcess(const Key& key, Process process) {
  if (processes_.Put(key, std::move(process))) ++evictions_;
}

void ProcessTable::OfferLeader(uint32_t host, int64_t session, const std::string& executable, bool confirmed) {
  const Key key{host, session};
  const Leader* current = leaders_.Peek(key);
  // The first candidate wins, except that a leader whose parent was merely
  // unknown gives way to one known to have entered from another session.
  if (current != nullptr && (current->confirmed || !confirmed)) return;
  leaders_.Put(key, Leader{executable, confirmed});
}

const ProcessTable::Process* ProcessTable::InsertFromProc(uint32_t host, const ProcInfo& info) {
  const Key key{host, info.pid};
  if (const Process* existing = processes_.Peek(key)) {
    // Same start time: the same process, keep its identity. An entry from an
    // exec event has no start time; it stands while /proc shows its image.
    const bool same_process = existing->start_time ? *existing->start_time == info.start_time
                                                   : existing->executable == info.executable;
    if (same_process) return processes_.Find(key);
  }
  Process process;
  process.ppid = info.ppid;
  process.executable = info.executable;
  process.interpreter = info.interpreter;
  process.entity_id = ProcEntityId(host_names_[host], info.pid, info.start_time);
  process.session_id = info.session_id;
  process.start_time = info.start_time;
  PutProcess(key, std::move(process));
  return processes_.Peek(key);
}

const ProcessTable::Process* ProcessTable::FindOrLoad(uint32_t host, int64_t pid, bool may_ask_live) {
  const Key key{host, pid};
  if (const Process* known = processes_.Find(key)) return known;
  if (!may_ask_live || pid <= 0) return nullptr;
  ++live_lookups_;
  const std::optional<ProcInfo> info = live_source_->Lookup(pid);
  if (!info || info->pid != pid) return nullptr;

  // Is it its session's entry leader? Only the table is asked about its
  // parent: one /proc lookup per unknown pid, never a chain of them.
  if (info->session_id && !info->executable.empty()) {
    const Process* parent = processes_.Peek(Key{host, info->ppid});
    const bool confirmed = parent != nullptr && parent->session_id != info->session_id;
    if (parent == nullptr || confirmed) OfferLeader(host, *info->session_id, info->executable, confirmed);
  }
  return InsertFromProc(host, *info);
}

void ProcessTable::Seed() {
  if (live_source_ == nullptr) return;
  std::vector<ProcInfo> procs = live_source_->List();
  // Oldest first: leaders are chosen by start time, and under capacity
  // pressure the most recently started processes stay.
  std::stable_sort(procs.begin(), procs.end(),
                   [](const ProcInfo& a, const ProcInfo& b) { return a.start_time < b.start_time; });
  const uint32_t host = InternHost(local_host_id_);
  std::unordered_map<int64_t, const ProcInfo*> by_pid;
  by_pid.reserve(procs.size());
  for (const ProcInfo& info : procs) by_pid[info.pid] = &info;

  for (const ProcInfo& info : procs) {
    if (info.pid <= 0) continue;
    InsertFromProc(host, info);
    // A session's first process: its parent is in another session (or gone).
    if (!info.session_id || info.executable.empty()) continue;
    auto parent = by_pid.find(info.ppid);
    const bool confirmed = parent != by_pid.end() && parent->second->session_id != info.session_id;
    if (parent == by_pid.end() || confirmed) OfferLeader(host, *info.session_id, info.executable, confirmed);
  }
}

void ProcessTable::LearnFromConnect(uint32_t host, EcsEvent& event) {
  // A process that never exec'd in the stream (started before the plugin,
  // or on a collector before its restart; a forked worker) is learned from
  // its connect, which carries exe=, ppid= and ses=: its children's exec
  // then has a parent executable and a parent entity id to join on.
  // Only for a pid the table does not know, and only when /proc cannot be
  // asked (other nodes, replay): an existing entry is never replaced (its
  // entity id may be the join key of a pending sequence, and exe= may be
  // spelt differently from /proc/PID/exe in a container), and a local live
  // process missing from /proc has exited. Like an exec entry, it stands
  // until evicted or replaced by the pid's next exec.
  Process seen;
  seen.ppid = event.ppid;
  seen.executable = event.executable.front();
  seen.entity_id = SeenEntityId(event.host_id, event.pid, event.stamp);
  seen.session_id = event.session_id;
  event.entity_id = seen.entity_id;
  ++learned_from_connects_;
  PutProcess(Key{host, event.pid}, std::move(seen));
}

void ProcessTable::Enrich(EcsEvent& event) {
  const uint32_t host = InternHost(event.host_id);
  const bool may_ask_live = live_source_ != nullptr && event.host_id == local_host_id_;

  // The parent first: an exec replaces the process's own entry, never its
  // parent's, and the parent must be read as it was before.
  bool parent_known = false;
  std::optional<int64_t> parent_session;
  if (event.ppid > 0) {
    if (const Process* parent = FindOrLoad(host, event.ppid, may_ask_live)) {
      parent_known = true;
      parent_session = parent->session_id;
      if (!parent->executable.empty()) event.parent_executable = parent->executable;
      event.parent_entity_id = parent->entity_id;
    }
  }

  if (event.category == EventCategory::kProcess) {
    Process image;
    image.ppid = event.ppid;
    if (!event.executable.empty()) image.executable = event.executable.front();
    if (event.interpreter) image.interpreter = *event.interpreter;
    // A process that exec's again under the same parent is the same process
    // (a shell's `exec app`): it keeps its entity id. Another parent means
    // the pid was reused.
    const Process* previous = processes_.Peek(Key{host, event.pid});
    image.entity_id = previous != nullptr && event.ppid > 0 && previous->ppid == event.ppid
                          ? previous->entity_id
                          : ExecEntityId(event.host_id, event.pid, event.stamp);
    image.session_id = event.session_id;
    event.entity_id = image.entity_id;
    if (event.session_id && !image.executable.empty()) {
      if (!parent_known) {
        // Replay started mid-session: a guess, until something better.
        OfferLeader(host, *event.session_id, image.executable, false);
      } else if (parent_session != event.session_id) {
        // A child inherits its session at fork, so the session changed in
        // the parent after the table last saw it (pam_loginuid in sshd or
        // login, or a shell writing /proc/self/loginuid): the parent entered
        // the session and leads it. Choosing the child instead could name a
        // short-lived sibling (`cat`) as leader of an unrelated process; the
        // leader must be an ancestor of what it is reported for.
        if (Process* parent = processes_.Find(Key{host, event.ppid})) {
          parent->session_id = event.session_id;
          if (!parent->executable.empty()) OfferLeader(host, *event.session_id, parent->executable, true);
        }
      }
    }
    PutProcess(Key{host, event.pid}, std::move(image));
  } else if (event.pid > 0) {
    if (const Process* self = FindOrLoad(host, event.pid, may_ask_live)) {
      event.entity_id = self->entity_id;
      if (!self->interpreter.empty() && !event.executable.empty() && event.executable.front() == self->interpreter) {
        event.executable.front() = self->executable;
        event.interpreter = self->interpreter;
      }
    } else if (!may_ask_live && !event.executable.empty() && !event.executable.front().empty()) {
      LearnFromConnect(host, event);
    }
  }

  if (event.session_id) {
    if (const Leader* leader = leaders_.Find(Key{host, *event.session_id})) {
      event.entry_leader_executable = leader->executable;
    }
  }
}

}  // namespace imds
