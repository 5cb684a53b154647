/*
 * A configuration table as servers keep one (vsftpd's parseconf.c): each
 * entry names a setting and points to the variable it sets.  The variables
 * change as the program runs; the table does not, unless built with
 * -DRETARGET, which points an entry elsewhere at start.
 */
#include <stdio.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#endif

int alpha = 1, beta = 2, gamma_ = 3;

static struct setting {
	const char *name;
	int *var;
} settings[] = {
	{ "alpha", &alpha },
#ifdef V2	/* version 2 inserts an entry in the middle */
	{ "beta", &beta },
#endif
	{ "gamma", &gamma_ },
	{ 0, 0 }
};

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
#ifdef RETARGET
	settings[1].var = &beta;
#endif
	for (long tick = 0;; tick++) {
		printf(VERSION " tick=%ld", tick);
		for (int n = 0; settings[n].name; n++)
			printf(" %s=%d", settings[n].name, *settings[n].var);
		printf("\n");
		alpha++;
		usleep(10000);
	}
}
