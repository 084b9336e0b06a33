// This host's identity for events without node=: host.id from
// /etc/machine-id (what Elastic Defend reports too), host.name from
// gethostname(). The config can override both.
#ifndef AUDISP_IMDS_APP_HOST_IDENTITY_H
#define AUDISP_IMDS_APP_HOST_IDENTITY_H

#include <string>

namespace imds {

struct LocalHost {
  std::string id;
  std::string name;
};

// Reads machine_id_path (normally /etc/machine-id); falls back to the host
// name when it is missing or empty, so host.id is never null.
LocalHost DetectLocalHost(const std::string& configured_id, const std::string& configured_name,
                          const std::string& machine_id_path = "/etc/machine-id");

}  // namespace imds

#endif  // AUDISP_IMDS_APP_HOST_IDENTITY_H
