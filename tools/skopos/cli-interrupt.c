/* cli-interrupt.c: signals become cancellation, so an interrupted copy cleans up.
 *
 * A signal handler may not run the clean-up (it is not async-signal-safe), and the
 * commands run without a main loop. So the signals are blocked everywhere and one
 * thread takes them with sigwait(): it cancels the command's GCancellable, and every
 * transfer stops at its next read (the core's verifying streams check it). The
 * command then fails, the destination is released without commit and removes what
 * it wrote, and main() exits with 128 + the signal number, as a shell expects.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cli-interrupt.h"

static sigset_t interrupt_signals;
static gint received_signal;

static gpointer
interrupt_thread (gpointer data)
{
  GCancellable *cancellable = data;
  int sig = 0;

  if (sigwait (&interrupt_signals, &sig) != 0)
    return NULL;
  g_atomic_int_set (&received_signal, sig);
  g_debug ("signal %d received, cancelling", sig);
  g_cancellable_cancel (cancellable);

  /* A second signal means the user does not want to wait for the clean-up. */
  if (sigwait (&interrupt_signals, &sig) == 0)
    {
      fputs ("skopos: interrupted again, exiting without cleaning up\n", stderr);
      _exit (128 + sig);
    }
  return NULL;
}

void
cli_interrupt_setup (GCancellable *cancellable)
{
  signal (SIGPIPE, SIG_IGN);

  sigemptyset (&interrupt_signals);
  sigaddset (&interrupt_signals, SIGINT);
  sigaddset (&interrupt_signals, SIGTERM);
  sigaddset (&interrupt_signals, SIGHUP);
  pthread_sigmask (SIG_BLOCK, &interrupt_signals, NULL);

  /* The thread lives as long as the process; the cancellable too. */
  g_thread_unref (g_thread_new ("skopos-signals", interrupt_thread, g_object_ref (cancellable)));
}

int
cli_interrupt_get_signal (void)
{
  return g_atomic_int_get (&received_signal);
}
