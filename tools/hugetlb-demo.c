// SPDX-License-Identifier: GPL-2.0
/*
 * hugetlb-demo: shows, in the guest, the huge page features of the base
 * that the series proves: anonymous MAP_HUGETLB mappings (private, shared,
 * 2 MiB and 1 GiB), the promises of the old alloc_hugepages() kept by
 * SysV SHM_HUGETLB, and remap_file_pages() rearranging a file mapping.
 * It prints what it sees; the selftests are what check it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/mman.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static long meminfo(const char *key)
{
	char line[256];
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			val = strtol(line + strlen(key) + 1, NULL, 10);
	if (f)
		fclose(f);
	return val;
}

/* The smaps KernelPageSize (kB) and the name of the mapping at addr. */
static long page_kb(void *addr, char *name, size_t len)
{
	char line[512];
	unsigned long lo, hi;
	int in = 0;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		int off = 0;

		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &off) == 2 && off) {
			in = lo <= (unsigned long)addr && (unsigned long)addr < hi;
			if (in && name) {
				snprintf(name, len, "%s", line + off);
				name[strcspn(name, "\n")] = 0;
			}
		} else if (in && sscanf(line, "KernelPageSize: %ld kB", &kb) == 1) {
			break;
		}
	}
	if (f)
		fclose(f);
	return kb;
}

static void anon_hugetlb(const char *what, int flags, size_t len)
{
	long free0 = meminfo("HugePages_Free"), rsvd0 = meminfo("HugePages_Rsvd");
	char name[256] = "";
	size_t hps;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_ANONYMOUS | MAP_HUGETLB | flags, -1, 0);
	if (p == MAP_FAILED) {
		printf("  %-30s mmap: %s\n", what, strerror(errno));
		return;
	}
	printf("  %-30s at %p: Rsvd %ld -> %ld", what, p, rsvd0,
	       meminfo("HugePages_Rsvd"));
	memset(p, 0x5a, len);
	printf(", after writing: Free(2M) %ld -> %ld\n", free0,
	       meminfo("HugePages_Free"));
	hps = page_kb(p, name, sizeof(name)) * 1024;
	printf("  %-30s KernelPageSize %ld kB, maps name %s\n", "",
	       hps / 1024, name);
	/* munmap() of hugetlb wants the length rounded to the page size too */
	munmap(p, (len + hps - 1) / hps * hps);
}

static void fork_semantics(int flags, const char *what)
{
	size_t len = 2UL << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_ANONYMOUS | MAP_HUGETLB | flags, -1, 0);

	if (p == MAP_FAILED)
		return;
	p[0] = 'P';
	if (fork() == 0) {
		p[0] = 'C';
		_exit(0);
	}
	wait(NULL);
	printf("  %-30s child wrote 'C', parent reads '%c'\n", what, p[0]);
	munmap(p, len);
}

static void shm_segment(void)
{
	size_t len = 2UL << 20;
	key_t key = 0x4d534852;
	int id, id2;
	char *p;

	id = shmget(key, len, IPC_CREAT | SHM_HUGETLB | 0600);
	if (id < 0) {
		printf("  shmget(SHM_HUGETLB): %s\n", strerror(errno));
		return;
	}
	p = shmat(id, NULL, 0);
	strcpy(p, "written by the creator");
	if (fork() == 0) {
		char *q = shmat(shmget(key, 0, 0), NULL, 0);

		printf("  keyed segment seen by a child that attached by key: \"%s\"\n", q);
		_exit(0);
	}
	wait(NULL);
	shmdt(p);
	shmctl(id, IPC_RMID, NULL);
	id2 = shmget(key, len, SHM_HUGETLB | 0600);
	printf("  shmget() of the removed key without IPC_CREAT: %s\n",
	       id2 < 0 ? strerror(errno) : "found?");
}

static void remap(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	int fd = memfd_create("rfp-demo", 0), i, vmas = 0;
	char line[512], *p;
	FILE *f;

	if (ftruncate(fd, 8 * ps))
		return;
	p = mmap(NULL, 8 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	for (i = 0; i < 8; i++)
		p[i * ps] = '0' + i;
	printf("  memfd pages in the mapping before: ");
	for (i = 0; i < 8; i++)
		putchar(p[i * ps]);
	for (i = 0; i < 8; i++)
		if (syscall(SYS_remap_file_pages, p + i * ps, ps, 0, 7 - i, 0))
			perror("remap_file_pages");
	printf(", after reversing with remap_file_pages(): ");
	for (i = 0; i < 8; i++)
		putchar(p[i * ps]);
	f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f))
		vmas += !!strstr(line, "memfd:rfp-demo");
	if (f)
		fclose(f);
	printf("\n  the emulation built %d VMAs for the one mapping\n", vmas);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("== MAP_HUGETLB: anonymous huge page mappings (internal hugetlbfs mount)\n");
	anon_hugetlb("private 4 MiB", MAP_PRIVATE, 4UL << 20);
	anon_hugetlb("shared 4 MiB", MAP_SHARED, 4UL << 20);
	anon_hugetlb("private 1 byte (rounds up)", MAP_PRIVATE, 1);
	anon_hugetlb("shared MAP_HUGE_1GB", MAP_SHARED | MAP_HUGE_1GB, 1UL << 30);
	fork_semantics(MAP_PRIVATE, "fork, private mapping:");
	fork_semantics(MAP_SHARED, "fork, shared mapping:");
	printf("== alloc_hugepages() promises with SHM_HUGETLB\n");
	shm_segment();
	printf("  HugePages_Total %ld, HugePages_Free %ld, Hugepagesize %ld kB\n",
	       meminfo("HugePages_Total"), meminfo("HugePages_Free"),
	       meminfo("Hugepagesize"));
	printf("== remap_file_pages(): emulated with ordinary VMAs\n");
	remap();
	return 0;
}
