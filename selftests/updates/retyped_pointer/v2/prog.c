/* Version 2: the client's buffer is a char pointer and two lengths. */
#define VERSION "v2"
typedef struct {
	void *c;
	int sfd;
	int buflen;
	int bufused;
	char *buf;
} client_t;
struct module {
	void *data;
	client_t c;
	int runs;
	int status;
};
static char default_buf[16];
#define MOD_INIT = { .c = { .buf = default_buf } }
#include "../v1/prog.c"
