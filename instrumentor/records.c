// SPDX-License-Identifier: GPL-2.0
/*
 * Saves as records (upstare-cc's default).  Where the save code would copy
 * the live locals into the frame record, the instrumented C code calls one
 * of the markers (emit.c, emit_records()): __upstare_rec(cp, entries) at
 * entry, __upstare_rec_unwind(fd, cp, entries) after a call and
 * __upstare_rec_poll(fd, cp, entries) at a loop's update point, each entry
 * off, size, what.  This pass, run on clang's IR before optimization, makes
 * each a statepoint (llvm.experimental.gc.statepoint) calling the matching
 * stub of the runtime, with fd and cp as its arguments (the last two) and
 * the values in its "deopt" bundle:
 *
 *   %t = call token @llvm.experimental.gc.statepoint.p0(i64 cp, i32 0,
 *        ptr elementtype(i32 (ptr, i32)) @__upstare_rec_unwind_stub, i32 2,
 *        i32 2, ptr fd, i32 cp, i64 0, i64 0)
 *        [ "deopt"(i32 off, i32 how, <value>, ...) ]
 *   %r = call i32 @llvm.experimental.gc.result.i32(token %t)
 *
 * The code generator then writes a stack-map record at the call's return
 * address saying where each value is at the call: a register, a stack
 * slot, a constant.  Flags 2 ("live-in") lets the values be in any
 * register at the call, so nothing is spilled for it (unless a value
 * comes twice: flags 0, spilled); the stub stores every
 * register and upstare__rec_save() copies the values into the frame record
 * (userlib/records.c).  The record belongs to the call itself: nothing the
 * code generator places around it can separate them.
 *
 * how is size << 2 | kind: the value itself, size bytes (REC_VALUE: a
 * scalar local, loaded from its alloca, which the optimizer then keeps in
 * a register or wherever it likes); the address of size bytes to copy
 * (REC_MEMORY: aggregates, side-stack locals); or a pointer to store
 * (REC_POINTER: where an address-taken local lives).  Functions with a
 * statepoint get the "statepoint-example" garbage collector, which LLVM
 * requires of them; no value is a collected pointer, so nothing else
 * changes.
 *
 * LLVM's C API (llvm-c/), from libLLVM: the same library clang runs on,
 * so the IR written here is what the clang that compiles it reads.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/BitReader.h>
#include <llvm-c/BitWriter.h>
#include <llvm-c/Core.h>
#include <llvm-c/Target.h>

#include "elfread.h"
#include "instrument.h"
#include "records.h"
#include "upstare-stackmap.h"

/* The markers upstare-cc writes, and the stubs their statepoints call. */
static const struct marker {
	const char *name, *stub;
	unsigned nfixed;	/* arguments before the entries: cp, or fd and cp */
	bool passes;		/* the stub takes them (fd, cp) and returns an int */
} markers[] = {
	{ REC_MARKER, REC_STUB, 1, false },
	{ REC_MARKER "_unwind", REC_STUB_UNWIND, 2, true },
	{ REC_MARKER "_poll", REC_STUB_POLL, 2, true },
};

static LLVMValueRef stub_fn(LLVMModuleRef m, const struct marker *mk, LLVMTypeRef *ty)
{
	LLVMContextRef ctx = LLVMGetModuleContext(m);
	LLVMTypeRef params[2] = { LLVMPointerTypeInContext(ctx, 0), LLVMInt32TypeInContext(ctx) };
	LLVMValueRef f = LLVMGetNamedFunction(m, mk->stub);

	*ty = mk->passes ? LLVMFunctionType(LLVMInt32TypeInContext(ctx), params, 2, 0) :
			   LLVMFunctionType(LLVMVoidTypeInContext(ctx), NULL, 0, 0);
	if (!f) {
		unsigned k = LLVMGetEnumAttributeKindForName("nonlazybind", 11);

		f = LLVMAddFunction(m, mk->stub, *ty);
		/*
		 * The stubs keep every register but r11 (and rax, the answer
		 * of the _unwind and _poll stubs): values live across the
		 * cold call may stay in caller-saved registers instead of
		 * taking callee-saved ones (and the prologue's pushes) for
		 * the whole function.
		 */
		LLVMSetFunctionCallConv(f, LLVMPreserveMostCallConv);
		/*
		 * Through the GOT in code for a shared object (-fPIC, not
		 * -fPIE): a lazily bound call would go through the dynamic
		 * linker's resolver, which clobbers r10 and r11, where values
		 * may be.  The executable defines the stubs: its calls are
		 * direct.
		 */
		if (LLVMGetModuleFlag(m, "PIC Level", 9) && !LLVMGetModuleFlag(m, "PIE Level", 9))
			LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
						LLVMCreateEnumAttribute(ctx, k, 0));
	}
	return f;
}

/* A scalar the stack map can hold as a value, of exactly size bytes. */
static LLVMTypeRef scalar_of(LLVMTargetDataRef td, LLVMValueRef p, long long size)
{
	LLVMTypeRef t;

	if (!LLVMIsAAllocaInst(p))
		return NULL;
	t = LLVMGetAllocatedType(p);
	switch (LLVMGetTypeKind(t)) {
	case LLVMIntegerTypeKind:
		if (LLVMGetIntTypeWidth(t) > 64 || LLVMGetIntTypeWidth(t) % 8)
			return NULL;
		break;
	case LLVMPointerTypeKind:
	case LLVMFloatTypeKind:
	case LLVMDoubleTypeKind:
		break;
	default:
		return NULL;
	}
	return (long long)LLVMStoreSizeOfType(td, t) == size ? t : NULL;
}

/*
 * An aggregate of at most REC_SMALL bytes goes into a record by value, in
 * at most REC_PIECES pieces (31 bytes: three of 8, then 4, 2 and 1).
 */
#define REC_SMALL 32
#define REC_PIECES 6

/*
 * The entries of the size bytes of the aggregate at alloca a, saved at
 * off, as values: integers of 8, 4, 2 and 1 bytes loaded at their offsets.
 * Returns the new number of operands in ops.
 */
static unsigned aggregate_pieces(LLVMBuilderRef b, LLVMContextRef ctx, LLVMValueRef a,
				 long long off, long long size, LLVMValueRef *ops, unsigned k)
{
	LLVMTypeRef i8 = LLVMInt8TypeInContext(ctx), i32 = LLVMInt32TypeInContext(ctx);
	unsigned align = LLVMGetAlignment(a);

	for (long long at = 0; at < size;) {
		long long w = size - at >= 8 ? 8 : size - at >= 4 ? 4 : size - at >= 2 ? 2 : 1;
		LLVMValueRef idx = LLVMConstInt(LLVMInt64TypeInContext(ctx), at, 0);
		LLVMValueRef p = at ? LLVMBuildGEP2(b, i8, a, &idx, 1, "") : a;
		LLVMValueRef v = LLVMBuildLoad2(b, LLVMIntTypeInContext(ctx, 8 * w), p, "");
		unsigned al = 1;

		/* the alignment this piece has: the alloca's, cut by its offset */
		while (al < (unsigned)w && al < align && !(at & (2 * al - 1)))
			al *= 2;
		LLVMSetAlignment(v, al);
		ops[k++] = LLVMConstInt(i32, off + at, 0);
		ops[k++] = LLVMConstInt(i32, (unsigned long long)w << 2 | __UPSTARE_REC_VALUE, 0);
		ops[k++] = v;
		at += w;
	}
	return k;
}

/*
 * Whether the values of a record (every third of ops) can be left where
 * they are, live-in: none twice.  llc 19 runs out of registers on some
 * live-in statepoints with the same value twice among many (a side-stack
 * pointer saved as a block and as a pointer); those are spilled to stack
 * slots before the call, in the cold path.  Spilling every record of more
 * than 20 values made bzip2's code 39% larger: records of many values
 * compile live-in, and a file where llc fails all the same is compiled
 * with the save code instead (driver.c).
 */
static bool live_in_ok(LLVMValueRef *ops, unsigned k)
{
	for (unsigned i = 2; i < k; i += 3) {
		if (LLVMIsConstant(ops[i]))
			continue;
		for (unsigned j = 2; j < i; j += 3)
			if (ops[j] == ops[i])
				return false;
	}
	return true;
}

/* A new stack slot of type t at the start of call's function. */
static LLVMValueRef entry_slot(LLVMBuilderRef b, LLVMValueRef call, LLVMTypeRef t)
{
	LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(
		LLVMGetBasicBlockParent(LLVMGetInstructionParent(call)));
	LLVMValueRef slot;

	LLVMPositionBuilderBefore(b, LLVMGetFirstInstruction(entry));
	slot = LLVMBuildAlloca(b, t, "");
	LLVMPositionBuilderBefore(b, call);
	return slot;
}

static int lower_call(LLVMModuleRef m, LLVMBuilderRef b, const struct marker *mk,
		      LLVMValueRef call, char **err)
{
	LLVMContextRef ctx = LLVMGetModuleContext(m);
	LLVMTargetDataRef td = LLVMGetModuleDataLayout(m);
	LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx), i64 = LLVMInt64TypeInContext(ctx);
	LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
	unsigned id = LLVMLookupIntrinsicID("llvm.experimental.gc.statepoint", 31);
	LLVMValueRef sp = LLVMGetIntrinsicDeclaration(m, id, &ptr, 1);
	LLVMTypeRef spty = LLVMIntrinsicGetType(ctx, id, &ptr, 1), stubty;
	LLVMValueRef stub = stub_fn(m, mk, &stubty), *ops, fn, c, args[9];
	LLVMOperandBundleRef deopt;
	unsigned n = LLVMGetNumArgOperands(call), k = 0, na = 0, cpi = mk->nfixed - 1;
	/*
	 * Unoptimized (-O0), every local stays in its stack slot: its address,
	 * which needs no register (the fast register allocator runs out of
	 * them with a map of many values).
	 */
	unsigned on = LLVMGetEnumAttributeKindForName("optnone", 7);
	unsigned et = LLVMGetEnumAttributeKindForName("elementtype", 11);
	bool optnone;

	fn = LLVMGetBasicBlockParent(LLVMGetInstructionParent(call));
	optnone = LLVMGetEnumAttributeAtIndex(fn, LLVMAttributeFunctionIndex, on) != NULL;

	if (n < mk->nfixed || (n - mk->nfixed) % 3 ||
	    !LLVMIsAConstantInt(LLVMGetOperand(call, cpi))) {
		*err = strdup("a call to __upstare_rec() that upstare-cc did not write");
		return -1;
	}
	/* room for a small aggregate's pieces in place of each entry */
	ops = calloc((n - mk->nfixed) / 3 * 3 * REC_PIECES + 1, sizeof(*ops));
	if (!ops) {
		*err = strdup(strerror(ENOMEM));
		return -1;
	}
	LLVMPositionBuilderBefore(b, call);
	for (unsigned a = mk->nfixed; a < n; a += 3) {
		LLVMValueRef offv = LLVMGetOperand(call, a), sizev = LLVMGetOperand(call, a + 1);
		LLVMValueRef what = LLVMGetOperand(call, a + 2);
		long long off, size;
		LLVMTypeRef t;
		int kind;

		if (!LLVMIsAConstantInt(offv) || !LLVMIsAConstantInt(sizev)) {
			*err = strdup("__upstare_rec(): an offset or a size is not a constant");
			free(ops);
			return -1;
		}
		off = LLVMConstIntGetSExtValue(offv);
		size = LLVMConstIntGetSExtValue(sizev);
		if (off < 0 || off >= 1LL << 31 || size < -1 || size >= 1LL << 29) {
			*err = strdup("__upstare_rec(): an offset or a size out of range");
			free(ops);
			return -1;
		}
		if (size < 0) {
			kind = __UPSTARE_REC_POINTER;
			size = 8;
		} else if (!optnone && (t = scalar_of(td, what, size))) {
			kind = __UPSTARE_REC_VALUE;
			what = LLVMBuildLoad2(b, t, what, "");
		} else if (!optnone && LLVMIsAAllocaInst(what) && size <= REC_SMALL) {
			/*
			 * A small aggregate (kiss_fft_cpx, a struct of two floats):
			 * its bytes as integers of 8, 4, 2 and 1 bytes.  Its address
			 * in the record would make it escape, and stay in memory
			 * (stores in KissFFT's loops); loads at constant offsets let
			 * the optimizer keep it in registers as it does without.
			 */
			k = aggregate_pieces(b, ctx, what, off, size, ops, k);
			continue;
		} else {
			kind = __UPSTARE_REC_MEMORY;
		}
		if (optnone && !LLVMIsAAllocaInst(what)) {
			/* through a stack slot of its own: no register either */
			LLVMValueRef slot = entry_slot(b, call, LLVMTypeOf(what));

			LLVMBuildStore(b, what, slot);
			what = slot;
			if (kind == __UPSTARE_REC_POINTER)
				kind = __UPSTARE_REC_MEMORY;
			else
				kind = __UPSTARE_REC_MEMORY_AT;
		}
		ops[k++] = LLVMConstInt(i32, off, 0);
		ops[k++] = LLVMConstInt(i32, (unsigned long long)size << 2 | kind, 0);
		ops[k++] = what;
	}
	/*
	 * A statepoint calling the stub (with fd and cp for the _unwind and
	 * _poll markers), the values in its deopt bundle lowered "live-in"
	 * (flags 2; 0, spilled, see live_in_ok()): wherever they are at the
	 * call, which the record, at the call's return address, says.
	 */
	args[na++] = LLVMConstInt(i64, LLVMConstIntGetZExtValue(LLVMGetOperand(call, cpi)), 0);
	args[na++] = LLVMConstInt(i32, 0, 0);
	args[na++] = stub;
	args[na++] = LLVMConstInt(i32, mk->passes ? 2 : 0, 0);
	args[na++] = LLVMConstInt(i32, live_in_ok(ops, k) ? 2 : 0, 0);
	if (mk->passes) {
		args[na++] = LLVMGetOperand(call, 0);
		args[na++] = LLVMGetOperand(call, 1);
	}
	args[na++] = LLVMConstInt(i64, 0, 0);
	args[na++] = LLVMConstInt(i64, 0, 0);
	deopt = LLVMCreateOperandBundle("deopt", 5, ops, k);
	c = LLVMBuildCallWithOperandBundles(b, spty, sp, args, na, &deopt, 1, "");
	LLVMDisposeOperandBundle(deopt);
	LLVMAddCallSiteAttribute(c, 3, LLVMCreateTypeAttribute(ctx, et, stubty));
	LLVMSetInstructionCallConv(c, LLVMPreserveMostCallConv);
	LLVMSetGC(fn, "statepoint-example");
	if (mk->passes) {
		/* the stub's answer, for the marker's uses */
		LLVMTypeRef rt = LLVMInt32TypeInContext(ctx);
		unsigned gr = LLVMLookupIntrinsicID("llvm.experimental.gc.result", 27);
		LLVMValueRef r = LLVMBuildCall2(b, LLVMIntrinsicGetType(ctx, gr, &rt, 1),
						LLVMGetIntrinsicDeclaration(m, gr, &rt, 1), &c, 1, "");

		LLVMReplaceAllUsesWith(call, r);
	}
	LLVMInstructionEraseFromParent(call);
	free(ops);
	return 0;
}

int records_lower(const char *path, char **err)
{
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMMemoryBufferRef buf;
	LLVMModuleRef m = NULL;
	LLVMValueRef rec, *calls = NULL;
	LLVMBuilderRef b;
	unsigned ncalls = 0;
	char *msg = NULL;
	int ret = -1;

	*err = NULL;
	if (LLVMCreateMemoryBufferWithContentsOfFile(path, &buf, &msg)) {
		*err = msg;
		LLVMContextDispose(ctx);
		return -1;
	}
	if (LLVMParseBitcodeInContext2(ctx, buf, &m)) {
		LLVMDisposeMemoryBuffer(buf);
		*err = strdup("clang's IR cannot be read");
		LLVMContextDispose(ctx);
		return -1;
	}
	LLVMDisposeMemoryBuffer(buf);
	b = LLVMCreateBuilderInContext(ctx);
	for (size_t k = 0; k < sizeof(markers) / sizeof(markers[0]) && !*err; k++) {
		rec = LLVMGetNamedFunction(m, markers[k].name);
		if (!rec)
			continue;
		ncalls = 0;
		for (LLVMUseRef u = LLVMGetFirstUse(rec); u; u = LLVMGetNextUse(u)) {
			LLVMValueRef user = LLVMGetUser(u);

			if (!LLVMIsACallInst(user) || LLVMGetCalledValue(user) != rec) {
				*err = strdup("__upstare_rec() used other than called");
				break;
			}
			calls = realloc(calls, (ncalls + 1) * sizeof(*calls));
			if (!calls) {
				*err = strdup(strerror(ENOMEM));
				break;
			}
			calls[ncalls++] = user;
		}
		for (unsigned i = 0; i < ncalls && !*err; i++)
			lower_call(m, b, &markers[k], calls[i], err);
		if (!*err)
			LLVMDeleteFunction(rec);
	}
	LLVMDisposeBuilder(b);
	if (*err)
		goto out;
	if (LLVMVerifyModule(m, LLVMReturnStatusAction, &msg)) {
		*err = msg;
		goto out;
	}
	LLVMDisposeMessage(msg);
	if (LLVMWriteBitcodeToFile(m, path)) {
		*err = strdup("the IR cannot be written");
		goto out;
	}
	ret = 0;
out:
	free(calls);
	LLVMDisposeModule(m);
	LLVMContextDispose(ctx);
	return ret;
}

/* A record's location l: a constant, and which. */
static bool loc_const(const unsigned char *l, long long *v)
{
	int32_t c;

	memcpy(&c, l + 8, 4);
	*v = c;
	return l[0] == 4;
}

/*
 * Every record of the object at path is one of the statepoints
 * records_lower() makes: calling convention, flags 2 (live-in) or 0
 * (spilled), the number of values, then the values by threes (offset,
 * how, value), as userlib/records.c reads them.
 */
int records_check(const char *path)
{
	int fd, ret = -1;
	Elf *e = elf_open_read(path, &fd);
	Elf_Data *d;
	const unsigned char *p, *end, *rec;
	struct upstare_stackmap s;

	if (!e)
		return -1;
	if (!elf_section(e, ".llvm_stackmaps", &d)) {
		elf_close(e, fd);
		return 0;	/* no save in this object */
	}
	p = d->d_buf;
	end = p + d->d_size;
	if (d->d_size < 16 || p[0] != UPSTARE_STACKMAP_VERSION) {
		fprintf(stderr, "upstare-cc: %s: stack maps of an unknown version\n", path);
		goto out;
	}
	upstare_stackmap_table(p, &s);
	rec = s.recs;
	for (uint32_t i = 0; i < s.nrec; i++) {
		long long cc, flags, nvals;
		uint16_t nloc;
		uint64_t id;

		if (rec + 16 > end)
			goto bad;
		memcpy(&id, rec, 8);
		nloc = upstare_stackmap_nloc(rec);
		if (rec + 16 + 12 * (size_t)nloc > end)
			goto bad;
		if (nloc < 3 || !loc_const(rec + 16, &cc) || !loc_const(rec + 28, &flags) ||
		    !loc_const(rec + 40, &nvals) || (flags != 2 && flags != 0) || nvals % 3 ||
		    nvals != nloc - 3) {
			fprintf(stderr, "upstare-cc: %s: the record of continuation point %llu is "
				"not one upstare-cc made\n", path, (unsigned long long)id);
			goto out;
		}
		rec = upstare_stackmap_liveouts(p, rec);
		if (rec + 4 > end)
			goto bad;
		rec = upstare_stackmap_next(p, rec);
	}
	ret = 1;
	goto out;
bad:
	fprintf(stderr, "upstare-cc: %s: stack maps cut short\n", path);
out:
	elf_close(e, fd);
	return ret;
}
