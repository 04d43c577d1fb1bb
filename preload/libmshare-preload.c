// SPDX-License-Identifier: GPL-2.0
/*
 * libmshare-preload.so: put a program's large anonymous shared memory in
 * mshare regions, without changing the program (LD_PRELOAD; mshare-run(1)
 * sets it up). A region's page tables are shared by every process that maps
 * it, so a server that maps a large shared segment and forks many workers
 * holds one copy of its page tables instead of one per worker
 * (Documentation/admin-guide/mm/mshare.rst).
 *
 * mmap(hint, len, prot, MAP_SHARED | MAP_ANONYMOUS [| MAP_HUGETLB
 * [| MAP_HUGE_2MB or 1GB]] [| MAP_NORESERVE | MAP_POPULATE | MAP_LOCKED],
 * fd, 0) with len >= the threshold becomes:
 *   1. a region file DIR/NAME-PID-N, created O_EXCL with mode 0600;
 *   2. ftruncate() to len rounded up to the granularity G (mshare_info);
 *   3. MSHAREFS_CREATE_MAPPING of an anonymous shared mapping at offset 0,
 *      of len rounded up to the page size (or the huge page size), with the
 *      caller's prot and flags;
 *   4. the attachment: mmap(hint, that size, prot, MAP_SHARED, region, 0);
 *   5. unlink (unless MSHARE_KEEP) and close: the memory goes with the
 *      last process that has it mapped, as with plain shared memory.
 * The program gets the attachment's address: its len bytes are at its
 * start. munmap() of what it got (that address and a length from len up
 * to the attachment's size) detaches the whole attachment; anything else
 * goes to the kernel as it is. Every other mmap() goes to the kernel
 * untouched: below the threshold, MAP_PRIVATE, file mappings, MAP_FIXED,
 * PROT_NONE (a reservation, to be mprotect()ed later, which attachments
 * refuse), other flags.
 *
 * Without mshare (no such directory, not msharefs, no permission, an
 * error from the kernel) the mapping is made as asked, and one line on
 * stderr says why, once per process; MSHARE_STRICT makes mmap() fail with
 * the errno instead.
 *
 * The real calls are made with syscall(2): no dlsym(), which may allocate
 * and would have to run before the first interposed call. Nothing here
 * allocates or uses stdio; every call made from mmap() and munmap() is a
 * system call or a libc function that is async-signal-safe in practice
 * (string functions, pthread_sigmask, a mutex taken with every signal
 * blocked), so a program may map and unmap in a signal handler, as the
 * PostgreSQL postmaster does when it resets shared memory after a crash.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/msharefs.h>

#include "mshare-preload.h"

#define EXPORT		__attribute__((visibility("default")))

#define HUGE_BITS	(MAP_HUGE_MASK << MAP_HUGE_SHIFT)
/* The flags a mapping may have to be moved, and which the region gets. */
#define PASSED_FLAGS	(MAP_HUGETLB | HUGE_BITS | MAP_NORESERVE | \
			 MAP_POPULATE | MAP_LOCKED)
#define MOVED_FLAGS	(MAP_SHARED | MAP_ANONYMOUS | PASSED_FLAGS)

/*
 * One attachment the program got from mmap(). Up to MAX_ATTACHMENTS: an
 * attachment spans at least G (512 GiB), and a 47-bit address space holds
 * 256 of them.
 */
struct attachment {
	uintptr_t addr;		/* 0: a free slot */
	size_t len;		/* what the program asked for, page-rounded */
	size_t size;		/* of the attachment: the region's size */
};

#define MAX_ATTACHMENTS	256

static struct attachment table[MAX_ATTACHMENTS];
static int nr_attached;		/* used slots, read without the lock */
static pthread_mutex_t table_mutex = PTHREAD_MUTEX_INITIALIZER;
static sigset_t table_sigmask;	/* the holder's mask before it took it */

/* The settings, from the environment, read once. */
static struct {
	unsigned long threshold;
	unsigned long force_page;	/* 0, or a huge page size to force */
	int keep, strict, verbose;
	int bad;			/* an invalid setting: do nothing */
	char dir[1024];
	char name[40];			/* prefix of region names */
} cfg;

static int inited;		/* cfg is set */
static unsigned long page_size, default_huge_size;
static unsigned long granularity;	/* G, once mshare answered */
/* 0: not tried yet; 1: usable; -1: not in this process (env_err says why) */
static int mshare_state;
static int env_err;
static enum probe_what env_what;
static int warned;		/* the fallback line was printed */
static int warned_page;		/* the forced-page-size line was printed */
static unsigned long counter;	/* regions made by this process */

/* The real calls. */
static void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static int sys_munmap(void *addr, size_t len)
{
	return syscall(SYS_munmap, addr, len);
}

/* ---- messages: one write(2) a line, errno kept ---- */

static const char *errstr(int err)
{
	const char *s = strerrordesc_np(err);

	return s ? s : "Unknown error";
}

/* Decimal (base 10) or hexadecimal (16) into buf, returns buf. */
static char *num(char *buf, size_t len, unsigned long v, int base)
{
	char *p = buf + len;

	*--p = '\0';
	do {
		*--p = "0123456789abcdef"[v % base];
		v /= base;
	} while (v && p > buf + 2);
	if (base == 16) {
		*--p = 'x';
		*--p = '0';
	}
	return p;
}

/* The strings given, up to a NULL, as one line on stderr. */
static void say(const char *s, ...)
{
	int saved = errno;
	char line[1536];
	size_t n = 0, l;
	va_list ap;

	va_start(ap, s);
	for (; s; s = va_arg(ap, const char *)) {
		l = strlen(s);
		if (l > sizeof(line) - 1 - n)
			l = sizeof(line) - 1 - n;
		memcpy(line + n, s, l);
		n += l;
	}
	va_end(ap);
	line[n++] = '\n';
	while (write(STDERR_FILENO, line, n) < 0 && errno == EINTR)
		;
	errno = saved;
}

/* ---- the settings ---- */

/* The huge page size of the kernel's default pool, or 0. */
static unsigned long read_default_huge_size(void)
{
	static const char key[] = "\nHugepagesize:";
	char buf[4096], *p;
	unsigned long kb = 0;
	ssize_t n;
	int fd;

	fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, key);
	if (!p)
		return 0;
	for (p += sizeof(key) - 1; *p == ' '; p++)
		;
	for (; *p >= '0' && *p <= '9'; p++)
		kb = kb * 10 + (*p - '0');
	return kb << 10;
}

static void bad_setting(const char *var, const char *val, const char *want)
{
	say(ME, var, "=", val, ": ", want, "; mshare not used", NULL);
	cfg.bad = 1;
}

/*
 * Read the settings. Run by the constructor, or by the first mmap() if
 * another library's constructor maps memory before ours ran.
 */
static void init(void)
{
	const char *v, *name = program_invocation_short_name;
	size_t i, n = 0;

	page_size = getauxval(AT_PAGESZ);
	if (!page_size)
		page_size = 4096;
	default_huge_size = read_default_huge_size();

	cfg.threshold = DEFAULT_THRESHOLD;
	v = getenv(ENV_THRESHOLD);
	if (v && *v && parse_size(v, &cfg.threshold))
		bad_setting(ENV_THRESHOLD, v, "not a size (bytes, or a number and k, m, g)");
	v = getenv(ENV_PAGESIZE);
	if (v && *v && parse_page_size(v, &cfg.force_page))
		bad_setting(ENV_PAGESIZE, v, "not 4k, 2m or 1g");
	v = getenv(ENV_DIR);
	if (!v || !*v)
		v = DEFAULT_DIR;
	if (strlen(v) >= sizeof(cfg.dir))
		bad_setting(ENV_DIR, v, "too long");
	else
		strcpy(cfg.dir, v);
	cfg.keep = env_flag(getenv(ENV_KEEP));
	cfg.strict = env_flag(getenv(ENV_STRICT));
	cfg.verbose = env_flag(getenv(ENV_VERBOSE));

	/* Region names: the prefix, letters, digits, '.', '_' and '-' only. */
	v = getenv(ENV_NAME);
	if (v && *v)
		name = v;
	for (i = 0; name && name[i] && n < sizeof(cfg.name) - 1; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			c = '_';
		cfg.name[n++] = c;
	}
	if (!n || cfg.name[0] == '.')
		strcpy(cfg.name, "mshare");
	__atomic_store_n(&inited, 1, __ATOMIC_RELEASE);
}

/* ---- the table of attachments ---- */

/*
 * Every signal is blocked while the table is locked: a signal handler that
 * maps or unmaps memory cannot deadlock on a lock its own thread holds.
 */
static void table_lock(void)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_mutex_lock(&table_mutex);
	table_sigmask = old;
}

static void table_unlock(void)
{
	sigset_t old = table_sigmask;

	pthread_mutex_unlock(&table_mutex);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* fork(): the child gets the table as it is, and the lock free. */
static void atfork_child(void)
{
	sigset_t old = table_sigmask;

	pthread_mutex_init(&table_mutex, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static int table_add(uintptr_t addr, size_t len, size_t size)
{
	int i, ret = -1;

	table_lock();
	for (i = 0; i < MAX_ATTACHMENTS; i++) {
		if (!table[i].addr) {
			table[i] = (struct attachment){ addr, len, size };
			__atomic_add_fetch(&nr_attached, 1, __ATOMIC_RELEASE);
			ret = 0;
			break;
		}
	}
	table_unlock();
	return ret;
}

/*
 * Take out the attachment that munmap(addr, len) means: one at addr for
 * which len is at least what the program asked for and at most the whole
 * attachment. Return: 1 and *a, or 0.
 */
static int table_take(uintptr_t addr, size_t len, struct attachment *a)
{
	size_t plen = (len + page_size - 1) & ~(page_size - 1);
	int i, found = 0;

	table_lock();
	for (i = 0; i < MAX_ATTACHMENTS; i++) {
		struct attachment *t = &table[i];

		if (t->addr == addr && plen >= t->len && plen <= t->size) {
			*a = *t;
			t->addr = 0;
			__atomic_sub_fetch(&nr_attached, 1, __ATOMIC_RELEASE);
			found = 1;
			break;
		}
	}
	table_unlock();
	return found;
}

/*
 * Forget the attachments inside [addr, addr + len), which a successful
 * munmap(), mmap(MAP_FIXED) or mremap() has just removed. (The kernel
 * refuses to remove part of one.)
 */
static void table_forget(uintptr_t addr, size_t len)
{
	int i;

	if (!__atomic_load_n(&nr_attached, __ATOMIC_ACQUIRE))
		return;
	table_lock();
	for (i = 0; i < MAX_ATTACHMENTS; i++) {
		struct attachment *t = &table[i];

		if (t->addr && t->addr >= addr && t->addr - addr < len &&
		    t->size <= len - (t->addr - addr)) {
			t->addr = 0;
			__atomic_sub_fetch(&nr_attached, 1, __ATOMIC_RELEASE);
		}
	}
	table_unlock();
}

/* ---- making a region ---- */

/* Why a region could not be made: what failed, the errno. */
struct failure {
	int err;
	int env;		/* mshare is unusable here (not this mapping) */
	const char *step;	/* the call that failed, or NULL */
};

/* Is mshare usable here? Probe once; Return: 0, or an errno in *f. */
static int mshare_usable(struct failure *f)
{
	int state = __atomic_load_n(&mshare_state, __ATOMIC_ACQUIRE);
	unsigned long g = 0;
	int err;

	if (state == 0) {
		err = probe_dir(cfg.dir, &g, &env_what);
		if (err) {
			env_err = err;
			state = -1;
		} else {
			granularity = g;
			state = 1;
		}
		__atomic_store_n(&mshare_state, state, __ATOMIC_RELEASE);
	}
	if (state > 0)
		return 0;
	f->err = env_err;
	f->env = 1;
	f->step = env_what == PROBE_NOT_MSHAREFS ? "not on msharefs" :
		  env_what == PROBE_INFO ? INFO_NAME : NULL;
	return f->err;
}

/*
 * The directory cannot hold regions for this process (no permission...):
 * do not try again, as when the probe failed.
 */
static void mshare_unusable(struct failure *f)
{
	env_err = f->err;
	env_what = PROBE_DIR;
	f->env = 1;
	__atomic_store_n(&mshare_state, -1, __ATOMIC_RELEASE);
}

/* The huge page size that MAP_HUGETLB flags ask for. */
static unsigned long huge_size(int flags)
{
	int shift = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;

	if (shift)
		return 1UL << shift;
	return default_huge_size ? default_huge_size : 2UL << 20;
}

static int huge_flags(unsigned long size)
{
	return MAP_HUGETLB | (__builtin_ctzl(size) << MAP_HUGE_SHIFT);
}

static unsigned long round_up(unsigned long v, unsigned long unit)
{
	return (v + unit - 1) & ~(unit - 1);
}

/* "NAME-PID-N" */
static void region_name(char *buf, size_t len)
{
	unsigned long n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
	char a[24], b[24];
	const char *parts[] = { cfg.name, "-", num(a, sizeof(a), getpid(), 10),
				"-", num(b, sizeof(b), n, 10) };
	size_t i, at = 0, l;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		l = strlen(parts[i]);
		if (l > len - 1 - at)
			l = len - 1 - at;
		memcpy(buf + at, parts[i], l);
		at += l;
	}
	buf[at] = '\0';
}

/* The errors of creating a file that say the directory is not for us. */
static int env_error(int err)
{
	return err == EACCES || err == EPERM || err == EROFS ||
	       err == ENOENT || err == ENOTDIR || err == ENODEV;
}

static void verbose_region(const char *name, void *p, size_t len,
			   unsigned long size, unsigned long unit, int flags)
{
	char a[24], b[24], c[24], d[24];

	say(ME, "mmap ", num(a, sizeof(a), len, 10), " bytes: region ",
	    cfg.dir, "/", name, cfg.keep ? " (kept)" : " (unlinked)",
	    ", mapping ", num(b, sizeof(b), size, 10), " bytes of ",
	    num(c, sizeof(c), unit >> 10, 10), " kB pages",
	    flags & MAP_POPULATE ? ", populated" : "",
	    ", attached at ", num(d, sizeof(d), (uintptr_t)p, 16), NULL);
}

/*
 * Make a region for mmap(hint, len, prot, flags) and attach it.
 * Return: the attachment, or MAP_FAILED and why in *f.
 */
static void *region_mmap(void *hint, size_t len, int prot, int flags,
			 struct failure *f)
{
	struct mshare_create mc = {
		.region_offset = 0,
		.offset = 0,
		.prot = prot,
		.fd = (__u32)-1,
	};
	unsigned long g, unit, size, rsize;
	int dfd, fd = -1, i, mflags;
	void *p = MAP_FAILED;
	char name[sizeof(cfg.name) + 48];

	if (mshare_usable(f))
		return MAP_FAILED;
	g = granularity;
	f->env = 0;

	mflags = flags & PASSED_FLAGS;
	if (flags & MAP_HUGETLB)
		unit = huge_size(flags);
	else if (cfg.force_page)
		unit = cfg.force_page;
	else
		unit = page_size;
	if (len > ~0UL / 2 - g) {
		f->err = ENOMEM;
		f->step = "size";
		return MAP_FAILED;
	}

	dfd = open(cfg.dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		f->err = errno;
		f->step = NULL;
		if (env_error(f->err))
			mshare_unusable(f);
		return MAP_FAILED;
	}
	/* A name that exists (a kept region of a past process): the next. */
	for (i = 0; i < 64; i++) {
		region_name(name, sizeof(name));
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			    0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		f->err = errno;
		f->step = NULL;
		close(dfd);
		if (env_error(f->err))
			mshare_unusable(f);
		return MAP_FAILED;
	}

	/* The same whatever the page size: G is a multiple of every one. */
	rsize = round_up(len, g);
	if (ftruncate(fd, rsize)) {
		f->err = errno;
		f->step = "ftruncate";
		goto fail;
	}
again:
	size = round_up(len, unit);
	mc.size = size;
	mc.flags = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED | mflags;
	if (unit != page_size && !(flags & MAP_HUGETLB))
		mc.flags |= huge_flags(unit);
	if (ioctl(fd, MSHAREFS_CREATE_MAPPING, &mc)) {
		f->err = errno;
		f->step = "MSHAREFS_CREATE_MAPPING";
		/* Forced huge pages, but none to be had: pages asked for. */
		if (unit != page_size && !(flags & MAP_HUGETLB)) {
			char a[24];

			if (cfg.verbose ||
			    !__atomic_exchange_n(&warned_page, 1, __ATOMIC_RELAXED))
				say(ME, num(a, sizeof(a), unit >> 10, 10),
				    " kB pages: ", errstr(f->err),
				    "; using the pages the program asked for",
				    NULL);
			unit = page_size;
			goto again;
		}
		goto fail;
	}
	if (hint)
		hint = (void *)((uintptr_t)hint & ~(g - 1));
	p = sys_mmap(hint, rsize, prot, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		f->err = errno;
		f->step = "attach";
		goto fail;
	}
	if (table_add((uintptr_t)p, round_up(len, page_size), rsize)) {
		sys_munmap(p, rsize);
		p = MAP_FAILED;
		f->err = ENOMEM;
		f->step = "too many regions";
		goto fail;
	}
	if (!cfg.keep)
		unlinkat(dfd, name, 0);
	close(fd);
	close(dfd);
	if (cfg.verbose)
		verbose_region(name, p, len, size, unit, mflags);
	return p;

fail:
	/* Even when kept: a region that never got to the program is waste. */
	unlinkat(dfd, name, 0);
	close(fd);
	close(dfd);
	return MAP_FAILED;
}

/* ---- the interposed calls ---- */

/* Is this a mapping to move into a region? */
static int wanted(size_t len, int prot, int flags, off_t off)
{
	if (!__atomic_load_n(&inited, __ATOMIC_ACQUIRE))
		init();
	if (cfg.bad || len < cfg.threshold || !len || off)
		return 0;
	if ((flags & MAP_TYPE) != MAP_SHARED || !(flags & MAP_ANONYMOUS))
		return 0;
	/* MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_32BIT, MAP_GROWSDOWN... */
	if (flags & ~MOVED_FLAGS)
		return 0;
	/* Size bits without MAP_HUGETLB: MAP_UNINITIALIZED, or nonsense. */
	if (!(flags & MAP_HUGETLB) && (flags & HUGE_BITS))
		return 0;
	if (!prot || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return 0;
	return 1;
}

/* The one line that says this process does without mshare, and why. */
static void say_fallback(const struct failure *f, size_t len, int strict)
{
	const char *end = strict ? "; mmap fails (strict mode)" :
			  "; using plain shared memory";
	char a[24];

	if (!cfg.verbose && __atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		return;
	if (f->env)
		say(ME, cfg.dir, ": ", f->step ? f->step : "",
		    f->step ? ": " : "", errstr(f->err), end, NULL);
	else
		say(ME, "mmap of ", num(a, sizeof(a), len, 10), " bytes: ",
		    f->step, ": ", errstr(f->err), end, NULL);
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	struct failure f = { 0 };
	void *p;

	if (wanted(len, prot, flags, off)) {
		p = region_mmap(addr, len, prot, flags, &f);
		if (p != MAP_FAILED)
			return p;
		if (cfg.strict) {
			say_fallback(&f, len, 1);
			errno = f.err;
			return MAP_FAILED;
		}
		p = sys_mmap(addr, len, prot, flags, fd, off);
		/*
		 * If the plain mapping fails too (no huge pages, no memory),
		 * the program gets its error and no line: nothing fell back.
		 */
		if (p != MAP_FAILED)
			say_fallback(&f, len, 0);
		return p;
	}
	p = sys_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
		table_forget((uintptr_t)p, len);
	return p;
}

/* The same function in glibc on 64-bit (off_t is off64_t). */
EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off) __attribute__((alias("mmap")));

EXPORT int munmap(void *addr, size_t len)
{
	struct attachment a;
	char b[24], c[24];
	int ret;

	if (__atomic_load_n(&nr_attached, __ATOMIC_ACQUIRE) &&
	    table_take((uintptr_t)addr, len, &a)) {
		/*
		 * Detach. Check first that the whole attachment is still
		 * mapped (msync() fails with ENOMEM over a hole; MS_ASYNC does
		 * nothing else): an attachment removed behind our back, by a
		 * raw system call, must not turn this into an munmap() of
		 * whatever took its place.
		 */
		if (!syscall(SYS_msync, addr, a.size, MS_ASYNC)) {
			ret = sys_munmap(addr, a.size);
			if (!ret) {
				if (cfg.verbose)
					say(ME, "munmap ", num(b, sizeof(b), (uintptr_t)addr, 16),
					    ": detached ", num(c, sizeof(c), a.size, 10),
					    " bytes", NULL);
				return 0;
			}
			/* Should not happen: keep it, and tell the program. */
			table_add(a.addr, a.len, a.size);
			return ret;
		}
	}
	ret = sys_munmap(addr, len);
	if (!ret)
		table_forget((uintptr_t)addr, len);
	return ret;
}

/* Only to keep the table right when MREMAP_FIXED maps over attachments. */
EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = NULL, *p;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	p = (void *)syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
	if (p != MAP_FAILED && (flags & MREMAP_FIXED))
		table_forget((uintptr_t)p, new_len);
	return p;
}

__attribute__((constructor)) static void preload_init(void)
{
	if (!__atomic_load_n(&inited, __ATOMIC_ACQUIRE))
		init();
	pthread_atfork(table_lock, table_unlock, atfork_child);
}
