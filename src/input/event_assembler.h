// Records in, whole events out: the input stage's own end-of-event rule, so
// that libauparse is only ever handed one complete event at a time.
//
// libauparse 3.0.9 keeps the events it is assembling in an array that every
// record scans, and that array never shrinks: once overload drops records
// (EOEs among them), every later record paid for its high-water mark. Here
// records are grouped by (node, audit stamp) in a hash map and an event is
// complete at its EOE, or at its PROCTITLE once its SYSCALL was seen (the
// kernel writes PROCTITLE last, then EOE). One that never completes (a lost
// EOE, an audit.log without EOE records) is cut:
//  - when a record of its node stamped more than kEventTimeoutSeconds later
//    arrives (libauparse's end_of_event_timeout, by audit time, per node, so
//    a lagging node is never cut by another's clock);
//  - by Age(): by the wall clock (the same 2 s) for every event but the one
//    the last record belonged to, which may still be arriving (auditd
//    writes an event's records separately), and that one too after
//    kMidEventGraceSeconds of silent input;
//  - beyond max_pending events, oldest first; at Flush().
// Every step is O(1) amortized per record, whatever the input drops.
#ifndef AUDISP_IMDS_INPUT_EVENT_ASSEMBLER_H
#define AUDISP_IMDS_INPUT_EVENT_ASSEMBLER_H

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "input/record_filter.h"

namespace imds {

struct EventAssemblerStats {
  uint64_t events_complete = 0;  // ended by EOE or PROCTITLE
  uint64_t events_cut = 0;       // ended by a timeout, the cap or Flush
  uint64_t events_capped = 0;    // of those, cut because max_pending was reached
  uint64_t nodes_dropped = 0;    // node states forgotten (over max_nodes, or idle)
};

class EventAssembler {
 public:
  // The records of one event, each with its newline, in arrival order.
  using OnEvent = std::function<void(std::string_view records)>;

  static constexpr int64_t kEventTimeoutSeconds = 2;
  static constexpr int64_t kMidEventGraceSeconds = 5;
  static constexpr int64_t kIdleNodeSeconds = 300;
  static constexpr size_t kDefaultMaxPending = 4096;

  // `max_pending`, `max_nodes` below 1 are treated as 1.
  EventAssembler(OnEvent on_event, size_t max_pending, size_t max_nodes);
  EventAssembler(const EventAssembler&) = delete;
  EventAssembler& operator=(const EventAssembler&) = delete;

  // `record` is the record's text as libauparse is to read it (no newline),
  // `header` its parsed header. `now` is the wall clock's second.
  void Add(const RecordHeader& header, std::string_view record, time_t now);
  // A record that is not kept still tells its node's time.
  void NoteTime(std::string_view node, std::string_view stamp, time_t now);
  // Cuts what the clock says is over (see above); `idle_ms` is how long
  // input has been silent (0 right after a read), `partial_line` whether a
  // line is still being read (it may belong to the last event).
  void Age(time_t now, int64_t idle_ms, bool partial_line);
  // Cuts every pending event, oldest first.
  void Flush();

  // Whether the last record added belongs to an event not yet complete.
  bool LastEventOpen() const;
  size_t pending() const { return by_key_.size(); }
  // node= streams with state (the local stream's is not counted).
  size_t nodes() const { return nodes_.size(); }
  const EventAssemblerStats& stats() const { return stats_; }

 private:
  struct Node;
  struct Pending {
    std::string key;      // node '\0' stamp
    std::string records;  // each with its newline
    Node* node = nullptr;
    int64_t second = 0;   // audit seconds of the stamp
    time_t last_added = 0;
    bool has_syscall = false;
    uint64_t generation = 0;  // bumped when the slot is released
  };
  struct Ref {
    Pending* pending;
    uint64_t generation;
    bool Live() const { return pending->generation == generation; }
  };
  struct Node {
    std::string name;
    int64_t newest_second = INT64_MIN;
    std::deque<Ref> fifo;  // its pending events, oldest first (stale refs skipped)
    size_t live = 0;       // pending events of this node
    time_t last_fed = 0;
    std::list<Node*>::iterator lru;
  };

  Node& NodeFor(std::string_view name, time_t now);
  // Moves `node`'s clock to `second` if newer, cutting what that makes old.
  void Advance(Node& node, int64_t second);
  void DropNode(Node& node);
  Pending& Open(std::string_view key, Node& node, int64_t second);
  void Complete(Pending& pending, bool cut);
  void CutOlderThan(Node& node, int64_t second);
  static void Compact(std::deque<Ref>& fifo, size_t live);

  OnEvent on_event_;
  size_t max_pending_;
  size_t max_nodes_;
  std::unordered_map<std::string_view, Pending*> by_key_;  // views Pending::key
  std::deque<Ref> arrival_;  // every pending event, oldest first (stale refs skipped)
  std::vector<std::unique_ptr<Pending>> slots_;  // released ones are reused
  std::vector<Pending*> free_;
  std::unordered_map<std::string_view, std::unique_ptr<Node>> nodes_;  // views Node::name
  std::list<Node*> lru_;  // most recently fed first
  Node local_;            // records without node=: never dropped
  Node* last_node_ = nullptr;
  Pending* last_ = nullptr;  // the event of the last record, while pending
  std::string key_;          // scratch
  time_t last_sweep_ = 0;
  EventAssemblerStats stats_;
};

}  // namespace imds

#endif  // AUDISP_IMDS_INPUT_EVENT_ASSEMBLER_H
