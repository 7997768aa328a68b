/* An attack on the grader (tests/grade-attacks.bats), chosen by HOG at
 * build time: ignore SIGTERM and never end; touch 4 GiB; fill /var/tmp
 * with 800 MB; flood stdout without end; report the umask. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	static char block[1 << 20];
	if (strcmp(HOG, "sigterm") == 0) {
		signal(SIGTERM, SIG_IGN);
		for (;;)
			pause();
	} else if (strcmp(HOG, "memory") == 0) {
		for (int i = 0; i < 4096; i++) {
			char *chunk = malloc(1 << 20);
			if (!chunk)
				return 1;
			memset(chunk, 1, 1 << 20);
		}
	} else if (strcmp(HOG, "disk") == 0) {
		int fd = open("/var/tmp/ipc-lab-hog", O_WRONLY | O_CREAT, 0666);
		for (int i = 0; fd >= 0 && i < 800; i++)
			if (write(fd, block, sizeof block) < 0)
				break;
	} else if (strcmp(HOG, "flood") == 0) {
		memset(block, 'x', sizeof block);
		for (;;)
			if (write(1, block, sizeof block) < 0)
				return 1;
	} else if (strcmp(HOG, "umask") == 0) {
		mode_t mask = umask(0);
		printf("umask %04o\n", (unsigned)mask);
	}
	return 1;
}
