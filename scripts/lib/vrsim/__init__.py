"""vrsim's campaign program: the commands users type in scripts/ (fuzz,
reproduce, coverage, mutants, bench-fuzz) are thin entry points into this
package, one module per job (see docs/fuzzing-campaigns.md)."""
