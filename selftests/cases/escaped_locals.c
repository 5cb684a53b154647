// SPDX-License-Identifier: GPL-2.0
/*
 * Pointers to stack locals kept where no relocation of locals can find
 * them: in a heap object, in a global, and in a field of a structure that
 * is itself a local of another frame (SQLite's Parse, held by its Vdbe and
 * its parser engine).  Frames are unwound and rebuilt while those pointers
 * are live; every access through them must still reach the local.
 *
 * upstare-test: unwind=7
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parse {
	int labels[8];
	int nlabel;
	char name[16];
};

struct vdbe {
	struct parse *parse;	/* a caller's local, from the heap */
	long sum;
};

struct engine {
	struct parse *parse;	/* a caller's local, from another frame's struct */
	int state;
};

static struct parse *current;	/* a caller's local, from a global */

static int step(struct engine *e, struct vdbe *v, int i)
{
	int k;

	for (k = 0; k < 3; k++) {
		e->state += i + k;
		v->sum += e->parse->labels[(i + k) % 8];
	}
	return e->state;
}

static void resolve(struct vdbe *v, int x)
{
	struct parse *p = v->parse;

	p->labels[p->nlabel++ % 8] = x;
	current->labels[x % 8] += 1;
}

static int run(struct parse *p, struct vdbe *v)
{
	struct engine eng;	/* its address escapes too: into step() */
	int i, r = 0;

	memset(&eng, 0, sizeof(eng));
	eng.parse = p;
	for (i = 0; i < 40; i++) {
		resolve(v, i * 7 + 1);
		r += step(&eng, v, i);
	}
	return r + eng.state;
}

static long prepare(const char *sql)
{
	struct parse sparse;
	struct vdbe *v = calloc(1, sizeof(*v));
	char buf[32];
	long res;
	int r;

	memset(&sparse, 0, sizeof(sparse));
	snprintf(sparse.name, sizeof(sparse.name), "%s", sql);
	v->parse = &sparse;
	current = &sparse;
	r = run(&sparse, v);
	snprintf(buf, sizeof(buf), "%s:%d", sparse.name, sparse.nlabel);
	printf("%s r=%d sum=%ld labels=%d,%d,%d\n", buf, r, v->sum, v->parse->labels[0],
	       current->labels[3], sparse.labels[7]);
	res = v->sum + r;
	free(v);
	current = NULL;
	return res;
}

int main(void)
{
	long total = 0;

	for (int i = 0; i < 6; i++) {
		char sql[8];

		snprintf(sql, sizeof(sql), "q%d", i);
		total += prepare(sql);
	}
	printf("total %ld\n", total);
	return 0;
}
