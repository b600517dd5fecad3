/* DMA-API debugging, after Linux's kernel/dma/debug.c: every live mapping is
 * an entry in a preallocated hash table keyed by bus address, and each call
 * is checked against the entry it names before it reaches the backend.
 *
 * Memory: entries and bucket heads are allocated once at create; map, unmap
 * and sync never allocate. Reset walks only the live entries. */
#include "dma/debug.h"

#include <stdlib.h>
#include <string.h>

#include "vrsim/guard.h"
#include "vrsim/report.h"

#define NIL UINT32_MAX
/* Indices are uint32_t; keep well below NIL. */
#define MAX_ENTRIES_LIMIT (1u << 24)

struct dbg_entry {
	vrs_dma_addr_t addr;
	size_t size;
	void *cpu;	    /* the driver's pointer: map argument or coherent */
	uint32_t next;	    /* bucket chain while live, free list otherwise */
	uint32_t live_prev; /* live list, in mapping order (leak reports) */
	uint32_t live_next;
	uint8_t dir;	    /* enum vrs_dma_dir */
	uint8_t kind;	    /* enum vrs_dma_kind */
	bool checked;	    /* mapping_error() was asked (always for coherent) */
	bool live;
};

/* All fields are owned by the debug layer; the inner instance is borrowed. */
struct vrs_dma_debug {
	struct vrs_dma inner;
	struct dbg_entry *entries; /* max_entries, preallocated */
	uint32_t *heads;	   /* nbuckets bucket heads, NIL when empty */
	uint32_t max_entries;
	uint32_t bucket_mask;
	uint32_t hwm;	    /* entries [0, hwm) have been used since reset */
	uint32_t free_head; /* recycled entries below hwm */
	uint32_t live_head;
	uint32_t live_tail;
	uint32_t nlive;
	/* Set when the table ran out: from then on nothing is checked, as
	 * Linux disables dma-debug, because a missing entry would turn every
	 * later unmap into a false "unknown address" report. */
	bool disabled;
};

/* ---- names for messages ---------------------------------------------- */

/* Messages name CPU addresses by their page offset only: a host pointer
 * differs from run to run (ASLR), and a finding's text must not. */
static unsigned long page_offset(const void *cpu)
{
	return (unsigned long)((uintptr_t)cpu & VRS_PAGE_MASK);
}

static const char *map_fn(unsigned kind)
{
	switch (kind) {
	case VRS_DMA_KIND_PAGE: return "dma_map_page";
	case VRS_DMA_KIND_SINGLE: return "dma_map_single";
	case VRS_DMA_KIND_COHERENT: return "dma_alloc_coherent";
	default: return "dma_map_?";
	}
}

static const char *unmap_fn(unsigned kind)
{
	switch (kind) {
	case VRS_DMA_KIND_PAGE: return "dma_unmap_page";
	case VRS_DMA_KIND_SINGLE: return "dma_unmap_single";
	case VRS_DMA_KIND_COHERENT: return "dma_free_coherent";
	default: return "dma_unmap_?";
	}
}

static const char *dir_name(unsigned dir)
{
	return vrs_dma_dir_name((enum vrs_dma_dir)dir);
}

static unsigned long long ull(uint64_t v)
{
	return (unsigned long long)v;
}

/* ---- the table ---------------------------------------------------------- */

static uint32_t bucket_of(const struct vrs_dma_debug *dbg, vrs_dma_addr_t addr)
{
	uint64_t h = addr * 0x9E3779B97F4A7C15ull;
	return (uint32_t)(h >> 32) & dbg->bucket_mask;
}

static uint32_t entry_alloc(struct vrs_dma_debug *dbg)
{
	uint32_t i = dbg->free_head;
	if (i != NIL) {
		dbg->free_head = dbg->entries[i].next;
		return i;
	}
	if (dbg->hwm < dbg->max_entries)
		return dbg->hwm++;
	return NIL;
}

static void entry_insert(struct vrs_dma_debug *dbg, uint32_t i)
{
	struct dbg_entry *e = &dbg->entries[i];
	uint32_t b = bucket_of(dbg, e->addr);
	e->next = dbg->heads[b];
	dbg->heads[b] = i;
	e->live = true;
	e->live_next = NIL;
	e->live_prev = dbg->live_tail;
	if (dbg->live_tail != NIL)
		dbg->entries[dbg->live_tail].live_next = i;
	else
		dbg->live_head = i;
	dbg->live_tail = i;
	dbg->nlive++;
}

static void entry_remove(struct vrs_dma_debug *dbg, uint32_t i)
{
	struct dbg_entry *e = &dbg->entries[i];
	uint32_t *link = &dbg->heads[bucket_of(dbg, e->addr)];
	while (*link != i) {
		if (VRS_NEVER(*link == NIL))
			return; /* not in its bucket: table corrupt */
		link = &dbg->entries[*link].next;
	}
	*link = e->next;
	if (e->live_prev != NIL)
		dbg->entries[e->live_prev].live_next = e->live_next;
	else
		dbg->live_head = e->live_next;
	if (e->live_next != NIL)
		dbg->entries[e->live_next].live_prev = e->live_prev;
	else
		dbg->live_tail = e->live_prev;
	e->live = false;
	e->next = dbg->free_head;
	dbg->free_head = i;
	dbg->nlive--;
}

/* The entry a call names. The same buffer mapped twice through a direct
 * backend yields the same bus address twice, so several entries may match;
 * like Linux's hash_bucket_find, prefer the one whose size, direction and
 * kind all agree with the call, else the one agreeing on most. */
static uint32_t entry_find(const struct vrs_dma_debug *dbg, vrs_dma_addr_t addr,
			   size_t size, unsigned dir, unsigned kind)
{
	uint32_t best = NIL;
	int best_score = -1;
	for (uint32_t i = dbg->heads[bucket_of(dbg, addr)]; i != NIL;
	     i = dbg->entries[i].next) {
		const struct dbg_entry *e = &dbg->entries[i];
		if (e->addr != addr)
			continue;
		int score = (e->size == size) + (e->dir == dir) +
			    (e->kind == kind);
		if (score == 3)
			return i;
		if (score > best_score) {
			best = i;
			best_score = score;
		}
	}
	return best;
}

/* ---- checks shared by unmap and free_coherent ------------------------- */

static bool kind_is_streaming(unsigned kind)
{
	return kind == VRS_DMA_KIND_PAGE || kind == VRS_DMA_KIND_SINGLE;
}

/* Check a release (unmap or free_coherent) against its entry, as Linux's
 * check_unmap, one report per mistake. cpu is only meaningful for
 * free_coherent. */
static void check_release(const struct dbg_entry *e, size_t size,
			  unsigned dir, unsigned kind, const void *cpu)
{
	const char *fn = unmap_fn(kind);
	if (size != e->size)
		vrs_report(VRS_FIND_DEBUG_WRONG_SIZE,
			   "dma-debug: %s frees DMA memory with different size "
			   "[bus address=0x%llx] [mapped by %s: size=%zu %s] "
			   "[freed with size=%zu]",
			   fn, ull(e->addr), map_fn(e->kind), e->size,
			   dir_name(e->dir), size);
	if (kind != e->kind)
		vrs_report(VRS_FIND_DEBUG_WRONG_FUNCTION,
			   "dma-debug: %s frees DMA memory with wrong function "
			   "[bus address=0x%llx] [size=%zu %s] [mapped as %s by "
			   "%s] [released as %s by %s]",
			   fn, ull(e->addr), e->size, dir_name(e->dir),
			   vrs_dma_kind_name((enum vrs_dma_kind)e->kind),
			   map_fn(e->kind),
			   vrs_dma_kind_name((enum vrs_dma_kind)kind), fn);
	else if (kind == VRS_DMA_KIND_COHERENT && cpu != e->cpu)
		/* Linux: "frees DMA memory with different CPU address". The
		 * bus address is known but the (cpu, addr) pair was never
		 * handed out together, so it counts as freeing an unknown
		 * allocation rather than a wrong size or function. */
		vrs_report(VRS_FIND_DEBUG_UNMAP_UNKNOWN,
			   "dma-debug: dma_free_coherent frees DMA memory with "
			   "different CPU address [bus address=0x%llx] "
			   "[size=%zu] [freed cpu %+td bytes from the "
			   "allocated one]",
			   ull(e->addr), e->size,
			   (char *)cpu - (char *)e->cpu);
	/* Direction is only compared within one family: free_coherent has no
	 * direction of its own, and the wrong-function report already says
	 * everything about a streaming/coherent mix-up. */
	if (kind_is_streaming(kind) == kind_is_streaming(e->kind) &&
	    dir != e->dir) {
		if (!vrs_dma_dir_valid((enum vrs_dma_dir)dir) ||
		    dir == VRS_DMA_NONE)
			vrs_report(VRS_FIND_DEBUG_BAD_DIR,
				   "dma-debug: %s with invalid direction %u "
				   "[bus address=0x%llx] [mapped by %s: "
				   "size=%zu %s]",
				   fn, dir, ull(e->addr), map_fn(e->kind),
				   e->size, dir_name(e->dir));
		else
			vrs_report(VRS_FIND_DEBUG_WRONG_DIR,
				   "dma-debug: %s frees DMA memory with "
				   "different direction [bus address=0x%llx] "
				   "[size=%zu] [mapped with %s by %s] [unmapped "
				   "with %s]",
				   fn, ull(e->addr), e->size, dir_name(e->dir),
				   map_fn(e->kind), dir_name(dir));
	}
	if (!e->checked)
		vrs_report(VRS_FIND_DEBUG_UNCHECKED_ERROR,
			   "dma-debug: device driver failed to check map error "
			   "[bus address=0x%llx] [size=%zu %s] [mapped by %s, "
			   "released by %s without dma_mapping_error()]",
			   ull(e->addr), e->size, dir_name(e->dir),
			   map_fn(e->kind), fn);
}

/* Hand a release to the backend with the mapping's own parameters: after a
 * report, the backend must still see a consistent release of what it issued
 * (a swiotlb must free the slots it allocated, with the original size and
 * copy-back direction), whatever the driver passed. A streaming/coherent
 * mix-up is routed to the function that matches how it was created. */
static void release_inner(const struct vrs_dma_debug *dbg,
			  const struct dbg_entry *e)
{
	const struct vrs_dma *in = &dbg->inner;
	if (e->kind == VRS_DMA_KIND_COHERENT)
		in->ops->free_coherent(in->ctx, e->size, e->cpu, e->addr);
	else
		in->ops->unmap(in->ctx, e->addr, e->size,
			       (enum vrs_dma_dir)e->dir,
			       (enum vrs_dma_kind)e->kind);
}

/* Common body of unmap and free_coherent. */
static void release(struct vrs_dma_debug *dbg, vrs_dma_addr_t addr,
		    size_t size, unsigned dir, unsigned kind, const void *cpu)
{
	uint32_t i = entry_find(dbg, addr, size, dir, kind);
	if (i == NIL) {
		/* Not passed on: the backend never issued this address. */
		vrs_report(VRS_FIND_DEBUG_UNMAP_UNKNOWN,
			   "dma-debug: %s of DMA memory it has not allocated "
			   "[bus address=0x%llx] [size=%zu %s]%s",
			   unmap_fn(kind), ull(addr), size, dir_name(dir),
			   addr == VRS_DMA_MAPPING_ERROR
				   ? " (the address of a failed mapping)"
				   : "");
		return;
	}
	struct dbg_entry e = dbg->entries[i];
	check_release(&e, size, dir, kind, cpu);
	entry_remove(dbg, i);
	release_inner(dbg, &e);
}

/* ---- the ops ------------------------------------------------------------ */

static bool dir_ok(enum vrs_dma_dir dir)
{
	return vrs_dma_dir_valid(dir) && dir != VRS_DMA_NONE;
}

/* Start tracking; on a full table, report once and stop checking. */
static void track(struct vrs_dma_debug *dbg, vrs_dma_addr_t addr, size_t size,
		  void *cpu, unsigned dir, unsigned kind)
{
	uint32_t i = entry_alloc(dbg);
	if (i == NIL) {
		dbg->disabled = true;
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "dma-debug: out of entries, tracking disabled "
			   "[%u live mappings; raise max_entries]",
			   (unsigned)dbg->nlive);
		return;
	}
	struct dbg_entry *e = &dbg->entries[i];
	e->addr = addr;
	e->size = size;
	e->cpu = cpu;
	e->dir = (uint8_t)dir;
	e->kind = (uint8_t)kind;
	e->checked = kind == VRS_DMA_KIND_COHERENT;
	entry_insert(dbg, i);
}

static int dbg_map(void *ctx, void *cpu, size_t size, enum vrs_dma_dir dir,
		   enum vrs_dma_kind kind, vrs_dma_addr_t *out)
{
	struct vrs_dma_debug *dbg = ctx;
	*out = VRS_DMA_MAPPING_ERROR;
	if (!dir_ok(dir)) {
		/* Linux BUG()s on this before any backend runs. */
		vrs_report(VRS_FIND_DEBUG_BAD_DIR,
			   "dma-debug: %s with invalid direction %u "
			   "[cpu page offset 0x%03lx] [size=%zu]",
			   map_fn(kind), (unsigned)dir, page_offset(cpu), size);
		return -EINVAL;
	}
	if (!kind_is_streaming(kind)) {
		vrs_report(VRS_FIND_DEBUG_WRONG_FUNCTION,
			   "dma-debug: streaming map with kind %s [cpu page "
			   "offset 0x%03lx] [size=%zu %s]; use dma_alloc_coherent",
			   vrs_dma_kind_name(kind), page_offset(cpu), size,
			   vrs_dma_dir_name(dir));
		return -EINVAL;
	}
	int rc = dbg->inner.ops->map(dbg->inner.ctx, cpu, size, dir, kind, out);
	if (rc < 0 || *out == VRS_DMA_MAPPING_ERROR || dbg->disabled)
		return rc; /* Linux tracks only mappings that succeeded */
	track(dbg, *out, size, cpu, dir, kind);
	return rc;
}

static void dbg_unmap(void *ctx, vrs_dma_addr_t addr, size_t size,
		      enum vrs_dma_dir dir, enum vrs_dma_kind kind)
{
	struct vrs_dma_debug *dbg = ctx;
	if (dbg->disabled) {
		dbg->inner.ops->unmap(dbg->inner.ctx, addr, size, dir, kind);
		return;
	}
	release(dbg, addr, size, dir, kind, NULL);
}

/* As Linux's check_sync, with the mapping named by its exact bus address
 * plus an offset (the vrs API's sync_single_range form). */
static bool check_sync(struct vrs_dma_debug *dbg, vrs_dma_addr_t addr,
		       size_t offset, size_t size, enum vrs_dma_dir dir,
		       bool to_cpu)
{
	const char *fn = to_cpu ? "dma_sync_single_for_cpu"
				: "dma_sync_single_for_device";
	if (!dir_ok(dir)) {
		vrs_report(VRS_FIND_DEBUG_BAD_DIR,
			   "dma-debug: %s with invalid direction %u [bus "
			   "address=0x%llx] [offset=%zu size=%zu]",
			   fn, (unsigned)dir, ull(addr), offset, size);
		return false;
	}
	uint32_t i = entry_find(dbg, addr, 0, dir, VRS_DMA_KIND_SINGLE);
	if (i == NIL) {
		vrs_report(VRS_FIND_DEBUG_SYNC_UNMAPPED,
			   "dma-debug: %s: device driver tries to sync DMA "
			   "memory it has not mapped [bus address=0x%llx] "
			   "[offset=%zu size=%zu %s]",
			   fn, ull(addr), offset, size, dir_name(dir));
		return false;
	}
	const struct dbg_entry *e = &dbg->entries[i];
	if (e->kind == VRS_DMA_KIND_COHERENT) {
		/* Linux is silent here, but a streaming sync of coherent
		 * memory is always a mix-up, and the backend's sync expects a
		 * streaming mapping (a swiotlb would look for its slot). */
		vrs_report(VRS_FIND_DEBUG_WRONG_FUNCTION,
			   "dma-debug: %s of coherent memory [bus "
			   "address=0x%llx] [size=%zu, from dma_alloc_coherent]"
			   " [offset=%zu size=%zu]",
			   fn, ull(addr), e->size, offset, size);
		return false;
	}
	if (offset > e->size || size > e->size - offset) {
		vrs_report(VRS_FIND_DEBUG_SYNC_RANGE,
			   "dma-debug: %s: device driver syncs DMA memory "
			   "outside the mapping [bus address=0x%llx] [mapped "
			   "by %s: size=%zu %s] [sync offset=%zu size=%zu]",
			   fn, ull(addr), map_fn(e->kind), e->size,
			   dir_name(e->dir), offset, size);
		return false;
	}
	if (e->dir == VRS_DMA_BIDIRECTIONAL || dir == e->dir)
		return true;
	/* Linux warns "different direction" and, when to_cpu on a TO_DEVICE
	 * mapping or !to_cpu on a FROM_DEVICE one, also "read-only for cpu"
	 * / "write-only to device". Past the BIDIRECTIONAL exit those extra
	 * cases imply a direction mismatch, so one report carries both. */
	const char *extra = "";
	if (to_cpu && e->dir != VRS_DMA_FROM_DEVICE && dir != VRS_DMA_TO_DEVICE)
		extra = "; syncs device read-only DMA memory for cpu";
	if (!to_cpu && e->dir != VRS_DMA_TO_DEVICE &&
	    dir != VRS_DMA_FROM_DEVICE)
		extra = "; syncs device write-only DMA memory to device";
	vrs_report(VRS_FIND_DEBUG_SYNC_WRONG_DIR,
		   "dma-debug: %s: device driver syncs DMA memory with "
		   "different direction [bus address=0x%llx] [mapped by %s: "
		   "size=%zu %s] [synced with %s]%s",
		   fn, ull(addr), map_fn(e->kind), e->size, dir_name(e->dir),
		   dir_name(dir), extra);
	return true; /* a valid range: Linux still syncs */
}

static void dbg_sync_for_cpu(void *ctx, vrs_dma_addr_t addr, size_t offset,
			     size_t size, enum vrs_dma_dir dir)
{
	struct vrs_dma_debug *dbg = ctx;
	if (dbg->disabled || check_sync(dbg, addr, offset, size, dir, true))
		dbg->inner.ops->sync_for_cpu(dbg->inner.ctx, addr, offset,
					     size, dir);
}

static void dbg_sync_for_device(void *ctx, vrs_dma_addr_t addr, size_t offset,
				size_t size, enum vrs_dma_dir dir)
{
	struct vrs_dma_debug *dbg = ctx;
	if (dbg->disabled || check_sync(dbg, addr, offset, size, dir, false))
		dbg->inner.ops->sync_for_device(dbg->inner.ctx, addr, offset,
						size, dir);
}

static int dbg_alloc_coherent(void *ctx, size_t size, void **cpu,
			      vrs_dma_addr_t *out)
{
	struct vrs_dma_debug *dbg = ctx;
	int rc = dbg->inner.ops->alloc_coherent(dbg->inner.ctx, size, cpu, out);
	if (rc < 0 || *out == VRS_DMA_MAPPING_ERROR || dbg->disabled)
		return rc;
	track(dbg, *out, size, *cpu, VRS_DMA_BIDIRECTIONAL,
	      VRS_DMA_KIND_COHERENT);
	return rc;
}

static void dbg_free_coherent(void *ctx, size_t size, void *cpu,
			      vrs_dma_addr_t addr)
{
	struct vrs_dma_debug *dbg = ctx;
	if (dbg->disabled) {
		dbg->inner.ops->free_coherent(dbg->inner.ctx, size, cpu, addr);
		return;
	}
	release(dbg, addr, size, VRS_DMA_BIDIRECTIONAL, VRS_DMA_KIND_COHERENT,
		cpu);
}

static bool dbg_mapping_error(void *ctx, vrs_dma_addr_t addr)
{
	struct vrs_dma_debug *dbg = ctx;
	/* As Linux: mark only the first unchecked entry at this address, so
	 * that a buffer mapped twice needs two checks. */
	if (!dbg->disabled) {
		for (uint32_t i = dbg->heads[bucket_of(dbg, addr)]; i != NIL;
		     i = dbg->entries[i].next) {
			struct dbg_entry *e = &dbg->entries[i];
			if (e->addr == addr && !e->checked) {
				e->checked = true;
				break;
			}
		}
	}
	return dbg->inner.ops->mapping_error(dbg->inner.ctx, addr);
}

static size_t dbg_max_mapping_size(void *ctx)
{
	struct vrs_dma_debug *dbg = ctx;
	return dbg->inner.ops->max_mapping_size(dbg->inner.ctx);
}

static const struct vrs_dma_ops dbg_ops = {
	.name = "dma-debug",
	.map = dbg_map,
	.unmap = dbg_unmap,
	.sync_for_cpu = dbg_sync_for_cpu,
	.sync_for_device = dbg_sync_for_device,
	.alloc_coherent = dbg_alloc_coherent,
	.free_coherent = dbg_free_coherent,
	.mapping_error = dbg_mapping_error,
	.max_mapping_size = dbg_max_mapping_size,
};

/* ---- lifecycle and queries ---------------------------------------------- */

int vrs_dma_debug_create(const struct vrs_dma *inner, size_t max_entries,
			 struct vrs_dma_debug **out)
{
	*out = NULL;
	VRS_ENSURE(inner && inner->ops, EINVAL);
	VRS_ENSURE(max_entries > 0 && max_entries <= MAX_ENTRIES_LIMIT, EINVAL);
	uint32_t nbuckets = 16;
	while (nbuckets < max_entries)
		nbuckets <<= 1;
	struct vrs_dma_debug *dbg = calloc(1, sizeof(*dbg));
	VRS_ENSURE(dbg, ENOMEM);
	dbg->entries = calloc(max_entries, sizeof(*dbg->entries));
	dbg->heads = malloc(nbuckets * sizeof(*dbg->heads));
	if (!dbg->entries || !dbg->heads) {
		vrs_dma_debug_destroy(dbg);
		return -ENOMEM;
	}
	memset(dbg->heads, 0xff, nbuckets * sizeof(*dbg->heads)); /* NIL */
	dbg->max_entries = (uint32_t)max_entries;
	dbg->bucket_mask = nbuckets - 1;
	dbg->inner = *inner;
	dbg->hwm = 0;
	dbg->free_head = dbg->live_head = dbg->live_tail = NIL;
	*out = dbg;
	return 0;
}

void vrs_dma_debug_destroy(struct vrs_dma_debug *dbg)
{
	if (!dbg)
		return;
	free(dbg->entries);
	free(dbg->heads);
	free(dbg);
}

void vrs_dma_debug_reset(struct vrs_dma_debug *dbg, const struct vrs_dma *inner)
{
	/* Every entry in any bucket is live, so clearing the heads of the live
	 * entries' buckets empties the table: O(live). */
	for (uint32_t i = dbg->live_head; i != NIL; i = dbg->entries[i].live_next) {
		dbg->heads[bucket_of(dbg, dbg->entries[i].addr)] = NIL;
		dbg->entries[i].live = false;
	}
	dbg->hwm = 0;
	dbg->free_head = dbg->live_head = dbg->live_tail = NIL;
	dbg->nlive = 0;
	dbg->disabled = false;
	if (inner && inner->ops)
		dbg->inner = *inner;
}

void vrs_dma_debug_dma(struct vrs_dma_debug *dbg, struct vrs_dma *out)
{
	out->ops = &dbg_ops;
	out->ctx = dbg;
}

size_t vrs_dma_debug_live(const struct vrs_dma_debug *dbg)
{
	return dbg->nlive;
}

size_t vrs_dma_debug_check_leaks(struct vrs_dma_debug *dbg)
{
	for (uint32_t i = dbg->live_head; i != NIL; i = dbg->entries[i].live_next) {
		const struct dbg_entry *e = &dbg->entries[i];
		vrs_report(VRS_FIND_DEBUG_LEAK,
			   "dma-debug: leaked DMA mapping at teardown [bus "
			   "address=0x%llx] [size=%zu %s] [mapped by %s, "
			   "never released]",
			   ull(e->addr), e->size, dir_name(e->dir),
			   map_fn(e->kind));
	}
	return dbg->nlive;
}

int vrs_dma_debug_check(const struct vrs_dma_debug *dbg)
{
	VRS_ENSURE(dbg && dbg->entries && dbg->heads, EINVAL);
	VRS_ENSURE(dbg->hwm <= dbg->max_entries, EINVAL);
	/* The live list: every member live, hashed in its own bucket. */
	uint32_t n = 0, prev = NIL;
	for (uint32_t i = dbg->live_head; i != NIL; i = dbg->entries[i].live_next) {
		VRS_ENSURE(i < dbg->hwm && n < dbg->hwm, EINVAL);
		const struct dbg_entry *e = &dbg->entries[i];
		VRS_ENSURE(e->live && e->live_prev == prev, EINVAL);
		VRS_ENSURE(vrs_dma_dir_valid((enum vrs_dma_dir)e->dir) &&
				   e->dir != VRS_DMA_NONE &&
				   e->kind <= VRS_DMA_KIND_COHERENT,
			   EINVAL);
		uint32_t j = dbg->heads[bucket_of(dbg, e->addr)], steps = 0;
		while (j != NIL && j != i && steps++ < dbg->hwm)
			j = dbg->entries[j].next;
		VRS_ENSURE(j == i, EINVAL);
		prev = i;
		n++;
	}
	VRS_ENSURE(prev == dbg->live_tail && n == dbg->nlive, EINVAL);
	/* The free list holds only dead entries, and with the live ones
	 * accounts for every entry used since reset. */
	uint32_t nfree = 0;
	for (uint32_t i = dbg->free_head; i != NIL; i = dbg->entries[i].next) {
		VRS_ENSURE(i < dbg->hwm && nfree < dbg->hwm, EINVAL);
		VRS_ENSURE(!dbg->entries[i].live, EINVAL);
		nfree++;
	}
	VRS_ENSURE(nfree + n == dbg->hwm, EINVAL);
	return 0;
}
