/* Device accesses: translate piece by piece, refuse what the platform
 * refuses, and report each refusal once per access. */
#include "sim/devbus.h"

#include <string.h>

#include "vrsim/guard.h"
#include "vrsim/report.h"

void vrs_devbus_init(struct vrs_devbus *b, struct vrs_gmem *gm,
		     const struct vrs_xlate *xlate,
		     const struct vrs_platform *plat)
{
	memset(b, 0, sizeof(*b));
	b->gm = gm;
	b->xlate = *xlate;
	b->plat = plat;
}

void vrs_devbus_set_window(struct vrs_devbus *b, vrs_gpa_t start, size_t size)
{
	b->window_start = start;
	b->window_size = size;
}

static const char *access_name(bool write)
{
	return write ? "write" : "read";
}

static int fault(struct vrs_devbus *b, bool write, vrs_dma_addr_t addr,
		 size_t len, const char *why)
{
	if (b->quiet)
		return -EFAULT;
	b->faults++;
	vrs_report(VRS_FIND_DMA_FAULT,
		   "device %s of %zu bytes at bus address 0x%llx: %s "
		   "[platform %s]",
		   access_name(write), len, (unsigned long long)addr, why,
		   b->plat->name);
	return -EFAULT;
}

static bool in_window(const struct vrs_devbus *b, vrs_gpa_t gpa, size_t len)
{
	return b->window_size == 0 ||
	       (gpa >= b->window_start &&
		gpa - b->window_start <= b->window_size &&
		len <= b->window_size - (gpa - b->window_start));
}

/* What SEV hands a device that touches a private page: the bytes under a
 * per-address keystream, deterministic so runs reproduce. */
static void cipher(uint8_t *p, vrs_gpa_t gpa, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] ^= (uint8_t)(0xa5u ^ ((gpa + i) * 0x9du >> 3));
}

/* Why a translation failed, in the platform's terms where it has its own. */
static const char *xlate_why(const struct vrs_devbus *b, vrs_dma_addr_t addr,
			     enum vrs_xlate_fault f)
{
	const struct vrs_platform *p = b->plat;
	if (p->view == VRS_VIEW_SHARED_ALIAS && !(addr & p->shared_alias))
		return "protected IPA: the host reaches realm memory only "
		       "through the unprotected-IPA alias";
	if (p->view == VRS_VIEW_DMA_OFFSET && addr < p->dma_offset)
		return "below the dma-ranges window (a GPA is not a bus "
		       "address here)";
	return vrs_xlate_fault_name(f);
}

/* Where the device reaches [gpa, gpa + len) of one piece, or NULL and
 * why not. The bus and direct access both ask here. */
static uint8_t *piece_mem(const struct vrs_devbus *b, vrs_gpa_t gpa,
			  size_t len, const char **why)
{
	uint8_t *mem = vrs_gmem_hva(b->gm, gpa, len);
	if (!mem) {
		*why = "translates outside guest memory";
		return NULL;
	}
	if (b->window_size && !in_window(b, gpa, len)) {
		*why = "outside the restricted DMA pool";
		return NULL;
	}
	return mem;
}

/* Move one piece that translation says is contiguous and within one page. */
static int access_piece(struct vrs_devbus *b, vrs_dma_addr_t addr,
			vrs_gpa_t gpa, uint8_t *buf, size_t len, bool write)
{
	const char *why;
	uint8_t *mem = piece_mem(b, gpa, len, &why);
	if (!mem)
		return fault(b, write, addr, len, why);
	bool priv = vrs_gmem_page_private(b->gm, gpa);
	if (priv && b->quiet) {
		if (b->plat->private_effect == VRS_PRIVATE_FAULTS)
			return -EFAULT;
	} else if (priv) {
		b->private_hits++;
		vrs_report(VRS_FIND_PRIVATE_ACCESS,
			   "device %s of %zu bytes at GPA 0x%llx (bus 0x%llx): "
			   "page is private to the guest [platform %s]",
			   access_name(write), len, (unsigned long long)gpa,
			   (unsigned long long)addr, b->plat->name);
		if (b->plat->private_effect == VRS_PRIVATE_FAULTS)
			return -EFAULT;
	}
	if (write) {
		memcpy(mem, buf, len);
		if (priv)
			cipher(mem, gpa, len);
		if (b->corrupt_nth && b->writes == b->corrupt_nth) {
			mem[0] ^= 0x10; /* the faulty engine's one bad bit */
			b->corrupt_nth = 0;
		}
		vrs_gmem_note_write(b->gm, gpa, len);
	} else {
		memcpy(buf, mem, len);
		if (priv)
			cipher(buf, gpa, len);
	}
	return 0;
}

/* Translate addr and cut the piece an access of len bytes from there
 * moves: contiguous, and within one page so that each page's encryption
 * state is checked. The bus and direct access both cut here. */
static enum vrs_xlate_fault next_piece(struct vrs_devbus *b,
				       vrs_dma_addr_t addr, size_t len,
				       bool write,
				       struct vrs_xlate_result *res,
				       size_t *piece)
{
	enum vrs_xlate_fault f =
		b->xlate.translate(b->xlate.ctx, addr, write, res);
	if (f == VRS_XLATE_OK) {
		*piece = VRS_MIN(len, res->contiguous);
		*piece = VRS_MIN(*piece,
				 VRS_PAGE_SIZE - (res->gpa & VRS_PAGE_MASK));
	}
	return f;
}

static int devbus_access(struct vrs_devbus *b, vrs_dma_addr_t addr,
			 uint8_t *buf, size_t len, bool write)
{
	if (len == 0)
		return 0;
	if (addr > UINT64_MAX - len)
		return fault(b, write, addr, len, "address wraps");
	while (len) {
		struct vrs_xlate_result res;
		size_t piece;
		enum vrs_xlate_fault f =
			next_piece(b, addr, len, write, &res, &piece);
		if (f != VRS_XLATE_OK)
			return fault(b, write, addr, len, xlate_why(b, addr, f));
		if (VRS_NEVER(res.contiguous == 0))
			return fault(b, write, addr, len,
				     "translator returned an empty range");
		if (res.stale && !b->quiet) {
			b->stale_hits++;
			vrs_report(VRS_FIND_STALE_IOTLB,
				   "device %s at bus address 0x%llx used a "
				   "device-IOTLB entry whose mapping is gone "
				   "(GPA 0x%llx) [platform %s]",
				   access_name(write), (unsigned long long)addr,
				   (unsigned long long)res.gpa, b->plat->name);
		}
		VRS_GUARD(access_piece(b, addr, res.gpa, buf, piece, write));
		addr += piece;
		buf += piece;
		len -= piece;
	}
	return 0;
}

static int devbus_read(void *ctx, vrs_dma_addr_t addr, void *dst, size_t len)
{
	struct vrs_devbus *b = ctx;
	b->reads++;
	return devbus_access(b, addr, dst, len, false);
}

static int devbus_write(void *ctx, vrs_dma_addr_t addr, const void *src,
			size_t len)
{
	struct vrs_devbus *b = ctx;
	b->writes++;
	/* The bus never writes through src: the cast only shares the walker. */
	return devbus_access(b, addr, (uint8_t *)(uintptr_t)src, len, true);
}

/* The host address when devbus_access would move [addr, addr + len) in
 * one piece of shared memory with no finding: the same piece, the same
 * refusals, asked of the same helpers. A write always does more than
 * count (dirty-page tracking, corrupt_nth), so it is never direct. */
static void *devbus_direct(void *ctx, vrs_dma_addr_t addr, size_t len,
			   bool write)
{
	struct vrs_devbus *b = ctx;
	if (write || b->quiet || len == 0 || addr > UINT64_MAX - len)
		return NULL;
	struct vrs_xlate_result res;
	size_t piece;
	if (next_piece(b, addr, len, write, &res, &piece) != VRS_XLATE_OK ||
	    piece != len || res.stale)
		return NULL;
	const char *why;
	uint8_t *mem = piece_mem(b, res.gpa, len, &why);
	if (!mem || vrs_gmem_page_private(b->gm, res.gpa))
		return NULL;
	b->reads++; /* as devbus_read counts it */
	return mem;
}

int vrs_devbus_peek(struct vrs_devbus *b, vrs_dma_addr_t addr, void *dst,
		    size_t len)
{
	b->quiet = true;
	int rc = devbus_access(b, addr, dst, len, false);
	b->quiet = false;
	return rc;
}

static const struct vrs_bus_ops devbus_ops = {
	.read = devbus_read,
	.write = devbus_write,
	.direct = devbus_direct,
};

void vrs_devbus_bus(struct vrs_devbus *b, struct vrs_bus *out)
{
	out->ops = &devbus_ops;
	out->ctx = b;
}
