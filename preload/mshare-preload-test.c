// SPDX-License-Identifier: GPL-2.0
/*
 * mshare-preload-test: tests of libmshare-preload.so and mshare-run(1), in
 * KTAP. Run without arguments (as root, in the guest: tests/check.plan),
 * it runs itself as "mshare-run [options] -- mshare-preload-test --case
 * NAME" once per check: the case, a program that knows nothing of mshare,
 * maps memory and looks at /proc/self/maps, huge page counters and its
 * page faults; the driver looks at the case's exit status and stderr.
 *
 *   mshare-preload-test [-r MSHARE-RUN] [-l LIBRARY]
 *
 * -r and -l name the launcher and the library (default: the installed
 * ones, /usr/bin/mshare-run and /usr/lib/mshare/libmshare-preload.so).
 * Exit status: 0 if every check passed or was skipped, 1 otherwise.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << MAP_HUGE_SHIFT)
#define MAP_HUGE_1GB	(30 << MAP_HUGE_SHIFT)
#endif

#define MSHARE_ROOT	"/sys/fs/mshare"
#define MIB		(1UL << 20)
#define LEN		(64 * MIB)	/* the mapping most cases make */
#define NOBODY		65534

/* Case exit statuses, as kselftest's */
#define PASS		0
#define FAIL		1
#define SKIP		4

static const char *run_path = "/usr/bin/mshare-run";
static const char *lib_path = "/usr/lib/mshare/libmshare-preload.so";
static char self[4096];
static unsigned long G;		/* 0: no mshare in this kernel */

/* ---- helpers of the cases (they run with the library preloaded) ---- */

static int failed;

static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A failed expectation: say it, and the case fails at its end. */
#define expect(cond, ...) do {						\
	if (!(cond)) {							\
		note("FAIL line %d: %s", __LINE__, #cond);		\
		note(__VA_ARGS__);					\
		failed = 1;						\
	}								\
} while (0)

static const char *region_dir(void)
{
	const char *d = getenv("MSHARE_DIR");

	return d && *d ? d : MSHARE_ROOT;
}

static unsigned long read_ulong(const char *path)
{
	unsigned long v = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	if (fscanf(f, "%lu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static unsigned long huge_free(unsigned long size)
{
	char path[128];

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%lukB/free_hugepages",
		 size >> 10);
	return read_ulong(path);
}

/* Free huge pages of a size, after the region has had time to go. */
static unsigned long huge_free_settled(unsigned long size, unsigned long want)
{
	unsigned long v = 0;
	int i;

	for (i = 0; i < 100; i++) {
		v = huge_free(size);
		if (v == want)
			break;
		usleep(10000);
	}
	return v;
}

static unsigned long default_huge_size(void)
{
	char line[128];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb << 10;
}

/* The /proc/self/maps line of the mapping holding p: 0, or -1 if none. */
struct vma {
	unsigned long start, end;
	char path[4096];
};

static int find_vma(const void *p, struct vma *v)
{
	unsigned long a = (uintptr_t)p;
	char line[4096 + 256];
	int found = -1, n;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &v->start,
			   &v->end, &n) < 2)
			continue;
		if (a < v->start || a >= v->end)
			continue;
		snprintf(v->path, sizeof(v->path), "%s", line + n);
		v->path[strcspn(v->path, "\n")] = '\0';
		found = 0;
		break;
	}
	fclose(f);
	return found;
}

/* Is p, of len bytes, the start of an attachment of a region of dir? */
static int is_attachment(const void *p, size_t len, struct vma *v)
{
	const char *dir = region_dir();
	size_t l = strlen(dir);

	if (find_vma(p, v))
		return 0;
	return v->start == (uintptr_t)p && !strncmp(v->path, dir, l) &&
	       v->path[l] == '/' && G && (v->end - v->start) % G == 0 &&
	       v->end - v->start >= len;
}

/* How many maps lines are regions of dir (attachments). */
static int count_attachments(void)
{
	char line[4096 + 256], pat[1100];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	snprintf(pat, sizeof(pat), " %s/", region_dir());
	while (fgets(line, sizeof(line), f))
		if (strstr(line, pat))
			n++;
	fclose(f);
	return n;
}

static void *map_shared(size_t len, int flags)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS | flags, -1, 0);
}

/* A plain mapping, made behind the library's back. */
static void *raw_map_shared(size_t len)
{
	return (void *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

static void fill(char *p, size_t len, size_t step)
{
	size_t i;

	for (i = 0; i < len; i += step)
		*(uint64_t *)(p + i) = i ^ 0x5a5a;
}

/* Read every page; return the number of pages with the wrong value. */
static unsigned long check_fill(const char *p, size_t len, size_t step)
{
	unsigned long bad = 0;
	size_t i;

	for (i = 0; i < len; i += step)
		bad += *(const volatile uint64_t *)(p + i) != (i ^ 0x5a5a);
	return bad;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/*
 * In a child: the page faults reading every page of p, and the pages with
 * wrong data (bad). Returns faults, or -1.
 */
static long child_read_faults(const char *p, size_t len, size_t step,
			      unsigned long *bad)
{
	int fds[2], status;
	long r[2] = { -1, 0 };
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		long f0, f1;
		unsigned long b;

		f0 = minflt();
		b = check_fill(p, len, step);
		f1 = minflt();
		r[0] = f1 - f0;
		r[1] = b;
		if (write(fds[1], r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], r, sizeof(r)) != sizeof(r))
		r[0] = -1;
	close(fds[0]);
	waitpid(pid, &status, 0);
	*bad = r[1];
	return r[0];
}

/* ---- the cases ---- */

/* A 64 MiB shared anonymous mapping is an attachment, unlinked. */
static int case_attach(void)
{
	struct vma v;
	char *p;

	p = map_shared(LEN, 0);
	if (p == MAP_FAILED) {
		note("mmap: %m");
		return FAIL;
	}
	expect(is_attachment(p, LEN, &v), "%p: %lx-%lx %s", p, v.start,
	       v.end, v.path);
	note("64 MiB at %p: maps %lx-%lx (%lu GiB) %s", p, v.start, v.end,
	     (v.end - v.start) >> 30, v.path);
	expect(strstr(v.path, " (deleted)"), "region not unlinked: %s", v.path);
	fill(p, LEN, 4096);
	expect(!check_fill(p, LEN, 4096), "data");
	/* The documented limits: the kernel refuses these on attachments. */
	expect(mprotect(p, LEN, PROT_READ) && errno == EINVAL,
	       "mprotect: %m (EINVAL expected)");
	expect(mremap(p, LEN, 2 * LEN, MREMAP_MAYMOVE) == MAP_FAILED &&
	       errno == EINVAL, "mremap: %m (EINVAL expected)");
	expect(!munmap(p, LEN), "munmap: %m");
	expect(find_vma(p, &v), "still mapped after munmap: %s", v.path);
	return failed;
}

/* What must not be moved: small, private, fixed, PROT_NONE, files. */
static int case_passthrough(void)
{
	struct vma v;
	char *p, *r;
	int fd;

	p = map_shared(512 << 10, 0);
	expect(p != MAP_FAILED && !find_vma(p, &v) && strstr(v.path, "/dev/zero"),
	       "512 KiB: %p %s", p, v.path);
	note("512 KiB below the threshold: %s", v.path);
	munmap(p, 512 << 10);

	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	expect(p != MAP_FAILED && !is_attachment(p, LEN, &v),
	       "MAP_PRIVATE: %p %s", p, v.path);
	munmap(p, LEN);

	r = mmap(NULL, LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = mmap(r, LEN, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	expect(p == r && !find_vma(p, &v) && strstr(v.path, "/dev/zero"),
	       "MAP_FIXED: %p %p %s", r, p, v.path);
	munmap(p, LEN);

	p = mmap(NULL, LEN, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	expect(p != MAP_FAILED && !is_attachment(p, LEN, &v),
	       "PROT_NONE: %p %s", p, v.path);
	munmap(p, LEN);

	fd = memfd_create("preload-test", MFD_CLOEXEC);
	expect(fd >= 0 && !ftruncate(fd, LEN), "memfd: %m");
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	expect(p != MAP_FAILED && !is_attachment(p, LEN, &v),
	       "memfd: %p %s", p, v.path);
	munmap(p, LEN);
	close(fd);
	expect(count_attachments() == 0, "attachments left");
	return failed;
}

/* A child reads the populated region with about one fault. */
static int case_fork(void)
{
	unsigned long bad_m = 0, bad_p = 0;
	long fm, fp;
	struct vma v;
	char *m, *p;
	int status;
	pid_t pid;

	m = map_shared(LEN, 0);
	p = raw_map_shared(LEN);
	if (m == MAP_FAILED || p == MAP_FAILED) {
		note("mmap: %m");
		return FAIL;
	}
	expect(is_attachment(m, LEN, &v), "not an attachment: %s", v.path);
	fill(m, LEN, 4096);
	fill(p, LEN, 4096);
	fm = child_read_faults(m, LEN, 4096, &bad_m);
	fp = child_read_faults(p, LEN, 4096, &bad_p);
	note("a child reading 64 MiB (16384 pages) took %ld faults in the region, %ld in plain shared memory",
	     fm, fp);
	expect(fm >= 0 && fm <= 4, "%ld faults in the region", fm);
	expect(fp >= 16 * (fm > 0 ? fm : 1), "%ld faults in plain memory", fp);
	expect(!bad_m && !bad_p, "bad pages: %lu %lu", bad_m, bad_p);

	/* A child's writes are the parent's. */
	pid = fork();
	if (!pid) {
		m[LEN - 4096] = 'c';
		_exit(0);
	}
	waitpid(pid, &status, 0);
	expect(m[LEN - 4096] == 'c', "child's write not seen");
	expect(!munmap(m, LEN) && !munmap(p, LEN), "munmap: %m");
	return failed;
}

/* exec detaches; the new program is handled too (LD_PRELOAD kept). */
static int case_exec(void)
{
	struct vma v;
	char *p;

	p = map_shared(LEN, 0);
	expect(p != MAP_FAILED && is_attachment(p, LEN, &v), "parent: %s", v.path);
	fflush(stdout);
	execl(self, self, "--case", "exec-child", (char *)NULL);
	note("exec %s: %m", self);
	return FAIL;
}

static int case_exec_child(void)
{
	const char *pre = getenv("LD_PRELOAD");
	struct vma v;
	char *p;

	expect(count_attachments() == 0, "an attachment survived exec");
	expect(pre && strstr(pre, "libmshare-preload"), "LD_PRELOAD=%s", pre);
	p = map_shared(LEN, 0);
	expect(p != MAP_FAILED && is_attachment(p, LEN, &v),
	       "after exec: %p %s", p, v.path);
	note("after exec: a new mapping is %s", v.path);
	expect(!munmap(p, LEN), "munmap: %m");
	return failed;
}

/* munmap of what the program got detaches; anything else goes through. */
static int case_munmap(void)
{
	struct vma v;
	char *p, *a, *b, *c, *q;

	p = map_shared(LEN, 0);
	expect(p != MAP_FAILED && is_attachment(p, LEN, &v), "%s", v.path);
	/* Partial: the kernel refuses (documented), nothing changes. */
	expect(munmap(p, LEN / 2) && errno == EINVAL,
	       "partial munmap: %m (EINVAL expected)");
	expect(is_attachment(p, LEN, &v), "gone after a partial munmap");
	expect(!munmap(p, LEN), "munmap: %m");
	expect(find_vma(p, &v), "still there: %s", v.path);
	/* Unmapped already: what the kernel says (0). */
	expect(!munmap(p, LEN), "munmap again: %m");

	a = map_shared(LEN, 0);
	b = map_shared(LEN + 1, 0);
	c = map_shared(LEN, 0);
	expect(is_attachment(a, LEN, &v) && is_attachment(b, LEN, &v) &&
	       is_attachment(c, LEN, &v), "three regions");
	/* The length asked for (LEN + 1, not page-rounded) detaches. */
	expect(!munmap(b, LEN + 1), "munmap b: %m");
	expect(find_vma(b, &v) && is_attachment(a, LEN, &v) &&
	       is_attachment(c, LEN, &v), "a or c gone with b");
	/* So does the whole attachment. */
	expect(!munmap(c, G), "munmap c, G bytes: %m");
	expect(find_vma(c, &v), "c still there");
	expect(!munmap(a, LEN), "munmap a: %m");
	expect(count_attachments() == 0, "attachments left");

	/*
	 * An attachment removed behind the library's back, and something
	 * else mapped there: munmap(p, LEN) must unmap LEN bytes, not G.
	 */
	p = map_shared(LEN, 0);
	expect(is_attachment(p, LEN, &v), "%s", v.path);
	syscall(SYS_munmap, p, G);
	q = (void *)syscall(SYS_mmap, p, LEN, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	c = (void *)syscall(SYS_mmap, p + LEN, LEN, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	expect(q == p && c == p + LEN, "mmap at %p: %m", p);
	expect(!munmap(p, LEN), "munmap: %m");
	expect(find_vma(p, &v) && !find_vma(p + LEN, &v),
	       "munmap of a stale attachment unmapped more than asked");
	syscall(SYS_munmap, p + LEN, LEN);
	return failed;
}

/* MAP_HUGETLB: huge pages in the region, given back with it. */
static int case_hugetlb(void)
{
	unsigned long f0, f1, f2, bad = 0, dhs = default_huge_size();
	long faults;
	struct vma v;
	char *p;

	f0 = huge_free(2 * MIB);
	if (f0 < 40) {
		note("SKIP: %lu free 2 MiB pages, 40 needed", f0);
		return SKIP;
	}
	p = map_shared(LEN, MAP_HUGETLB | MAP_HUGE_2MB);
	if (p == MAP_FAILED) {
		note("mmap MAP_HUGETLB|MAP_HUGE_2MB: %m");
		return FAIL;
	}
	expect(is_attachment(p, LEN, &v), "2 MiB: %s", v.path);
	fill(p, LEN, 2 * MIB);
	f1 = huge_free(2 * MIB);
	faults = child_read_faults(p, LEN, 2 * MIB, &bad);
	note("MAP_HUGE_2MB 64 MiB: free 2 MiB pages %lu -> %lu; a child reads it with %ld faults",
	     f0, f1, faults);
	expect(f0 - f1 == LEN / (2 * MIB), "free %lu -> %lu", f0, f1);
	expect(faults >= 0 && faults <= 4 && !bad, "child: %ld faults, %lu bad",
	       faults, bad);
	expect(!munmap(p, LEN), "munmap: %m");
	f2 = huge_free_settled(2 * MIB, f0);
	expect(f2 == f0, "free after munmap: %lu, was %lu", f2, f0);

	/* No size flag: the default huge page size, 5 MiB rounded up. */
	if (dhs == 2 * MIB) {
		p = map_shared(5 * MIB, MAP_HUGETLB);
		expect(p != MAP_FAILED && is_attachment(p, 5 * MIB, &v),
		       "MAP_HUGETLB: %p %s", p, v.path);
		fill(p, 6 * MIB, 2 * MIB);
		f1 = huge_free(2 * MIB);
		expect(f0 - f1 == 3, "5 MiB MAP_HUGETLB took %lu pages", f0 - f1);
		expect(!munmap(p, 5 * MIB), "munmap: %m");
		expect(huge_free_settled(2 * MIB, f0) == f0, "not given back");
	}

	f0 = huge_free(1UL << 30);
	if (f0 < 1) {
		note("no free 1 GiB page: MAP_HUGE_1GB not tried");
		return failed;
	}
	p = map_shared(1UL << 30, MAP_HUGETLB | MAP_HUGE_1GB);
	expect(p != MAP_FAILED && is_attachment(p, 1UL << 30, &v),
	       "1 GiB: %p %s", p, v.path);
	if (p != MAP_FAILED) {
		p[0] = 1;
		p[(1UL << 30) - 1] = 1;
		f1 = huge_free(1UL << 30);
		note("MAP_HUGE_1GB 1 GiB: free 1 GiB pages %lu -> %lu", f0, f1);
		expect(f0 - f1 == 1, "free %lu -> %lu", f0, f1);
		expect(!munmap(p, 1UL << 30), "munmap: %m");
		expect(huge_free_settled(1UL << 30, f0) == f0, "not given back");
	}
	return failed;
}

/*
 * PostgreSQL's huge_pages=try: MAP_HUGETLB first, more than the pool has;
 * ENOMEM (the plain fallback fails too, and says nothing); then without.
 */
static int case_huge_try(void)
{
	unsigned long len = (huge_free(2 * MIB) + 8) * 2 * MIB;
	struct vma v;
	char *p;

	p = map_shared(len, MAP_HUGETLB | MAP_HUGE_2MB);
	expect(p == MAP_FAILED && errno == ENOMEM,
	       "MAP_HUGETLB past the pool: %p, %m", p);
	p = map_shared(len, 0);
	expect(p != MAP_FAILED && is_attachment(p, len, &v), "then 4 KiB: %s",
	       v.path);
	note("%lu MiB: MAP_HUGETLB failed (ENOMEM), then %s", len >> 20, v.path);
	expect(!munmap(p, len), "munmap: %m");
	return failed;
}

/*
 * A server as PostgreSQL's postmaster (before version 16, which resets
 * shared memory in its SIGCHLD handler): one segment, workers forked;
 * when one crashes, the others are killed, and once all are reaped the
 * segment is unmapped and mapped afresh, in the handler.
 */
#define WORKERS		4

static char *volatile seg;
static volatile int reaped, resets, reset_bad;

static void reaper(int sig)
{
	int status;

	(void)sig;
	while (waitpid(-1, &status, WNOHANG) > 0)
		reaped++;
	if (reaped == WORKERS && !resets) {
		if (munmap(seg, LEN))
			reset_bad++;
		seg = map_shared(LEN, 0);
		if (seg == MAP_FAILED)
			reset_bad++;
		resets++;
	}
}

static int case_server(void)
{
	char old[4096], *p;
	long report[WORKERS][2];
	pid_t pid[WORKERS];
	unsigned long bad;
	int fds[2], i;
	sigset_t mask, none;
	struct vma v;
	long f;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGCHLD, reaper);

	seg = map_shared(LEN, 0);
	expect(seg != MAP_FAILED && is_attachment(seg, LEN, &v), "%s", v.path);
	if (seg == MAP_FAILED || pipe(fds))
		return FAIL;
	snprintf(old, sizeof(old), "%s", v.path);
	fill(seg, LEN, 4096);
	for (i = 0; i < WORKERS; i++) {
		pid[i] = fork();
		if (!pid[i]) {
			long r[2], f0;

			signal(SIGTERM, SIG_DFL);
			sigprocmask(SIG_SETMASK, &none, NULL);
			f0 = minflt();
			r[1] = check_fill(seg, LEN, 4096);
			r[0] = minflt() - f0;
			if (write(fds[1], r, sizeof(r)) != sizeof(r))
				_exit(1);
			for (;;)
				pause();
		}
	}
	for (i = 0; i < WORKERS; i++) {
		if (read(fds[0], report[i], sizeof(report[i])) !=
		    sizeof(report[i]))
			return FAIL;
		expect(report[i][0] <= 4 && !report[i][1],
		       "worker %d: %ld faults, %ld bad pages", i,
		       report[i][0], report[i][1]);
	}
	note("%d workers read the 64 MiB segment with %ld, %ld, %ld, %ld faults",
	     WORKERS, report[0][0], report[1][0], report[2][0], report[3][0]);

	/* One crashes; the others are told to quit. */
	kill(pid[0], SIGKILL);
	for (i = 1; i < WORKERS; i++)
		kill(pid[i], SIGTERM);
	alarm(60);
	while (!resets)
		sigsuspend(&none);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	signal(SIGCHLD, SIG_DFL);

	p = seg;
	expect(!reset_bad && p != MAP_FAILED && is_attachment(p, LEN, &v),
	       "after the reset: %d bad, %s", reset_bad, v.path);
	expect(strcmp(v.path, old), "the same region after the reset: %s", old);
	expect(count_attachments() == 1, "%d attachments", count_attachments());
	note("reset in the SIGCHLD handler: %s -> %s", old, v.path);
	fill(p, LEN, 4096);
	f = child_read_faults(p, LEN, 4096, &bad);
	expect(f >= 0 && f <= 4 && !bad, "a new worker: %ld faults, %lu bad",
	       f, bad);
	expect(!munmap(p, LEN), "munmap: %m");
	return failed;
}

/* Run with -p 2m: plain requests get 2 MiB pages in the region. */
static int case_forced_huge(void)
{
	unsigned long f0, f1;
	struct vma v;
	char *p;

	f0 = huge_free(2 * MIB);
	if (f0 < 16) {
		note("SKIP: %lu free 2 MiB pages, 16 needed", f0);
		return SKIP;
	}
	p = map_shared(16 * MIB + 4096, 0);
	expect(p != MAP_FAILED && is_attachment(p, 16 * MIB, &v), "%p %s", p,
	       v.path);
	if (p == MAP_FAILED)
		return FAIL;
	fill(p, 18 * MIB, 2 * MIB);
	f1 = huge_free(2 * MIB);
	note("16 MiB + 4 KiB with --page-size 2m: free 2 MiB pages %lu -> %lu",
	     f0, f1);
	expect(f0 - f1 == 9, "took %lu pages, 9 expected", f0 - f1);
	expect(!munmap(p, 16 * MIB + 4096), "munmap: %m");
	expect(huge_free_settled(2 * MIB, f0) == f0, "not given back");
	return failed;
}

/* Threads and a signal handler map and unmap regions at once. */
#define THREADS		4
#define ROUNDS		16

static volatile int handler_ok, handler_bad;

static void handler(int sig)
{
	char *p = map_shared(2 * MIB, 0);

	(void)sig;
	if (p == MAP_FAILED) {
		handler_bad++;
		return;
	}
	p[0] = 1;
	if (munmap(p, 2 * MIB))
		handler_bad++;
	else
		handler_ok++;
}

static void *thread(void *arg)
{
	long bad = 0;
	struct vma v;
	int i;

	(void)arg;
	for (i = 0; i < ROUNDS; i++) {
		char *p = map_shared(2 * MIB, 0);

		if (p == MAP_FAILED || !is_attachment(p, 2 * MIB, &v)) {
			bad++;
			continue;
		}
		fill(p, 2 * MIB, 4096);
		bad += check_fill(p, 2 * MIB, 4096) != 0;
		bad += munmap(p, 2 * MIB) != 0;
	}
	return (void *)bad;
}

static int case_threads(void)
{
	pthread_t t[THREADS];
	long bad = 0;
	void *r;
	int i;

	signal(SIGUSR1, handler);
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, thread, NULL);
	for (i = 0; i < 20; i++) {
		kill(getpid(), SIGUSR1);
		usleep(2000);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], &r);
		bad += (long)r;
	}
	note("%d threads x %d regions: %ld bad; signal handler: %d ok, %d bad",
	     THREADS, ROUNDS, bad, handler_ok, handler_bad);
	expect(!bad && !handler_bad && handler_ok > 0, "bad");
	expect(count_attachments() == 0, "attachments left");
	return failed;
}

/* Run with -k -n keeptest: the region file stays, by its name. */
static int case_keep(void)
{
	char path[1200];
	struct stat st;
	struct vma v;
	char *p;

	snprintf(path, sizeof(path), "%s/keeptest-%d-0", region_dir(), getpid());
	p = map_shared(LEN, 0);
	expect(p != MAP_FAILED && is_attachment(p, LEN, &v), "%s", v.path);
	expect(!strcmp(v.path, path), "maps shows %s, %s expected", v.path,
	       path);
	expect(!munmap(p, LEN), "munmap: %m");
	expect(!stat(path, &st) && (st.st_mode & 0777) == 0600 &&
	       (unsigned long)st.st_size == G, "%s: %m, mode %o size %ld",
	       path, st.st_mode, (long)st.st_size);
	note("kept: %s, mode %o, size %ld", path, st.st_mode & 0777,
	     (long)st.st_size);
	expect(!unlink(path), "unlink %s: %m", path);
	return failed;
}

/* Without mshare: plain memory, in this process and a child. */
static int case_fallback(void)
{
	struct vma v;
	int status;
	char *p, *q;
	pid_t pid;

	p = map_shared(LEN, 0);
	q = map_shared(LEN, 0);
	expect(p != MAP_FAILED && q != MAP_FAILED, "mmap: %m");
	if (p == MAP_FAILED || q == MAP_FAILED)
		return FAIL;
	expect(!find_vma(p, &v) && strstr(v.path, "/dev/zero") &&
	       v.end - v.start == LEN, "%s", v.path);
	note("fallback: %lx-%lx %s", v.start, v.end, v.path);
	fill(p, LEN, 4096);
	pid = fork();
	if (!pid) {
		char *r = map_shared(LEN, 0);

		_exit(r == MAP_FAILED || check_fill(p, LEN, 4096) ||
		      munmap(r, LEN));
	}
	waitpid(pid, &status, 0);
	expect(WIFEXITED(status) && !WEXITSTATUS(status), "child: %#x", status);
	expect(!munmap(p, LEN) && !munmap(q, LEN), "munmap: %m");
	return failed;
}

/* MSHARE_STRICT=1: mmap fails with the errno in argv; small ones work. */
static int case_strict(int want)
{
	char *p;

	p = map_shared(LEN, 0);
	expect(p == MAP_FAILED && errno == want, "mmap: %p, %m (errno %d wanted)",
	       p, want);
	note("strict: mmap of 64 MiB failed: %s", strerror(errno));
	p = map_shared(4096, 0);
	expect(p != MAP_FAILED, "small mmap: %m");
	return failed;
}

static int run_case(int argc, char **argv)
{
	const char *c = argv[2];

	G = read_ulong(MSHARE_ROOT "/mshare_info");
	alarm(300);
	if (!strcmp(c, "attach"))
		return case_attach();
	if (!strcmp(c, "passthrough"))
		return case_passthrough();
	if (!strcmp(c, "fork"))
		return case_fork();
	if (!strcmp(c, "exec"))
		return case_exec();
	if (!strcmp(c, "exec-child"))
		return case_exec_child();
	if (!strcmp(c, "munmap"))
		return case_munmap();
	if (!strcmp(c, "hugetlb"))
		return case_hugetlb();
	if (!strcmp(c, "huge-try"))
		return case_huge_try();
	if (!strcmp(c, "server"))
		return case_server();
	if (!strcmp(c, "forced-huge"))
		return case_forced_huge();
	if (!strcmp(c, "threads"))
		return case_threads();
	if (!strcmp(c, "keep"))
		return case_keep();
	if (!strcmp(c, "fallback"))
		return case_fallback();
	if (!strcmp(c, "strict") && argc > 3)
		return case_strict(atoi(argv[3]));
	note("unknown case %s", c);
	return FAIL;
}

/* ---- the driver ---- */

static int nr, nfail;
static char skip_why[256];

/*
 * Run argv (with the environment given, NAME=VALUE strings, added), as
 * uid if not -1, in a process group of its own. Its stdout is ours; its
 * stderr is copied to err. Whatever is left of the group when it ends (or
 * after CASE_TIMEOUT seconds) is killed: a broken case must not hang the
 * driver, which reads the stderr those processes hold.
 * Return: the wait status.
 */
#define CASE_TIMEOUT	240

static int run(uid_t uid, const char *const *env, const char *const *argv,
	       char *err, size_t errlen)
{
	int fds[2], status = -1, waited = 0, ticks = 0;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	fflush(stdout);
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		setpgid(0, 0);
		dup2(fds[1], STDERR_FILENO);
		for (; env && *env; env++)
			putenv((char *)*env);
		if (uid != (uid_t)-1 &&
		    (setgroups(0, NULL) || setgid(uid) || setuid(uid))) {
			dprintf(STDERR_FILENO, "set uid %d: %m\n", (int)uid);
			_exit(99);
		}
		execv(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "exec %s: %m\n", argv[0]);
		_exit(98);
	}
	setpgid(pid, pid);
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		int ready = poll(&pfd, 1, waited ? 0 : 100);

		if (ready > 0) {
			r = read(fds[0], err + n, errlen - 1 - n);
			if (r > 0) {
				n += r;
				continue;
			}
			if (!r || n == errlen - 1)
				break;	/* EOF, or no more room */
		}
		if (waited)
			break;	/* gone, and nothing more to read */
		if (waitpid(pid, &status, WNOHANG) == pid) {
			waited = 1;
		} else if (++ticks == CASE_TIMEOUT * 10) {
			printf("# killed after %d s\n", CASE_TIMEOUT);
			kill(-pid, SIGKILL);
		}
	}
	err[n] = '\0';
	close(fds[0]);
	if (!waited)
		waitpid(pid, &status, 0);
	/* Workers a broken case left behind hold the pipe: kill them. */
	kill(-pid, SIGKILL);
	return status;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void show_stderr(const char *err)
{
	const char *p = err, *e;

	for (; *p; p = e + 1) {
		e = strchrnul(p, '\n');
		printf("# stderr: %.*s\n", (int)(e - p), p);
		if (!*e)
			break;
	}
}

/*
 * One check: mshare-run with the options given (up to a NULL), running
 * case. Return: PASS, FAIL or SKIP, with its stderr in err.
 */
static int via_run(uid_t uid, char *err, size_t errlen, const char *cas,
		   ...)
{
	const char *argv[32];
	int n = 0, status;
	const char *o;
	va_list ap;

	argv[n++] = run_path;
	va_start(ap, cas);
	while ((o = va_arg(ap, const char *)) && n < 26)
		argv[n++] = o;
	va_end(ap);
	argv[n++] = "--";
	argv[n++] = self;
	argv[n++] = "--case";
	argv[n++] = cas;
	argv[n] = NULL;
	status = run(uid, NULL, argv, err, errlen);
	show_stderr(err);
	if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP)
		return SKIP;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("# %s: exit status %#x\n", cas, status);
		return FAIL;
	}
	return PASS;
}

#define ERRLEN	8192

static int need_mshare(void)
{
	if (G)
		return 0;
	snprintf(skip_why, sizeof(skip_why), "no %s/mshare_info", MSHARE_ROOT);
	return SKIP;
}

static int need_root(void)
{
	if (!geteuid())
		return 0;
	snprintf(skip_why, sizeof(skip_why), "not root");
	return SKIP;
}

/* A case that must succeed with nothing on stderr. */
static int quiet(const char *cas, ...)
{
	char err[ERRLEN];
	const char *o[8];
	int n = 0, ret;
	va_list ap;

	if (need_mshare())
		return SKIP;
	va_start(ap, cas);
	while (n < 7 && (o[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	o[n] = NULL;
	ret = via_run(-1, err, sizeof(err), cas, "-t", "1m",
		      o[0], o[1], o[2], o[3], o[4], o[5], o[6], NULL);
	if (ret == SKIP)
		snprintf(skip_why, sizeof(skip_why), "see above");
	if (ret == PASS && *err) {
		printf("# stderr not empty\n");
		return FAIL;
	}
	return ret;
}

static int t_attach(void)	{ return quiet("attach", NULL); }
static int t_passthrough(void)	{ return quiet("passthrough", NULL); }
static int t_fork(void)		{ return quiet("fork", NULL); }
static int t_exec(void)		{ return quiet("exec", NULL); }
static int t_munmap(void)	{ return quiet("munmap", NULL); }
static int t_hugetlb(void)	{ return quiet("hugetlb", NULL); }
static int t_huge_try(void)	{ return quiet("huge-try", NULL); }
static int t_server(void)	{ return quiet("server", NULL); }
static int t_forced(void)	{ return quiet("forced-huge", "-p", "2m", NULL); }
static int t_threads(void)	{ return quiet("threads", NULL); }
static int t_keep(void)		{ return quiet("keep", "-k", "-n", "keeptest", NULL); }

static int t_verbose(void)
{
	char err[ERRLEN];
	int ret;

	if (need_mshare())
		return SKIP;
	ret = via_run(-1, err, sizeof(err), "attach", "-t", "1m", "-v", NULL);
	if (ret == PASS && (!strstr(err, "mshare-run: LD_PRELOAD=") ||
			    !strstr(err, ": region " MSHARE_ROOT "/") ||
			    !strstr(err, ": detached ")))
		ret = FAIL;
	return ret;
}

/* Make dir (owned by uid) under the msharefs root, for a check. */
static int make_dir(const char *dir, uid_t uid, mode_t mode)
{
	rmdir(dir);
	if (mkdir(dir, mode) || chmod(dir, mode) ||
	    (uid && chown(dir, uid, uid))) {
		printf("# %s: %m\n", dir);
		return -1;
	}
	return 0;
}

/* A non-root user in a directory delegated to it, strict: no fallback. */
static int t_delegated(void)
{
	const char *dir = MSHARE_ROOT "/preload-test-user";
	char err[ERRLEN];
	int ret;

	if (need_mshare() || need_root())
		return SKIP;
	if (make_dir(dir, NOBODY, 0700))
		return FAIL;
	ret = via_run(NOBODY, err, sizeof(err), "attach", "-s", "-t", "1m",
		      "-d", dir, NULL);
	if (ret == PASS && *err)
		ret = FAIL;
	if (rmdir(dir)) {
		printf("# rmdir %s: %m\n", dir);
		ret = FAIL;
	}
	return ret;
}

/* A fallback: plain memory, and one line on stderr that says why. */
static int fallback(uid_t uid, const char *dir, const char *why)
{
	char err[ERRLEN];
	int ret;

	ret = via_run(uid, err, sizeof(err), "fallback", "-t", "1m", "-d", dir,
		      NULL);
	if (ret != PASS)
		return ret;
	if (lines(err) != 1 || strncmp(err, "mshare-run: ", 12) ||
	    !strstr(err, dir) || !strstr(err, why) ||
	    !strstr(err, "; using plain shared memory\n")) {
		printf("# want one line on stderr: \"mshare-run: %s...%s; using plain shared memory\"\n",
		       dir, why);
		return FAIL;
	}
	return PASS;
}

static int t_fallback_fs(void)
{
	return fallback(-1, "/tmp", "not on msharefs");
}

static int t_fallback_missing(void)
{
	return fallback(-1, "/nonexistent-mshare-dir", strerror(ENOENT));
}

static int t_fallback_perm(void)
{
	const char *dir = MSHARE_ROOT "/preload-test-root";
	int ret;

	if (need_mshare() || need_root())
		return SKIP;
	if (make_dir(dir, 0, 0755))
		return FAIL;
	ret = fallback(NOBODY, dir, strerror(EACCES));
	if (rmdir(dir)) {
		printf("# rmdir %s: %m\n", dir);
		ret = FAIL;
	}
	return ret;
}

/* mshare-run --strict checks up front: exit 125 and a message. */
static int t_strict_run(void)
{
	const char *argv[] = { run_path, "-s", "-d", "/tmp", "--", "/bin/true",
			       NULL };
	char err[ERRLEN];
	int status;

	status = run(-1, NULL, argv, err, sizeof(err));
	show_stderr(err);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 125 ||
	    lines(err) != 1 || !strstr(err, "/tmp: not on msharefs")) {
		printf("# want exit status 125 and one line; got %#x\n", status);
		return FAIL;
	}
	return PASS;
}

/* The library alone, strict: the program's mmap() fails with ENODEV. */
static int t_strict_lib(void)
{
	char pre[4200], num[16];
	const char *env[] = { pre, "MSHARE_STRICT=1", "MSHARE_DIR=/tmp",
			      "MSHARE_THRESHOLD=1m", NULL };
	const char *argv[] = { self, "--case", "strict", num, NULL };
	char err[ERRLEN];
	int status;

	snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", lib_path);
	snprintf(num, sizeof(num), "%d", ENODEV);
	status = run(-1, env, argv, err, sizeof(err));
	show_stderr(err);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || lines(err) != 1 ||
	    !strstr(err, "mmap fails (strict mode)")) {
		printf("# exit status %#x\n", status);
		return FAIL;
	}
	return PASS;
}

/* What was in the msharefs root at the start: names, one a line. */
static char root_before[8192];
static unsigned long free2m_before, free1g_before;

static void list_root(char *buf, size_t len)
{
	struct dirent *d;
	size_t n = 0;
	DIR *dir = opendir(MSHARE_ROOT);

	buf[0] = '\0';
	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") &&
		    strcmp(d->d_name, "mshare_info"))
			n += snprintf(buf + n, n < len ? len - n : 0, "%s\n",
				      d->d_name);
	closedir(dir);
}

static int t_clean(void)
{
	char now[8192];
	unsigned long f2 = huge_free_settled(2 * MIB, free2m_before);
	unsigned long f1 = huge_free_settled(1UL << 30, free1g_before);
	int ret = PASS;

	list_root(now, sizeof(now));
	if (strcmp(now, root_before)) {
		printf("# left in %s:\n%s", MSHARE_ROOT, now);
		ret = FAIL;
	}
	if (f2 != free2m_before || f1 != free1g_before) {
		printf("# free huge pages: 2 MiB %lu (was %lu), 1 GiB %lu (was %lu)\n",
		       f2, free2m_before, f1, free1g_before);
		ret = FAIL;
	}
	return ret;
}

static const struct {
	const char *name;
	int (*fn)(void);
} checks[] = {
	{ "attach: a 64 MiB MAP_SHARED|MAP_ANONYMOUS mmap is an unlinked region's attachment", t_attach },
	{ "passthrough: small, private, MAP_FIXED, PROT_NONE and file mappings stay plain", t_passthrough },
	{ "fork: a child reads the populated region with <= 4 faults", t_fork },
	{ "exec: exec detaches, the new program's mappings are attachments", t_exec },
	{ "munmap: detaches; partial munmap is EINVAL; stale entries are safe", t_munmap },
	{ "hugetlb: MAP_HUGETLB 2 MiB and 1 GiB pages in regions, given back", t_hugetlb },
	{ "huge_pages=try: MAP_HUGETLB past the pool is ENOMEM, quietly; then 4 KiB", t_huge_try },
	{ "server: workers fault once; a crash resets the segment in SIGCHLD", t_server },
	{ "page-size: --page-size 2m puts plain requests on 2 MiB pages", t_forced },
	{ "threads: threads and a signal handler map and unmap regions", t_threads },
	{ "keep: --keep --name leaves PREFIX-PID-N, mode 0600, size G", t_keep },
	{ "verbose: --verbose reports the settings, regions and detaches", t_verbose },
	{ "delegated: a non-root user in a directory delegated to it", t_delegated },
	{ "fallback: --dir /tmp (not msharefs): plain memory, one line", t_fallback_fs },
	{ "fallback: a missing directory: plain memory, one line", t_fallback_missing },
	{ "fallback: no permission (nobody, root's directory): one line", t_fallback_perm },
	{ "strict: mshare-run --strict --dir /tmp exits 125 with a message", t_strict_run },
	{ "strict: the library alone fails mmap() with ENODEV", t_strict_lib },
	{ "clean: nothing left in " MSHARE_ROOT ", every huge page back", t_clean },
};

int main(int argc, char **argv)
{
	size_t i;
	ssize_t n;
	int c;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("readlink /proc/self/exe");
		return 1;
	}
	self[n] = '\0';
	if (argc > 2 && !strcmp(argv[1], "--case"))
		return run_case(argc, argv);
	while ((c = getopt(argc, argv, "r:l:")) != -1) {
		switch (c) {
		case 'r':
			run_path = optarg;
			break;
		case 'l':
			lib_path = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-r MSHARE-RUN] [-l LIBRARY]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	G = read_ulong(MSHARE_ROOT "/mshare_info");
	list_root(root_before, sizeof(root_before));
	free2m_before = huge_free(2 * MIB);
	free1g_before = huge_free(1UL << 30);

	printf("TAP version 13\n");
	printf("1..%zu\n", sizeof(checks) / sizeof(checks[0]));
	printf("# G = %lu, launcher %s, library %s\n", G, run_path, lib_path);
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		int ret;

		skip_why[0] = '\0';
		ret = checks[i].fn();
		nr++;
		if (ret == SKIP) {
			printf("ok %d %s # SKIP %s\n", nr, checks[i].name,
			       skip_why[0] ? skip_why : "");
		} else if (ret == PASS) {
			printf("ok %d %s\n", nr, checks[i].name);
		} else {
			printf("not ok %d %s\n", nr, checks[i].name);
			nfail++;
		}
	}
	printf("# %d checks, %d failed\n", nr, nfail);
	return nfail ? 1 : 0;
}
