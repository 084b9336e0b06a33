// An Alert as one line of text: JSON (ECS, nested objects) or key=value
// (ECS dotted keys). Both come from the same field tree, so they carry the
// same fields in the same order.
//
// Which event gives what (generic over the number of stages):
//  - `process.*`, `host.*`, `user.id`: the first stage whose event is a
//    process event (else the first stage);
//  - `destination.*`: the last stage whose event is a network event;
//  - `@timestamp`: the audit time of the last stage, the event that
//    completed the sequence (never the processing time);
//  - `audit.<exec|connect>` (a custom namespace): one entry per stage with
//    its audit serial and time (`ausearch -a SERIAL` finds the raw records),
//    pid, session (ses=), for a connect the syscall result ("EINPROGRESS"),
//    and for stages other than the `process` one their executable (the
//    connecting process may be a sibling of the exec'd one). A later stage
//    of a kind already named gets its stage number: `exec_3`.
// A field the events do not have (null, empty string, pid -1) is omitted;
// an object left empty is omitted too.
//
// ECS choices:
//  - `process.executable` is the exe= path (a string, always). When the
//    event has a second value (the path handed to execve: a shebang script,
//    ./tool), every value is also listed in `process.executable_paths`, a
//    custom field, so consumers that expect a string are not broken.
//  - `event.severity` is numeric in ECS: Elastic's mapping of the rule's
//    severity (low 21, medium 47, high 73, critical 99; omitted for other
//    labels); the label itself is `labels.severity`. `event.risk_score` is
//    the rule's risk score.
//  - `threat` is the nested array Elastic rules use:
//    [{framework, tactic:{id,name}, technique:[{id,name,subtechnique:[{id}]}]}].
//  - `process.args_count` is the real argument count even when `max_args`
//    shortened `process.args`.
//
// key=value specifics: strings are double-quoted and escaped (escape.h),
// numbers bare; `ecs.version` is JSON only. A field with several values (threat ids, executable_paths)
// is one value joined with ',' (duplicates removed); `process.args` is left
// out (process.command_line and process.args_count carry it; the JSON
// output has the exact list).
#ifndef AUDISP_IMDS_OUTPUT_ALERT_FORMAT_H
#define AUDISP_IMDS_OUTPUT_ALERT_FORMAT_H

#include <cstddef>
#include <string>

#include "output/alert.h"
#include "output/escape.h"

namespace imds {

enum class AlertFormat { kJson, kKeyValue };

struct FormatLimits {
  // Escaped bytes kept of any one string value; a cut value ends with
  // "...[truncated N bytes]". kNoCap: no limit.
  size_t max_value_bytes = kNoCap;
  // Bytes of the whole line (without a newline). When the line is longer,
  // every string value is cut to the same, largest cap that makes it fit, so
  // short values stay whole and long ones share what is left. Best effort: a
  // line that cannot fit even with one byte per value is still returned
  // (well-formed) longer than this. kNoCap: no limit.
  size_t max_line_bytes = kNoCap;
  // JSON only: how many elements of process.args are kept. kNoCap: all.
  size_t max_args = kNoCap;
};

// JSON lines for a file or stdout: nothing cut.
inline FormatLimits JsonFileLimits() { return {}; }
// key=value lines: 4096 escaped bytes per value by default.
inline constexpr size_t kDefaultKeyValueValueCap = 4096;
inline FormatLimits KeyValueLimits() { return {kDefaultKeyValueValueCap, kNoCap, kNoCap}; }

std::string FormatAlertJson(const Alert& alert, const FormatLimits& limits = JsonFileLimits());
std::string FormatAlertKeyValue(const Alert& alert, const FormatLimits& limits = KeyValueLimits());
std::string FormatAlert(const Alert& alert, AlertFormat format, const FormatLimits& limits);

// Elastic's numeric event.severity for a severity label, or -1 when the
// label is none of low/medium/high/critical (case-insensitive).
int SeverityNumber(const std::string& label);

}  // namespace imds

#endif  // AUDISP_IMDS_OUTPUT_ALERT_FORMAT_H
