/*
 * alloc/internal.h - helpers shared by the alloc sources; not part of the
 * public contract (do not include from outside alloc/ and tests).
 */
#ifndef POSKO_ALLOC_INTERNAL_H
#define POSKO_ALLOC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Write a formatted reason into err (when err && errlen) and return code. */
int alloc_seterr(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Grow *arr (elements of size sz, capacity *cap) to hold at least need
 * elements. Returns 0 or ALLOC_ENOMEM (array untouched). */
int alloc_grow(void **arr, size_t *cap, size_t need, size_t sz);

struct alloc_plan;

/* Tests only: the plan's incremental indexes (needs per cell, per-incident
 * lists, open-shortage sets) agree with a recomputation from its records.
 * Returns 0 or ALLOC_ESTATE with the first difference in err. */
int alloc_plan_selfcheck(const struct alloc_plan *pl, char *err,
			 size_t errlen);

static inline int
alloc_cmp_u32(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

#endif
