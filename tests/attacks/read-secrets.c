/* An attack on the grader (tests/grade-attacks.bats): look for what a
 * student must not see and print it, so that it lands in the report:
 * the folders and files named in SECRETS (the test writes them into the
 * program at build time), /root, and other graders' work trees in /tmp. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <string.h>

static void show(const char *path)
{
	char line[256];
	FILE *file = fopen(path, "r");
	if (file) {
		while (fgets(line, sizeof line, file))
			printf("LEAK %s: %s", path, line);
		fclose(file);
	}
	DIR *dir = opendir(path);
	if (dir) {
		struct dirent *entry;
		while ((entry = readdir(dir)))
			if (entry->d_name[0] != '.')
				printf("LEAK %s/%s\n", path, entry->d_name);
		closedir(dir);
	}
}

int main(void)
{
	const char *paths[] = { SECRETS, "/root", "/etc/shadow", "/home", "/work", "/autograder" };
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		show(paths[i]);
	DIR *tmp = opendir("/tmp");
	struct dirent *entry;
	while (tmp && (entry = readdir(tmp)))
		if (strncmp(entry->d_name, "ipc-lab-grade-", 14) == 0)
			printf("LEAK a work tree: /tmp/%s\n", entry->d_name);
	return 1;
}
