// SPDX-License-Identifier: GPL-2.0
/*
 * pgmon: the counters of the PostgreSQL benchmark (guest/pg/pgbench-guest),
 * read exactly from procfs in the guest. libc only, built static.
 *
 *   pgmon sample PMPID MS [TRACE]
 *	every MS milliseconds until SIGTERM or SIGINT: write 1 to
 *	/proc/sys/vm/stat_refresh (folds the per-CPU counter batches in, so
 *	PageTables is exact to the page), read PageTables of /proc/meminfo,
 *	and over the backends of the postmaster PMPID (its children whose
 *	title has " [local]") the sum of VmPTE (/proc/PID/status) and of
 *	minflt (field 10 of /proc/PID/stat). TRACE gets one line a sample:
 *	"ms pagetables_kb backends vmpte_sum_kb vmpte_max_kb minflt_sum".
 *	On exit it prints one line of key=value: the peaks (pt_peak_kb, the
 *	largest PageTables seen; vmpte_peak_kb, the largest sum of VmPTE;
 *	vmpte_max_kb, the largest VmPTE of one backend; backends_peak),
 *	and samples.
 *   pgmon backends PMPID	how many backends PMPID has now
 *   pgmon stat PID		"minflt cminflt" of PID (fields 10 and 11)
 *   pgmon meminfo KEY...	stat_refresh, then the kB of each KEY, one a line
 *   pgmon vmpte PMPID		VmPTE kB of each backend, one a line
 *   pgmon reboot		sync, then reboot(2) (QEMU -no-reboot exits)
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/reboot.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Read a small procfs file into buf (NUL-terminated); -1 if it is gone. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while (got < (ssize_t)size - 1) {
		n = read(fd, buf + got, size - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

static void stat_refresh(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "1\n", 2) < 0)
			perror("stat_refresh");
		close(fd);
	}
}

/* "KEY:   N kB" of a key: value file; -1 if missing. */
static long field_kb(const char *text, const char *key)
{
	size_t len = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, len) && p[len] == ':')
			return strtol(p + len + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static long meminfo_kb(const char *key)
{
	static char buf[8192];

	if (slurp("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	return field_kb(buf, key);
}

/*
 * Fields of /proc/PID/stat after the comm (which may hold spaces): the
 * text after the last ')'. Field n (1-based, as proc(5) numbers them) is
 * word n - 3 of it. Returns 0 and fills ppid, minflt, cminflt.
 */
static int read_stat(int pid, long *ppid, long *minflt, long *cminflt)
{
	char path[64], buf[2048], *p, *end;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (slurp(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	for (field = 3; field <= 11; field++) {
		long v;

		while (*p == ' ')
			p++;
		if (field == 3) {	/* state: a letter */
			p++;
			continue;
		}
		v = strtol(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
		if (field == 4 && ppid)
			*ppid = v;
		if (field == 10 && minflt)
			*minflt = v;
		if (field == 11 && cminflt)
			*cminflt = v;
	}
	return 0;
}

/* Is PID a child of pm whose title says it serves a client? */
static int is_backend(int pid, long pm, long *minflt)
{
	char path[64], buf[512];
	long ppid = -1;
	ssize_t n, i;

	if (read_stat(pid, &ppid, minflt, NULL) || ppid != pm)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	n = slurp(path, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	return strstr(buf, " [local]") != NULL;
}

struct scan {
	int backends;
	long vmpte_sum, vmpte_max, minflt_sum;
};

/* Walk /proc: every backend of pm; each's VmPTE to fn when given. */
static void scan(long pm, struct scan *s, FILE *each)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[64], buf[4096];

	memset(s, 0, sizeof(*s));
	if (!d)
		return;
	while ((e = readdir(d))) {
		long minflt = 0, pte;
		int pid;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = atoi(e->d_name);
		if (!is_backend(pid, pm, &minflt))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
		if (slurp(path, buf, sizeof(buf)) <= 0)
			continue;
		pte = field_kb(buf, "VmPTE");
		if (pte < 0)
			continue;
		s->backends++;
		s->vmpte_sum += pte;
		if (pte > s->vmpte_max)
			s->vmpte_max = pte;
		s->minflt_sum += minflt;
		if (each)
			fprintf(each, "%d %ld\n", pid, pte);
	}
	closedir(d);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static int sample(long pm, long ms, const char *trace)
{
	long pt_peak = -1, vmpte_peak = 0, vmpte_max = 0, t0 = now_ms();
	int backends_peak = 0, samples = 0;
	FILE *tr = NULL;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (trace) {
		tr = fopen(trace, "w");
		if (!tr) {
			perror(trace);
			return 1;
		}
		setvbuf(tr, NULL, _IOLBF, 0);
	}
	while (!stop) {
		struct scan s;
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		long pt;

		stat_refresh();
		pt = meminfo_kb("PageTables");
		scan(pm, &s, NULL);
		samples++;
		if (pt > pt_peak)
			pt_peak = pt;
		if (s.vmpte_sum > vmpte_peak)
			vmpte_peak = s.vmpte_sum;
		if (s.vmpte_max > vmpte_max)
			vmpte_max = s.vmpte_max;
		if (s.backends > backends_peak)
			backends_peak = s.backends;
		if (tr)
			fprintf(tr, "%ld %ld %d %ld %ld %ld\n", now_ms() - t0, pt,
				s.backends, s.vmpte_sum, s.vmpte_max, s.minflt_sum);
		while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	if (tr)
		fclose(tr);
	printf("pt_peak_kb=%ld vmpte_peak_kb=%ld vmpte_max_kb=%ld backends_peak=%d samples=%d\n",
	       pt_peak, vmpte_peak, vmpte_max, backends_peak, samples);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: pgmon sample PMPID MS [TRACE] | backends PMPID | stat PID |\n"
			"       meminfo KEY... | vmpte PMPID | reboot\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "sample") && (argc == 4 || argc == 5))
		return sample(atol(argv[2]), atol(argv[3]), argc == 5 ? argv[4] : NULL);
	if (!strcmp(argv[1], "backends") && argc == 3) {
		struct scan s;

		scan(atol(argv[2]), &s, NULL);
		printf("%d\n", s.backends);
		return 0;
	}
	if (!strcmp(argv[1], "vmpte") && argc == 3) {
		struct scan s;

		scan(atol(argv[2]), &s, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "stat") && argc == 3) {
		long minflt, cminflt;

		if (read_stat(atoi(argv[2]), NULL, &minflt, &cminflt))
			return 1;
		printf("%ld %ld\n", minflt, cminflt);
		return 0;
	}
	if (!strcmp(argv[1], "meminfo") && argc >= 3) {
		int i;

		stat_refresh();
		for (i = 2; i < argc; i++)
			printf("%ld\n", meminfo_kb(argv[i]));
		return 0;
	}
	if (!strcmp(argv[1], "reboot") && argc == 2) {
		sync();
		reboot(RB_AUTOBOOT);
		perror("reboot");
		return 1;
	}
	return usage();
}
