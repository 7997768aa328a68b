/* An attack on the grader (tests/grade-attacks.bats): fail, but leave a
 * daemon behind that writes "ok N" for every test on each file descriptor
 * the program inherited beyond 0-2 (bats's TAP is fd 3), after bats ends. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	if (fork() == 0) {
		setsid();
		if (fork() == 0) {
			sleep(1);
			char line[64];
			for (int fd = 3; fd < 64; fd++)
				for (int n = 1; n <= 100; n++) {
					int len = snprintf(line, sizeof line, "ok %d forged\n", n);
					if (write(fd, line, (size_t)len) < 0)
						break;
				}
			return 0;
		}
		return 0;
	}
	return 1;
}
