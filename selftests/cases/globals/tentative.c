// SPDX-License-Identifier: GPL-2.0
/*
 * Every variable a unit defines is among the metadata's globals, once,
 * with its complete type, whether it has an initializer or not: a
 * file-scope declaration without extern and without an initializer is a
 * tentative definition (C11 6.9.2), which libclang does not call a
 * definition, and whose first declaration may be a header's extern one.
 * A global missing from the metadata is one whose type change the patch
 * linker cannot see.
 */
// expect-global: state struct counters
// expect-global: declared_first int
// expect-global: solo int
// expect-global: twice long
// expect-global: completed int[4]
// expect-global: never_completed int[1]
// expect-global: file_static int
// expect-global: static_then_extern long
// expect-global: initialized_later int
// expect-global: initialized_first int
// expect-global: per_thread int
// expect-global: local_static int
// expect-no-global: only_declared only_declared_array

struct counters {
	long requests;
	long bytes;
};

/* as a header declares them */
extern struct counters state;
extern int declared_first;
extern int completed[];
extern int only_declared;
extern char only_declared_array[];

struct counters state;
int declared_first;
int solo;
long twice;
long twice;
int completed[];
int completed[4];
int never_completed[];
static int file_static;
static long static_then_extern;
extern long static_then_extern;
int initialized_later;
int initialized_later = 3;
int initialized_first = 4;
int initialized_first;
__thread int per_thread;

int count(void)
{
	static int local_static;

	state.requests++;
	return local_static++ + declared_first + solo + (int)twice + completed[3] +
	       never_completed[0] + file_static + (int)static_then_extern + initialized_later +
	       initialized_first + per_thread + only_declared + only_declared_array[0];
}
