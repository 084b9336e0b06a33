#include "app/host_identity.h"

#include <unistd.h>

#include <climits>
#include <fstream>

namespace imds {

LocalHost DetectLocalHost(const std::string& configured_id, const std::string& configured_name,
                          const std::string& machine_id_path) {
  LocalHost host{configured_id, configured_name};
  if (host.name.empty()) {
    char buf[HOST_NAME_MAX + 1] = {};
    if (gethostname(buf, sizeof(buf) - 1) == 0) host.name = buf;
    if (host.name.empty()) host.name = "localhost";
  }
  if (host.id.empty()) {
    std::ifstream in(machine_id_path);
    std::getline(in, host.id);
    while (!host.id.empty() && (host.id.back() == '\n' || host.id.back() == ' ')) host.id.pop_back();
    if (host.id.empty()) host.id = host.name;
  }
  return host;
}

}  // namespace imds
