// Hand-built events shaped like the audit layer's output for the IMDS
// scenario: bash (pid 50) runs curl (pid 100), which connects to the IMDS.
#ifndef AUDISP_IMDS_TESTS_RULE_TEST_EVENTS_H
#define AUDISP_IMDS_TESTS_RULE_TEST_EVENTS_H

#include <cstdint>
#include <string>

#include "event/ecs_event.h"

namespace imds {
namespace testing_events {

inline AuditStamp At(int64_t millis, uint64_t serial) {
  AuditStamp s;
  s.seconds = 1700000000 + millis / 1000;
  s.millis = static_cast<uint32_t>(millis % 1000);
  s.serial = serial;
  return s;
}

inline EcsEvent Exec(int64_t millis, uint64_t serial, const std::string& executable = "/usr/bin/curl",
                     const std::string& command_line =
                         "curl http://169.254.169.254/latest/meta-data/") {
  EcsEvent e;
  e.category = EventCategory::kProcess;
  e.stamp = At(millis, serial);
  e.host_id = "host-1";
  e.host_name = "web-1";
  e.pid = 100;
  e.ppid = 50;
  e.executable = {executable};
  e.command_line = command_line;
  size_t start = 0;
  for (size_t space; (space = command_line.find(' ', start)) != std::string::npos;
       start = space + 1) {
    e.args.push_back(command_line.substr(start, space - start));
  }
  e.args.push_back(command_line.substr(start));
  e.working_directory = "/home/user";
  e.entity_id = "host-1:100:" + std::to_string(serial);
  e.uid = 1000;
  e.parent_executable = "/usr/bin/bash";
  e.parent_entity_id = "host-1:50:1";
  return e;
}

inline EcsEvent Connect(int64_t millis, uint64_t serial,
                        const std::string& destination = "169.254.169.254") {
  EcsEvent e;
  e.category = EventCategory::kNetwork;
  e.stamp = At(millis, serial);
  e.host_id = "host-1";
  e.host_name = "web-1";
  e.pid = 100;
  e.ppid = 50;
  e.executable = {"/usr/bin/curl"};
  e.entity_id = "host-1:100:1";
  e.parent_executable = "/usr/bin/bash";
  e.parent_entity_id = "host-1:50:1";
  e.destination_ip = destination;
  e.destination_port = 80;
  e.syscall_result = "EINPROGRESS";
  return e;
}

}  // namespace testing_events
}  // namespace imds

#endif  // AUDISP_IMDS_TESTS_RULE_TEST_EVENTS_H
