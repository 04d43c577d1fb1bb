// SPDX-License-Identifier: GPL-2.0
/*
 * mshare-region-test: checks mshare-region (admin/mshare-region.c) against
 * regions with known contents. It makes them itself, with the ioctls of
 * <linux/msharefs.h>, in a directory of its own under /sys/fs/mshare, runs
 * the tool on them, parses its JSON (a small parser below: the output must
 * be valid JSON) and compares every value with what it made. KTAP on
 * stdout, one line per check; exit 0 (passed or skipped), 1 (a check
 * failed) or 4 (nothing to test: no msharefs).
 *
 *   mshare-region-test [PATH-OF-mshare-region]
 *
 * The tool defaults to mshare-region next to this program (/tools in the
 * guest). fdinfo keys the kernel does not print yet (mshare_locked,
 * mshare_memcg, mshare_map) make their checks SKIP with the reason; the
 * first check feeds the tool's own parser and printers (its source is
 * included below) the fdinfo of a region as mshare(7) specifies it, so
 * that what those keys show is checked even before the kernel prints them.
 * Without msharefs, only that check runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/mman.h>
#include <linux/msharefs.h>

/* The tool itself, for its parser and printers: its main renamed. */
#define main mshare_region_main
#include "mshare-region.c"
#undef main

#define NTESTS		16
#define KiB		1024UL
#define MiB		(1024 * KiB)
#define GiB		(1024 * MiB)

static const char *tool;
static unsigned long g;			/* region granularity */
static int ntest, nfail, nskip;

/* --- KTAP ----------------------------------------------------------------- */

static void __attribute__((format(printf, 1, 2))) diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Say what is wrong (a "# " line) when @cond is false; return @cond. */
static bool __attribute__((format(printf, 2, 3)))
check(bool cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return true;
	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return false;
}

static void result(bool ok, const char *name)
{
	ntest++;
	if (!ok)
		nfail++;
	printf("%sok %d %s\n", ok ? "" : "not ", ntest, name);
	fflush(stdout);
}

static void skip(const char *name, const char *why)
{
	ntest++;
	nskip++;
	printf("ok %d %s # SKIP %s\n", ntest, name, why);
	fflush(stdout);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(": %s\n", strerror(errno));
	exit(1);
}

/* --- a small JSON parser ---------------------------------------------------- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype t;
	bool b;
	bool integer;			/* a number with no sign, dot or exponent */
	unsigned long long n;		/* its value, when integer */
	char *s;
	size_t len;			/* items of an array or object */
	struct jval **items;
	char **keys;			/* of an object */
};

struct jparser {
	const char *p;
	const char *err;
};

static void jskip(struct jparser *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static struct jval *jnew(enum jtype t)
{
	struct jval *v = calloc(1, sizeof(*v));

	if (!v)
		bail("calloc");
	v->t = t;
	return v;
}

static void jfree(struct jval *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->len; i++) {
		jfree(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

static char *jstring(struct jparser *j)
{
	size_t cap = 16, len = 0;
	char *s;

	if (*j->p != '"') {
		j->err = "string expected";
		return NULL;
	}
	j->p++;
	s = malloc(cap);
	if (!s)
		bail("malloc");
	for (;;) {
		unsigned int c = (unsigned char)*j->p++;

		if (len + 5 > cap) {
			s = realloc(s, cap *= 2);
			if (!s)
				bail("realloc");
		}
		if (c == '"')
			break;
		if (c < 0x20) {
			j->err = c ? "control character in a string" :
				     "unterminated string";
			free(s);
			return NULL;
		}
		if (c != '\\') {
			s[len++] = c;
			continue;
		}
		c = (unsigned char)*j->p++;
		switch (c) {
		case '"': case '\\': case '/': s[len++] = c; break;
		case 'b': s[len++] = '\b'; break;
		case 'f': s[len++] = '\f'; break;
		case 'n': s[len++] = '\n'; break;
		case 'r': s[len++] = '\r'; break;
		case 't': s[len++] = '\t'; break;
		case 'u': {
			unsigned int u;
			int n;

			if (sscanf(j->p, "%4x%n", &u, &n) != 1 || n != 4) {
				j->err = "bad \\u escape";
				free(s);
				return NULL;
			}
			j->p += 4;
			if (u < 0x80) {
				s[len++] = u;
			} else if (u < 0x800) {
				s[len++] = 0xc0 | u >> 6;
				s[len++] = 0x80 | (u & 0x3f);
			} else {
				s[len++] = 0xe0 | u >> 12;
				s[len++] = 0x80 | ((u >> 6) & 0x3f);
				s[len++] = 0x80 | (u & 0x3f);
			}
			break;
		}
		default:
			j->err = "bad escape";
			free(s);
			return NULL;
		}
	}
	s[len] = '\0';
	return s;
}

static struct jval *jvalue(struct jparser *j, int depth)
{
	struct jval *v;

	jskip(j);
	if (depth > 32) {
		j->err = "too deep";
		return NULL;
	}
	if (*j->p == '{' || *j->p == '[') {
		bool obj = *j->p == '{';
		char close = obj ? '}' : ']';

		v = jnew(obj ? J_OBJ : J_ARR);
		j->p++;
		jskip(j);
		if (*j->p == close) {
			j->p++;
			return v;
		}
		for (;;) {
			char *key = NULL;
			struct jval *item;

			jskip(j);
			if (obj) {
				key = jstring(j);
				if (!key)
					goto fail;
				jskip(j);
				if (*j->p++ != ':') {
					j->err = "':' expected";
					free(key);
					goto fail;
				}
			}
			item = jvalue(j, depth + 1);
			if (!item) {
				free(key);
				goto fail;
			}
			v->items = realloc(v->items, (v->len + 1) * sizeof(*v->items));
			v->keys = obj ? realloc(v->keys, (v->len + 1) * sizeof(*v->keys)) :
					NULL;
			if (!v->items || (obj && !v->keys))
				bail("realloc");
			v->items[v->len] = item;
			if (obj)
				v->keys[v->len] = key;
			v->len++;
			jskip(j);
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			if (*j->p++ == close)
				return v;
			j->err = obj ? "',' or '}' expected" : "',' or ']' expected";
			goto fail;
		}
fail:
		jfree(v);
		return NULL;
	}
	if (*j->p == '"') {
		v = jnew(J_STR);
		v->s = jstring(j);
		if (!v->s) {
			jfree(v);
			return NULL;
		}
		return v;
	}
	if (!strncmp(j->p, "null", 4)) {
		j->p += 4;
		return jnew(J_NULL);
	}
	if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "false", 5)) {
		v = jnew(J_BOOL);
		v->b = *j->p == 't';
		j->p += v->b ? 4 : 5;
		return v;
	}
	if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) {
		const char *start = j->p;
		char *end;

		v = jnew(J_NUM);
		strtod(start, &end);
		if (end == start) {
			j->err = "bad number";
			jfree(v);
			return NULL;
		}
		v->integer = strspn(start, "0123456789") == (size_t)(end - start);
		if (v->integer)
			v->n = strtoull(start, NULL, 10);
		j->p = end;
		return v;
	}
	j->err = "value expected";
	return NULL;
}

/* Parse a whole document; NULL and a "# " line saying why if not JSON. */
static struct jval *jparse(const char *text)
{
	struct jparser j = { text, NULL };
	struct jval *v = jvalue(&j, 0);

	if (v) {
		jskip(&j);
		if (*j.p) {
			j.err = "text after the value";
			jfree(v);
			v = NULL;
		}
	}
	if (!v)
		diag("not JSON: %s at offset %ld", j.err, (long)(j.p - text));
	return v;
}

static struct jval *jget(const struct jval *o, const char *key)
{
	if (!o || o->t != J_OBJ)
		return NULL;
	for (size_t i = 0; i < o->len; i++)
		if (!strcmp(o->keys[i], key))
			return o->items[i];
	return NULL;
}

static const char *jstr(const struct jval *o, const char *key)
{
	const struct jval *v = jget(o, key);

	return v && v->t == J_STR ? v->s : NULL;
}

/* An integer member: true and its value, or a "# " line saying what it is. */
static bool jnum(const struct jval *o, const char *key, unsigned long long *n)
{
	const struct jval *v = jget(o, key);

	if (!v || v->t != J_NUM || !v->integer)
		return check(false, "%s: \"%s\" is %s, not an integer",
			     jstr(o, "path") ? jstr(o, "path") : "?", key,
			     !v ? "missing" : v->t == J_NULL ? "null" : "not a number");
	*n = v->n;
	return true;
}

static bool jis_null(const struct jval *o, const char *key)
{
	const struct jval *v = jget(o, key);

	return v && v->t == J_NULL;
}

/* --- running the tool ------------------------------------------------------- */

struct run {
	int status;		/* exit status, or 128 + signal */
	char *out, *err;
};

static char *slurp(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		bail("malloc");
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 1024) {
			buf = realloc(buf, cap *= 2);
			if (!buf)
				bail("realloc");
		}
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* Run the tool with the arguments given (NULL-terminated). */
static void __attribute__((sentinel)) run(struct run *r, ...)
{
	const char *argv[16];
	int n = 0, ofd, efd, status;
	va_list ap;
	pid_t pid;

	argv[n++] = tool;
	va_start(ap, r);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	ofd = memfd_create("stdout", MFD_CLOEXEC);
	efd = memfd_create("stderr", MFD_CLOEXEC);
	if (ofd < 0 || efd < 0)
		bail("memfd_create");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		bail("fork");
	if (!pid) {
		dup2(ofd, 1);
		dup2(efd, 2);
		execv(tool, (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", tool, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		bail("waitpid");
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
					128 + WTERMSIG(status);
	r->out = slurp(ofd);
	r->err = slurp(efd);
}

/* A text of several lines, as "# " lines. */
static void diag_text(const char *what, const char *text)
{
	diag("%s:", what);
	while (text && *text) {
		int n = strcspn(text, "\n");

		diag("  | %.*s", n, text);
		text += n + (text[n] == '\n');
	}
}

/* Show what the tool printed, as "# " lines (on a failure). */
static void show_run(const char *what, const struct run *r)
{
	const char *names[] = { "stdout", "stderr" };
	const char *texts[] = { r->out, r->err };

	diag("%s: exit %d", what, r->status);
	for (int i = 0; i < 2; i++) {
		const char *p = texts[i];

		while (p && *p) {
			int n = strcspn(p, "\n");

			diag("  %s| %.*s", names[i], n, p);
			p += n + (p[n] == '\n');
		}
	}
}

/* --- regions ---------------------------------------------------------------- */

static int create_mapping(int fd, unsigned long off, unsigned long size,
			  unsigned int prot, unsigned int flags, int file,
			  unsigned long foff)
{
	struct mshare_create mc = {
		.region_offset = off, .size = size, .offset = foff,
		.prot = prot, .flags = flags, .fd = file,
	};

	return ioctl(fd, MSHAREFS_CREATE_MAPPING, &mc);
}

static int new_region(const char *path, mode_t mode, unsigned long size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		bail("create %s", path);
	if (fchmod(fd, mode))
		bail("chmod %s", path);
	if (ftruncate(fd, size))
		bail("ftruncate %s", path);
	return fd;
}

/* Does the fdinfo of the region at @path have @key? */
static bool fdinfo_has(const char *path, const char *key)
{
	char proc[64], *buf, pat[64];
	bool has;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	snprintf(proc, sizeof(proc), "/proc/self/fdinfo/%d", fd);
	buf = slurp(open(proc, O_RDONLY | O_CLOEXEC));
	close(fd);
	snprintf(pat, sizeof(pat), "\n%s:", key);
	has = strstr(buf, pat) != NULL;
	free(buf);
	return has;
}

/* What one mapping of the region should look like in "show --json". */
struct want_map {
	unsigned long start, end;
	const char *prot, *type;
	unsigned long foff, pagesize;
	const char *flags, *file;
};

#define ANON_SHARED	(MAP_ANONYMOUS | MAP_SHARED | MAP_FIXED)
#define ANON_PRIVATE	(MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED)
#define RW		(PROT_READ | PROT_WRITE)

static char dir[128], sub[160], r_plain[192], r_empty[192], r_att[192],
	    r_det[192];
static struct want_map want[8];
static int nwant;
static unsigned long want_resident, want_locked;
static char cgroup[640];

/*
 * The region "plain" and what show must say of it: anonymous shared
 * memory, populated; a memfd at a file offset, read-only; locked private
 * memory (populated by MAP_LOCKED); PROT_NONE shared memory with
 * MAP_NORESERVE; and, if the pool has them, 2 MiB huge pages.
 */
static void make_plain(void)
{
	int fd = new_region(r_plain, 0600, g), mfd;

	mfd = memfd_create("mrtest", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, 4 * MiB))
		bail("memfd");
	if (create_mapping(fd, 0, 2 * MiB, RW, ANON_SHARED | MAP_POPULATE, -1, 0))
		bail("CREATE_MAPPING anonymous shared");
	want[nwant++] = (struct want_map){ 0, 2 * MiB, "rw-", "shared", 0,
		4096, "", "/dev/zero (deleted)" };
	if (create_mapping(fd, 4 * MiB, MiB, PROT_READ, MAP_SHARED | MAP_FIXED,
			   mfd, MiB))
		bail("CREATE_MAPPING memfd");
	want[nwant++] = (struct want_map){ 4 * MiB, 5 * MiB, "r--", "shared",
		MiB, 4096, "", "/memfd:mrtest (deleted)" };
	if (create_mapping(fd, 8 * MiB, MiB, RW, ANON_PRIVATE | MAP_LOCKED, -1, 0))
		bail("CREATE_MAPPING locked");
	want[nwant++] = (struct want_map){ 8 * MiB, 9 * MiB, "rw-", "private",
		0, 4096, "locked", "[anon]" };
	if (create_mapping(fd, 16 * MiB, 2 * MiB, PROT_NONE,
			   ANON_SHARED | MAP_NORESERVE, -1, 0))
		bail("CREATE_MAPPING noreserve");
	want[nwant++] = (struct want_map){ 16 * MiB, 18 * MiB, "---", "shared",
		0, 4096, "noreserve", "/dev/zero (deleted)" };
	if (create_mapping(fd, GiB, 2 * MiB, RW,
			   ANON_SHARED | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0))
		diag("no 2 MiB huge page mapping (%s): not in the checks",
		     strerror(errno));
	else
		want[nwant++] = (struct want_map){ GiB, GiB + 2 * MiB, "rw-",
			"shared", 0, 2 * MiB, "", "/anon_hugepage (deleted)" };
	want_resident = 3 * MiB;	/* the populated and the locked memory */
	want_locked = MiB;
	close(mfd);
	close(fd);
}

static void read_cgroup(void)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[600];

	strcpy(cgroup, "?");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(cgroup, sizeof(cgroup), "%s", line + 3);
	}
	if (f)
		fclose(f);
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* The object of @path in a list, or NULL. */
static const struct jval *find(const struct jval *list, const char *path)
{
	for (size_t i = 0; list && list->t == J_ARR && i < list->len; i++) {
		const char *p = jstr(list->items[i], "path");

		if (p && !strcmp(p, path))
			return list->items[i];
	}
	return NULL;
}

static bool want_num(const struct jval *o, const char *key,
		     unsigned long long want)
{
	unsigned long long v;

	if (!jnum(o, key, &v))
		return false;
	return check(v == want, "%s: %s is %llu, want %llu", jstr(o, "path"),
		     key, v, want);
}

static bool want_str(const struct jval *o, const char *key, const char *want)
{
	const char *v = jstr(o, key);

	return check(v && !strcmp(v, want), "%s: %s is \"%s\", want \"%s\"",
		     jstr(o, "path") ? jstr(o, "path") : "?", key,
		     v ? v : "(not a string)", want);
}

/* fdinfo of a region as mshare(7) specifies it, every key present. */
static const char fake_fdinfo[] =
	"pos:\t0\nflags:\t02100002\nmnt_id:\t31\nino:\t1042\n"
	"mshare_size:\t1099511627776\n"
	"mshare_attachments:\t2\n"
	"mshare_resident:\t3145728\n"
	"mshare_pgtables:\t40960\n"
	"mshare_mappings:\t5\n"
	"mshare_locked:\t3145728\n"
	"mshare_memcg:\t/system.slice/db.service\n"
	"mshare_map:\t0000000000000000-0000000000200000 rw-s 00000000 4096 - /dev/zero (deleted)\n"
	"mshare_map:\t0000000000400000-0000000000500000 r--s 00100000 4096 - /memfd:my file (deleted)\n"
	"mshare_map:\t0000000000800000-0000000000900000 rwxp 00000000 4096 locked [anon]\n"
	"mshare_map:\t0000000001000000-0000000001200000 ---s 7fff00000000 4096 locked,noreserve /data/a\\b \"c\"\n"
	"mshare_map:\t0000000040000000-0000000080000000 rw-s 00000000 1073741824 - /anon_hugepage (deleted)\n";

static const struct want_map fake_maps[] = {
	{ 0, 2 * MiB, "rw-", "shared", 0, 4096, "", "/dev/zero (deleted)" },
	{ 4 * MiB, 5 * MiB, "r--", "shared", MiB, 4096, "",
	  "/memfd:my file (deleted)" },
	{ 8 * MiB, 9 * MiB, "rwx", "private", 0, 4096, "locked", "[anon]" },
	{ 16 * MiB, 18 * MiB, "---", "shared", 0x7fff00000000UL, 4096,
	  "locked,noreserve", "/data/a\\b \"c\"" },
	{ GiB, 2 * GiB, "rw-", "shared", 0, GiB, "",
	  "/anon_hugepage (deleted)" },
};

/* What print_list() or print_show() writes, for one region. */
static char *capture(struct region *r, bool list, bool json)
{
	int fd = memfd_create("capture", MFD_CLOEXEC), saved = dup(1);

	if (fd < 0 || saved < 0)
		bail("memfd_create");
	fflush(stdout);
	dup2(fd, 1);
	if (list)
		print_list(r, 1, json);
	else
		print_show(r, json);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	return slurp(fd);
}

/* Compare the "maps" of a show --json document with @w. */
static bool check_maps(const struct jval *doc, const struct want_map *w, int n)
{
	const struct jval *maps = jget(doc, "maps");
	bool ok;

	ok = check(maps && maps->t == J_ARR, "maps is not an array") &&
	     check(maps->len == (size_t)n, "%zu maps, want %d", maps->len, n);
	for (int i = 0; ok && i < n; i++) {
		const struct jval *m = maps->items[i], *fl = jget(m, "flags");
		char flags[64] = "";

		for (size_t k = 0; fl && fl->t == J_ARR && k < fl->len; k++)
			if (fl->items[k]->t == J_STR)
				snprintf(flags + strlen(flags),
					 sizeof(flags) - strlen(flags), "%s%s",
					 k ? "," : "", fl->items[k]->s);
		ok &= check(fl && fl->t == J_ARR, "map %d: flags not an array", i);
		ok &= want_num(m, "start", w[i].start);
		ok &= want_num(m, "end", w[i].end);
		ok &= want_num(m, "size", w[i].end - w[i].start);
		ok &= want_str(m, "prot", w[i].prot);
		ok &= want_str(m, "type", w[i].type);
		ok &= want_num(m, "file_offset", w[i].foff);
		ok &= want_num(m, "page_size", w[i].pagesize);
		ok &= check(!strcmp(flags, w[i].flags),
			    "map %d: flags \"%s\", want \"%s\"", i, flags,
			    w[i].flags);
		ok &= want_str(m, "file", w[i].file);
	}
	return ok;
}

/* 1: the tool's parser and printers on the fdinfo mshare(7) specifies */
static void t_format(void)
{
	int n = sizeof(fake_maps) / sizeof(fake_maps[0]);
	char *buf = xstrdup(fake_fdinfo), *out;
	struct region r = { 0 };
	struct jval *doc;
	bool ok;

	r.path = xstrdup("/sys/fs/mshare/fake");
	r.mode = 0640;
	ok = check(parse_fdinfo(buf, &r) == 0, "parse_fdinfo failed") &&
	     check(r.nmaps == (size_t)n, "%zu maps parsed, want %d", r.nmaps, n);
	free(buf);

	out = capture(&r, true, true);
	doc = jparse(out);
	ok &= doc && check(doc->t == J_ARR && doc->len == 1, "not [region]");
	if (doc && doc->t == J_ARR && doc->len == 1) {
		const struct jval *o = doc->items[0];

		ok &= want_str(o, "path", "/sys/fs/mshare/fake");
		ok &= want_str(o, "mode", "0640");
		ok &= want_num(o, "size", 2 * 549755813888UL);
		ok &= want_num(o, "attachments", 2);
		ok &= want_num(o, "mappings", 5);
		ok &= want_num(o, "resident", 3 * MiB);
		ok &= want_num(o, "pgtables", 40960);
		ok &= want_num(o, "locked", 3 * MiB);
		ok &= want_str(o, "memcg", "/system.slice/db.service");
		ok &= check(jis_null(o, "error"), "error is not null");
	}
	if (!ok)
		diag_text("list --json", out);
	jfree(doc);
	free(out);

	out = capture(&r, false, true);
	doc = jparse(out);
	ok &= doc && check_maps(doc, fake_maps, n);
	if (!ok)
		diag_text("show --json", out);
	jfree(doc);
	free(out);

	out = capture(&r, false, false);
	ok &= check(strstr(out, "size 1.0T, 5 mappings, 2 attachments, resident 3.0M, page tables 40K, locked 3.0M, memcg /system.slice/db.service") != NULL,
		    "show: no summary line") &&
	      check(strstr(out, "locked,noreserve /data/a\\b \"c\"") != NULL,
		    "show: no locked,noreserve mapping") &&
	      check(strstr(out, " 1.0G rw-  shared  0x0 ") && strstr(out, " 1G -"),
		    "show: not the 1 GiB mapping with 1G pages");
	if (!ok)
		diag_text("show", out);
	free(out);
	out = capture(&r, true, false);
	ok &= check(strstr(out, " 1.0T ") && strstr(out, " 3.0M ") &&
		    strstr(out, " 40K ") && strstr(out, "/system.slice/db.service"),
		    "list: not the numbers");
	if (!ok)
		diag_text("list", out);
	free(out);
	free_region(&r);
	result(ok, "fdinfo_format");
}

/* --- the checks ------------------------------------------------------------- */

static const char *const keys[] = {
	"path", "owner", "uid", "mode", "size", "mappings", "attachments",
	"resident", "pgtables", "locked", "memcg", "error",
};

static void t_list(void)
{
	struct run r;
	struct jval *list;
	const struct jval *o;
	bool ok;
	unsigned long long v;
	const char *order[] = { r_att, r_plain, r_empty };

	/* 1: valid JSON, our three regions, sorted by path */
	run(&r, "list", "--json", dir, NULL);
	ok = check(r.status == 0, "exit %d", r.status) &&
	     check(!*r.err, "something on stderr");
	list = jparse(r.out);
	ok = ok && list && check(list->t == J_ARR, "not an array") &&
	     check(list->len == 3, "%zu regions, want 3", list->len);
	for (size_t i = 0; ok && i < 3; i++)
		ok = want_str(list->items[i], "path", order[i]);
	if (!ok)
		show_run("list --json", &r);
	result(ok, "list_json");

	/* 2: every key in every object */
	ok = list && list->t == J_ARR && list->len;
	for (size_t i = 0; list && list->t == J_ARR && i < list->len; i++)
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			ok &= check(jget(list->items[i], keys[k]) != NULL,
				    "region %zu has no \"%s\"", i, keys[k]);
	result(ok, "list_json_keys");

	/* 3: the numbers */
	ok = true;
	o = find(list, r_plain);
	ok &= check(o != NULL, "%s not listed", r_plain);
	if (o) {
		ok &= want_num(o, "uid", getuid());
		ok &= want_str(o, "owner", getuid() ? "?" : "root");
		ok &= want_str(o, "mode", "0600");
		ok &= want_num(o, "size", g);
		ok &= want_num(o, "mappings", nwant);
		ok &= want_num(o, "attachments", 0);
		ok &= want_num(o, "resident", want_resident);
		ok &= jnum(o, "pgtables", &v) &&
		      check(v > 0 && v % 4096 == 0, "pgtables %llu", v);
		ok &= check(jis_null(o, "error"), "error is not null");
	}
	o = find(list, r_empty);
	ok &= check(o != NULL, "%s not listed", r_empty);
	if (o) {
		ok &= want_str(o, "mode", "0640");
		ok &= want_num(o, "size", 2 * g);
		ok &= want_num(o, "mappings", 0);
		ok &= want_num(o, "attachments", 0);
		ok &= want_num(o, "resident", 0);
	}
	o = find(list, r_att);
	ok &= check(o != NULL, "%s not listed", r_att);
	if (o)
		ok &= want_num(o, "attachments", 1) && want_num(o, "mappings", 1);
	if (!ok)
		show_run("list --json", &r);
	result(ok, "list_values");

	/* 4, 5: the keys being added to the kernel */
	if (!fdinfo_has(r_plain, "mshare_locked")) {
		skip("list_locked", "this kernel prints no mshare_locked in fdinfo");
	} else {
		ok = (o = find(list, r_plain)) && want_num(o, "locked", want_locked);
		ok &= (o = find(list, r_empty)) && want_num(o, "locked", 0);
		result(ok, "list_locked");
	}
	if (!fdinfo_has(r_plain, "mshare_memcg")) {
		skip("list_memcg", "this kernel prints no mshare_memcg in fdinfo");
	} else {
		ok = (o = find(list, r_plain)) && want_str(o, "memcg", cgroup);
		result(ok, "list_memcg");
	}
	jfree(list);
	run_free(&r);

	/* 6: the default directory: ours are there, mshare_info is not */
	run(&r, "list", "--json", NULL);
	list = jparse(r.out);
	ok = check(r.status == 0, "exit %d", r.status) && list &&
	     check(find(list, r_plain) && find(list, r_empty) && find(list, r_att),
		   "one of ours is missing") &&
	     check(!find(list, MSHARE_ROOT "/mshare_info"), "mshare_info listed");
	if (!ok)
		show_run("list --json", &r);
	result(ok, "list_default_dir");
	jfree(list);
	run_free(&r);

	/* 7: the human forms */
	{
		char gsize[32];

		snprintf(gsize, sizeof(gsize), " %luG ", g >> 30);
		run(&r, "list", dir, NULL);
		ok = check(r.status == 0, "exit %d", r.status) &&
		     check(!strncmp(r.out, "PATH ", 5), "no header") &&
		     check(strstr(r.out, r_plain) != NULL, "%s not listed", r_plain) &&
		     check(g % GiB || strstr(r.out, gsize), "no \"%s\"", gsize) &&
		     check(strstr(r.out, " 3.0M ") != NULL, "no resident 3.0M");
		if (!ok)
			show_run("list", &r);
		run_free(&r);
		snprintf(gsize, sizeof(gsize), " %lu ", g);
		run(&r, "list", "--bytes", dir, NULL);
		ok &= check(r.status == 0, "exit %d", r.status) &&
		      check(strstr(r.out, gsize) != NULL, "no \"%s\"", gsize);
		if (!ok)
			show_run("list --bytes", &r);
		run_free(&r);
		result(ok, "list_human");
	}
}

static void t_show(void)
{
	struct run r;
	struct jval *doc;
	char rel[200];
	bool ok;

	/* 8: the mappings */
	run(&r, "show", "--json", r_plain, NULL);
	doc = jparse(r.out);
	ok = check(r.status == 0, "exit %d", r.status) && doc &&
	     check(doc->t == J_OBJ, "not an object") &&
	     want_str(doc, "path", r_plain) && want_num(doc, "size", g) &&
	     check(jget(doc, "maps") != NULL, "no \"maps\"");
	if (ok && !fdinfo_has(r_plain, "mshare_map")) {
		ok = check(jis_null(doc, "maps"), "maps not null without mshare_map");
		if (!ok) {
			show_run("show --json", &r);
			result(false, "show_json");
		} else {
			skip("show_json", "this kernel prints no mshare_map in fdinfo");
		}
		goto human;
	}
	ok = ok && check_maps(doc, want, nwant);
	if (!ok)
		show_run("show --json", &r);
	result(ok, "show_json");
human:
	jfree(doc);
	run_free(&r);

	/* 9: human form, and a name relative to /sys/fs/mshare */
	snprintf(rel, sizeof(rel), "%s/plain", dir + strlen(MSHARE_ROOT "/"));
	run(&r, "show", rel, NULL);
	ok = check(r.status == 0, "exit %d", r.status) &&
	     check(!strncmp(r.out, r_plain, strlen(r_plain)),
		   "does not start with %s", r_plain);
	if (!ok)
		show_run("show", &r);
	run_free(&r);
	result(ok, "show_human");
}

static bool want_fail(int status, const char *in_err, ...)
{
	const char *argv[8];
	struct run r;
	va_list ap;
	int n = 0;
	bool ok;

	va_start(ap, in_err);
	while (n < 7 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	while (n < 8)
		argv[n++] = NULL;
	run(&r, argv[0], argv[1], argv[2], argv[3], argv[4], argv[5], argv[6],
	    NULL);
	ok = check(r.status == status, "%s %s: exit %d, want %d", argv[0],
		   argv[1] ? argv[1] : "", r.status, status) &&
	     check(!in_err || strstr(r.err, in_err), "%s %s: no \"%s\" on stderr",
		   argv[0], argv[1] ? argv[1] : "", in_err);
	if (!ok)
		show_run(argv[0], &r);
	run_free(&r);
	return ok;
}

static void t_errors(void)
{
	struct run r;
	bool ok;

	/* 10: errors say why, exit 1 */
	ok = want_fail(1, strerror(ENOENT), "show", "/nonexistent/region", NULL);
	ok &= want_fail(1, "directory", "show", dir, NULL);
	ok &= want_fail(1, "not a region", "show", MSHARE_ROOT "/mshare_info", NULL);
	ok &= want_fail(1, "not on msharefs", "show", "/proc/self/status", NULL);
	ok &= want_fail(1, "not on msharefs", "list", "/proc", NULL);
	ok &= want_fail(1, strerror(ENOENT), "rm", "/nonexistent/region", NULL);
	result(ok, "errors");

	/* 11: usage errors exit 2, --help 0 */
	ok = want_fail(2, "command", "bogus", NULL);
	ok &= want_fail(2, "--nope", "list", "--nope", NULL);
	ok &= want_fail(2, NULL, "show", NULL);
	ok &= want_fail(2, NULL, "show", r_plain, r_empty, NULL);
	ok &= want_fail(2, NULL, "rm", NULL);
	ok &= want_fail(2, NULL, "rm", "--json", r_plain, NULL);
	ok &= want_fail(2, NULL, "list", dir, dir, NULL);
	run(&r, "--help", NULL);
	ok &= check(r.status == 0 && strstr(r.out, "Usage"), "--help: exit %d",
		    r.status);
	run_free(&r);
	result(ok, "usage");
}

static void t_rm(char *att)
{
	struct run r;
	char *p;
	bool ok;
	int fd;

	/* 12: an attached region is kept */
	run(&r, "rm", r_att, NULL);
	ok = check(r.status == 1, "exit %d, want 1", r.status) &&
	     check(strstr(r.err, "attached") != NULL, "no reason") &&
	     check(exists(r_att), "removed");
	if (!ok)
		show_run("rm", &r);
	run_free(&r);
	result(ok, "rm_refuses_attached");

	/* 13: unless forced; the attachment still works */
	run(&r, "rm", "--force", r_att, NULL);
	ok = check(r.status == 0, "exit %d", r.status) &&
	     check(!exists(r_att), "still there") &&
	     check(att[0] == 'a', "the attachment reads %d", att[0]);
	if (!ok)
		show_run("rm --force", &r);
	run_free(&r);
	munmap(att, g);
	result(ok, "rm_force_attached");

	/* 14: attached, then detached: removed */
	fd = new_region(r_det, 0600, g);
	p = mmap(NULL, g, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		bail("attach %s", r_det);
	close(fd);
	munmap(p, g);
	run(&r, "rm", r_det, NULL);
	ok = check(r.status == 0, "exit %d", r.status) &&
	     check(!exists(r_det), "still there");
	if (!ok)
		show_run("rm", &r);
	run_free(&r);
	result(ok, "rm_after_detach");

	/* 15: several at once */
	run(&r, "rm", r_plain, r_empty, NULL);
	ok = check(r.status == 0, "exit %d", r.status) &&
	     check(!exists(r_plain) && !exists(r_empty), "still there");
	if (!ok)
		show_run("rm", &r);
	run_free(&r);
	result(ok, "rm_several");
}

static void cleanup(void)
{
	unlink(r_plain);
	unlink(r_empty);
	unlink(r_att);
	unlink(r_det);
	rmdir(sub);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	static char here[4096];
	FILE *f;
	char *att;
	int fd;

	printf("KTAP version 1\n");
	if (argc > 1) {
		tool = argv[1];
	} else {
		ssize_t n = readlink("/proc/self/exe", here, sizeof(here) - 32);

		if (n < 0)
			bail("readlink /proc/self/exe");
		here[n] = '\0';
		strcpy(strrchr(here, '/') + 1, "mshare-region");
		tool = here;
	}
	f = fopen(MSHARE_ROOT "/mshare_info", "r");
	if (!f || fscanf(f, "%lu", &g) != 1) {
		printf("1..1\n");
		diag("no msharefs at %s: only the format check", MSHARE_ROOT);
		t_format();
		return nfail ? 1 : 0;
	}
	fclose(f);
	if (access(tool, X_OK))
		bail("%s", tool);
	printf("1..%d\n", NTESTS);
	diag("tool %s, G = %lu", tool, g);
	t_format();

	snprintf(dir, sizeof(dir), MSHARE_ROOT "/mshare-region-test.%d", getpid());
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(r_plain, sizeof(r_plain), "%s/plain", dir);
	snprintf(r_empty, sizeof(r_empty), "%s/empty", sub);
	snprintf(r_att, sizeof(r_att), "%s/attached", dir);
	snprintf(r_det, sizeof(r_det), "%s/detached", dir);
	if (mkdir(dir, 0755) || mkdir(sub, 0755))
		bail("mkdir %s", sub);
	read_cgroup();
	make_plain();
	close(new_region(r_empty, 0640, 2 * g));
	fd = new_region(r_att, 0600, g);
	if (create_mapping(fd, 0, 2 * MiB, RW, ANON_SHARED, -1, 0))
		bail("CREATE_MAPPING %s", r_att);
	att = mmap(NULL, g, RW, MAP_SHARED, fd, 0);
	if (att == MAP_FAILED)
		bail("attach %s", r_att);
	att[0] = 'a';
	close(fd);

	t_list();
	t_show();
	t_errors();
	t_rm(att);
	cleanup();

	if (ntest != NTESTS) {
		diag("ran %d checks, planned %d", ntest, NTESTS);
		nfail++;
	}
	diag("%d passed, %d failed, %d skipped", ntest - nfail - nskip, nfail,
	     nskip);
	return nfail ? 1 : 0;
}
