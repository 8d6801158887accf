/* A parser that loops forever (a zero-length structure it never steps
 * over) would hang the test binary; cmocka has no timeouts. watchdog_arm()
 * turns a hang into a TAP "Bail out!" and a failed exit, which
 * tap2results.py reports with every test that did not finish. */
#ifndef TESTS_UNIT_WATCHDOG_H
#define TESTS_UNIT_WATCHDOG_H

#include <signal.h>
#include <string.h>
#include <unistd.h>

static const char *watchdog_what = "?";

static void watchdog_fire(int sig)
{
	static const char msg[] = "Bail out! watchdog: no progress within the time limit in ";

	(void)sig;
	/* Only async-signal-safe calls here. */
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0 ||
	    write(STDOUT_FILENO, watchdog_what, strlen(watchdog_what)) < 0 ||
	    write(STDOUT_FILENO, "\n", 1) < 0)
		_exit(2);
	_exit(1);
}

/* Arms the watchdog for `seconds`; `what` names the test in the message. */
static inline void watchdog_arm(const char *what, unsigned seconds)
{
	watchdog_what = what;
	signal(SIGALRM, watchdog_fire);
	alarm(seconds);
}

static inline void watchdog_disarm(void)
{
	alarm(0);
}

#endif
