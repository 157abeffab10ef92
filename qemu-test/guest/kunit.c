// SPDX-License-Identifier: GPL-2.0
/*
 * Report a built-in KUnit suite's results as TAP for the boot judge.
 *
 * KUnit suites built into the kernel run at boot; with KUNIT_DEBUGFS their
 * KTAP log stays in /sys/kernel/debug/kunit/<suite>/results. This prints
 * the suite's test cases (the indented "ok N name" lines) as a TAP plan and
 * results. A missing results file, a missing plan, or a plan that does not
 * match the results prints no plan, which the judge fails.
 *
 * usage: kunit SUITE
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	char path[256], line[1024], *s;
	int plan = -1, n = 0, bad = 0;
	char results[64][256];
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SUITE\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "/sys/kernel/debug/kunit/%s/results", argv[1]);
	f = fopen(path, "r");
	if (!f) {
		printf("Bail out! no %s: KUnit suite not built in\n", path);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		printf("# %s\n", line);
		if (!isspace((unsigned char)line[0]))
			continue;		/* the suite's own lines */
		for (s = line; isspace((unsigned char)*s); s++)
			;
		if (!strncmp(s, "1..", 3))
			sscanf(s + 3, "%d", &plan);
		else if ((!strncmp(s, "ok ", 3) || !strncmp(s, "not ok ", 7)) && n < 64)
			snprintf(results[n++], sizeof(results[0]), "%s", s);
	}
	fclose(f);
	if (plan != n || n == 0) {
		printf("Bail out! plan %d, %d results in %s\n", plan, n, path);
		return 1;
	}
	printf("TAP version 13\n1..%d\n", n);
	for (plan = 0; plan < n; plan++) {
		printf("%s\n", results[plan]);
		bad += !strncmp(results[plan], "not ok", 6);
	}
	return bad ? 1 : 0;
}
