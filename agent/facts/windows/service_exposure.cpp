// The `service_exposure` family on Windows: TCP listeners from
// GetExtendedTcpTable with their owners' image names (IIS's http.sys
// listeners show as "System", RDP's as svchost.exe), then the portable probes
// (service_probe.h). The owning package is not filled in: the packages family
// on Windows (the Uninstall keys) does not say which program image belongs to
// which entry. A listener whose owner the table gives as PID 0 has an
// unknown owner: the idle process owns no sockets on Windows, and Wine 8
// gives 0 for every listener (a Linux server's, and its own processes' too),
// which listening_sockets.cpp would otherwise name "System Idle Process".
#include "agent/facts/service_exposure.h"

#include "agent/facts/service_probe.h"
#include "agent/facts/windows/listening_sockets.h"

namespace mamori::facts {

ServiceExposureFacts GatherServiceExposure(const GatherContext& ctx) {
  std::vector<ListeningSocket> sockets;
  CollectionStatus read = win::ReadListeningSockets(false, &sockets);
  if (!read.ok()) {
    ServiceExposureFacts facts;
    facts.status = read;
    return facts;
  }
  for (ListeningSocket& l : sockets) {
    if (l.pid == 0) l.process.clear();
  }
  return ProbeOrReuse(ServicesToProbe(sockets), ctx, ProbeLimits{}, nullptr);
}

}  // namespace mamori::facts
