#include "test_alerts.h"

#include <cstdint>
#include <cstdio>

#include "utf8_decoder.h"

namespace imds::testing {

Alert ImdsAlert() {
  Alert alert;
  alert.rule.name = "Unusual Instance Metadata Service (IMDS) API Request";
  alert.rule.id = "ecc0cd54-608e-11ef-ab6d-f661ea17fbce";
  alert.rule.version = "3";
  alert.rule.severity = "medium";
  alert.rule.risk_score = 47;
  alert.rule.threats.push_back(
      {"MITRE ATT&CK", "TA0006", "Credential Access", "T1552", "Unsecured Credentials", {"T1552.005"}});
  alert.rule.threats.push_back(
      {"MITRE ATT&CK", "TA0007", "Discovery", "T1580", "Cloud Infrastructure Discovery", {}});

  EcsEvent exec;
  exec.category = EventCategory::kProcess;
  exec.stamp = {1795926901, 120, 4242};
  exec.host_id = "0a1b2c3d4e5f";
  exec.host_name = "web-1";
  exec.pid = 3001;
  exec.ppid = 3000;
  exec.executable = {"/usr/bin/curl"};
  exec.args = {"curl", "-s", "http://169.254.169.254/latest/meta-data/"};
  exec.command_line = "curl -s http://169.254.169.254/latest/meta-data/";
  exec.working_directory = "/tmp";
  exec.entity_id = "web-1:3001:1795926901.120:4242";
  exec.uid = 1000;
  exec.session_id = 7;
  exec.parent_executable = "/usr/bin/bash";
  exec.parent_entity_id = "web-1:3000:1795926800.000:4100";
  exec.entry_leader_executable = "/usr/sbin/sshd";

  EcsEvent connect;
  connect.category = EventCategory::kNetwork;
  connect.stamp = {1795926901, 123, 4243};
  connect.host_id = exec.host_id;
  connect.host_name = exec.host_name;
  connect.pid = 3001;
  connect.ppid = 3000;
  connect.executable = {"/usr/bin/curl"};
  connect.uid = 1000;
  connect.session_id = 7;
  connect.destination_ip = "169.254.169.254";
  connect.destination_port = 80;
  connect.syscall_result = "EINPROGRESS";

  alert.events = {exec, connect};
  return alert;
}

namespace {

size_t ValidCharLength(std::string_view s, size_t pos) { return DecodeUtf8Char(s, pos).length; }

}  // namespace

std::string JsonDecodedForm(std::string_view raw) {
  std::string out;
  for (size_t i = 0; i < raw.size();) {
    const size_t len = ValidCharLength(raw, i);
    if (len == 0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(raw[i]));
      out += buf;
      ++i;
    } else {
      out.append(raw.substr(i, len));
      i += len;
    }
  }
  return out;
}

}  // namespace imds::testing
