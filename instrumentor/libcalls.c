// SPDX-License-Identifier: GPL-2.0
/*
 * What upstare-cc knows of the C library's functions.
 *
 * The calls libupstare wraps (userlib/include/upstare-wrapped.h, the one
 * list: userlib/wrap.c declares its wrappers from it), by the symbol an
 * object calls.  The driver renames an instrumented object's undefined symbols
 * of these names to __upstare_w_NAME, and the instrumentor makes a call
 * that binds to one of them a continuation point: both ask
 * wrapped_symbol(), so what is redirected and what can unwind agree.
 *
 * The symbol is not always the name the program calls: glibc's headers
 * redirect some calls with an asm label (sendfile is "sendfile64" under
 * _FILE_OFFSET_BITS=64), and under _FORTIFY_SOURCE read, recv, recvfrom,
 * poll and ppoll are inline functions of the system headers that call the
 * real function through an alias with an asm label of its own name
 * (__read_alias is "read").  Their checking versions (__read_chk) are not
 * wrapped: glibc 2.36's headers call them only where the inline function
 * knows its buffer's size, and clang 19 never does there (it calls the
 * alias even for a local array).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tu.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *sym;
	enum wrap kind;
} wrapped[] = {
#define UPSTARE_WRAPPED(kind, ret, name, params) { #name, WRAP_##kind },
#include "upstare-wrapped.h"
#undef UPSTARE_WRAPPED
};

enum wrap wrapped_symbol(const char *sym)
{
	for (size_t i = 0; i < NELEM(wrapped); i++)
		if (!strcmp(sym, wrapped[i].sym))
			return wrapped[i].kind;
	return WRAP_NONE;
}

/*
 * Is a call to the function fn one to a wrapper with an update point?  By
 * the symbol the call binds to: an asm label's, else the name (what
 * clang_Cursor_getMangling gives for C).  A function defined inline in a
 * system header (a fortified read) is compiled into the object and calls
 * the symbol of its own name.
 */
bool is_wrapped_point(CXCursor fn)
{
	CXString m = clang_Cursor_getMangling(fn);
	const char *sym = clang_getCString(m);
	bool res = sym && wrapped_symbol(sym) == WRAP_POINT;

	clang_disposeString(m);
	return res;
}

/*
 * C library functions that run for a time bounded by their arguments and
 * never block, and that are not declared pure or const (those are cheap by
 * their declaration: strlen, memcmp, abs, fabs, __errno_location,
 * __ctype_b_loc), nor noreturn (a call that never returns cannot hold a
 * loop up).  The compiler expands many of them inline or keeps a loop
 * around them tight, so a loop calling them may still be strip-mined
 * (cheap_libcall()).
 */
static const char *const cheap[] = {
	"memcpy", "memmove", "memset", "mempcpy", "bzero", "bcopy", "explicit_bzero",
	"strcpy", "strncpy", "stpcpy", "stpncpy", "strcat", "strncat", "strtok", "strtok_r",
	"strsep", "strtol", "strtoul", "strtoll", "strtoull", "strtod", "strtof", "strtold",
	"tolower", "toupper",
};

/* math.h's functions; each also with the suffix f (float) and l (long double) */
static const char *const math[] = {
	"acos", "asin", "atan", "atan2", "cos", "sin", "tan", "acosh", "asinh", "atanh",
	"cosh", "sinh", "tanh", "exp", "exp2", "expm1", "frexp", "ldexp", "log", "log10",
	"log1p", "log2", "logb", "modf", "scalbn", "scalbln", "cbrt", "hypot", "pow", "sqrt",
	"erf", "erfc", "lgamma", "tgamma", "ceil", "floor", "nearbyint", "rint", "lrint",
	"llrint", "round", "lround", "llround", "trunc", "fmod", "remainder", "remquo",
	"copysign", "nan", "nextafter", "nexttoward", "fdim", "fmax", "fmin", "fma", "ilogb",
	"sincos",
};

static bool listed(const char *const *list, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && !strncmp(list[i], name, len))
			return true;
	return false;
}

static enum CXChildVisitResult pure_visit(CXCursor c, CXCursor p, CXClientData d)
{
	enum CXCursorKind k = clang_getCursorKind(c);

	(void)p;
	if (k == CXCursor_PureAttr || k == CXCursor_ConstAttr) {
		*(bool *)d = true;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Continue;
}

/* Is fn declared pure or const (on this declaration or the first)? */
static bool pure_decl(CXCursor fn)
{
	bool pure = false;

	clang_visitChildren(fn, pure_visit, &pure);
	if (!pure)
		clang_visitChildren(clang_getCanonicalCursor(fn), pure_visit, &pure);
	return pure;
}

/* Is fn declared noreturn (abort, exit, __assert_fail behind assert)? */
static bool noreturn_decl(CXCursor fn)
{
	char *type = type_spelling(clang_getCursorType(fn));
	bool res = strstr(type, "__attribute__((noreturn))") != NULL;

	free(type);
	return res;
}

bool cheap_libcall(CXCursor fn)
{
	char *name = cur_spelling(fn);
	size_t len = strlen(name);
	bool res = pure_decl(fn) || noreturn_decl(fn) || listed(cheap, NELEM(cheap), name, len) ||
		   listed(math, NELEM(math), name, len) ||
		   (len > 1 && strchr("fl", name[len - 1]) &&
		    listed(math, NELEM(math), name, len - 1));

	free(name);
	return res;
}
