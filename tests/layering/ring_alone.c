/* ring/ links with the interfaces alone. A driver queue and a device
 * queue meet over mocks written here: a flat array as memory, an identity
 * DMA API (bus address = offset in the array), a bump allocator and a bus
 * that reads and writes the array. The program is linked against
 * vrsim_ring and nothing else, so a call from ring/ into dma/, sim/ or the
 * base fails this build. Exit 0 when one buffer goes round both layouts. */
#include <stdio.h>
#include <string.h>

#include "vrsim/virtio.h"
#include "vrsim/vq.h"
#include "vrsim/vqdev.h"

static _Alignas(4096) unsigned char mem[1u << 20];
static size_t brk_ = 4096; /* address 0 is never valid */

static void *mock_alloc(void *ctx, size_t size)
{
	size_t at = (brk_ + 4095) & ~(size_t)4095;
	if (at + size > sizeof(mem))
		return NULL;
	brk_ = at + size;
	memset(mem + at, 0, size);
	return mem + at;
}
static void mock_free(void *ctx, void *p, size_t size) {}

static int mock_map(void *ctx, void *cpu, size_t size, enum vrs_dma_dir dir,
		    enum vrs_dma_kind kind, vrs_dma_addr_t *out)
{
	*out = (vrs_dma_addr_t)((unsigned char *)cpu - mem);
	return 0;
}
static void mock_unmap(void *ctx, vrs_dma_addr_t a, size_t size,
		       enum vrs_dma_dir dir, enum vrs_dma_kind kind) {}
static void mock_sync(void *ctx, vrs_dma_addr_t a, size_t off, size_t size,
		      enum vrs_dma_dir dir) {}
static int mock_alloc_coherent(void *ctx, size_t size, void **cpu,
			       vrs_dma_addr_t *out)
{
	*cpu = mock_alloc(ctx, size);
	return *cpu ? mock_map(ctx, *cpu, size, 0, VRS_DMA_KIND_COHERENT, out)
		    : -12;
}
static void mock_free_coherent(void *ctx, size_t size, void *cpu,
			       vrs_dma_addr_t a) {}
static bool mock_mapping_error(void *ctx, vrs_dma_addr_t a)
{
	return a == VRS_DMA_MAPPING_ERROR;
}
static size_t mock_max(void *ctx) { return sizeof(mem); }

static const struct vrs_dma_ops mock_dma_ops = {
	.name = "mock", .map = mock_map, .unmap = mock_unmap,
	.sync_for_cpu = mock_sync, .sync_for_device = mock_sync,
	.alloc_coherent = mock_alloc_coherent,
	.free_coherent = mock_free_coherent,
	.mapping_error = mock_mapping_error, .max_mapping_size = mock_max,
};

static int bus_read(void *ctx, vrs_dma_addr_t a, void *dst, size_t len)
{
	if (a >= sizeof(mem) || len > sizeof(mem) - a)
		return -14;
	memcpy(dst, mem + a, len);
	return 0;
}
static int bus_write(void *ctx, vrs_dma_addr_t a, const void *src, size_t len)
{
	if (a >= sizeof(mem) || len > sizeof(mem) - a)
		return -14;
	memcpy(mem + a, src, len);
	return 0;
}
static const struct vrs_bus_ops mock_bus_ops = {
	.read = bus_read,
	.write = bus_write,
};

static void notify(void *ctx, uint32_t data) { ++*(unsigned *)ctx; }

static int one_buffer(uint64_t features)
{
	struct vrs_dma dma = {&mock_dma_ops, NULL};
	struct vrs_kmem kmem = {mock_alloc, mock_free, NULL};
	struct vrs_bus bus = {&mock_bus_ops, NULL};
	unsigned kicks = 0;
	struct vrs_vq *vq;
	struct vrs_driver_queue_config vc = {.num = 8, .features = features,
				   .dma = &dma, .kmem = &kmem,
				   .notify = notify, .notify_ctx = &kicks};
	if (vrs_vq_create(&vc, &vq) < 0)
		return -1;
	struct vrs_vqdev *dev;
	struct vrs_vqdev_config dc = {.num = 8, .features = features, .bus = &bus};
	vrs_vq_addrs(vq, &dc.addrs);
	if (vrs_vqdev_create(&dc, &dev) < 0)
		return -1;

	char *out = mock_alloc(NULL, 64), *in = mock_alloc(NULL, 64);
	strcpy(out, "request");
	struct vrs_sg sg[2] = {{out, 8}, {in, 64}};
	int token;
	if (vrs_vq_add(vq, sg, 1, 1, &token) < 0 || !vrs_vq_kick(vq) || kicks != 1)
		return -1;

	struct vrs_iov iov[4];
	struct vrs_vqdev_req req = {.iov = iov, .iov_cap = 4};
	char got[8];
	if (vrs_vqdev_pop(dev, &req) < 0 || req.nout != 1 || req.nin != 1 ||
	    bus_read(NULL, iov[0].addr, got, 8) < 0 || strcmp(got, "request") ||
	    bus_write(NULL, iov[1].addr, "reply", 6) < 0 ||
	    vrs_vqdev_push(dev, &req, 6) < 0)
		return -1;

	uint32_t len;
	void *back;
	int ok = vrs_vq_get_buf(vq, &len, &back) == 0 && back == &token &&
		 len == 6 && strcmp(in, "reply") == 0 && vrs_vq_check(vq) == 0;
	vrs_vqdev_destroy(dev);
	vrs_vq_destroy(vq);
	return ok ? 0 : -1;
}

int main(void)
{
	int split = one_buffer(VRS_BIT(VRS_F_VERSION_1));
	int packed = one_buffer(VRS_BIT(VRS_F_VERSION_1) |
				VRS_BIT(VRS_F_RING_PACKED));
	printf("ring alone: split %s, packed %s\n", split ? "FAILED" : "ok",
	       packed ? "FAILED" : "ok");
	return split || packed;
}
