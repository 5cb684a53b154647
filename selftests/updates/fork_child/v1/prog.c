/* A process that forks: parent and child each loop and print. */
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

static void loop(const char *who)
{
	int n = 0;

	for (;;) {
		n++;
		printf("v1 %s n=%d\n", who, n);
		usleep(2000);
	}
}

int main(void)
{
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pid = fork();
	if (pid == 0) {
		printf("child pid %d\n", (int)getpid());
		loop("child");
	}
	loop("parent");
	return 0;
}
