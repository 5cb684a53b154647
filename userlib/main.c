// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The program's entry: upstare-cc renames the program's main, and this
 * main runs it under the thread-entry wrapper.  Kept in an archive member
 * of its own, so a program linked from uninstrumented objects keeps its
 * own main.
 */
#include "runtime.h"

int __upstare_main_thunk(int argc, char **argv, char **envp);

int main(int argc, char **argv, char **envp)
{
	int (*thunk)(int, char **, char **) = __upstare_main_thunk;
	int r;

	upstare__init();
	for (;;) {
		r = thunk(argc, argv, envp);
		if (!upstare__entry_unwound())
			break;
		/* rebuild in the version running now */
		thunk = (int (*)(int, char **, char **))upstare__entry_fn((void *)thunk);
	}
	return r;
}
