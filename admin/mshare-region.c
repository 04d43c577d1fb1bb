// SPDX-License-Identifier: GPL-2.0
/*
 * mshare-region: list, inspect and remove mshare regions (see mshare(7)).
 *
 *   mshare-region list [--json] [--bytes] [DIR]
 *   mshare-region show [--json] [--bytes] REGION
 *   mshare-region rm [--force] REGION...
 *
 * Everything it shows comes from the filesystem and from the fdinfo of a
 * region: it opens each region read-only (which does not attach it) and
 * reads /proc/self/fdinfo/FD, whose mshare_* lines mshare(7) describes.
 * Keys this kernel does not print are shown as "-" (null in JSON).
 *
 * Exit status: 0 done, 1 an error (said on stderr, with its reason),
 * 2 a usage error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <linux/magic.h>

#ifndef MSHARE_MAGIC
#define MSHARE_MAGIC	0x4d534852
#endif

#define MSHARE_ROOT	"/sys/fs/mshare"
#define MSHARE_INFO	"mshare_info"

static const char *prog = "mshare-region";

/* One "mshare_map:" line of a region's fdinfo. */
struct mapping {
	unsigned long long start, end;	/* offsets in the region */
	unsigned long long offset;	/* in the file */
	unsigned long long pagesize;
	char perms[5];			/* "rw-s" */
	char flags[64];			/* "locked,noreserve" or "-" */
	char *name;			/* the file, or "[anon]" */
};

/* A numeric fdinfo key: its value, and whether the kernel printed it. */
struct num {
	unsigned long long v;
	bool have;
};

/* What is known of a region. */
struct region {
	char *path;
	uid_t uid;
	mode_t mode;
	unsigned long long st_size;
	int err;			/* errno of opening or reading, or 0 */
	struct num size, attachments, resident, pgtables, mappings, locked;
	char *memcg;			/* NULL: not printed */
	struct mapping *maps;
	size_t nmaps;
	bool have_maps;			/* at least one mshare_map line */
};

static void warnmsg(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "mshare-region: what: strerror(err)" on stderr (err 0: no reason). */
static void warnmsg(int err, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		warnmsg(ENOMEM, "malloc");
		exit(1);
	}
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		warnmsg(ENOMEM, "realloc");
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	char *p = xmalloc(n + strlen(name) + 2);

	sprintf(p, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
	return p;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage:\n"
"  %1$s list [--json] [--bytes] [DIR]\n"
"  %1$s show [--json] [--bytes] REGION\n"
"  %1$s rm [--force] REGION...\n"
"  %1$s --help\n"
"\n"
"List, inspect and remove the memory regions of msharefs (mshare(7)).\n"
"\n"
"  list   every region under DIR (default " MSHARE_ROOT "), recursively:\n"
"         path, owner, mode, size, mappings, attachments, resident bytes,\n"
"         page-table bytes, locked bytes and memory cgroup\n"
"  show   the mappings inside one region: offsets, size, protection,\n"
"         shared or private, file offset, page size, flags, backing file\n"
"  rm     remove regions; a region still attached is refused unless\n"
"         --force is given (it then goes when its last attachment does)\n"
"\n"
"  --json    one JSON document (exact byte counts, stable keys, null for\n"
"            what this kernel does not report)\n"
"  --bytes   exact byte counts instead of 4.0K, 2.0M, 512G...\n"
"  --force   remove attached regions too\n"
"\n"
"A REGION that is not found as given is looked up under " MSHARE_ROOT ".\n"
"The numbers come from /proc/self/fdinfo of each region, opened read-only\n"
"(which does not attach it); a region that cannot be opened is listed with\n"
"them unknown (\"-\", null) and the reason on stderr and in \"error\".\n"
"Exit status: 0 done, 1 an error, 2 a usage error.\n",
		prog);
}

static void __attribute__((noreturn)) bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(2);
}

/* --- what the kernel tells ---------------------------------------------- */

static bool on_msharefs(const char *path, int *err)
{
	struct statfs sfs;

	if (statfs(path, &sfs)) {
		*err = errno;
		return false;
	}
	*err = 0;
	return sfs.f_type == MSHARE_MAGIC;
}

/*
 * Is DIR the root directory of a mount (its parent is on another device,
 * or is itself)? Only there is mshare_info the granularity file rather
 * than a region of that name.
 */
static bool is_mount_root(const char *dir)
{
	struct stat st, up;
	char *parent = join(dir, "..");
	bool root;

	root = !stat(dir, &st) && !stat(parent, &up) &&
	       (st.st_dev != up.st_dev || st.st_ino == up.st_ino);
	free(parent);
	return root;
}

static bool is_info(const char *path)
{
	const char *base = strrchr(path, '/');
	char *dir;
	bool info;

	base = base ? base + 1 : path;
	if (strcmp(base, MSHARE_INFO))
		return false;
	dir = xstrdup(path);
	if (base == path)
		strcpy(dir, ".");
	else
		dir[base - path - 1 ? base - path - 1 : 1] = '\0';
	info = is_mount_root(dir);
	free(dir);
	return info;
}

/* The whole of a /proc file, NUL-terminated. */
static char *read_file(const char *path, int *err)
{
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	buf = xmalloc(cap);
	for (;;) {
		if (cap - len < 2048)
			buf = xrealloc(buf, cap *= 2);
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = errno;
			close(fd);
			free(buf);
			return NULL;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static bool parse_ull(const char *s, int base, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, base);
	return !errno && end != s && (*end == '\0' || *end == '\n');
}

/* "START-END PERMS OFFSET PAGESIZE FLAGS NAME" */
static bool parse_map(const char *s, struct mapping *m)
{
	int pos = -1;

	memset(m, 0, sizeof(*m));
	if (sscanf(s, "%llx-%llx %4s %llx %llu %63s %n", &m->start, &m->end,
		   m->perms, &m->offset, &m->pagesize, m->flags, &pos) < 6 ||
	    pos < 0 || m->end < m->start || strlen(m->perms) != 4)
		return false;
	m->name = xstrdup(s + pos);
	return true;
}

static void set_num(struct num *n, const char *val, const char *key,
		    const char *path)
{
	if (parse_ull(val, 10, &n->v))
		n->have = true;
	else
		warnmsg(0, "%s: cannot read %s \"%s\" of its fdinfo", path, key,
			val);
}

/*
 * Parse the text of a region's fdinfo (modified: lines are cut) into @r.
 * Returns 0, or EPROTO when it has no mshare_size: not a region.
 */
static int parse_fdinfo(char *buf, struct region *r)
{
	char *line, *next, *val;

	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		val = strchr(line, ':');
		if (!val || strncmp(line, "mshare_", 7))
			continue;
		*val++ = '\0';
		while (*val == '\t' || *val == ' ')
			val++;
		if (!strcmp(line, "mshare_size"))
			set_num(&r->size, val, line, r->path);
		else if (!strcmp(line, "mshare_attachments"))
			set_num(&r->attachments, val, line, r->path);
		else if (!strcmp(line, "mshare_resident"))
			set_num(&r->resident, val, line, r->path);
		else if (!strcmp(line, "mshare_pgtables"))
			set_num(&r->pgtables, val, line, r->path);
		else if (!strcmp(line, "mshare_mappings"))
			set_num(&r->mappings, val, line, r->path);
		else if (!strcmp(line, "mshare_locked"))
			set_num(&r->locked, val, line, r->path);
		else if (!strcmp(line, "mshare_memcg")) {
			free(r->memcg);
			r->memcg = xstrdup(val);
		} else if (!strcmp(line, "mshare_map")) {
			r->maps = xrealloc(r->maps,
					   (r->nmaps + 1) * sizeof(*r->maps));
			if (parse_map(val, &r->maps[r->nmaps])) {
				r->nmaps++;
				r->have_maps = true;
			} else {
				warnmsg(0, "%s: cannot read mshare_map \"%s\" of its fdinfo",
					r->path, val);
			}
		}
	}
	return r->size.have ? 0 : EPROTO;
}

/* Read the fdinfo of an open region into @r. */
static int read_fdinfo(int fd, struct region *r)
{
	char proc[64], *buf;
	int err = 0;

	snprintf(proc, sizeof(proc), "/proc/self/fdinfo/%d", fd);
	buf = read_file(proc, &err);
	if (!buf)
		return err;
	err = parse_fdinfo(buf, r);
	free(buf);
	return err;
}

/*
 * Fill @r for the region at @path from lstat() and, when it can be opened,
 * its fdinfo (r->err says why not). Returns false, having said why, when
 * @path is no region at all.
 */
static bool load_region(const char *path, struct region *r)
{
	struct stat st;
	int fd, err;

	memset(r, 0, sizeof(*r));
	r->path = xstrdup(path);
	if (lstat(path, &st)) {
		warnmsg(errno, "%s", path);
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		warnmsg(0, "%s: not a region (%s)", path,
			S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
		return false;
	}
	if (!on_msharefs(path, &err)) {
		if (err)
			warnmsg(err, "%s", path);
		else
			warnmsg(0, "%s: not a region (not on msharefs)", path);
		return false;
	}
	if (is_info(path)) {
		warnmsg(0, "%s: not a region (the granularity file)", path);
		return false;
	}
	r->uid = st.st_uid;
	r->mode = st.st_mode & 07777;
	r->st_size = st.st_size;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r->err = errno;
		return true;
	}
	r->err = read_fdinfo(fd, r);
	close(fd);
	return true;
}

static void free_region(struct region *r)
{
	for (size_t i = 0; i < r->nmaps; i++)
		free(r->maps[i].name);
	free(r->maps);
	free(r->memcg);
	free(r->path);
}

static const char *region_error(const struct region *r)
{
	if (r->err == EPROTO)
		return "no mshare_size in its fdinfo";
	return r->err ? strerror(r->err) : NULL;
}

/* --- owners --------------------------------------------------------------- */

/* The user name of @uid from /etc/passwd, or its number. */
static const char *owner_name(uid_t uid)
{
	static char num[24];
	static char *passwd;
	static bool loaded;
	const char *line, *next;

	if (!loaded) {
		int err;

		loaded = true;
		passwd = read_file("/etc/passwd", &err);
	}
	for (line = passwd; line && *line; line = next) {
		const char *c1 = strchr(line, ':'), *c2, *c3;
		static char name[256];
		unsigned long long id;
		char idbuf[24];

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (!c1 || c1 > next)
			continue;
		c2 = strchr(c1 + 1, ':');
		c3 = c2 ? strchr(c2 + 1, ':') : NULL;
		if (!c3 || c3 > next || (size_t)(c3 - c2 - 1) >= sizeof(idbuf) ||
		    (size_t)(c1 - line) >= sizeof(name))
			continue;
		memcpy(idbuf, c2 + 1, c3 - c2 - 1);
		idbuf[c3 - c2 - 1] = '\0';
		if (!parse_ull(idbuf, 10, &id) || id != uid)
			continue;
		memcpy(name, line, c1 - line);
		name[c1 - line] = '\0';
		return name;
	}
	snprintf(num, sizeof(num), "%u", (unsigned int)uid);
	return num;
}

/* --- output --------------------------------------------------------------- */

static bool exact;	/* --bytes */

/* 0B, 512B, 4.0K, 36K, 2.0M, 512G, or the exact number with --bytes. */
static void size_str(char *buf, size_t n, unsigned long long v)
{
	static const char units[] = "KMGTPE";
	double x = v;
	int u = -1;

	if (exact || v < 1024) {
		snprintf(buf, n, exact ? "%llu" : "%lluB", v);
		return;
	}
	while (x >= 1024 && u < 5) {
		x /= 1024;
		u++;
	}
	if (x < 10 && (unsigned long long)(x * 10 + 0.5) < 100)
		snprintf(buf, n, "%.1f%c", x, units[u]);
	else
		snprintf(buf, n, "%.0f%c", x, units[u]);
}

/* A page size: 4K, 2M, 1G (exact), or the number with --bytes. */
static void page_str(char *buf, size_t n, unsigned long long v)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (!exact && v >= 1024 && !(v % 1024) && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, n, exact ? "%llu" : "%lluB", v);
	else
		snprintf(buf, n, "%llu%c", v, units[u]);
}

static void num_str(char *buf, size_t n, const struct num *v, bool bytes)
{
	if (!v->have)
		snprintf(buf, n, "-");
	else if (bytes)
		size_str(buf, n, v->v);
	else
		snprintf(buf, n, "%llu", v->v);
}

static void json_str(const char *s)
{
	if (!s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_num(const char *key, const struct num *v)
{
	printf(", \"%s\": ", key);
	if (v->have)
		printf("%llu", v->v);
	else
		fputs("null", stdout);
}

/* The keys every region has in JSON, list and show alike. */
static void json_region_keys(const struct region *r)
{
	fputs("\"path\": ", stdout);
	json_str(r->path);
	fputs(", \"owner\": ", stdout);
	json_str(owner_name(r->uid));
	printf(", \"uid\": %u, \"mode\": \"%04o\"", (unsigned int)r->uid,
	       (unsigned int)r->mode);
	/* The size is the file's: known even when the region cannot be opened. */
	printf(", \"size\": %llu", r->size.have ? r->size.v : r->st_size);
	json_num("mappings", &r->mappings);
	json_num("attachments", &r->attachments);
	json_num("resident", &r->resident);
	json_num("pgtables", &r->pgtables);
	json_num("locked", &r->locked);
	fputs(", \"memcg\": ", stdout);
	json_str(r->memcg);
	fputs(", \"error\": ", stdout);
	json_str(region_error(r));
}

/* A table: cells of text, printed in aligned columns. */
struct table {
	int ncols;
	const char *const *heads;
	const bool *right;		/* right-aligned columns */
	char **cells;
	size_t nrows;
};

static void table_add(struct table *t, char **row)
{
	t->cells = xrealloc(t->cells,
			    (t->nrows + 1) * t->ncols * sizeof(*t->cells));
	for (int c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = xstrdup(row[c]);
	t->nrows++;
}

static void table_print(struct table *t)
{
	int width[16] = { 0 };

	for (int c = 0; c < t->ncols; c++) {
		width[c] = strlen(t->heads[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			int w = strlen(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t r = 0; r <= t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *s = r ? t->cells[(r - 1) * t->ncols + c] :
					    t->heads[c];
			bool last = c == t->ncols - 1;

			if (t->right[c])
				printf("%*s", width[c], s);
			else
				printf("%-*s", last ? 0 : width[c], s);
			fputs(last ? "\n" : " ", stdout);
		}
	}
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

/* --- list ----------------------------------------------------------------- */

struct list {
	struct region *r;
	size_t n;
	int failed;	/* a directory could not be read */
};

static void walk(const char *dir, struct list *l)
{
	bool root = is_mount_root(dir);
	struct dirent *d;
	DIR *dp;

	dp = opendir(dir);
	if (!dp) {
		warnmsg(errno, "%s", dir);
		l->failed = 1;
		return;
	}
	while ((errno = 0, d = readdir(dp))) {
		struct stat st;
		char *path;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (root && !strcmp(d->d_name, MSHARE_INFO))
			continue;
		path = join(dir, d->d_name);
		if (lstat(path, &st)) {
			warnmsg(errno, "%s", path);
			l->failed = 1;
		} else if (S_ISDIR(st.st_mode)) {
			walk(path, l);
		} else if (S_ISREG(st.st_mode)) {
			l->r = xrealloc(l->r, (l->n + 1) * sizeof(*l->r));
			if (load_region(path, &l->r[l->n])) {
				l->n++;
			} else {
				free_region(&l->r[l->n]);
				l->failed = 1;
			}
		}
		free(path);
	}
	if (errno) {
		warnmsg(errno, "%s", dir);
		l->failed = 1;
	}
	closedir(dp);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct region *)a)->path,
		      ((const struct region *)b)->path);
}

/* The regions, as a table or as a JSON array. */
static void print_list(struct region *regions, size_t n, bool json)
{
	static const char *const heads[] = {
		"PATH", "OWNER", "MODE", "SIZE", "MAPS", "ATTACH", "RESIDENT",
		"PGTABLES", "LOCKED", "MEMCG",
	};
	static const bool right[] = {
		false, false, false, true, true, true, true, true, true, false,
	};
	struct table t = { 10, heads, right, NULL, 0 };

	if (json)
		fputs("[", stdout);
	for (size_t i = 0; i < n; i++) {
		struct region *r = &regions[i];
		char c[10][PATH_MAX];
		char *row[10];

		if (r->err)
			warnmsg(0, "%s: %s", r->path, region_error(r));
		if (json) {
			fputs(i ? ",\n  {" : "\n  {", stdout);
			json_region_keys(r);
			fputs("}", stdout);
			continue;
		}
		snprintf(c[0], sizeof(c[0]), "%s", r->path);
		snprintf(c[1], sizeof(c[1]), "%s", owner_name(r->uid));
		snprintf(c[2], sizeof(c[2]), "%04o", (unsigned int)r->mode);
		size_str(c[3], sizeof(c[3]), r->size.have ? r->size.v : r->st_size);
		num_str(c[4], sizeof(c[4]), &r->mappings, false);
		num_str(c[5], sizeof(c[5]), &r->attachments, false);
		num_str(c[6], sizeof(c[6]), &r->resident, true);
		num_str(c[7], sizeof(c[7]), &r->pgtables, true);
		num_str(c[8], sizeof(c[8]), &r->locked, true);
		snprintf(c[9], sizeof(c[9]), "%s", r->memcg ? r->memcg : "-");
		for (int k = 0; k < 10; k++)
			row[k] = c[k];
		table_add(&t, row);
	}
	if (json)
		fputs(n ? "\n]\n" : "]\n", stdout);
	else
		table_print(&t);
}

static int cmd_list(const char *dir, bool json)
{
	struct list l = { NULL, 0, 0 };
	struct stat st;
	int err;

	if (stat(dir, &st)) {
		warnmsg(errno, "%s", dir);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		warnmsg(0, "%s: not a directory", dir);
		return 1;
	}
	if (!on_msharefs(dir, &err)) {
		if (err)
			warnmsg(err, "%s", dir);
		else
			warnmsg(0, "%s: not on msharefs (mount it: mount -t msharefs none %s)",
				dir, MSHARE_ROOT);
		return 1;
	}
	walk(dir, &l);
	qsort(l.r, l.n, sizeof(*l.r), by_path);
	print_list(l.r, l.n, json);
	for (size_t i = 0; i < l.n; i++)
		free_region(&l.r[i]);
	free(l.r);
	return l.failed;
}

/* --- show ----------------------------------------------------------------- */

/* A REGION not found as given is looked up under /sys/fs/mshare. */
static char *resolve(const char *arg)
{
	struct stat st;

	if (arg[0] == '/' || arg[0] == '.' || !lstat(arg, &st) || errno != ENOENT)
		return xstrdup(arg);
	return join(MSHARE_ROOT, arg);
}

static void flag_list(const char *flags)
{
	const char *p = flags;
	bool first = true;

	putchar('[');
	while (strcmp(flags, "-") && *p) {
		size_t n = strcspn(p, ",");

		printf("%s\"%.*s\"", first ? "" : ", ", (int)n, p);
		first = false;
		p += n;
		if (*p == ',')
			p++;
	}
	putchar(']');
}

/* One region and its mappings, as text or as a JSON object. */
static void print_show(struct region *r, bool json)
{
	static const char *const heads[] = {
		"START", "END", "SIZE", "PROT", "TYPE", "FILE-OFFSET", "PAGESIZE",
		"FLAGS", "FILE",
	};
	static const bool right[] = {
		false, false, true, false, false, false, true, false, false,
	};
	struct table t = { 9, heads, right, NULL, 0 };
	char s1[32], s2[32], s3[64];
	bool unknown;

	/* Mappings but no mshare_map line: this kernel does not list them. */
	unknown = !r->have_maps && r->mappings.have && r->mappings.v;
	if (unknown)
		warnmsg(0, "%s: this kernel does not list the mappings of a region (no mshare_map lines in fdinfo)",
			r->path);
	if (json) {
		fputs("{", stdout);
		json_region_keys(r);
		fputs(", \"maps\": ", stdout);
		if (unknown) {
			fputs("null}\n", stdout);
			return;
		}
		fputs("[", stdout);
		for (size_t i = 0; i < r->nmaps; i++) {
			struct mapping *m = &r->maps[i];

			printf("%s\n    {\"start\": %llu, \"end\": %llu, \"size\": %llu, ",
			       i ? "," : "", m->start, m->end, m->end - m->start);
			printf("\"prot\": \"%.3s\", \"type\": \"%s\", ", m->perms,
			       m->perms[3] == 's' ? "shared" : "private");
			printf("\"file_offset\": %llu, \"page_size\": %llu, \"flags\": ",
			       m->offset, m->pagesize);
			flag_list(m->flags);
			fputs(", \"file\": ", stdout);
			json_str(m->name);
			putchar('}');
		}
		fputs(r->nmaps ? "\n  ]}\n" : "]}\n", stdout);
		return;
	}
	size_str(s1, sizeof(s1), r->size.v);
	printf("%s: size %s", r->path, s1);
	if (r->mappings.have)
		printf(", %llu mapping%s", r->mappings.v,
		       r->mappings.v == 1 ? "" : "s");
	if (r->attachments.have)
		printf(", %llu attachment%s", r->attachments.v,
		       r->attachments.v == 1 ? "" : "s");
	if (r->resident.have) {
		size_str(s1, sizeof(s1), r->resident.v);
		printf(", resident %s", s1);
	}
	if (r->pgtables.have) {
		size_str(s1, sizeof(s1), r->pgtables.v);
		printf(", page tables %s", s1);
	}
	if (r->locked.have) {
		size_str(s1, sizeof(s1), r->locked.v);
		printf(", locked %s", s1);
	}
	if (r->memcg)
		printf(", memcg %s", r->memcg);
	putchar('\n');
	for (size_t i = 0; i < r->nmaps; i++) {
		struct mapping *m = &r->maps[i];
		char st[24], en[24], off[24], prot[4], *row[9];

		snprintf(st, sizeof(st), "0x%llx", m->start);
		snprintf(en, sizeof(en), "0x%llx", m->end);
		size_str(s1, sizeof(s1), m->end - m->start);
		snprintf(prot, sizeof(prot), "%.3s", m->perms);
		snprintf(off, sizeof(off), "0x%llx", m->offset);
		page_str(s2, sizeof(s2), m->pagesize);
		snprintf(s3, sizeof(s3), "%s", m->flags);
		row[0] = st;
		row[1] = en;
		row[2] = s1;
		row[3] = prot;
		row[4] = m->perms[3] == 's' ? "shared" : "private";
		row[5] = off;
		row[6] = s2;
		row[7] = s3;
		row[8] = m->name;
		table_add(&t, row);
	}
	if (r->nmaps)
		table_print(&t);
	else if (!unknown)
		puts("(no mappings)");
}

static int cmd_show(const char *arg, bool json)
{
	char *path = resolve(arg);
	struct region r;
	int ret = 1;

	if (!load_region(path, &r))
		goto out;
	if (r.err) {
		warnmsg(0, "%s: %s", r.path, region_error(&r));
		goto out;
	}
	print_show(&r, json);
	ret = 0;
out:
	free_region(&r);
	free(path);
	return ret;
}

/* --- rm ------------------------------------------------------------------- */

static int rm_one(const char *arg, bool force)
{
	struct region r;
	char *path = resolve(arg);
	int ret = 1;

	if (!load_region(path, &r))
		goto out;
	if (!force) {
		if (r.err) {
			warnmsg(0, "%s: cannot count its attachments (%s); not removed (--force removes it anyway)",
				r.path, region_error(&r));
			goto out;
		}
		if (!r.attachments.have) {
			warnmsg(0, "%s: this kernel does not count attachments; not removed (--force removes it anyway)",
				r.path);
			goto out;
		}
		if (r.attachments.v) {
			warnmsg(0, "%s: still attached (%llu attachment%s); not removed (--force removes its name, the region goes when its last attachment does)",
				r.path, r.attachments.v,
				r.attachments.v == 1 ? "" : "s");
			goto out;
		}
	}
	if (unlink(r.path)) {
		warnmsg(errno, "cannot remove %s", r.path);
		goto out;
	}
	ret = 0;
out:
	free_region(&r);
	free(path);
	return ret;
}

/* --- main ----------------------------------------------------------------- */

int main(int argc, char **argv)
{
	bool json = false, force = false;
	const char *cmd;
	char **args;
	int nargs = 0, ret = 0;

	if (argc < 2)
		bad_usage("no command (list, show or rm)");
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "list") && strcmp(cmd, "show") && strcmp(cmd, "rm"))
		bad_usage("unknown command '%s' (list, show or rm)", cmd);
	args = xmalloc(argc * sizeof(*args));
	for (int i = 2, opts = 1; i < argc; i++) {
		const char *a = argv[i];

		if (opts && !strcmp(a, "--")) {
			opts = 0;
		} else if (opts && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			usage(stdout);
			return 0;
		} else if (opts && !strcmp(a, "--json") && strcmp(cmd, "rm")) {
			json = true;
		} else if (opts && !strcmp(a, "--bytes") && strcmp(cmd, "rm")) {
			exact = true;
		} else if (opts && (!strcmp(a, "--force") || !strcmp(a, "-f")) &&
			   !strcmp(cmd, "rm")) {
			force = true;
		} else if (opts && a[0] == '-' && a[1]) {
			bad_usage("%s: unknown option '%s'", cmd, a);
		} else {
			args[nargs++] = argv[i];
		}
	}
	if (!strcmp(cmd, "list")) {
		if (nargs > 1)
			bad_usage("list: one DIR at most");
		ret = cmd_list(nargs ? args[0] : MSHARE_ROOT, json);
	} else if (!strcmp(cmd, "show")) {
		if (nargs != 1)
			bad_usage("show: one REGION");
		ret = cmd_show(args[0], json);
	} else {
		if (!nargs)
			bad_usage("rm: no REGION");
		for (int i = 0; i < nargs; i++)
			ret |= rm_one(args[i], force);
	}
	free(args);
	if (fflush(stdout) || ferror(stdout)) {
		warnmsg(errno, "write error");
		ret = 1;
	}
	return ret;
}
