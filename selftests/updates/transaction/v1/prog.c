/*
 * A worker runs transactions: begin() and end() must run in the same
 * version.  begin() records its version, end() checks it and reports a
 * split.  The worker sleeps inside each transaction (between the halves)
 * and between transactions, so an update can catch it in either place; the
 * constraint "forbid any in transaction" makes it wait for the latter.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define VERSION 1

int began_in, done, splits;

void begin(void)
{
	began_in = VERSION;
}

void end(void)
{
	if (began_in != VERSION) {
		splits++;
		printf("split: began in v%d, ended in v%d\n", began_in, VERSION);
	}
	done++;
}

void transaction(void)
{
	begin();
	usleep(3000);
	end();
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		transaction();
		if (done % 50 == 0)
			printf("v%d done %d splits %d\n", VERSION, done, splits);
		usleep(1000);
	}
	return NULL;
}

int main(void)
{
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pthread_create(&t, NULL, worker, NULL);
	printf("v%d main ready\n", VERSION);
	for (;;)
		sleep(1);
	return 0;
}
