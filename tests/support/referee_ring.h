/* Rings built by hand in a host buffer for the referee's suites
 * (test_referee.c: set-up and split rules; test_referee_packed.c: packed
 * rules and event suppression): addresses are offsets into mem, and an
 * address outside it faults. The short names are the suites' own. */
#ifndef VRSIM_TESTS_REFEREE_RING_H
#define VRSIM_TESTS_REFEREE_RING_H

#include "sim/referee.h"

#define MEM 0x10000u
#define DESC 0x1000u
#define DRIVER 0x2000u
#define DEVICE 0x3000u
#define TABLE 0x4000u
#define BUF 0x8000u
#define OUTSIDE 0x100000u /* not in mem: the read faults */
#define V1 VRS_BIT(VRS_F_VERSION_1)
#define IND VRS_BIT(VRS_F_INDIRECT_DESC)
#define EVT VRS_BIT(VRS_F_EVENT_IDX)
#define INO VRS_BIT(VRS_F_IN_ORDER)
#define PK VRS_BIT(VRS_F_RING_PACKED)
#define NEXT VRS_DESC_F_NEXT
#define WR VRS_DESC_F_WRITE
#define INDF VRS_DESC_F_INDIRECT
#define F_AVAIL (1u << VRS_PACKED_DESC_F_AVAIL)
#define F_USED (1u << VRS_PACKED_DESC_F_USED)
#define sdesc(i, a, l, f, n) sdesc_at(DESC, i, a, l, f, n)
#define itab(j, a, l, f, n) sdesc_at(TABLE, j, a, l, f, n)

extern uint8_t mem[MEM];
extern struct vrs_endian E;
extern unsigned reads;
extern struct vrs_referee R;
extern unsigned NUM;

int tread(void *ctx, uint64_t a, void *dst, size_t len);
void setup(void);
void w16(uint64_t a, uint16_t v);
void w32(uint64_t a, uint32_t v);
void w64(uint64_t a, uint64_t v);
void sdesc_at(uint64_t base, unsigned i, uint64_t addr, uint32_t len,
              uint16_t flags, uint16_t next);
void avail_ring(uint16_t pos, uint16_t head);
void avail_idx(uint16_t v);
void avail_flags(uint16_t v);
void used_event(uint16_t v);
void pdesc_raw(unsigned slot, uint64_t addr, uint32_t len, uint16_t id,
               uint16_t flags);
uint16_t avail_bits(bool wrap);
void pdesc(unsigned slot, uint64_t addr, uint32_t len, uint16_t id,
           uint16_t flags, bool wrap);
void ptab(unsigned j, uint64_t addr, uint32_t len, uint16_t flags);
void driver_event(uint16_t off_wrap, uint16_t flags);
struct vrs_referee_config cfg_for(unsigned num, uint64_t features);
void split_ref(unsigned num, uint64_t features, uint16_t start);
void packed_ref(unsigned num, uint64_t features, uint16_t slot, bool wrap);
struct vrs_referee_chain judge(void);
void expect(const struct vrs_referee_chain *c, enum vrs_referee_verdict v,
            const char *section);
void counts(const struct vrs_referee_chain *c, uint32_t nr, uint32_t nw,
            uint64_t rb, uint64_t wb);
void offer(uint16_t head);

#endif
