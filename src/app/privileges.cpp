#include "app/privileges.h"

#include <cap-ng.h>
#include <sys/prctl.h>

namespace imds {

std::optional<std::string> DropPrivileges(bool keep_ptrace) {
  // Nothing it may exec can regain privileges.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return std::string("prctl(PR_SET_NO_NEW_PRIVS) failed");
  capng_get_caps_process();
  if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE) return std::nullopt;
  // Asked before capng_clear(), which empties libcap-ng's copy of the sets.
  const bool may_change_bounding_set = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
  capng_clear(CAPNG_SELECT_BOTH);
  if (keep_ptrace &&
      capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED), CAP_SYS_PTRACE) != 0) {
    return std::string("libcap-ng: cannot keep CAP_SYS_PTRACE");
  }
  // CAPNG_SELECT_BOTH also empties the bounding set when the process may
  // change it (it has CAP_SETPCAP); without it only the sets are cleared.
  const capng_select_t select = may_change_bounding_set ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS;
  if (capng_apply(select) != 0) return std::string("libcap-ng: dropping capabilities failed");
  return std::nullopt;
}

std::string DescribeCapabilities() {
  capng_get_caps_process();
  switch (capng_have_capabilities(CAPNG_SELECT_CAPS)) {
    case CAPNG_NONE:
      return "none";
    case CAPNG_FULL:
      return "full";
    default:
      break;
  }
  return capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_PTRACE) ? "sys_ptrace" : "partial";
}

}  // namespace imds
