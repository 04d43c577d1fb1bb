// SPDX-License-Identifier: GPL-2.0
/*
 * mshare-run: run a program with its large anonymous shared memory in
 * mshare regions. It turns its options into the environment variables
 * that libmshare-preload.so reads, puts the library in LD_PRELOAD and
 * executes the program; the library does the rest, in the program and
 * every program it executes in turn. See mshare-run(1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mshare-preload.h"

/* Where the library is installed: scripts/preload.sh sets it. */
#ifndef MSHARE_LIBRARY_PATH
#define MSHARE_LIBRARY_PATH	"/usr/lib/mshare/libmshare-preload.so"
#endif
#define LIBRARY_NAME		"libmshare-preload.so"

/* Exit statuses of our own failures, as env(1) and nice(1) have them. */
#define EXIT_SETUP	125	/* a bad option, no library, strict check */
#define EXIT_CANNOT_RUN	126	/* the program was found, exec failed */
#define EXIT_NOT_FOUND	127	/* no such program */

static const struct option options[] = {
	{ "threshold",	required_argument,	NULL, 't' },
	{ "page-size",	required_argument,	NULL, 'p' },
	{ "dir",	required_argument,	NULL, 'd' },
	{ "name",	required_argument,	NULL, 'n' },
	{ "keep",	no_argument,		NULL, 'k' },
	{ "strict",	no_argument,		NULL, 's' },
	{ "verbose",	no_argument,		NULL, 'v' },
	{ "library",	required_argument,	NULL, 'l' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mshare-run [options] [--] program [argument...]\n"
		"Run program with its large anonymous shared mappings in mshare regions.\n"
		"  -t, --threshold=SIZE  move mappings of SIZE bytes or more (k, m, g suffixes;\n"
		"                        default 64m)\n"
		"  -p, --page-size=SIZE  4k (default: the pages each mapping asks for),\n"
		"                        2m or 1g (huge pages for every moved mapping)\n"
		"  -d, --dir=DIR         create regions in DIR (default " DEFAULT_DIR ")\n"
		"  -n, --name=PREFIX     region names PREFIX-PID-N (default: the program's name)\n"
		"  -k, --keep            leave the region files (default: unlink once attached)\n"
		"  -s, --strict          fail mmap() when mshare cannot be used, not fall back\n"
		"  -v, --verbose         a line on stderr for every region made or detached\n"
		"  -l, --library=PATH    the preload library (default " MSHARE_LIBRARY_PATH ")\n"
		"  -h, --help            this help\n"
		"See mshare-run(1).\n");
}

static void __attribute__((noreturn, format(printf, 1, 2)))
setup_error(const char *fmt, ...)
{
	va_list ap;

	fputs(ME, stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_SETUP);
}

static void set(const char *var, const char *value)
{
	if (setenv(var, value, 1))
		setup_error("setenv %s: %s", var, strerror(errno));
}

/*
 * The library: --library, $MSHARE_LIBRARY, the installed one, or one next
 * to this program (a build tree). An absolute path, as LD_PRELOAD wants.
 */
static char *find_library(const char *opt)
{
	static char here[PATH_MAX];
	const char *cands[4];
	char *abs;
	int n = 0, i;
	ssize_t len;

	if (opt) {
		cands[n++] = opt;
	} else if (getenv(ENV_LIBRARY) && *getenv(ENV_LIBRARY)) {
		cands[n++] = getenv(ENV_LIBRARY);
	} else {
		cands[n++] = MSHARE_LIBRARY_PATH;
		len = readlink("/proc/self/exe", here, sizeof(here) - 1);
		if (len > 0) {
			char *slash;

			here[len] = '\0';
			slash = strrchr(here, '/');
			if (slash && (size_t)(slash + 1 - here) + sizeof(LIBRARY_NAME) <=
				     sizeof(here)) {
				strcpy(slash + 1, LIBRARY_NAME);
				cands[n++] = here;
			}
		}
	}
	for (i = 0; i < n; i++) {
		abs = realpath(cands[i], NULL);
		if (abs && !access(abs, R_OK))
			return abs;
		free(abs);
	}
	setup_error("%s: %s (use --library or %s)", cands[0],
		    strerror(errno), ENV_LIBRARY);
}

/* LD_PRELOAD: the library first, then what was there (once). */
static void set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *v;

	if (strpbrk(lib, " :"))
		setup_error("%s: LD_PRELOAD cannot hold a path with ' ' or ':'", lib);
	if (old && *old) {
		size_t l = strlen(lib);
		const char *p;

		for (p = strstr(old, lib); p; p = strstr(p + 1, lib))
			if ((p == old || p[-1] == ' ' || p[-1] == ':') &&
			    (!p[l] || p[l] == ' ' || p[l] == ':'))
				return;
		if (asprintf(&v, "%s:%s", lib, old) < 0)
			setup_error("out of memory");
		set("LD_PRELOAD", v);
		free(v);
	} else {
		set("LD_PRELOAD", lib);
	}
}

/*
 * --strict: say now, not at the program's first mmap(), that regions
 * cannot be made (the library would fail that mmap() with this errno).
 */
static void check_strict(const char *dir)
{
	enum probe_what what;
	unsigned long g;
	int err;

	err = probe_dir(dir, &g, &what);
	if (!err && faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS))
		err = errno;
	if (!err)
		return;
	switch (what) {
	case PROBE_NOT_MSHAREFS:
		setup_error("%s: not on msharefs: %s (strict mode)", dir,
			    strerror(err));
	case PROBE_INFO:
		setup_error("%s: %s: %s (strict mode)", dir, INFO_NAME,
			    strerror(err));
	default:
		setup_error("%s: %s (strict mode)", dir, strerror(err));
	}
}

int main(int argc, char **argv)
{
	const char *libopt = NULL, *dir;
	unsigned long v;
	char *lib;
	int c;

	/* '+': the program's own options are not ours. */
	while ((c = getopt_long(argc, argv, "+t:p:d:n:ksvl:h", options,
				NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_size(optarg, &v))
				setup_error("--threshold %s: not a size (bytes, or a number and k, m, g)",
					    optarg);
			set(ENV_THRESHOLD, optarg);
			break;
		case 'p':
			if (parse_page_size(optarg, &v))
				setup_error("--page-size %s: not 4k, 2m or 1g", optarg);
			set(ENV_PAGESIZE, optarg);
			break;
		case 'd':
			if (!*optarg)
				setup_error("--dir: empty");
			set(ENV_DIR, optarg);
			break;
		case 'n':
			set(ENV_NAME, optarg);
			break;
		case 'k':
			set(ENV_KEEP, "1");
			break;
		case 's':
			set(ENV_STRICT, "1");
			break;
		case 'v':
			set(ENV_VERBOSE, "1");
			break;
		case 'l':
			libopt = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_SETUP;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_SETUP;
	}

	lib = find_library(libopt);
	set_preload(lib);
	dir = getenv(ENV_DIR) && *getenv(ENV_DIR) ? getenv(ENV_DIR) : DEFAULT_DIR;
	if (env_flag(getenv(ENV_STRICT)))
		check_strict(dir);
	if (env_flag(getenv(ENV_VERBOSE)))
		fprintf(stderr, ME "LD_PRELOAD=%s %s=%s %s=%s %s=%s\n",
			getenv("LD_PRELOAD"), ENV_DIR, dir, ENV_THRESHOLD,
			getenv(ENV_THRESHOLD) ? getenv(ENV_THRESHOLD) : DEFAULT_THRESHOLD_STR,
			ENV_PAGESIZE,
			getenv(ENV_PAGESIZE) ? getenv(ENV_PAGESIZE) : "4k");

	execvp(argv[optind], argv + optind);
	c = errno;
	fprintf(stderr, ME "%s: %s\n", argv[optind], strerror(c));
	return c == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}
