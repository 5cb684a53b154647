// SPDX-License-Identifier: GPL-2.0
/*
 * framemap IN OUT: what frame maps made by the compiler would cost.
 *
 * A measuring tool for framemap-estimate.sh, not part of upstare-cc.  IN is
 * LLVM IR as clang emits it before any optimization
 * (-Xclang -disable-llvm-passes): every local is still an alloca.  After
 * every call to a function (not an intrinsic, not noreturn) the tool adds a
 * call of llvm.experimental.stackmap that records the locals a frame record
 * would hold there:
 *
 *   - each scalar local that is live after the call (read later on some
 *     path before it is written), by value;
 *   - each local whose address escapes, and each aggregate, by address
 *     (it stays in memory: the map gives its stack slot).
 *
 * OUT is bitcode, to be optimized with opt -passes='default<O2>' and
 * compiled with llc.
 *
 * framemap -d IN OUT records the same values as a "deopt" operand bundle
 * of the call itself, and marks every function for the statepoint GC
 * strategy: opt -passes=rewrite-statepoints-for-gc after the optimizer then
 * makes each such call a gc.statepoint, whose stack map record is at the
 * call's return address by construction, and the inliner composes the
 * bundles of inlined calls (the caller's values, then the callee's).
 * Calls it cannot wrap (non-void varargs, more than 64 arguments, calls
 * with bundles already) get no map and are marked gc-leaf-function.  The stackmaps keep exactly those values alive and
 * computable at the call's return, which is what a runtime that reads
 * frames from the native stack would need instead of the save code
 * upstare-cc generates now.  The loop polls and the rebuild are not
 * modelled.  Liveness is computed on the allocas' loads and stores, per
 * basic block, to a fixpoint.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/BitWriter.h>
#include <llvm-c/Core.h>
#include <llvm-c/IRReader.h>

struct local {
	LLVMValueRef alloca;
	LLVMTypeRef type;
	bool scalar;	/* recorded by value when live */
	bool escaped;	/* address used otherwise than by a load or store */
};

struct fn {
	struct local *loc;
	unsigned nloc, nbb, words;
	LLVMBasicBlockRef *bb;
	uint64_t *gen, *kill, *in;	/* nbb rows of words */
};

static unsigned long nmaps, nvalues, naddrs, nleft;
static bool deopt;


static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "framemap: out of memory\n");
		exit(1);
	}
	return p;
}

static bool is_scalar(LLVMTypeRef t)
{
	switch (LLVMGetTypeKind(t)) {
	case LLVMIntegerTypeKind:
	case LLVMPointerTypeKind:
	case LLVMFloatTypeKind:
	case LLVMDoubleTypeKind:
	case LLVMX86_FP80TypeKind:
		return true;
	default:
		return false;
	}
}

static bool name_starts(LLVMValueRef f, const char *prefix)
{
	size_t len;
	const char *n = f ? LLVMGetValueName2(f, &len) : NULL;

	return n && len >= strlen(prefix) && !strncmp(n, prefix, strlen(prefix));
}

/* The tracked local (scalar, not escaped) that I loads or stores to, or -1. */
static int access_of(const struct fn *f, LLVMValueRef i, bool *is_store)
{
	LLVMValueRef ptr;

	if (LLVMIsALoadInst(i)) {
		ptr = LLVMGetOperand(i, 0);
		*is_store = false;
	} else if (LLVMIsAStoreInst(i)) {
		ptr = LLVMGetOperand(i, 1);
		*is_store = true;
	} else {
		return -1;
	}
	for (unsigned k = 0; k < f->nloc; k++)
		if (f->loc[k].alloca == ptr)
			return f->loc[k].scalar && !f->loc[k].escaped ? (int)k : -1;
	return -1;
}

static void collect_locals(struct fn *f, LLVMValueRef func)
{
	LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(func);
	unsigned cap = 16;

	f->loc = xcalloc(cap, sizeof(*f->loc));
	for (LLVMValueRef i = LLVMGetFirstInstruction(entry); i; i = LLVMGetNextInstruction(i)) {
		if (!LLVMIsAAllocaInst(i))
			continue;
		if (f->nloc == cap) {
			cap *= 2;
			f->loc = realloc(f->loc, cap * sizeof(*f->loc));
			if (!f->loc)
				exit(1);
		}
		struct local *l = &f->loc[f->nloc++];

		memset(l, 0, sizeof(*l));
		l->alloca = i;
		l->type = LLVMGetAllocatedType(i);
		l->scalar = is_scalar(l->type);
		for (LLVMUseRef u = LLVMGetFirstUse(i); u; u = LLVMGetNextUse(u)) {
			LLVMValueRef user = LLVMGetUser(u);
			LLVMValueRef callee;

			if (LLVMIsALoadInst(user))
				continue;
			if (LLVMIsAStoreInst(user) && LLVMGetOperand(user, 0) != i)
				continue;
			if (LLVMIsACallInst(user)) {
				callee = LLVMGetCalledValue(user);
				if (name_starts(callee, "llvm.lifetime.") ||
				    name_starts(callee, "llvm.dbg."))
					continue;
			}
			l->escaped = true;
		}
	}
}

/* OUT (f->words words) = the union of what is live into block B's successors. */
static void live_out(const struct fn *f, unsigned b, uint64_t *out)
{
	LLVMValueRef term = LLVMGetBasicBlockTerminator(f->bb[b]);

	memset(out, 0, f->words * sizeof(uint64_t));
	for (unsigned s = 0; term && s < LLVMGetNumSuccessors(term); s++) {
		LLVMBasicBlockRef succ = LLVMGetSuccessor(term, s);

		for (unsigned j = 0; j < f->nbb; j++)
			if (f->bb[j] == succ)
				for (unsigned w = 0; w < f->words; w++)
					out[w] |= f->in[(size_t)j * f->words + w];
	}
}

static void liveness(struct fn *f, LLVMValueRef func)
{
	unsigned b = 0;
	bool changed;

	f->nbb = LLVMCountBasicBlocks(func);
	f->bb = xcalloc(f->nbb, sizeof(*f->bb));
	LLVMGetBasicBlocks(func, f->bb);
	f->words = (f->nloc + 63) / 64;
	f->gen = xcalloc((size_t)f->nbb * f->words, sizeof(uint64_t));
	f->kill = xcalloc((size_t)f->nbb * f->words, sizeof(uint64_t));
	f->in = xcalloc((size_t)f->nbb * f->words, sizeof(uint64_t));
	for (b = 0; b < f->nbb; b++) {
		uint64_t *gen = f->gen + (size_t)b * f->words, *kill = f->kill + (size_t)b * f->words;

		for (LLVMValueRef i = LLVMGetFirstInstruction(f->bb[b]); i;
		     i = LLVMGetNextInstruction(i)) {
			bool st;
			int k = access_of(f, i, &st);

			if (k < 0)
				continue;
			uint64_t bit = 1ULL << (k % 64);

			if (!st && !(kill[k / 64] & bit))
				gen[k / 64] |= bit;
			if (st && !(gen[k / 64] & bit))
				kill[k / 64] |= bit;
		}
	}
	do {
		changed = false;
		for (b = f->nbb; b-- > 0;) {
			uint64_t out[f->words ? f->words : 1];

			live_out(f, b, out);
			for (unsigned w = 0; w < f->words; w++) {
				size_t at = (size_t)b * f->words + w;
				uint64_t v = f->gen[at] | (out[w] & ~f->kill[at]);

				if (v != f->in[at]) {
					f->in[at] = v;
					changed = true;
				}
			}
		}
	} while (changed);
}

static bool is_mapped_call(LLVMValueRef i)
{
	LLVMValueRef callee;

	if (!LLVMIsACallInst(i))
		return false;
	callee = LLVMGetCalledValue(i);
	if (LLVMIsAFunction(callee) && name_starts(callee, "llvm."))
		return false;
	if (LLVMIsAInlineAsm(callee))
		return false;
	unsigned kind = LLVMGetEnumAttributeKindForName("noreturn", 8);

	if (LLVMGetCallSiteEnumAttribute(i, LLVMAttributeFunctionIndex, kind))
		return false;
	if (LLVMIsAFunction(callee) &&
	    LLVMGetEnumAttributeAtIndex(callee, LLVMAttributeFunctionIndex, kind))
		return false;
	return true;
}

/* Replace CALL by the same call with a "deopt" bundle of VALS; false if it cannot be. */
static bool add_deopt(LLVMBuilderRef bld, LLVMValueRef call, LLVMValueRef *vals, unsigned n)
{
	LLVMTypeRef fty = LLVMGetCalledFunctionType(call);
	unsigned na = LLVMGetNumArgOperands(call);
	LLVMValueRef cargs[64], nc;
	LLVMOperandBundleRef ob;

	if (na > 64 || LLVMGetNumOperandBundles(call) ||
	    (LLVMIsFunctionVarArg(fty) && LLVMGetTypeKind(LLVMGetReturnType(fty)) != LLVMVoidTypeKind))
		return false;
	for (unsigned a = 0; a < na; a++)
		cargs[a] = LLVMGetOperand(call, a);
	ob = LLVMCreateOperandBundle("deopt", 5, vals, n);
	nc = LLVMBuildCallWithOperandBundles(bld, fty, LLVMGetCalledValue(call), cargs, na, &ob, 1,
					     "");
	LLVMDisposeOperandBundle(ob);
	LLVMSetInstructionCallConv(nc, LLVMGetInstructionCallConv(call));
	LLVMSetTailCall(nc, LLVMIsTailCall(call));
	for (int idx = -1; idx <= (int)na; idx++) {
		unsigned cnt = LLVMGetCallSiteAttributeCount(call, (LLVMAttributeIndex)idx);
		LLVMAttributeRef *attrs = xcalloc(cnt, sizeof(*attrs));

		LLVMGetCallSiteAttributes(call, (LLVMAttributeIndex)idx, attrs);
		for (unsigned q = 0; q < cnt; q++)
			LLVMAddCallSiteAttribute(nc, (LLVMAttributeIndex)idx, attrs[q]);
		free(attrs);
	}
	LLVMReplaceAllUsesWith(call, nc);
	LLVMInstructionEraseFromParent(call);
	return true;
}

/* Calls left without a map are no safepoints for rewrite-statepoints-for-gc. */
static void mark_leaves(LLVMValueRef func)
{
	LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(func));
	LLVMAttributeRef leaf = LLVMCreateStringAttribute(ctx, "gc-leaf-function", 16, "", 0);

	for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(func); bb; bb = LLVMGetNextBasicBlock(bb))
		for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i))
			if (LLVMIsACallInst(i) && !LLVMGetNumOperandBundles(i))
				LLVMAddCallSiteAttribute(i, LLVMAttributeFunctionIndex, leaf);
}

static void map_calls(struct fn *f, LLVMModuleRef m, LLVMValueRef smfn, LLVMTypeRef smty)
{
	LLVMContextRef ctx = LLVMGetModuleContext(m);
	LLVMBuilderRef bld = LLVMCreateBuilderInContext(ctx);
	LLVMValueRef *args = xcalloc(f->nloc + 2, sizeof(LLVMValueRef));

	for (unsigned b = 0; b < f->nbb; b++) {
		uint64_t live[f->words ? f->words : 1];
		unsigned ncalls = 0, max = 0;

		for (LLVMValueRef i = LLVMGetFirstInstruction(f->bb[b]); i;
		     i = LLVMGetNextInstruction(i))
			max += is_mapped_call(i);

		LLVMValueRef *calls = xcalloc(max, sizeof(*calls));
		uint64_t **at = xcalloc(max, sizeof(*at));

		/* live after each instruction, walking the block backwards */
		live_out(f, b, live);
		for (LLVMValueRef i = LLVMGetLastInstruction(f->bb[b]); i;
		     i = LLVMGetPreviousInstruction(i)) {
			bool st;
			int k;

			if (is_mapped_call(i)) {
				at[ncalls] = xcalloc(f->words ? f->words : 1, sizeof(uint64_t));
				memcpy(at[ncalls], live, f->words * sizeof(uint64_t));
				calls[ncalls++] = i;
			}
			k = access_of(f, i, &st);
			if (k >= 0) {
				if (st)
					live[k / 64] &= ~(1ULL << (k % 64));
				else
					live[k / 64] |= 1ULL << (k % 64);
			}
		}
		for (unsigned c = 0; c < ncalls; c++) {
			unsigned n = 0;

			/* a bundle's values are read before the call, a map's after it */
			LLVMPositionBuilderBefore(bld, deopt ? calls[c] : LLVMGetNextInstruction(calls[c]));
			args[n++] = LLVMConstInt(LLVMInt64TypeInContext(ctx), ++nmaps, 0);
			args[n++] = LLVMConstInt(LLVMInt32TypeInContext(ctx), 0, 0);
			for (unsigned k = 0; k < f->nloc; k++) {
				struct local *l = &f->loc[k];

				if (l->scalar && !l->escaped) {
					if (at[c][k / 64] & (1ULL << (k % 64))) {
						args[n++] = LLVMBuildLoad2(bld, l->type, l->alloca, "");
						nvalues++;
					}
				} else {
					args[n++] = l->alloca;
					naddrs++;
				}
			}
			if (!deopt)
				LLVMBuildCall2(bld, smty, smfn, args, n, "");
			else if (!add_deopt(bld, calls[c], args + 2, n - 2))
				nleft++;
			free(at[c]);
		}
		free(calls);
		free(at);
	}
	free(args);
	LLVMDisposeBuilder(bld);
}

int main(int argc, char **argv)
{
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMMemoryBufferRef buf;
	LLVMModuleRef m;
	LLVMTypeRef smty;
	LLVMValueRef smfn;
	char *err = NULL;
	unsigned id;

	if (argc == 4 && !strcmp(argv[1], "-d")) {
		deopt = true;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: framemap [-d] IN.ll|IN.bc OUT.bc\n");
		return 2;
	}
	if (LLVMCreateMemoryBufferWithContentsOfFile(argv[1], &buf, &err) ||
	    LLVMParseIRInContext(ctx, buf, &m, &err)) {
		fprintf(stderr, "framemap: %s: %s\n", argv[1], err ? err : "cannot read");
		return 1;
	}
	id = LLVMLookupIntrinsicID("llvm.experimental.stackmap", 26);
	smfn = LLVMGetIntrinsicDeclaration(m, id, NULL, 0);
	smty = LLVMIntrinsicGetType(ctx, id, NULL, 0);
	for (LLVMValueRef func = LLVMGetFirstFunction(m); func; func = LLVMGetNextFunction(func)) {
		struct fn f = { 0 };

		if (LLVMIsDeclaration(func))
			continue;
		if (deopt)
			LLVMSetGC(func, "statepoint-example");
		collect_locals(&f, func);
		liveness(&f, func);
		map_calls(&f, m, smfn, smty);
		if (deopt)
			mark_leaves(func);
		free(f.loc);
		free(f.bb);
		free(f.gen);
		free(f.kill);
		free(f.in);
	}
	if (LLVMVerifyModule(m, LLVMReturnStatusAction, &err)) {
		fprintf(stderr, "framemap: %s: the result does not verify: %s\n", argv[1], err);
		return 1;
	}
	if (LLVMWriteBitcodeToFile(m, argv[2])) {
		fprintf(stderr, "framemap: cannot write %s\n", argv[2]);
		return 1;
	}
	printf("%s: %lu maps, %lu locals by value, %lu by address, %lu calls left without\n",
	       argv[1], nmaps - nleft, nvalues, naddrs, nleft);
	LLVMDisposeModule(m);
	LLVMContextDispose(ctx);
	return 0;
}
