// Checks every fuzz target applies to an alert it produced: whatever bytes
// the audit records held, the JSON line is one strict RFC 8259 value, the
// key=value line parses with the strict parser of tests/output, neither
// holds a line break, and values that were not cut come back byte for byte
// (key=value always; JSON whenever the original is valid UTF-8). A
// violation aborts, so libFuzzer records the input as a crash.
#ifndef AUDISP_IMDS_FUZZ_ALERT_ORACLE_H
#define AUDISP_IMDS_FUZZ_ALERT_ORACLE_H

#include "output/alert.h"

namespace imds::fuzzing {

// Formats `alert` as JSON and key=value, with and without limits, and checks
// the properties above. Aborts (with a message on stderr) on a violation.
void CheckAlertFormats(const Alert& alert);

}  // namespace imds::fuzzing

#endif  // AUDISP_IMDS_FUZZ_ALERT_ORACLE_H
