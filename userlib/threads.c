// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Thread entry: every pthread_create of an instrumented program goes
 * through __upstare_pthread_create, so the start routine runs under a
 * wrapper where unwinding stops and rebuilding starts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "runtime.h"

struct start {
	void *(*fn)(void *);
	void *arg;
};

static void *thread_entry(void *p)
{
	struct start s = *(struct start *)p;
	void *r;

	free(p);
	upstare__thread_register();
	for (;;) {
		r = s.fn(s.arg);
		if (!upstare__entry_unwound())
			break;
		/* rebuild in the version running now */
		s.fn = (void *(*)(void *))upstare__entry_fn((void *)s.fn);
	}
	upstare__thread_unregister();
	return r;
}

int __upstare_pthread_create(pthread_t *t, const pthread_attr_t *attr,
			     void *(*fn)(void *), void *arg)
{
	struct start *s = malloc(sizeof(*s));
	int err;

	if (!s)
		return EAGAIN;
	s->fn = fn;
	s->arg = arg;
	err = pthread_create(t, attr, thread_entry, s);
	if (err)
		free(s);
	return err;
}
