/* The op-stream engine of the DMA-layer fuzz targets (fuzz_swiotlb,
 * fuzz_iommu). An input is a header byte, then up to max_ops operations:
 * an opcode byte (mod 16, mapped to a kind by the model's table) and that
 * kind's fixed-width arguments. The engine reads the stream, runs each op,
 * schedules the backend's full check, prints ops for decode and for the
 * abort hook, and encodes descriptions. A target brings its model (the
 * backend, the reference state, what each kind of op does to both) and its
 * format (how each kind reads from bytes and as text), a table row per
 * kind in each. */
#ifndef VRSIM_FUZZ_DMAOPS_H
#define VRSIM_FUZZ_DMAOPS_H

#include <stdio.h>

#include "encode.h"
#include "fuzz/target.h"
#include "sim/provider.h"

/* The model comparison runs after every op; the backend's own full check
 * walks its whole state, so the fuzzers run it every VRS_DMAOPS_CHECK_EVERY
 * ops and at the end of the input, and decode (a reader localising a
 * finding) after every op. */
#define VRS_DMAOPS_CHECK_EVERY 16

/* What the engine keeps of every op: a model's op struct begins with it. */
struct vrs_dmaop {
	uint8_t kind;
	bool done; /* executed to the end: its result fields are set */
};

/* One op printed: the description syntax, then "  # result". */
struct vrs_dmaops_line {
	char s[160];
	size_t len;
};

void vrs_dmaops_printf(struct vrs_dmaops_line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A description names a kind by one of up to this many spellings. */
#define VRS_DMAOPS_SPELLINGS 4

/* One kind of op as bytes and as text. Callbacks get the model's op. */
struct vrs_dmaops_op_format {
	/* Its names; which one an op has (say translate-stale, a translate
	 * of mode 1) is the kind's business. */
	const char *names[VRS_DMAOPS_SPELLINGS];
	/* Read the arguments after the opcode byte, reduced into range
	 * against the model's current state. */
	void (*read)(struct vrs_provider *p, void *op);
	/* Print it in the description syntax; false when that line is all
	 * there is to say (an op that found nothing to act on). */
	bool (*format)(const void *op, const char *const *names,
		       struct vrs_dmaops_line *l);
	/* Print "  # ..." what a finished op gave; NULL: nothing. */
	void (*result)(const void *op, struct vrs_dmaops_line *l);
	/* Write the arguments of the words w (w->w[0] is names[spelling])
	 * after the opcode byte: 0, or -EINVAL if they do not parse. */
	int (*encode)(struct vrs_encoder *e, const struct vrs_encode_words *w,
		      unsigned spelling);
};

/* A target's input format. */
struct vrs_dmaops_format {
	const struct vrs_dmaops_op_format *ops; /* by kind */
	unsigned nkinds;
	/* Opcode byte mod 16 -> kind; the first nkinds entries are the
	 * identity, which is what encode writes. */
	const uint8_t *opcodes;
	/* The header byte as a description word ("mask=0xfff"), and a
	 * newline. */
	void (*print_header)(uint8_t header, FILE *f);
	/* true when w is a header word, *header set (*bad if it is one with
	 * a value out of range). */
	bool (*parse_header)(const char *w, uint8_t *header, bool *bad);
};

/* A target's model: the backend, the reference state, what each kind of
 * op does to both. */
struct vrs_dmaops_model {
	const char *target; /* "fuzz_swiotlb": messages, reproduce line */
	const struct vrs_dmaops_format *format;
	/* By kind: run the op on the backend and the model, reporting what
	 * differs. */
	void (*const *exec)(void *op);
	/* Where the ops of an input go: max_ops of op_size bytes each. */
	void *ops;
	size_t op_size;
	unsigned max_ops;
	uint64_t armed; /* the finding kinds that abort */

	/* Once per process: guest memory, backend. 0 or a negative errno. */
	int (*create)(void);
	void (*destroy)(void);
	/* A new input: reset the model's state and apply the header byte. */
	void (*start)(uint8_t header);
	/* The backend's full structural check: 0 or a negative errno. */
	const char *check_name;
	int (*check)(void);
	/* After every op and its scheduled full check: cheap accounting. */
	void (*after_op)(void);
	/* At the end of the input: checks over the whole state; or NULL. */
	void (*finish)(void);
	/* Back to clean (backend, guest memory), for the next input. */
	void (*reset)(void);
};

int vrs_dmaops_init(const struct vrs_dmaops_model *m);
void vrs_dmaops_cleanup(const struct vrs_dmaops_model *m);
/* One input; out: print each op as it runs (decode). */
void vrs_dmaops_run(const struct vrs_dmaops_model *m, const uint8_t *data,
		    size_t len, FILE *out);
/* The input run with findings recorded and each op printed. */
void vrs_dmaops_decode(const struct vrs_dmaops_model *m, const uint8_t *data,
		       size_t len, FILE *f);
/* Bytes written to out, or -EINVAL with the reason on stderr. */
long vrs_dmaops_encode(const struct vrs_dmaops_model *m,
		       const char *description, uint8_t *out, size_t cap);

/* For a model's messages while an input runs: the current op printed
 * ("end of input" before the first), and its index. */
const char *vrs_dmaops_cur_op(void);
unsigned vrs_dmaops_cur_index(void);
/* "ok", "-ENOMEM", "-EINVAL" or "error". */
const char *vrs_dmaops_rc_name(int rc);

/* Define the fuzz target sym, named target_name, that drives model. */
#define VRS_DMAOPS_TARGET(sym, target_name, model)                             \
	static int target_init(void) { return vrs_dmaops_init(&(model)); }     \
	static void target_cleanup(void) { vrs_dmaops_cleanup(&(model)); }    \
	static int target_run(const uint8_t *data, size_t len)                 \
	{                                                                      \
		vrs_dmaops_run(&(model), data, len, NULL);                     \
		return 0;                                                      \
	}                                                                      \
	static void target_decode(const uint8_t *data, size_t len, FILE *f)    \
	{                                                                      \
		vrs_dmaops_decode(&(model), data, len, f);                     \
	}                                                                      \
	static long target_encode(const char *d, uint8_t *out, size_t cap)     \
	{                                                                      \
		return vrs_dmaops_encode(&(model), d, out, cap);               \
	}                                                                      \
	const struct vrs_fuzz_target sym = {                                   \
		.name = target_name,                                           \
		.init = target_init,                                           \
		.run = target_run,                                             \
		.cleanup = target_cleanup,                                     \
		.decode = target_decode,                                       \
		.encode = target_encode,                                       \
	}

#endif
