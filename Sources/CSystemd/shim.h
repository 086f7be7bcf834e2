// libsystemd's notify and journal APIs. Swift cannot call the variadic forms (sd_notifyf,
// sd_journal_send), so ZTISystemd uses sd_notify and sd_journal_sendv only.
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/uio.h>
