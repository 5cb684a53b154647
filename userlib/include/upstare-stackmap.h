/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LLVM's stack map format, version 3 (the section .llvm_stackmaps, renamed
 * upstare_maps), as upstare-cc checks it in an object (instrumentor/
 * records.c) and the runtime indexes it in memory (userlib/records.c):
 * one table per object, linked tables back to back.
 *
 *   header: u8 version, u8, u16, u32 functions, u32 constants, u32 records
 *   functions: u64 address, u64 stack size, u64 record count
 *   constants: u64
 *   records: u64 id, u32 offset in the function, u16, u16 locations,
 *            12 bytes a location (u8 type, u8, u16 size, u16 DWARF
 *            register, u16, i32 offset or constant), padding to 8,
 *            u16, u16 live-outs, 4 bytes a live-out, padding to 8
 */
#ifndef UPSTARE_STACKMAP_H
#define UPSTARE_STACKMAP_H

#include <stdint.h>
#include <string.h>

#define UPSTARE_STACKMAP_VERSION	3

struct upstare_stackmap {
	uint32_t nfn, nconst, nrec;
	const unsigned char *fns;	/* 24 bytes each */
	const uint64_t *consts;
	const unsigned char *recs;	/* the first record */
};

/* The table that starts at t (16 bytes of header at least). */
static inline void upstare_stackmap_table(const unsigned char *t, struct upstare_stackmap *s)
{
	memcpy(&s->nfn, t + 4, 4);
	memcpy(&s->nconst, t + 8, 4);
	memcpy(&s->nrec, t + 12, 4);
	s->fns = t + 16;
	s->consts = (const uint64_t *)(s->fns + 24 * (size_t)s->nfn);
	s->recs = s->fns + 24 * (size_t)s->nfn + 8 * (size_t)s->nconst;
}

static inline uint16_t upstare_stackmap_nloc(const unsigned char *rec)
{
	uint16_t n;

	memcpy(&n, rec + 14, 2);
	return n;
}

/*
 * The place where the live-outs of record rec of the table at t are
 * counted; what follows them is the next record.
 */
static inline const unsigned char *upstare_stackmap_liveouts(const unsigned char *t,
							       const unsigned char *rec)
{
	size_t o = rec + 16 + 12 * (size_t)upstare_stackmap_nloc(rec) - t;

	return t + ((o + 7) & ~(size_t)7);
}

/* The record after rec, from its live-outs' place lo. */
static inline const unsigned char *upstare_stackmap_next(const unsigned char *t,
							  const unsigned char *lo)
{
	uint16_t nlive;
	size_t o;

	memcpy(&nlive, lo + 2, 2);
	o = lo + 4 + 4 * (size_t)nlive - t;
	return t + ((o + 7) & ~(size_t)7);
}

#endif
