/*
 * alloc/ledger.c - depot stock in lots: receive, reserve, confirm,
 * release, what is usable on a day, what is about to expire unused.
 */
#define _POSIX_C_SOURCE 200809L

#include "alloc/supply.h"
#include "alloc/internal.h"

#include <stdlib.h>
#include <string.h>

void
alloc_ledger_init(struct alloc_ledger *l)
{
	memset(l, 0, sizeof(*l));
}

void
alloc_ledger_free(struct alloc_ledger *l)
{
	free(l->lots);
	memset(l, 0, sizeof(*l));
}

long
alloc_ledger_find(const struct alloc_ledger *l, uint32_t depot, uint32_t lot,
		  int item)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->lots[i].depot == depot && l->lots[i].lot == lot &&
		    l->lots[i].item == item)
			return (long)i;
	return -1;
}

int
alloc_ledger_receive(struct alloc_ledger *l, uint32_t depot, uint32_t lot,
		     int item, int64_t qty, alloc_day expires, size_t *index,
		     char *err, size_t errlen)
{
	struct alloc_lot *t;
	long at;

	if (l == NULL || item < 0 || item >= ALLOC_ITEM_COUNT || qty <= 0)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "ledger: bad item or quantity");
	at = alloc_ledger_find(l, depot, lot, item);
	if (at >= 0) {
		t = &l->lots[at];
		if (t->expires != expires)
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "ledger: lot %u of depot %u has "
					    "another expiry date", lot,
					    depot);
		if (t->qty > INT64_MAX - qty)
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "ledger: quantity overflow");
		t->qty += qty;
		if (index)
			*index = (size_t)at;
		return ALLOC_OK;
	}
	if (alloc_grow((void **)&l->lots, &l->cap, l->n + 1, sizeof(*l->lots)))
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "ledger: out of memory");
	t = &l->lots[l->n];
	memset(t, 0, sizeof(*t));
	t->depot = depot;
	t->lot = lot;
	t->item = (uint8_t)item;
	t->expires = expires;
	t->qty = qty;
	if (index)
		*index = l->n;
	l->n++;
	return ALLOC_OK;
}

static int
check(const struct alloc_ledger *l, size_t index, int64_t q)
{
	if (l == NULL || index >= l->n)
		return ALLOC_ENOENT;
	if (q <= 0)
		return ALLOC_EINVAL;
	return ALLOC_OK;
}

int
alloc_ledger_reserve(struct alloc_ledger *l, size_t index, int64_t q)
{
	int rc = check(l, index, q);

	if (rc != ALLOC_OK)
		return rc;
	if (l->lots[index].qty - l->lots[index].reserved < q)
		return ALLOC_ESTOCK;
	l->lots[index].reserved += q;
	return ALLOC_OK;
}

int
alloc_ledger_confirm(struct alloc_ledger *l, size_t index, int64_t q)
{
	int rc = check(l, index, q);

	if (rc != ALLOC_OK)
		return rc;
	if (l->lots[index].reserved < q)
		return ALLOC_ESTOCK;
	l->lots[index].reserved -= q;
	l->lots[index].qty -= q;
	return ALLOC_OK;
}

int
alloc_ledger_release(struct alloc_ledger *l, size_t index, int64_t q)
{
	int rc = check(l, index, q);

	if (rc != ALLOC_OK)
		return rc;
	if (l->lots[index].reserved < q)
		return ALLOC_ESTOCK;
	l->lots[index].reserved -= q;
	return ALLOC_OK;
}

int64_t
alloc_ledger_available(const struct alloc_ledger *l, uint32_t depot,
		       int item, alloc_day day)
{
	int64_t sum = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct alloc_lot *t = &l->lots[i];

		if (t->item != item || t->expires < day)
			continue;
		if (depot != ALLOC_NONE && t->depot != depot)
			continue;
		sum += t->qty - t->reserved;
	}
	return sum;
}

static int
exp_cmp(const void *a, const void *b)
{
	const struct alloc_expiring *x = a, *y = b;
	int c;

	if (x->expires != y->expires)
		return x->expires < y->expires ? -1 : 1;
	if ((c = alloc_cmp_u32(x->depot, y->depot)) != 0)
		return c;
	if (x->item != y->item)
		return x->item < y->item ? -1 : 1;
	return alloc_cmp_u32(x->lot, y->lot);
}

int
alloc_ledger_expiring(const struct alloc_ledger *l, alloc_day today,
		      uint32_t within_days, struct alloc_expiring **out,
		      size_t *n, char *err, size_t errlen)
{
	struct alloc_expiring *v = NULL;
	size_t nv = 0, cap = 0;
	int64_t limit = (int64_t)today + within_days;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct alloc_lot *t = &l->lots[i];

		if (t->expires == ALLOC_DAY_NEVER || t->expires > limit ||
		    t->qty - t->reserved <= 0)
			continue;
		if (alloc_grow((void **)&v, &cap, nv + 1, sizeof(*v))) {
			free(v);
			return alloc_seterr(err, errlen, ALLOC_ENOMEM,
					    "ledger: out of memory");
		}
		v[nv].index = i;
		v[nv].depot = t->depot;
		v[nv].lot = t->lot;
		v[nv].item = t->item;
		v[nv].expires = t->expires;
		v[nv].unused = t->qty - t->reserved;
		nv++;
	}
	if (nv > 1)
		qsort(v, nv, sizeof(*v), exp_cmp);
	*out = v;
	*n = nv;
	return ALLOC_OK;
}
