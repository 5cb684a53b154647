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
	int r;

	upstare__init();
	do
		r = __upstare_main_thunk(argc, argv, envp);
	while (upstare__entry_unwound());
	return r;
}
