# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""For the tests that signal blanc while a write of its blocks on a FIFO whose reader stalls:
wait until the kernel says the process sleeps in a pipe wait (/proc/PID/wchan names it)."""
import time


def blocked_on_pipe(p, timeout):
    """True once process p (a subprocess.Popen) sleeps writing into a pipe; False if it
    ended, or the timeout passed, first."""
    deadline = time.time() + timeout
    while time.time() < deadline and p.poll() is None:
        with open("/proc/%d/wchan" % p.pid) as f:
            if "pipe" in f.read():
                return True
        time.sleep(0.02)
    return False


def signal_when_blocked(tc, p, sig, timeout):
    """Once p blocks on its FIFO (within timeout s), send it sig; unittest case tc asserts
    that p then ends by that signal within 10 s (a held signal would leave it blocked:
    subprocess.TimeoutExpired)."""
    tc.assertTrue(blocked_on_pipe(p, timeout), "blanc never blocked on the FIFO: " +
                  ("" if p.poll() is None else p.stderr.read()))
    p.send_signal(sig)
    p.wait(10)
    tc.assertEqual(p.returncode, -sig, p.stderr.read())


def reap(p):
    """Kill p if it still runs, wait for it and close its stderr pipe."""
    if p.poll() is None:
        p.kill()
    p.wait()
    p.stderr.close()
