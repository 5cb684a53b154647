/*
 * A listener and its session in a jail, as vsftpd runs them: the listener
 * (root, not chrooted) forks a session, which chroot()s into the empty
 * directory jail/ next to the executable (the test makes it), drops its
 * privileges to nobody, and counts in a worker thread while its main
 * thread waits in pthread_join().  Before the fork the listener opens, by
 * its path, the file the output goes to (outside the jail).
 */
#define _GNU_SOURCE
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
int n, m;

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

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		n++;
		printf("v1 n=%d\n", n);
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
	printf("v1 jailed uid=%d fds=%d dirs=%d\n", (int)getuid(), fds, dirs);
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
	printf("v1 open before the jail: %s\n", fd < 0 ? strerror(errno) : "ok");
	if (fd >= 0)
		close(fd);
	if (fork() == 0)
		return session(jail);
	for (;;) {
		m++;
		printf("v1 listener m=%d\n", m);
		usleep(20000);
	}
	return 0;
}
