// SPDX-License-Identifier: GPL-2.0
/*
 * What kind of call a call expression is.
 *
 * The analysis (analyze.c), the quiet functions (park.c) and the printer
 * (emit*.c) ask the same questions of a call: what it calls, whether it
 * may enter instrumented code (then it is hoisted to a statement of its
 * own and gets a continuation point), whether it may block or run long
 * outside the program, whether its arguments are evaluated at all, and
 * whether the function making it can be rebuilt.  What the C library's
 * functions do (wrapped, cheap) is libcalls.c's, by the callee.
 */
#include <stdlib.h>
#include <string.h>

#include "calls.h"

/* The function a call calls directly, or a null cursor (an indirect call). */
CXCursor call_target(CXCursor call)
{
	CXCursor *kids, e, ref = clang_getNullCursor();
	unsigned n = get_kids(call, &kids);

	if (!n) {
		free(kids);
		return ref;
	}
	e = strip_implicit(kids[0]);
	free(kids);
	while (clang_getCursorKind(e) == CXCursor_UnaryOperator &&
	       clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_Deref) {
		n = get_kids(e, &kids);
		if (n != 1) {
			free(kids);
			return ref;
		}
		e = strip_implicit(kids[0]);
		free(kids);
	}
	if (clang_getCursorKind(e) != CXCursor_DeclRefExpr)
		return ref;
	e = clang_getCursorReferenced(e);
	if (clang_getCursorKind(e) == CXCursor_FunctionDecl)
		ref = e;
	return ref;
}

static bool is_builtin_name(const char *n)
{
	return !strncmp(n, "__builtin", 9) || !strncmp(n, "__sync_", 7) ||
	       !strncmp(n, "__atomic_", 9) || !strncmp(n, "__c11_atomic", 12);
}

/* A call that may enter instrumented code, or a wrapped blocking call. */
bool hoistable(CXCursor call)
{
	CXCursor ref = call_target(call), def;
	bool res = true;
	char *n;

	if (clang_Cursor_isNull(ref) || clang_getCursorKind(ref) != CXCursor_FunctionDecl)
		return true;
	n = cur_spelling(ref);
	if (is_builtin_name(n)) {
		res = false;
	} else {
		def = clang_getCursorDefinition(ref);
		/* the program's own function, or one it declares, or a wrapper */
		res = !in_system_header(clang_Cursor_isNull(def) ? ref : def) ||
		      is_wrapped_point(ref);
	}
	free(n);
	return res;
}

bool is_direct_call(CXCursor call)
{
	return !clang_Cursor_isNull(call_target(call));
}

/* Builtins whose arguments are not evaluated. */
bool unevaluated_builtin(CXCursor call)
{
	static const char *const names[] = {
		"__builtin_constant_p", "__builtin_object_size", "__builtin_dynamic_object_size",
		"__builtin_classify_type", "__builtin_assume", NULL,
	};
	CXCursor ref = call_target(call);
	bool r = false;
	char *n;

	if (clang_Cursor_isNull(ref))
		return false;
	n = cur_spelling(ref);
	for (int i = 0; names[i] && !r; i++)
		r = !strcmp(n, names[i]);
	free(n);
	return r;
}

/*
 * A call into code that is not instrumented, so has no update point, and
 * that may block or run long: not a builtin, not a cheap C library
 * function (libcalls.c).  memcached's "while (!stop) event_base_loop(...)"
 * runs one pass a second, and libevent is no part of the program.
 */
bool slow_call(CXCursor call)
{
	CXCursor ref = call_target(call);
	char *n;
	bool res;

	if (hoistable(call))
		return false;
	n = cur_spelling(ref);
	res = !is_builtin_name(n) && !cheap_libcall(ref);
	free(n);
	return res;
}


/*
 * A call of one of the C library's memory functions, which keep no pointer
 * they are given: 1, or 2 for one that returns its first argument
 * (memcpy(), memmove(), memset()), else 0.
 */
int mem_function(CXCursor call)
{
	static const char *const names[] = {
		"memcmp", "bcmp", "bzero", "__builtin_memcmp", "__builtin_bcmp", "__builtin_bzero",
		"__builtin_memcpy_inline", "__builtin_memset_inline",
		/* returning their first argument */
		"memcpy", "memmove", "memset", "__builtin_memcpy", "__builtin_memmove",
		"__builtin_memset", "__builtin___memcpy_chk", "__builtin___memmove_chk",
		"__builtin___memset_chk", NULL,
	};
	CXCursor fn = call_target(call);
	char *name;
	int r = 0;

	if (clang_Cursor_isNull(fn))
		return 0;
	name = cur_spelling(fn);
	for (int i = 0; names[i] && !r; i++)
		if (!strcmp(name, names[i]))
			r = i < 8 ? 1 : 2;
	/* the library's, not the program's own memcpy() */
	if (strncmp(name, "__builtin_", 10) && !in_system_header(fn))
		r = 0;
	free(name);
	return r;
}

static bool is_setjmp_like(const char *n)
{
	static const char *const names[] = {
		"setjmp", "_setjmp", "__sigsetjmp", "sigsetjmp", "savectx", "vfork",
		"getcontext", "__builtin_setjmp", NULL,
	};

	for (int i = 0; names[i]; i++)
		if (!strcmp(n, names[i]))
			return true;
	return false;
}

/* Why a function that makes this call cannot be rebuilt, or NULL. */
const char *call_nr_reason(CXCursor call)
{
	CXCursor ref = call_target(call);
	const char *reason = NULL;
	char *n;

	if (clang_Cursor_isNull(ref) || clang_getCursorKind(ref) != CXCursor_FunctionDecl)
		return NULL;
	n = cur_spelling(ref);
	if (is_setjmp_like(n))
		reason = "calls setjmp() or a function like it";
	else if (!strcmp(n, "alloca") || !strcmp(n, "__builtin_alloca") ||
		 !strcmp(n, "__builtin_alloca_with_align"))
		reason = "uses alloca()";
	free(n);
	return reason;
}
