/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the programs of tools/ share: error exits and /proc readers. Each
 * program is one .c file built statically by scripts/tools.sh; it sets
 * "who", the name its errors start with, which tool.h declares.
 */
#ifndef TOOLS_TOOL_H
#define TOOLS_TOOL_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __noreturn	__attribute__((noreturn))
#define __printf(a, b)	__attribute__((format(printf, a, b)))

/* The name error messages start with (a program's, or its role's). */
static const char *who;

static __noreturn void vfail(int err, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", who);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	exit(1);
}

/* A failed call: say what failed and why (errno), and exit 1. */
static __noreturn __printf(1, 2) void die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vfail(err, fmt, ap);
}

/* Anything else unexpected: say what, and exit 1. */
static __noreturn __printf(1, 2) void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(0, fmt, ap);
}

/* The value of "key:" in a /proc file such as /proc/meminfo, or -1. */
static long proc_value(const char *file, const char *key)
{
	size_t len = strlen(key);
	char line[256];
	long val = -1;
	FILE *f;

	f = fopen(file, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ':') {
			val = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* A value of the fdinfo of one of our fds, or -1. */
static long fdinfo_value(int fd, const char *key)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	return proc_value(path, key);
}

/* Read one line (up to '\n') from a pipe; 0, or -1 at EOF or error. */
static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n < len - 1) {
		ssize_t r = read(fd, buf + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return 0;
}

#endif /* TOOLS_TOOL_H */
