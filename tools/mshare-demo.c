// SPDX-License-Identifier: GPL-2.0
/*
 * mshare-demo: shows one mshare region shared by several processes, with
 * its page tables held once, next to a plain memfd MAP_SHARED mapping of
 * the same size whose page tables every process holds for itself.
 *
 * It is also an example of the mshare API (Documentation/admin-guide/mm/
 * mshare.rst, <linux/msharefs.h>):
 *   0. read the granularity G from /sys/fs/mshare/mshare_info;
 *   1. create a region: open() with O_CREAT in /sys/fs/mshare;
 *   2. size it: ftruncate() to a multiple of G;
 *   3. put memory in it: ioctl(MSHAREFS_CREATE_MAPPING);
 *   4. attach it: mmap() of the region file, in any process that opens it;
 *   5. detach: munmap() (or exit, or exec);
 *   6. destroy: unlink(), the memory goes with the last fd and attachment.
 * The comments below carry the same numbers.
 *
 * For N = 1, 2, 4 and 8 it starts N reader processes (fork and execve of
 * this program with "--reader": they inherit nothing but two pipes), which
 * open the region by its path, attach it, read every page, and report their
 * page faults and VmPTE. The same is then done with a memfd that the
 * readers open through /proc/<parent>/fd/<fd>. It prints what it measures;
 * the selftests are what check mshare.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/msharefs.h>

#include "tool.h"

#define MSHARE_INFO	"/sys/fs/mshare/mshare_info"
#define REGION_PATH	"/sys/fs/mshare/demo"
#define DATA_SIZE	(256UL << 20)	/* the shared memory, in both cases */
#define MAX_READERS	8
#define COLUMNS		"faults/proc VmPTE/proc PageTables growth"

static const int nreaders[] = { 1, 2, 4, 8 };

/* What one round (N readers of one kind of mapping) measured. */
struct round {
	double faults;		/* page faults per reader, average */
	long vmpte_kb;		/* VmPTE per reader, average */
	long growth_kb;		/* PageTables with all readers attached - before */
	long attachments;	/* mshare_attachments in the region's fdinfo */
};

static char **envp;	/* main's environment, passed on to the readers */

/*
 * PageTables of /proc/meminfo, in kB. Each CPU batches its updates of the
 * counter; writing to /proc/sys/vm/stat_refresh (root) folds them in first,
 * so that the value is exact. Without it the value is only off by a few
 * pages per CPU.
 */
static long pagetables_kb(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);
	long kb;

	if (fd >= 0) {
		/* If this fails, the value is approximate: see above. */
		ssize_t ret = write(fd, "1\n", 2);

		(void)ret;
		close(fd);
	}
	kb = proc_value("/proc/meminfo", "PageTables");

	if (kb < 0)
		fail("no PageTables in /proc/meminfo");
	return kb;
}

static double ratio(long a, long b)
{
	return b > 0 ? (double)a / b : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Put the index of each page at its start, for the readers to check. */
static void write_pages(char *p, size_t size, size_t page)
{
	size_t i;

	for (i = 0; i < size / page; i++)
		*(uint64_t *)(p + i * page) = i;
}

/*
 * A reader: argv is "--reader PATH BYTES". Open the file by its path,
 * map it, read the first BYTES of it page by page, report on stdout (a
 * pipe) "faults VmPTE-kB bad-pages", then wait for the parent to close
 * stdin before leaving.
 */
static int run_reader(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	struct rusage ru0, ru1;
	unsigned long bytes, i, bad = 0;
	struct stat st;
	char *p, c;
	int fd;

	who = argv[0];
	if (argc != 4)
		fail("usage: %s --reader PATH BYTES", argv[0]);
	bytes = strtoul(argv[3], NULL, 0);

	/*
	 * Any process that can open the region file can attach it: it needs
	 * no fd or mapping from the process that made it. (For the memfd,
	 * PATH is /proc/<parent>/fd/<fd>, which opens the parent's memfd.)
	 */
	fd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open %s", argv[2]);
	if (fstat(fd, &st))
		die("fstat %s", argv[2]);
	if ((unsigned long)st.st_size < bytes)
		fail("%s: size %lld, smaller than %lu", argv[2],
		     (long long)st.st_size, bytes);

	/*
	 * Attach: map the whole file, shared. For a region the length must be
	 * its size (a multiple of G) and the offset 0; the kernel places it at
	 * a G-aligned address. Reading needs no more than PROT_READ.
	 */
	p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap %s", argv[2]);
	/* The mapping keeps the file (and the region) alive. */
	close(fd);

	/*
	 * Read every page and check what the parent wrote there; count the
	 * page faults this takes. In a region, the first touch links this
	 * process to the region's page tables, which already map every page:
	 * one fault for all of it. With the memfd, each fault maps a few
	 * pages (fault-around) in page tables of this process's own.
	 */
	if (getrusage(RUSAGE_SELF, &ru0))
		die("getrusage");
	for (i = 0; i < bytes / page; i++)
		if (*(uint64_t *)(p + i * page) != i)
			bad++;
	if (getrusage(RUSAGE_SELF, &ru1))
		die("getrusage");

	if (dprintf(STDOUT_FILENO, "%ld %ld %lu\n",
		    ru1.ru_minflt - ru0.ru_minflt,
		    proc_value("/proc/self/status", "VmPTE"), bad) < 0)
		die("report to the parent");

	/* Stay attached until the parent has measured; EOF says go. */
	for (;;) {
		ssize_t r = read(STDIN_FILENO, &c, 1);

		if (!r)
			break;
		if (r < 0 && errno != EINTR)
			die("wait for the parent");
	}

	/* Detach: munmap of the whole attachment (exit would do it too). */
	if (munmap(p, st.st_size))
		die("munmap");
	return 0;
}

/*
 * Start n readers of path, collect their reports, measure PageTables while
 * they are all attached, then let them go and reap them.
 */
static void run_round(const char *path, int n, unsigned long bytes,
		      int region_fd, struct round *r)
{
	int cmd[2], rep[MAX_READERS][2];
	long faults = 0, vmpte = 0, before;
	pid_t pid[MAX_READERS];
	char size_arg[32];
	int i, status;

	snprintf(size_arg, sizeof(size_arg), "%lu", bytes);
	/*
	 * Every fd is close-on-exec: a reader gets only the read end of cmd as
	 * its stdin and the write end of its own rep pipe as its stdout.
	 */
	if (pipe2(cmd, O_CLOEXEC))
		die("pipe");
	before = pagetables_kb();
	for (i = 0; i < n; i++) {
		char *argv[5];

		argv[0] = "mshare-demo reader";
		argv[1] = "--reader";
		argv[2] = (char *)path;
		argv[3] = size_arg;
		argv[4] = NULL;
		if (pipe2(rep[i], O_CLOEXEC))
			die("pipe");
		pid[i] = fork();
		if (pid[i] < 0)
			die("fork");
		if (!pid[i]) {
			if (dup2(cmd[0], STDIN_FILENO) < 0 ||
			    dup2(rep[i][1], STDOUT_FILENO) < 0)
				_exit(126);
			execve("/proc/self/exe", argv, envp);
			perror("mshare-demo: execve /proc/self/exe");
			_exit(127);
		}
		close(rep[i][1]);
	}
	close(cmd[0]);

	for (i = 0; i < n; i++) {
		long f, kb;
		unsigned long bad;
		char line[128];

		if (read_line(rep[i][0], line, sizeof(line)) ||
		    sscanf(line, "%ld %ld %lu", &f, &kb, &bad) != 3)
			fail("reader %d of %d (%s) did not report", i + 1, n, path);
		if (bad)
			fail("reader %d of %s saw %lu pages with wrong data",
			     i + 1, path, bad);
		if (kb < 0)
			fail("reader %d: no VmPTE in /proc/self/status", i + 1);
		faults += f;
		vmpte += kb;
		close(rep[i][0]);
	}
	r->growth_kb = pagetables_kb() - before;
	r->attachments = region_fd < 0 ? 0 : fdinfo_value(region_fd,
							  "mshare_attachments");

	/* All measured: closing cmd gives every reader EOF, and they exit. */
	close(cmd[1]);
	for (i = 0; i < n; i++) {
		if (waitpid(pid[i], &status, 0) != pid[i])
			die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail("reader %d of %s ended with status 0x%x",
			     i + 1, path, status);
	}
	r->faults = (double)faults / n;
	r->vmpte_kb = vmpte / n;
}

/* Read G, the granularity of regions, or return 0 if there is no mshare. */
static unsigned long read_granularity(void)
{
	unsigned long long g;
	FILE *f;

	f = fopen(MSHARE_INFO, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		die("open %s", MSHARE_INFO);
	}
	if (fscanf(f, "%llu", &g) != 1 || !g)
		fail("%s: no granularity in it", MSHARE_INFO);
	fclose(f);
	return g;
}

/*
 * Make the region: create it, size it to one G, and create in it an
 * anonymous shared mapping of DATA_SIZE, populated at once. Then attach it
 * here to fill every page, and detach. Returns the region's fd.
 */
static int make_region(unsigned long g, size_t page, long *pt_kb)
{
	struct mshare_create mc = {
		.region_offset	= 0,		/* at the start of the region */
		.size		= DATA_SIZE,
		.offset		= 0,		/* no file: anonymous memory */
		.prot		= PROT_READ | PROT_WRITE,
		.flags		= MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED |
				  MAP_POPULATE,
		.fd		= (__u32)-1,
	};
	long grown;
	char *p;
	int fd;

	/* A region left by an earlier run would make O_EXCL fail. */
	if (unlink(REGION_PATH) && errno != ENOENT)
		die("unlink %s", REGION_PATH);

	/* 1. Create: every regular file on msharefs is a region. */
	fd = open(REGION_PATH, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		die("create %s", REGION_PATH);

	/* 2. Size: a non-zero multiple of G, set once. */
	if (ftruncate(fd, g))
		die("ftruncate %s to G = %lu", REGION_PATH, g);

	/*
	 * 3. Populate: the ioctl maps memory in the region as mmap() would,
	 * at an offset in the region (MAP_FIXED: replace what is there, here
	 * nothing). MAP_POPULATE faults it all in now, so the region's page
	 * tables are made here, once, for every process that will attach.
	 */
	grown = pagetables_kb();
	if (ioctl(fd, MSHAREFS_CREATE_MAPPING, &mc))
		die("ioctl MSHAREFS_CREATE_MAPPING");
	grown = pagetables_kb() - grown;
	/*
	 * The region's fdinfo counts its own page tables exactly; PageTables
	 * also sees whatever else the system did meanwhile.
	 */
	*pt_kb = fdinfo_value(fd, "mshare_pgtables");
	*pt_kb = *pt_kb < 0 ? grown : *pt_kb / 1024;

	/*
	 * 4. Attach: mmap() the whole region, shared, offset 0. The address
	 * is a multiple of G; the first DATA_SIZE bytes are the mapping made
	 * above, the rest of the region maps nothing (SIGSEGV if touched).
	 */
	p = mmap(NULL, g, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap %s", REGION_PATH);
	printf("region %s: G = %lu bytes (%lu GiB), size G,\n",
	       REGION_PATH, g, g >> 30);
	printf("  %lu MiB of anonymous shared memory at offset 0, populated:\n",
	       DATA_SIZE >> 20);
	printf("  %ld kB of page tables, held once (fdinfo; PageTables grew by %ld kB)\n",
	       *pt_kb, grown);
	printf("  attached here at %p to write every page, then detached\n",
	       p);
	write_pages(p, DATA_SIZE, page);

	/* 5. Detach: munmap() of the whole attachment; the region stays. */
	if (munmap(p, g))
		die("munmap %s", REGION_PATH);
	return fd;
}

/* The same memory as a memfd, filled the same way; returns its fd. */
static int make_memfd(size_t page)
{
	char *p;
	int fd;

	fd = memfd_create("mshare-demo", MFD_CLOEXEC);
	if (fd < 0)
		die("memfd_create");
	if (ftruncate(fd, DATA_SIZE))
		die("ftruncate memfd");
	p = mmap(NULL, DATA_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap memfd");
	write_pages(p, DATA_SIZE, page);
	if (munmap(p, DATA_SIZE))
		die("munmap memfd");
	return fd;
}

int main(int argc, char **argv, char **env)
{
	struct round ms[ARRAY_SIZE(nreaders)], mf[ARRAY_SIZE(nreaders)];
	long page = sysconf(_SC_PAGESIZE), region_pt_kb, before;
	char memfd_path[64];
	int rfd, mfd, i, last;
	double t0 = now();
	unsigned long g;

	who = "mshare-demo";
	envp = env;
	if (argc > 1 && !strcmp(argv[1], "--reader"))
		return run_reader(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* 0. The granularity: region sizes and addresses are multiples of it. */
	g = read_granularity();
	if (!g) {
		printf("mshare: not in this kernel (no %s)\n", MSHARE_INFO);
		return 0;
	}
	if (g < DATA_SIZE || g % page)
		fail("G = %lu: not a multiple of the page size or below %lu MiB",
		     g, DATA_SIZE >> 20);

	printf("mshare-demo: %lu MiB of shared memory (%lu pages of %ld kB), read by N processes\n",
	       DATA_SIZE >> 20, DATA_SIZE / page, page >> 10);
	rfd = make_region(g, page, &region_pt_kb);
	mfd = make_memfd(page);
	snprintf(memfd_path, sizeof(memfd_path), "/proc/%d/fd/%d",
		 getpid(), mfd);
	printf("memfd: the same size, MAP_SHARED, readers open %s\n\n",
	       memfd_path);

	printf("          | %-40s | %s\n", "mshare region " REGION_PATH,
	       "memfd MAP_SHARED");
	printf("processes | %s | %s\n", COLUMNS, COLUMNS);
	for (i = 0; i < (int)ARRAY_SIZE(nreaders); i++) {
		run_round(REGION_PATH, nreaders[i], DATA_SIZE, rfd, &ms[i]);
		run_round(memfd_path, nreaders[i], DATA_SIZE, -1, &mf[i]);
		printf("%9d | %11.0f %7ld kB %14ld kB | %11.0f %7ld kB %14ld kB\n",
		       nreaders[i], ms[i].faults, ms[i].vmpte_kb,
		       ms[i].growth_kb, mf[i].faults, mf[i].vmpte_kb,
		       mf[i].growth_kb);
	}
	last = i - 1;
	printf("mshare_attachments in the region's fdinfo with the readers attached:");
	for (i = 0; i <= last; i++)
		printf(" %ld", ms[i].attachments);
	printf("\n");
	printf("VmPTE of a reader: %ld kB with mshare (its own program), %ld kB more with memfd\n",
	       ms[last].vmpte_kb, mf[last].vmpte_kb - ms[last].vmpte_kb);

	/* 6. Destroy: unlink; the memory goes with the last fd. */
	close(mfd);
	before = pagetables_kb();
	if (unlink(REGION_PATH))
		die("unlink %s", REGION_PATH);
	close(rfd);
	printf("\nunlinked and closed the region: PageTables %ld kB -> %ld kB\n",
	       before, pagetables_kb());

	printf("conclusion: %d processes mapping %lu MiB added %ld kB of page tables",
	       nreaders[last], DATA_SIZE >> 20, ms[last].growth_kb);
	printf(" with mshare (+%ld kB once, in the region) and %ld kB with memfd MAP_SHARED:",
	       region_pt_kb, mf[last].growth_kb);
	printf(" %.1fx less (%.1fx counting the region's);",
	       ratio(mf[last].growth_kb, ms[last].growth_kb),
	       ratio(mf[last].growth_kb, ms[last].growth_kb + region_pt_kb));
	printf(" %.0f instead of %.0f faults each\n",
	       ms[last].faults, mf[last].faults);
	printf("run time %.1f s\n", now() - t0);
	return 0;
}
