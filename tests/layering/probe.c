/* Compiled with one layer's include path and one header (VRSIM_PROBE,
 * a quoted name): whether that layer can see that header at all. */
#include VRSIM_PROBE
int vrs_layering_probe;
