/* A divergence found by either differential mode (differential.c for
 * drivers, devdiff.c for device sides), reported one way: in abort mode
 * both runs are made again, unwatched, so that both traces come before
 * the finding. */
#include <stdio.h>

#include "diffreport.h"

void vrs_diff_report(struct vrs_sim *s, const struct vrs_sim_config *a,
		     const struct vrs_sim_config *b, const uint8_t *input,
		     size_t len, const char *na, const char *nb,
		     const char *why, struct vrs_sim_result *res)
{
	if (vrs_report_mode() == VRS_REPORT_ABORT) {
		/* Both traces: the first run again, then the second, whose
		 * trace the abort hook prints. */
		struct vrs_sim_result again;
		vrs_sim_run(s, a, input, len, &again);
		fprintf(stderr, "---- vrsim: differential, the %s run ----\n", na);
		vrs_sim_print_trace(s, stderr, 60);
		vrs_sim_run(s, b, input, len, &again);
		fprintf(stderr, "---- vrsim: differential, the %s run (below) ----\n",
			nb);
	}
	vrs_report(VRS_FIND_DIVERGENCE, "%s", why);
	res->findings++;
}
