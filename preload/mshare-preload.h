/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What libmshare-preload.so and mshare-run share: the names of the
 * environment variables (the library's only input, which mshare-run sets
 * from its options), the parsers of their values, and the check that a
 * directory can hold regions. Everything here uses system calls only, no
 * malloc and no stdio: the library calls it from mmap(), which a program
 * may call in a signal handler or between fork() and exec().
 */
#ifndef MSHARE_PRELOAD_H
#define MSHARE_PRELOAD_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#ifndef MSHARE_MAGIC
#error "<linux/magic.h> has no MSHARE_MAGIC: build with the series' uapi headers"
#endif

/* The environment of the library (mshare-run sets them from its options). */
#define ENV_THRESHOLD	"MSHARE_THRESHOLD"	/* smallest mapping moved */
#define ENV_PAGESIZE	"MSHARE_PAGESIZE"	/* 4k, 2m or 1g */
#define ENV_DIR		"MSHARE_DIR"		/* where regions are created */
#define ENV_NAME	"MSHARE_NAME"		/* prefix of region names */
#define ENV_KEEP	"MSHARE_KEEP"		/* 1: do not unlink regions */
#define ENV_STRICT	"MSHARE_STRICT"		/* 1: fail, do not fall back */
#define ENV_VERBOSE	"MSHARE_VERBOSE"	/* 1: a line per region */
#define ENV_LIBRARY	"MSHARE_LIBRARY"	/* mshare-run: the library */

#define DEFAULT_DIR		"/sys/fs/mshare"
#define DEFAULT_THRESHOLD	(64UL << 20)
#define DEFAULT_THRESHOLD_STR	"64m"
#define INFO_NAME		"mshare_info"

/* The start of every line the library and the launcher print. */
#define ME			"mshare-run: "

/*
 * parse_size - a size with an optional binary suffix
 * @s: decimal digits, then nothing or one of k, m, g, t (any case)
 * @out: the size in bytes
 *
 * "64m" is 64 MiB, "4096" 4096 bytes.
 *
 * Return: 0, or -1 for anything else (empty, other characters, overflow).
 */
static inline int parse_size(const char *s, unsigned long *out)
{
	unsigned long v = 0, mult = 1;
	const char *p = s;

	if (!s || *s < '0' || *s > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (~0UL - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1UL << 10;
		break;
	case 'm': case 'M':
		mult = 1UL << 20;
		break;
	case 'g': case 'G':
		mult = 1UL << 30;
		break;
	case 't': case 'T':
		mult = 1UL << 40;
		break;
	default:
		return -1;
	}
	if (*p && p[1])
		return -1;
	if (v > ~0UL / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/*
 * parse_page_size - the page size to force in regions
 * @s: 4k (or 4096: no forcing, each mapping gets the pages it asks for),
 *     2m or 1g (huge pages for mappings that do not ask for them)
 * @out: 0 for 4k, else the huge page size in bytes
 *
 * Return: 0, or -1 for another value.
 */
static inline int parse_page_size(const char *s, unsigned long *out)
{
	unsigned long v;

	if (parse_size(s, &v))
		return -1;
	if (v == 4096)
		*out = 0;
	else if (v == 2UL << 20 || v == 1UL << 30)
		*out = v;
	else
		return -1;
	return 0;
}

/* A yes/no variable: set and neither empty nor "0". */
static inline int env_flag(const char *v)
{
	return v && *v && strcmp(v, "0");
}

/* Why probe_dir() failed: what its errno is about. */
enum probe_what {
	PROBE_DIR,		/* the directory itself (open, fstatfs) */
	PROBE_NOT_MSHAREFS,	/* it is not on msharefs (errno ENODEV) */
	PROBE_INFO,		/* no readable, sane mshare_info above it */
};

/*
 * probe_dir - can regions be made in this directory, and what is G?
 * @dir: the region directory (DEFAULT_DIR, or one delegated below it)
 * @g: the granularity G read from mshare_info
 * @what: on failure, what the errno is about
 *
 * @dir must be a directory on msharefs. G is read from the mshare_info of
 * its filesystem: in @dir, or the first found going up from it (a
 * directory delegated to a user is below the root, which holds it),
 * without leaving msharefs.
 *
 * Return: 0, or an errno (ENODEV when @dir is not on msharefs).
 */
static inline int probe_dir(const char *dir, unsigned long *g,
			    enum probe_what *what)
{
	char rel[3 * 16 + sizeof(INFO_NAME)], buf[32];
	unsigned long v = 0;
	struct statfs sf;
	int dfd, fd = -1, err, up;
	ssize_t n;
	char *p;

	*what = PROBE_DIR;
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno;
	if (fstatfs(dfd, &sf)) {
		err = errno;
		close(dfd);
		return err;
	}
	if (sf.f_type != MSHARE_MAGIC) {
		close(dfd);
		*what = PROBE_NOT_MSHAREFS;
		return ENODEV;
	}
	*what = PROBE_INFO;
	err = ENOENT;
	for (up = 0; up < 16; up++) {
		/* rel: "../" up times, then INFO_NAME */
		for (p = rel; p < rel + 3 * up; p += 3)
			memcpy(p, "../", 3);
		strcpy(p, INFO_NAME);
		if (up) {
			/* Stop at the top of the filesystem. */
			int pfd;

			*p = '\0';
			pfd = openat(dfd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
			strcpy(p, INFO_NAME);
			if (pfd < 0)
				break;
			if (fstatfs(pfd, &sf) || sf.f_type != MSHARE_MAGIC) {
				close(pfd);
				break;
			}
			close(pfd);
		}
		fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT) {
			err = errno;
			break;
		}
	}
	close(dfd);
	if (fd < 0)
		return err;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	err = n < 0 ? errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	for (p = buf; *p >= '0' && *p <= '9' && v < (~0UL >> 4); p++)
		v = v * 10 + (*p - '0');
	if (p == buf || *p != '\n' || !v || (v & (v - 1)))
		return EINVAL;
	*g = v;
	return 0;
}

#endif /* MSHARE_PRELOAD_H */
