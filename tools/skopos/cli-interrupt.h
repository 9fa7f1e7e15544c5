/* cli-interrupt.h: turning Ctrl-C, SIGTERM and SIGHUP into a clean cancellation.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <gio/gio.h>

/* Blocks SIGINT, SIGTERM and SIGHUP in every thread and starts one thread that waits
 * for them: the first cancels @cancellable, so the running command stops and its
 * destination discards what it wrote; a second one ends the process at once. Also
 * ignores SIGPIPE, so a closed pipe is a write error rather than a silent death.
 * Call before any other thread starts. */
void cli_interrupt_setup (GCancellable *cancellable);

/* The signal that cancelled the command, or 0. */
int cli_interrupt_get_signal (void);
