/* The op-stream engine of the DMA-layer fuzz targets. */
#include "dmaops.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "vrsim/report.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* The input running (one at a time per process). */
static const struct vrs_dmaops_model *m;
static uint8_t header;
static unsigned nops;
static bool decoding; /* each op is printed as it runs */

static struct vrs_dmaop *op_at(unsigned i)
{
	return (struct vrs_dmaop *)((char *)m->ops + (size_t)i * m->op_size);
}

/* ---- printing ----------------------------------------------------------- */

void vrs_dmaops_printf(struct vrs_dmaops_line *l, const char *fmt, ...)
{
	size_t cap = sizeof(l->s) - l->len;
	if (cap <= 1)
		return; /* full: the rest of the line is dropped */
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->s + l->len, cap, fmt, ap);
	va_end(ap);
	/* Truncated, the line is full: nothing more goes in. */
	if (n > 0)
		l->len += (size_t)n < cap ? (size_t)n : cap - 1;
}

const char *vrs_dmaops_rc_name(int rc)
{
	switch (rc) {
	case 0:
		return "ok";
	case -ENOMEM:
		return "-ENOMEM";
	case -EINVAL:
		return "-EINVAL";
	default:
		return "error";
	}
}

static void format_op(const struct vrs_dmaop *o, struct vrs_dmaops_line *l)
{
	const struct vrs_dmaops_op_format *k = &m->format->ops[o->kind];
	l->len = 0;
	l->s[0] = '\0';
	if (!k->format(o, k->names, l) || l->len >= sizeof(l->s) - 1)
		return;
	if (!o->done)
		vrs_dmaops_printf(l, "  # (running)");
	else if (k->result)
		k->result(o, l);
}

static void print_op(const struct vrs_dmaop *o, FILE *f)
{
	struct vrs_dmaops_line line;
	format_op(o, &line);
	fprintf(f, "%s\n", line.s);
}

const char *vrs_dmaops_cur_op(void)
{
	static struct vrs_dmaops_line line;
	if (!nops)
		return "end of input";
	format_op(op_at(nops - 1), &line);
	return line.s;
}

unsigned vrs_dmaops_cur_index(void)
{
	return nops ? nops - 1 : 0;
}

/* The abort hook: what ran of the input, for the crash report. */
static void print_context(void *ctx)
{
	fprintf(stderr, "---- vrsim: the input, decoded (ops so far) ----\n");
	m->format->print_header(header, stderr);
	for (unsigned i = 0; i < nops; i++)
		print_op(op_at(i), stderr);
	fprintf(stderr, "---- reproduce: scripts/reproduce %s FILE ----\n",
		m->target);
}

/* ---- decode: the findings an op raised ---------------------------------- */

struct counts {
	unsigned c[VRS_FIND_COUNT];
};

static void snapshot(struct counts *s)
{
	for (unsigned k = 0; k < VRS_FIND_COUNT; k++)
		s->c[k] = vrs_report_count((enum vrs_finding)k);
}

/* Print, indented, each kind reported since the snapshot. */
static void print_new(const struct counts *s, FILE *f)
{
	for (unsigned k = 0; k < VRS_FIND_COUNT; k++)
		if (vrs_report_count((enum vrs_finding)k) != s->c[k])
			fprintf(f, "    ! %s: %s\n",
				vrs_finding_name((enum vrs_finding)k),
				vrs_report_last((enum vrs_finding)k));
}

/* ---- running ------------------------------------------------------------ */

static void check_structure(void)
{
	if (m->check() < 0)
		vrs_report(VRS_FIND_PROTOCOL, "%s failed by op %u [%s]%s",
			   m->check_name, nops - 1, vrs_dmaops_cur_op(),
			   decoding ? "" : " (checked every "
			   STR(VRS_DMAOPS_CHECK_EVERY) " ops: decode the "
			   "input to find the first)");
}

void vrs_dmaops_run(const struct vrs_dmaops_model *model, const uint8_t *data,
		    size_t len, FILE *out)
{
	m = model;
	decoding = out != NULL;
	/* The backend is clean: init left it so and every input cleans up
	 * after itself (below). */
	vrs_report_clear();
	nops = 0;

	struct vrs_provider p;
	vrs_provider_bytes(&p, data, len);
	header = vrs_provider_u8(&p);
	m->start(header);
	if (out)
		m->format->print_header(header, out);
	while (!vrs_provider_done(&p) && nops < m->max_ops) {
		struct vrs_dmaop *o = op_at(nops++);
		memset(o, 0, m->op_size);
		o->kind = m->format->opcodes[vrs_provider_u8(&p) % 16];
		m->format->ops[o->kind].read(&p, o);
		struct counts before;
		if (out)
			snapshot(&before);
		m->exec[o->kind](o);
		o->done = true;
		if (decoding || nops % VRS_DMAOPS_CHECK_EVERY == 0)
			check_structure();
		m->after_op();
		if (out) {
			print_op(o, out);
			print_new(&before, out);
		}
	}
	/* the ops since the last periodic check */
	if (!decoding && nops % VRS_DMAOPS_CHECK_EVERY)
		check_structure();
	if (m->finish) {
		struct counts before;
		snapshot(&before);
		m->finish();
		if (out)
			print_new(&before, out);
	}
	/* Clean up now rather than at the next input's start, so that input's
	 * path does not depend on this one (AFL++ stability). */
	m->reset();
}

void vrs_dmaops_decode(const struct vrs_dmaops_model *model,
		       const uint8_t *data, size_t len, FILE *f)
{
	enum vrs_report_mode mode = vrs_report_mode();
	vrs_report_set_mode(VRS_REPORT_RECORD);
	vrs_dmaops_run(model, data, len, f);
	vrs_report_set_mode(mode);
}

int vrs_dmaops_init(const struct vrs_dmaops_model *model)
{
	int rc = model->create();
	if (rc < 0)
		return rc;
	m = model;
	vrs_report_set_mode(VRS_REPORT_ABORT);
	vrs_report_set_armed(model->armed);
	vrs_report_set_abort_hook(print_context, NULL);
	return 0;
}

void vrs_dmaops_cleanup(const struct vrs_dmaops_model *model)
{
	model->destroy();
	if (m == model)
		m = NULL;
}

/* ---- encode ------------------------------------------------------------- */

/* One op of a description: its opcode (the kind's index), then its
 * arguments as the kind writes them. */
static int encode_op(const struct vrs_dmaops_format *fmt,
		     struct vrs_encoder *e, const struct vrs_encode_words *w)
{
	for (unsigned k = 0; k < fmt->nkinds; k++) {
		const struct vrs_dmaops_op_format *kind = &fmt->ops[k];
		for (unsigned s = 0; s < VRS_DMAOPS_SPELLINGS; s++) {
			if (!kind->names[s] || strcmp(w->w[0], kind->names[s]))
				continue;
			vrs_encode_put8(e, (uint8_t)k);
			return kind->encode(e, w, s);
		}
	}
	return -EINVAL;
}

long vrs_dmaops_encode(const struct vrs_dmaops_model *model,
		       const char *description, uint8_t *out, size_t cap)
{
	const struct vrs_dmaops_format *fmt = model->format;
	struct vrs_encoder e = {.out = out, .cap = cap};
	struct vrs_encode_words w;
	bool bad = false;
	const char *s = description;
	uint8_t head = 0;
	vrs_encode_put8(&e, 0); /* the header byte, set below */
	if (strstr(description, "ops=")) {
		uint64_t n = 0, seed = 1;
		if (!vrs_encode_next_op(&s, &w, &bad) || *s)
			bad = true;
		for (unsigned i = 0; !bad && i < w.n; i++)
			if (!fmt->parse_header(w.w[i], &head, &bad) &&
			    !vrs_encode_key(w.w[i], "ops", &n, &bad) &&
			    !vrs_encode_key(w.w[i], "opseed", &seed, &bad))
				bad = true;
		if (!bad)
			vrs_encode_put_seeded(&e, n, seed);
	} else {
		for (unsigned i = 0; !bad && vrs_encode_next_op(&s, &w, &bad); i++) {
			if (bad || w.n == 0)
				continue;
			if (i == 0 && w.n == 1 &&
			    fmt->parse_header(w.w[0], &head, &bad))
				continue;
			if (encode_op(fmt, &e, &w) < 0) {
				fprintf(stderr, "%s: cannot encode '%s ...'\n",
					model->target, w.w[0]);
				bad = true;
			}
		}
	}
	if (bad || e.full || !cap) {
		fprintf(stderr, "%s: bad description (see the syntax at the top "
			"of fuzz/%s.c)\n", model->target, model->target);
		return -EINVAL;
	}
	out[0] = head;
	return (long)e.len;
}
