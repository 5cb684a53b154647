/*
 * Version 2: the session goes on counting in the jail and, once, says what
 * it can see: its user, its descriptors, the output file outside the jail
 * (by its path), the jail's root, /proc.  The listener, not chrooted, goes
 * on counting and still opens the output file by its path.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char outside[4096];	/* the output file, by its path */
int n, m, m_looked;

/* The descriptors open, and how many of them are directories. */
static int open_fds(int *dirs)
{
	struct stat st;
	int k = 0;

	*dirs = 0;
	for (int fd = 0; fd < 1024; fd++)
		if (!fstat(fd, &st)) {
			k++;
			*dirs += S_ISDIR(st.st_mode);
		}
	return k;
}

/* What the session sees from its jail. */
static void look_around(void)
{
	int fd = open(outside, O_RDONLY), fds, dirs, entries = 0;
	struct dirent *e;
	DIR *d;

	printf("v2 open: %s\n", fd < 0 ? strerror(errno) : "ok");
	if (fd >= 0)
		close(fd);
	fds = open_fds(&dirs);
	printf("v2 uid=%d fds=%d dirs=%d\n", (int)getuid(), fds, dirs);
	d = opendir("/");
	while (d && (e = readdir(d)))
		entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	printf("v2 root entries=%d\n", entries);
	printf("v2 /proc: %s\n", access("/proc/self", F_OK) ? strerror(errno) : "present");
}

static void *worker(void *arg)
{
	static int looked;

	(void)arg;
	for (;;) {
		if (!looked) {
			looked = 1;
			look_around();
		}
		n++;
		printf("v2 n=%d\n", n);
		usleep(20000);
	}
	return NULL;
}

static int session(const char *jail)
{
	pthread_t t;
	int fds, dirs;

	if (chroot(jail) || chdir("/") || setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
		perror("jail");
		return 1;
	}
	fds = open_fds(&dirs);
	printf("v2 jailed uid=%d fds=%d dirs=%d\n", (int)getuid(), fds, dirs);
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	return 0;
}

int main(void)
{
	char exe[4096], jail[4200];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (len < 0) {
		perror("readlink /proc/self/exe");
		return 1;
	}
	exe[len] = 0;
	snprintf(outside, sizeof(outside), "%s/out.txt", dirname(exe));
	snprintf(jail, sizeof(jail), "%s/jail", exe);
	fd = open(outside, O_RDONLY);
	printf("v2 open before the jail: %s\n", fd < 0 ? strerror(errno) : "ok");
	if (fd >= 0)
		close(fd);
	if (fork() == 0)
		return session(jail);
	for (;;) {
		if (!m_looked) {
			m_looked = 1;
			fd = open(outside, O_RDONLY);
			printf("v2 listener open: %s\n", fd < 0 ? strerror(errno) : "ok");
			if (fd >= 0)
				close(fd);
		}
		m++;
		printf("v2 listener m=%d\n", m);
		usleep(20000);
	}
	return 0;
}
