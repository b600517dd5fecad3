#!/bin/bash -eu
# The builder sets CC, CFLAGS, LIB_FUZZING_ENGINE, OUT and WORK.
exec "$SRC/vrsim/scripts/oss-fuzz-build"
